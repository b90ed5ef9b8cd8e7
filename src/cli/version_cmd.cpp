// SPDX-License-Identifier: Apache-2.0
// `version parse|compare|match|sort|compat`: the semver engine on the command line.
#include "context.hpp"

#include <noodle/output/version_view.hpp>
#include <noodle/semver/coerce.hpp>
#include <noodle/semver/increment.hpp>
#include <noodle/semver/range.hpp>
#include <noodle/semver/range_relations.hpp>
#include <noodle/semver/version.hpp>
#include <noodle/semver/version_list.hpp>

#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

namespace noodle::cli {

namespace {

struct VersionOptions {
  std::string a;
  std::string b;
  std::string range;
  std::vector<std::string> versions;
  semver::Options semver;
  std::string release;
  std::optional<std::string> preid;
  std::string identifier_base = "0";
  bool rtl = false;
  std::string range2;
  bool gtr = false;
  bool ltr = false;
};

// npm semver's --loose and --include-prerelease (-p), on every subcommand.
void add_semver_flags(CLI::App* cmd, VersionOptions& opts)
{
  cmd->add_flag("--loose", opts.semver.loose, "Parse versions and ranges as npm semver's loose mode does");
  cmd->add_flag("-p,--include-prerelease", opts.semver.include_prerelease,
                "Let ranges match prereleases of any MAJOR.MINOR.PATCH");
}

// Each text read loosely and written in canonical form, so that the fast
// list reads it back unchanged.
Result<semver::VersionList> parse_loose_each(const std::vector<std::string>& texts, std::string_view source,
                                             const std::vector<std::size_t>& lines)
{
  std::vector<std::string> canonical;
  canonical.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto v = semver::Version::parse(texts[i], semver::Options{.loose = true});
    if (!v) {
      Error e = v.error();
      if (!source.empty()) {
        e.where = SourceLocation{std::string(source), static_cast<std::uint32_t>(lines[i]), 0};
      }
      return fail(std::move(e));
    }
    canonical.push_back(v->to_string());
  }
  return semver::VersionList::parse_each(canonical);
}

// All of standard input. The process's own stdin is read with read(2) into
// one buffer, sized from fstat when it is a file, so that large inputs are
// neither copied through the stream nor regrown; any other stream (run()
// driven in process) is read through the istream.
class InputText {
public:
  static Result<InputText> read(Context& ctx)
  {
    InputText input;
    if (&ctx.in != &std::cin) {
      char chunk[1 << 16];
      while (ctx.in.read(chunk, sizeof chunk) || ctx.in.gcount() > 0) {
        input.m_stream.append(chunk, static_cast<std::size_t>(ctx.in.gcount()));
      }
      return input;
    }
    std::size_t capacity = std::size_t{1} << 16;
    struct stat st {};
    if (::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode)) {
      const auto at = ::lseek(STDIN_FILENO, 0, SEEK_CUR);
      if (at >= 0 && st.st_size > at) {
        // One byte more, so that reaching the end takes no regrowth.
        capacity = static_cast<std::size_t>(st.st_size - at) + 1;
      }
    }
    std::size_t size = 0;
    for (;;) {
      if (size == capacity) {
        capacity *= 2;
        auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
        std::copy(input.m_buffer.get(), input.m_buffer.get() + size, bigger.get());
        input.m_buffer = std::move(bigger);
      } else if (!input.m_buffer) {
        input.m_buffer = std::make_unique_for_overwrite<char[]>(capacity);
      }
      const auto n = ::read(STDIN_FILENO, input.m_buffer.get() + size, capacity - size);
      if (n == 0) {
        break;
      }
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        std::string why = std::strerror(errno);
        why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
        return fail(ErrorCode::io, fmt::format("cannot read standard input: {}", why));
      }
      size += static_cast<std::size_t>(n);
    }
    input.m_size = size;
    return input;
  }

  // Computed on each call: moving m_stream may move its bytes.
  std::string_view text() const { return m_buffer ? std::string_view(m_buffer.get(), m_size) : m_stream; }

private:
  std::unique_ptr<char[]> m_buffer; // from stdin itself
  std::size_t m_size = 0;
  std::string m_stream; // from another stream
};

