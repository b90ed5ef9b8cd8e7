// SPDX-License-Identifier: Apache-2.0
// A component name a command is asked about must be one the root or the
// catalog knows: a typo is a usage error with a suggestion, never an empty
// answer that reads as "nothing there".
#include "context.hpp"

#include <noodle/manifest/names.hpp>
#include <noodle/util/spellcheck.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <system_error>

namespace noodle::cli {

namespace {

Error unknown(const std::string& name, const std::vector<std::string>& known, const std::string& where)
{
  std::string message = fmt::format("unknown component '{}'", name);
  if (auto suggestion = util::suggest(name, known)) {
    message += fmt::format(" (did you mean '{}'?)", *suggestion);
  }
  Error e(ErrorCode::not_found, message);
  e.details.push_back(fmt::format("no catalog entry, installed component or history under {} names it", where));
  return e;
}

} // namespace

Result<void> check_known_component(Context& ctx, engine::Session& session, const std::string& name)
{
  std::set<std::string> known;
  if (auto installed = state::read_installed(ctx.root()); installed) {
    for (const auto& [installed_name, component] : installed->components) {
      known.insert(installed_name);
    }
  }
  // Whatever stands in components/ is known too, even what read_installed
  // leaves out (a link planted there is refused by name later, not here).
  std::error_code listed;
  for (const auto& entry : std::filesystem::directory_iterator(ctx.root() / "components", listed)) {
    known.insert(entry.path().filename().string());
  }
  if (known.count(name) != 0) {
    return {};
  }
  if (session.store() != nullptr) {
    auto names = session.store()->known_components();
    if (!names) {
      return fail(names.error());
    }
    known.insert(names->begin(), names->end());
  }
  if (known.count(name) != 0) {
    return {};
  }
  // The catalog last: it is the largest to read, and it may be absent on a
  // host that only keeps a root.
  std::error_code ec;
  if (std::filesystem::is_directory(ctx.catalog_dir(), ec)) {
    const auto loaded = manifest::load_catalog(ctx.catalog_dir(), ctx.load_options());
    for (const auto& catalog_name : loaded.catalog.names()) {
      known.insert(catalog_name);
    }
  }
  if (known.count(name) != 0) {
    return {};
  }
  return fail(unknown(name, std::vector<std::string>(known.begin(), known.end()),
                      fmt::format("'{}' or in catalog '{}'", ctx.root().string(), ctx.catalog_dir().string())));
}

// Opens the root for reading and refuses a component name nothing knows.
ChangeSession open_for_component(Context& ctx, const std::string& name)
{
  if (auto named = (name.empty() ? Result<void>() : manifest::check_name(name)); !named) {
    ChangeSession refused;
    refused.exit = ctx.reporter.failure(named.error());
    return refused;
  }
  auto opened = open_read_session(ctx);
  if (opened.exit || name.empty()) {
    return opened;
  }
  if (auto known = check_known_component(ctx, *opened.session, name); !known) {
    opened.exit = ctx.reporter.failure(known.error());
  }
  return opened;
}

} // namespace noodle::cli
