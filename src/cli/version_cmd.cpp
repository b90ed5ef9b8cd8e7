// SPDX-License-Identifier: Apache-2.0
// `version parse|compare|match|sort|compat`: the semver engine on the command line.
#include "context.hpp"

#include <noodle/output/version_view.hpp>
#include <noodle/semver/range.hpp>
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
};

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
                                          std::optional<InputText>& input)
{
  if (!args.empty()) {
    return semver::VersionList::parse_each(args);
  }
  auto read = InputText::read(ctx);
  if (!read) {
    return fail(read.error());
  }
  input = std::move(*read);
  return semver::VersionList::parse_lines_borrowed(input->text(), "<stdin>");
}

Result<std::pair<semver::Version, semver::Version>> parse_two(const std::string& a, const std::string& b)
{
  auto x = semver::Version::parse(a);
  if (!x) {
    return fail(x.error());
  }
  auto y = semver::Version::parse(b);
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
  on_run(parse, registry, [opts](Context& ctx) {
    auto v = semver::Version::parse(opts->a);
    return v ? output::render_version(*v, ctx.reporter) : ctx.reporter.failure(v.error());
  });

  auto* compare = add_command(*version, "compare", "Print -1, 0 or 1 as A sorts before, with or after B", "",
                              "noodle-upgrade version compare 1.10.0 1.9.0");
  compare->add_option("A", opts->a, "First version")->required();
  compare->add_option("B", opts->b, "Second version")->required();
  on_run(compare, registry, [opts](Context& ctx) {
    auto ab = parse_two(opts->a, opts->b);
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
  on_run(match, registry, [opts](Context& ctx) {
    auto range = semver::Range::parse(opts->range);
    if (!range) {
      return ctx.reporter.failure(range.error());
    }
    std::optional<InputText> input;
    auto versions = read_versions(ctx, opts->versions, input);
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
  on_run(sort, registry, [opts](Context& ctx) {
    std::optional<InputText> input;
    auto versions = read_versions(ctx, opts->versions, input);
    if (!versions) {
      return ctx.reporter.failure(versions.error());
    }
    versions->sort();
    return output::render_version_list(*versions, nullptr, ctx.reporter);
  });

  auto* compat = add_command(*version, "compat",
                             "Say whether moving from A to B is a compatible change; exit 1 when it is breaking", "",
                             "noodle-upgrade version compat 1.4.0 2.0.0");
  compat->add_option("A", opts->a, "Version upgraded from")->required();
  compat->add_option("B", opts->b, "Version upgraded to")->required();
  on_run(compat, registry, [opts](Context& ctx) {
    auto ab = parse_two(opts->a, opts->b);
    if (!ab) {
      return ctx.reporter.failure(ab.error());
    }
    const auto& [a, b] = *ab;
    return output::render_compat(a, b, semver::compatibility(a, b), ctx.reporter);
  });
}

} // namespace noodle::cli