// Versions from the arguments or, when there are none, one per line on
// stdin (blank lines skipped). The first invalid one is an error naming its
// line. The list refers into `input`, which must outlive it.
Result<semver::VersionList> read_versions(Context& ctx, const std::vector<std::string>& args,
                                          std::optional<InputText>& input, const semver::Options& options)
{
  if (!args.empty()) {
    return options.loose ? parse_loose_each(args, {}, {}) : semver::VersionList::parse_each(args);
  }
  auto read = InputText::read(ctx);
  if (!read) {
    return fail(read.error());
  }
  input = std::move(*read);
  if (!options.loose) {
    return semver::VersionList::parse_lines_borrowed(input->text(), "<stdin>");
  }
  // The same lines as parse_lines: '\n' ends one, a '\r' before it is
  // dropped, lines of only spaces and tabs are skipped.
  std::vector<std::string> texts;
  std::vector<std::size_t> lines;
  std::string_view rest = input->text();
  for (std::size_t line = 1; !rest.empty(); ++line) {
    const auto nl = rest.find('\n');
    auto text = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (!text.empty() && text.back() == '\r') {
      text.remove_suffix(1);
    }
    if (text.find_first_not_of(" \t") == std::string_view::npos) {
      continue;
    }
    texts.emplace_back(text);
    lines.push_back(line);
  }
  return parse_loose_each(texts, "<stdin>", lines);
}

Result<std::pair<semver::Version, semver::Version>> parse_two(const std::string& a, const std::string& b,
                                                              const semver::Options& options)
{
  auto x = semver::Version::parse(a, options);
  if (!x) {
    return fail(x.error());
  }
  auto y = semver::Version::parse(b, options);
  if (!y) {
    return fail(y.error());
  }
  return std::pair{std::move(*x), std::move(*y)};
}

} // namespace

