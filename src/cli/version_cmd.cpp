// SPDX-License-Identifier: Apache-2.0
// `version parse|compare|match|sort|compat`: the semver engine on the command line.
#include "context.hpp"

#include <noodle/output/version_view.hpp>
#include <noodle/semver/range.hpp>
#include <noodle/semver/version.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace noodle::cli {

namespace {

struct VersionOptions {
  std::string a;
  std::string b;
  std::string range;
  std::vector<std::string> versions;
};

// Versions from the arguments or, when there are none, one per line on stdin
// (blank lines skipped). The first invalid one is an error naming its line.
Result<std::vector<semver::Version>> read_versions(Context& ctx, const std::vector<std::string>& args)
{
  std::vector<semver::Version> out;
  if (!args.empty()) {
    out.reserve(args.size());
    for (const auto& a : args) {
      auto v = semver::Version::parse(a);
      if (!v) {
        return fail(v.error());
      }
      out.push_back(std::move(*v));
    }
    return out;
  }
  std::string text;
  char chunk[1 << 16];
  while (ctx.in.read(chunk, sizeof chunk) || ctx.in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(ctx.in.gcount()));
  }
  out.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  std::string_view rest(text);
  std::size_t line_no = 0;
  while (!rest.empty()) {
    std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      continue;
    }
    auto v = semver::Version::parse(line);
    if (!v) {
      Error e = v.error();
      e.where = SourceLocation{"<stdin>", static_cast<std::uint32_t>(line_no), 0};
      return fail(std::move(e));
    }
    out.push_back(std::move(*v));
  }
  return out;
}

} // namespace

void add_version_commands(CLI::App& app, Registry& registry)
{
  auto* version = add_command(app, "version", "Parse, compare, match and sort semantic versions", "", "noodle-upgrade version sort 1.10.0 1.9.0");
  version->require_subcommand(1);
  auto opts = std::make_shared<VersionOptions>();

  auto* parse = add_command(*version, "parse", "Parse a version and print its parts", "", "noodle-upgrade version parse 2.1.0-rc.1+build.7");
  parse->add_option("VERSION", opts->a, "A SemVer 2.0.0 version")->required();
  on_run(parse, registry, [opts](Context& ctx) {
    auto v = semver::Version::parse(opts->a);
    return v ? output::render_version(*v, ctx.reporter) : ctx.reporter.failure(v.error());
  });

  auto* compare = add_command(*version, "compare", "Print -1, 0 or 1 as A sorts before, with or after B", "", "noodle-upgrade version compare 1.10.0 1.9.0");
  compare->add_option("A", opts->a, "First version")->required();
  compare->add_option("B", opts->b, "Second version")->required();
  on_run(compare, registry, [opts](Context& ctx) {
    auto ab = read_versions(ctx, {opts->a, opts->b});
    if (!ab) {
      return ctx.reporter.failure(ab.error());
    }
    const auto& a = (*ab)[0];
    const auto& b = (*ab)[1];
    return output::render_compare(a, b, semver::compare(a, b), ctx.reporter);
  });

  auto* match = add_command(*version, "match", "Print the versions that satisfy RANGE, ascending; exit 1 when none does", "Versions come from the arguments or, when none are given, one per line on stdin.", "noodle-upgrade version match '^1.2.0' 1.1.0 1.4.2 2.0.0");
  match->add_option("RANGE", opts->range, "A range in npm semver syntax")->required();
  match->add_option("VERSION", opts->versions, "Versions to test");
  on_run(match, registry, [opts](Context& ctx) {
    auto range = semver::Range::parse(opts->range);
    if (!range) {
      return ctx.reporter.failure(range.error());
    }
    auto versions = read_versions(ctx, opts->versions);
    if (!versions) {
      return ctx.reporter.failure(versions.error());
    }
    auto& vs = *versions;
    vs.erase(std::remove_if(vs.begin(), vs.end(), [&](const semver::Version& v) { return !range->satisfies(v); }),
             vs.end());
    semver::sort(vs);
    return output::render_version_list(vs, &*range, ctx.reporter);
  });

  auto* sort = add_command(*version, "sort", "Print versions in ascending precedence order", "Versions come from the arguments or, when none are given, one per line on stdin.", "noodle-upgrade version sort 1.10.0 1.2.0 1.2.0-rc.1");
  sort->add_option("VERSION", opts->versions, "Versions to sort");
  on_run(sort, registry, [opts](Context& ctx) {
    auto versions = read_versions(ctx, opts->versions);
    if (!versions) {
      return ctx.reporter.failure(versions.error());
    }
    semver::sort(*versions);
    return output::render_version_list(*versions, nullptr, ctx.reporter);
  });

  auto* compat = add_command(*version, "compat", "Say whether moving from A to B is a compatible change; exit 1 when it is breaking", "", "noodle-upgrade version compat 1.4.0 2.0.0");
  compat->add_option("A", opts->a, "Version upgraded from")->required();
  compat->add_option("B", opts->b, "Version upgraded to")->required();
  on_run(compat, registry, [opts](Context& ctx) {
    auto ab = read_versions(ctx, {opts->a, opts->b});
    if (!ab) {
      return ctx.reporter.failure(ab.error());
    }
    return output::render_compat((*ab)[0], (*ab)[1], semver::compatibility((*ab)[0], (*ab)[1]), ctx.reporter);
  });
}

} // namespace noodle::cli
