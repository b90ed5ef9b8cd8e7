// SPDX-License-Identifier: Apache-2.0
#include <noodle/state/installed.hpp>

#include <fmt/format.h>

#include <system_error>

namespace noodle::state {

namespace fs = std::filesystem;

namespace {

tl::unexpected<Error> corrupt(const fs::path& path, std::string what)
{
  Error e(ErrorCode::corrupt_state, fmt::format("corrupt installed state: '{}' {}", path.string(), what));
  e.details.push_back("each component keeps 'current' as a symlink to 'versions/<version>'");
  return tl::unexpected<Error>(std::move(e));
}

// Parses a `current` link target; only the exact relative form the tool
// writes is accepted, so a hand-made link can never lead outside.
std::optional<semver::Version> parse_target(const fs::path& target)
{
  if (!target.is_relative()) {
    return std::nullopt;
  }
  auto it = target.begin();
  if (it == target.end() || *it != "versions") {
    return std::nullopt;
  }
  ++it;
  if (it == target.end()) {
    return std::nullopt;
  }
  const std::string text = it->string();
  ++it;
  if (it != target.end()) {
    return std::nullopt;
  }
  auto version = semver::Version::parse(text);
  if (!version || version->to_string() != text) {
    return std::nullopt;
  }
  return std::move(*version);
}

// Empty optional = not installed (no `current`).
Result<std::optional<InstalledComponent>> read_component(const fs::path& dir, std::string name)
{
  std::error_code ec;
  const fs::path current = dir / "current";
  const auto status = fs::symlink_status(current, ec);
  if (ec && status.type() != fs::file_type::not_found) {
    return fail(ErrorCode::io, fmt::format("cannot inspect '{}': {}", current.string(), ec.message()));
  }
  if (status.type() == fs::file_type::not_found) {
    return std::optional<InstalledComponent>();
  }
  if (status.type() != fs::file_type::symlink) {
    return corrupt(current, "is not a symlink");
  }
  const fs::path target = fs::read_symlink(current, ec);
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot read symlink '{}': {}", current.string(), ec.message()));
  }
  auto version = parse_target(target);
  if (!version) {
    return corrupt(current, fmt::format("points to '{}': expected 'versions/<version>' with a valid semantic version",
                                        target.string()));
  }
  fs::path version_dir = dir / target;
  const auto target_status = fs::symlink_status(version_dir, ec);
  if (target_status.type() == fs::file_type::not_found) {
    return corrupt(current, fmt::format("points to missing directory '{}'", version_dir.string()));
  }
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot inspect '{}': {}", version_dir.string(), ec.message()));
  }
  if (target_status.type() != fs::file_type::directory) {
    return corrupt(current, fmt::format("points to '{}', which is not a directory", version_dir.string()));
  }
  return std::optional<InstalledComponent>(
      InstalledComponent{std::move(name), std::move(*version), std::move(version_dir)});
}

} // namespace

const InstalledComponent* InstalledState::find(std::string_view name) const
{
  auto it = components.find(name);
  return it == components.end() ? nullptr : &it->second;
}

Result<InstalledState> read_installed(const fs::path& root)
{
  InstalledState state;
  std::error_code ec;
  const fs::path components = root / "components";
  const auto status = fs::status(components, ec);
  if (status.type() == fs::file_type::not_found) {
    return state;
  }
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot inspect '{}': {}", components.string(), ec.message()));
  }
  if (status.type() != fs::file_type::directory) {
    return fail(ErrorCode::io, fmt::format("'{}' is not a directory", components.string()));
  }

  fs::directory_iterator it(components, ec);
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot list '{}': {}", components.string(), ec.message()));
  }
  for (const fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) {
      return fail(ErrorCode::io, fmt::format("cannot list '{}': {}", components.string(), ec.message()));
    }
    const fs::path& dir = it->path();
    std::string name = dir.filename().string();
    if (name.empty() || name.front() == '.') {
      continue;
    }
    const auto type = it->symlink_status(ec).type();
    if (ec) {
      return fail(ErrorCode::io, fmt::format("cannot inspect '{}': {}", dir.string(), ec.message()));
    }
    if (type == fs::file_type::symlink) {
      return corrupt(dir, "is a symlink; component directories must be real directories");
    }
    if (type != fs::file_type::directory) {
      continue;
    }
    auto component = read_component(dir, name);
    if (!component) {
      return fail(std::move(component.error()));
    }
    if (*component) {
      state.components.emplace(std::move(name), std::move(**component));
    }
  }
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot list '{}': {}", components.string(), ec.message()));
  }
  return state;
}

} // namespace noodle::state