void add_version_commands(CLI::App& app, Registry& registry)
{
  auto* version = add_command(app, "version", "Parse, compare, match and sort semantic versions", "",
                              "noodle-upgrade version sort 1.10.0 1.9.0");
  version->require_subcommand(1);
  auto opts = std::make_shared<VersionOptions>();

  auto* parse = add_command(*version, "parse", "Parse a version and print its parts", "",
                            "noodle-upgrade version parse 2.1.0-rc.1+build.7");
  parse->add_option("VERSION", opts->a, "A SemVer 2.0.0 version")->required();
  add_semver_flags(parse, *opts);
  on_run(parse, registry, [opts](Context& ctx) {
    auto v = semver::Version::parse(opts->a, opts->semver);
    return v ? output::render_version(*v, ctx.reporter) : ctx.reporter.failure(v.error());
  });

  auto* compare = add_command(*version, "compare", "Print -1, 0 or 1 as A sorts before, with or after B", "",
                              "noodle-upgrade version compare 1.10.0 1.9.0");
  compare->add_option("A", opts->a, "First version")->required();
  compare->add_option("B", opts->b, "Second version")->required();
  add_semver_flags(compare, *opts);
  on_run(compare, registry, [opts](Context& ctx) {
    auto ab = parse_two(opts->a, opts->b, opts->semver);
    if (!ab) {
      return ctx.reporter.failure(ab.error());
    }
    const auto& [a, b] = *ab;
    return output::render_compare(a, b, semver::compare(a, b), ctx.reporter);
  });

  auto* match =
      add_command(*version, "match", "Print the versions that satisfy RANGE, ascending; exit 1 when none does",
                  "Versions come from the arguments or, when none are given, one per line on stdin.",
                  "noodle-upgrade version match '^1.2.0' 1.1.0 1.4.2 2.0.0");
  match->add_option("RANGE", opts->range, "A range in npm semver syntax")->required();
  match->add_option("VERSION", opts->versions, "Versions to test");
  add_semver_flags(match, *opts);
  on_run(match, registry, [opts](Context& ctx) {
    auto range = semver::Range::parse(opts->range, opts->semver);
    if (!range) {
      return ctx.reporter.failure(range.error());
    }
    std::optional<InputText> input;
    auto versions = read_versions(ctx, opts->versions, input, opts->semver);
    if (!versions) {
      return ctx.reporter.failure(versions.error());
    }
    // Filtering first leaves fewer versions to sort.
    versions->keep_satisfying(*range);
    versions->sort();
    return output::render_version_list(*versions, &*range, ctx.reporter);
  });

  auto* sort = add_command(*version, "sort", "Print versions in ascending precedence order",
                           "Versions come from the arguments or, when none are given, one per line on stdin.",
                           "noodle-upgrade version sort 1.10.0 1.2.0 1.2.0-rc.1");
  sort->add_option("VERSION", opts->versions, "Versions to sort");
  add_semver_flags(sort, *opts);
  on_run(sort, registry, [opts](Context& ctx) {
    std::optional<InputText> input;
    auto versions = read_versions(ctx, opts->versions, input, opts->semver);
    if (!versions) {
      return ctx.reporter.failure(versions.error());
    }
    versions->sort();
    return output::render_version_list(*versions, nullptr, ctx.reporter);
  });

  auto* inc = add_command(*version, "inc", "Print the version that follows VERSION by RELEASE, as npm semver's inc()",
                          "RELEASE is major, minor, patch, premajor, preminor, prepatch, prerelease or release.",
                          "noodle-upgrade version inc 1.2.3 prerelease --preid beta");
  inc->add_option("VERSION", opts->a, "The version to increment")->required();
  inc->add_option("RELEASE", opts->release, "What to increment")
      ->required()
      ->check(CLI::IsMember({"major", "minor", "patch", "premajor", "preminor", "prepatch", "prerelease", "release"}));
  inc->add_option("--preid", opts->preid, "Prerelease identifier for the pre* releases, e.g. beta");
  inc->add_option("--identifier-base", opts->identifier_base,
                  "Where a new prerelease counter starts: 0, 1, or false for none")
      ->check(CLI::IsMember({"0", "1", "false"}))
      ->capture_default_str();
  add_semver_flags(inc, *opts);
  on_run(inc, registry, [opts](Context& ctx) {
    auto v = semver::Version::parse(opts->a, opts->semver);
    if (!v) {
      return ctx.reporter.failure(v.error());
    }
    semver::Increment how;
    how.release = *semver::release_from(opts->release);
    how.preid = opts->preid;
    how.base = opts->identifier_base == "1"       ? semver::IdentifierBase::one
               : opts->identifier_base == "false" ? semver::IdentifierBase::none
                                                  : semver::IdentifierBase::zero;
    auto next = semver::increment(*v, how, opts->semver);
    return next ? output::render_increment(*v, how, *next, ctx.reporter) : ctx.reporter.failure(next.error());
  });

  auto* diff = add_command(*version, "diff",
                           "Print the release type between A and B (major, premajor, minor, ...); exit 1 when equal", "",
                           "noodle-upgrade version diff 1.2.3 1.3.0-rc.1");
  diff->add_option("A", opts->a, "First version")->required();
  diff->add_option("B", opts->b, "Second version")->required();
  add_semver_flags(diff, *opts);
  on_run(diff, registry, [opts](Context& ctx) {
    auto ab = parse_two(opts->a, opts->b, opts->semver);
    if (!ab) {
      return ctx.reporter.failure(ab.error());
    }
    const auto& [a, b] = *ab;
    return output::render_difference(a, b, semver::difference(a, b), ctx.reporter);
  });

  auto* coerce = add_command(*version, "coerce", "Find a version in TEXT, as npm semver's coerce(); exit 1 when none",
                             "The first run of digits (with up to two more after dots) is read as "
                             "MAJOR.MINOR.PATCH, missing parts 0; --rtl takes the last.",
                             "noodle-upgrade version coerce 'release v2.4 (final)'");
  coerce->add_option("TEXT", opts->a, "Text holding a version")->required();
  coerce->add_flag("--rtl", opts->rtl, "Take the rightmost version in TEXT");
  add_semver_flags(coerce, *opts);
  on_run(coerce, registry, [opts](Context& ctx) {
    const auto from = opts->rtl ? semver::CoerceFrom::right : semver::CoerceFrom::left;
    return output::render_coerce(opts->a, semver::coerce(opts->a, from, opts->semver), ctx.reporter);
  });

  auto* inter = add_command(*version, "intersects",
                            "Say whether some version could satisfy both ranges; exit 1 when none can", "",
                            "noodle-upgrade version intersects '^1.2.0' '>=1.5.0 <3.0.0'");
  inter->add_option("RANGE1", opts->range, "First range")->required();
  inter->add_option("RANGE2", opts->range2, "Second range")->required();
  add_semver_flags(inter, *opts);
  on_run(inter, registry, [opts](Context& ctx) {
    auto a = semver::Range::parse(opts->range, opts->semver);
    if (!a) {
      return ctx.reporter.failure(a.error());
    }
    auto b = semver::Range::parse(opts->range2, opts->semver);
    if (!b) {
      return ctx.reporter.failure(b.error());
    }
    return output::render_answer(semver::intersects(*a, *b), "intersects",
                                 {{"range1", a->to_string()}, {"range2", b->to_string()}}, ctx.reporter);
  });

  auto* outside = add_command(*version, "outside",
                              "Say whether VERSION is above (--gtr) or below (--ltr) every version RANGE admits; "
                              "exit 1 when not",
                              "", "noodle-upgrade version outside 3.0.0 '^2.1.0' --gtr");
  outside->add_option("VERSION", opts->a, "The version")->required();
  outside->add_option("RANGE", opts->range, "The range")->required();
  auto* gtr = outside->add_flag("--gtr", opts->gtr, "Above every version of RANGE");
  auto* ltr = outside->add_flag("--ltr", opts->ltr, "Below every version of RANGE");
  gtr->excludes(ltr);
  add_semver_flags(outside, *opts);
  on_run(outside, registry, [opts](Context& ctx) {
    if (!opts->gtr && !opts->ltr) {
      return ctx.reporter.failure(Error(ErrorCode::usage, "version outside needs --gtr or --ltr"));
    }
    auto v = semver::Version::parse(opts->a, opts->semver);
    if (!v) {
      return ctx.reporter.failure(v.error());
    }
    auto range = semver::Range::parse(opts->range, opts->semver);
    if (!range) {
      return ctx.reporter.failure(range.error());
    }
    const auto side = opts->gtr ? semver::Side::above : semver::Side::below;
    return output::render_answer(semver::outside(*v, *range, side), "outside",
                                 {{"version", v->to_string()},
                                  {"range", range->to_string()},
                                  {"side", opts->gtr ? "above" : "below"}},
                                 ctx.reporter);
  });

  for (const bool highest : {false, true}) {
    auto* pick = add_command(*version, highest ? "max-satisfying" : "min-satisfying",
                             highest ? "Print the highest version that satisfies RANGE; exit 1 when none does"
                                     : "Print the lowest version that satisfies RANGE; exit 1 when none does",
                             "Versions come from the arguments or, when none are given, one per line on stdin.",
                             highest ? "noodle-upgrade version max-satisfying '^1.2.0' 1.2.0 1.4.2 2.0.0"
                                     : "noodle-upgrade version min-satisfying '^1.2.0' 1.1.0 1.2.5 1.4.2");
    pick->add_option("RANGE", opts->range, "A range in npm semver syntax")->required();
    pick->add_option("VERSION", opts->versions, "Versions to choose from");
    add_semver_flags(pick, *opts);
    on_run(pick, registry, [opts, highest](Context& ctx) {
      auto range = semver::Range::parse(opts->range, opts->semver);
      if (!range) {
        return ctx.reporter.failure(range.error());
      }
      std::optional<InputText> input;
      auto versions = read_versions(ctx, opts->versions, input, opts->semver);
      if (!versions) {
        return ctx.reporter.failure(versions.error());
      }
      versions->keep_satisfying(*range);
      // npm keeps the first of versions equal in precedence.
      std::optional<semver::Version> best;
      for (std::size_t i = 0; i < versions->size(); ++i) {
        auto v = versions->version(i);
        if (!best || (highest ? semver::compare(*best, v) < 0 : semver::compare(*best, v) > 0)) {
          best = std::move(v);
        }
      }
      return output::render_found_version(*range, best, ctx.reporter);
    });
  }

  auto* min_version = add_command(*version, "min-version", "Print the lowest version that satisfies RANGE; exit 1 "
                                                           "when there is none",
                                  "", "noodle-upgrade version min-version '>=1.2.3 <2.0.0'");
  min_version->add_option("RANGE", opts->range, "A range in npm semver syntax")->required();
  add_semver_flags(min_version, *opts);
  on_run(min_version, registry, [opts](Context& ctx) {
    auto range = semver::Range::parse(opts->range, opts->semver);
    if (!range) {
      return ctx.reporter.failure(range.error());
    }
    return output::render_found_version(*range, semver::min_version(*range), ctx.reporter);
  });

  auto* compat = add_command(*version, "compat",
                             "Say whether moving from A to B is a compatible change; exit 1 when it is breaking", "",
                             "noodle-upgrade version compat 1.4.0 2.0.0");
  compat->add_option("A", opts->a, "Version upgraded from")->required();
  compat->add_option("B", opts->b, "Version upgraded to")->required();
  add_semver_flags(compat, *opts);
  on_run(compat, registry, [opts](Context& ctx) {
    auto ab = parse_two(opts->a, opts->b, opts->semver);
    if (!ab) {
      return ctx.reporter.failure(ab.error());
    }
    const auto& [a, b] = *ab;
    return output::render_compat(a, b, semver::compatibility(a, b), ctx.reporter);
  });
}

} // namespace noodle::cli
