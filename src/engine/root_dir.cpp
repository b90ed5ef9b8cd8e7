// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/root_dir.hpp>
#include <noodle/manifest/names.hpp>
#include <noodle/util/dir_fd.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace noodle::engine {

namespace {

namespace fs = std::filesystem;
using util::UniqueFd;

constexpr int k_dir_flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

std::vector<std::string> parts_of(const fs::path& rel)
{
  std::vector<std::string> parts;
  for (const auto& part : rel) {
    parts.push_back(part.string());
  }
  return parts;
}

// What the kernel calls the directory open on `fd`: its path with every
// symlink resolved. realpath(3) of `given` where /proc is not mounted.
fs::path resolved_path(int fd, const fs::path& given)
{
  std::string buffer(4096, '\0');
  const std::string proc = fmt::format("/proc/self/fd/{}", fd);
  const ssize_t n = ::readlink(proc.c_str(), buffer.data(), buffer.size());
  if (n > 0 && static_cast<std::size_t>(n) < buffer.size() && buffer[0] == '/') {
    buffer.resize(static_cast<std::size_t>(n));
    return buffer;
  }
  std::error_code ec;
  auto canonical = fs::canonical(given, ec);
  return ec ? fs::absolute(given) : canonical;
}

} // namespace

Result<RootDir> RootDir::open(const fs::path& root)
{
  UniqueFd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) {
      return fail(ErrorCode::not_found, fmt::format("root '{}' does not exist", root.string()));
    }
    return fail(ErrorCode::io, fmt::format("cannot open root '{}': {}", root.string(), std::strerror(errno)));
  }
  fs::path real = resolved_path(fd.get(), root);
  return RootDir(root, std::move(real), std::move(fd));
}

Result<void> RootDir::check(const fs::path& rel)
{
  const auto parts = parts_of(rel);
  if (parts.size() >= 2 && parts[0] == "components") {
    if (auto named = manifest::check_name(parts[1]); !named) {
      return named;
    }
    // A component directory holds these and the engine's temporary names.
    const bool temporary = parts.size() >= 3 && !parts[2].empty() && parts[2].front() == '.';
    if (parts.size() >= 3 && parts[2] != "versions" && parts[2] != "current" && parts[2] != "config" && !temporary) {
      return fail(ErrorCode::usage, fmt::format("invalid component name '{}/{}': use lowercase letters, digits, "
                                                "'_', '.' and '-', starting with a letter or digit",
                                                manifest::shown_value(parts[1]), manifest::shown_value(parts[2])));
    }
    if (parts.size() >= 4 && parts[2] == "versions") {
      if (auto versioned = manifest::check_version(parts[3]); !versioned) {
        return versioned;
      }
    }
  }
  if (!util::is_plain_relative(rel.string())) {
    return fail(ErrorCode::usage,
                fmt::format("refusing the path '{}' below the root: only plain names may be used (no '..', '.', "
                            "empty or over-long names, no control characters)",
                            rel.string()));
  }
  return {};
}

Result<util::UniqueFd> RootDir::open_dir(const fs::path& rel) const
{
  if (rel.empty()) {
    UniqueFd fd(::openat(m_fd.get(), ".", k_dir_flags));
    if (!fd.valid()) {
      return fail(error("open directory", rel, errno));
    }
    return fd;
  }
  if (auto checked = check(rel); !checked) {
    return fail(checked.error());
  }
  UniqueFd fd(util::open_beneath(m_fd.get(), rel.string(), k_dir_flags));
  if (!fd.valid()) {
    return fail(error("open directory", rel, errno));
  }
  return fd;
}

Result<std::optional<struct stat>> RootDir::stat(const fs::path& rel) const
{
  if (auto checked = check(rel); !checked) {
    return fail(checked.error());
  }
  UniqueFd parent(rel.has_parent_path() ? util::open_beneath(m_fd.get(), rel.parent_path().string(), k_dir_flags)
                                        : ::openat(m_fd.get(), ".", k_dir_flags));
  if (!parent.valid()) {
    if (errno == ENOENT) {
      return std::optional<struct stat>();
    }
    return fail(error("open directory", rel.parent_path(), errno));
  }
  struct stat st {};
  if (::fstatat(parent.get(), rel.filename().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) {
      return std::optional<struct stat>();
    }
    return fail(error("stat", rel, errno));
  }
  return std::optional<struct stat>(st);
}

Error RootDir::symlink_error(const fs::path& rel) const
{
  return util::symlink_error(shown(rel));
}

Error RootDir::error(std::string_view verb, const fs::path& rel, int err) const
{
  if (err == ELOOP) {
    // Name the first symlink on the way, found without following any.
    fs::path prefix;
    for (const auto& part : rel) {
      prefix /= part;
      UniqueFd link(util::open_beneath(m_fd.get(), prefix.string(), O_PATH | O_NOFOLLOW));
      struct stat st {};
      if (link.valid() && ::fstat(link.get(), &st) == 0 && S_ISLNK(st.st_mode)) {
        return symlink_error(prefix);
      }
    }
  }
  return {ErrorCode::io, fmt::format("cannot {} '{}': {}", verb, shown(rel).string(), std::strerror(err))};
}

} // namespace noodle::engine
