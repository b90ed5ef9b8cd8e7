// SPDX-License-Identifier: Apache-2.0
#include <noodle/state/installed.hpp>
#include <noodle/util/dir_fd.hpp>
#include <noodle/util/unique_fd.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace noodle::state {

namespace fs = std::filesystem;

namespace {

using util::UniqueFd;

constexpr int k_dir_flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

tl::unexpected<Error> corrupt(const fs::path& path, std::string what)
{
  Error e(ErrorCode::corrupt_state, fmt::format("corrupt installed state: '{}' {}", path.string(), what));
  e.details.push_back("each component keeps 'current' as a symlink to 'versions/<version>'");
  return tl::unexpected<Error>(std::move(e));
}

tl::unexpected<Error> io_error(std::string_view verb, const fs::path& path, int err)
{
  return tl::unexpected<Error>(
      Error(ErrorCode::io, fmt::format("cannot {} '{}': {}", verb, path.string(), std::strerror(err))));
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

// A symlink where a directory must be: refused, or left out and named.
Result<void> met_symlink(const fs::path& shown, OnSymlink on_symlink, InstalledState& state)
{
  if (on_symlink == OnSymlink::refuse) {
    return tl::unexpected<Error>(util::symlink_error(shown));
  }
  state.skipped.push_back(shown);
  return {};
}

// The component in directory `dir_fd` (shown as `dir`). Empty optional = not
// installed (no `current`), or left out (OnSymlink::skip).
Result<std::optional<InstalledComponent>> read_component(int dir_fd, const fs::path& dir, std::string name,
                                                         OnSymlink on_symlink, InstalledState& state)
{
  const fs::path current = dir / "current";
  auto target_text = util::link_target_at(dir_fd, "current");
  if (!target_text) {
    if (target_text.error() == ENOENT) {
      return std::optional<InstalledComponent>();
    }
    if (target_text.error() == EINVAL) {
      return corrupt(current, "is not a symlink");
    }
    return io_error("read symlink", current, target_text.error());
  }
  const fs::path target = *target_text;
  auto version = parse_target(target);
  if (!version) {
    return corrupt(current, fmt::format("points to '{}': expected 'versions/<version>' with a valid semantic version",
                                        target.string()));
  }
  const fs::path version_dir = dir / target;
  struct stat st {};
  if (::fstatat(dir_fd, "versions", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
    if (auto met = met_symlink(dir / "versions", on_symlink, state); !met) {
      return fail(met.error());
    }
    return std::optional<InstalledComponent>();
  }
  UniqueFd versions(::openat(dir_fd, "versions", k_dir_flags));
  if (!versions.valid() && errno != ENOENT) {
    return io_error("inspect", dir / "versions", errno);
  }
  if (!versions.valid() || ::fstatat(versions.get(), version->to_string().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (versions.valid() && errno != ENOENT) {
      return io_error("inspect", version_dir, errno);
    }
    return corrupt(current, fmt::format("points to missing directory '{}'", version_dir.string()));
  }
  if (S_ISLNK(st.st_mode) && on_symlink == OnSymlink::skip) {
    state.skipped.push_back(version_dir);
    return std::optional<InstalledComponent>();
  }
  if (!S_ISDIR(st.st_mode)) {
    return corrupt(current, fmt::format("points to '{}', which is not a directory", version_dir.string()));
  }
  return std::optional<InstalledComponent>(
      InstalledComponent{std::move(name), std::move(*version), version_dir});
}

} // namespace

const InstalledComponent* InstalledState::find(std::string_view name) const
{
  auto it = components.find(name);
  return it == components.end() ? nullptr : &it->second;
}

Result<InstalledState> read_installed(const fs::path& root, OnSymlink on_symlink)
{
  InstalledState state;
  const fs::path components = root / "components";
  // The root's own path may go through symlinks; nothing below it is followed.
  UniqueFd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid()) {
    if (errno == ENOENT) {
      return state;
    }
    return io_error("inspect", root, errno);
  }
  UniqueFd dir(util::open_beneath(root_fd.get(), "components", k_dir_flags));
  if (!dir.valid()) {
    if (errno == ENOENT) {
      return state;
    }
    if (errno == ELOOP) {
      if (auto met = met_symlink(components, on_symlink, state); !met) {
        return fail(met.error());
      }
      return state;
    }
    if (errno == ENOTDIR) {
      return fail(ErrorCode::io, fmt::format("'{}' is not a directory", components.string()));
    }
    return io_error("inspect", components, errno);
  }
  auto names = util::names_in(dir.get());
  if (!names) {
    return io_error("list", components, names.error());
  }
  std::sort(names->begin(), names->end());
  for (auto& name : *names) {
    if (name.empty() || name.front() == '.') {
      continue;
    }
    const fs::path path = components / name;
    struct stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) {
        continue; // removed meanwhile
      }
      return io_error("inspect", path, errno);
    }
    if (S_ISLNK(st.st_mode)) {
      if (auto met = met_symlink(path, on_symlink, state); !met) {
        return fail(met.error());
      }
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      continue;
    }
    UniqueFd component_fd(::openat(dir.get(), name.c_str(), k_dir_flags));
    if (!component_fd.valid()) {
      return io_error("inspect", path, errno);
    }
    auto component = read_component(component_fd.get(), path, name, on_symlink, state);
    if (!component) {
      return fail(std::move(component.error()));
    }
    if (*component) {
      state.components.emplace(std::move(name), std::move(**component));
    }
  }
  return state;
}

} // namespace noodle::state
