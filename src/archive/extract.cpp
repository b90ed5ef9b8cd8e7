// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/extract.hpp>

#include "tar_fd.hpp"
#include "tar_input.hpp"
#include "tar_path.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unordered_map>
#include <vector>

namespace noodle::archive {

namespace {

using detail::UniqueFd;

constexpr int k_dir_flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr std::string_view k_manifest = "manifest.yaml";

enum class NodeKind { file, directory, symlink };

std::string_view kind_name(NodeKind kind)
{
  switch (kind) {
  case NodeKind::file: return "regular file";
  case NodeKind::directory: return "directory";
  case NodeKind::symlink: return "symlink";
  }
  return "entry";
}

struct Node {
  NodeKind kind = NodeKind::file;
  bool from_entry = false; // false: a directory implied by a deeper path
};

// "a/b/c" -> {"a/b", "c"}; "c" -> {"", "c"}.
std::pair<std::string_view, std::string_view> split_parent(std::string_view path)
{
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    return {std::string_view(), path};
  }
  return {path.substr(0, slash), path.substr(slash + 1)};
}

// Why an entry of a refused type is refused.
std::optional<std::string> refused_type(mode_t type)
{
  switch (type) {
  case AE_IFREG:
  case AE_IFDIR:
  case AE_IFLNK: return std::nullopt;
  case AE_IFCHR: return "character devices are not allowed";
  case AE_IFBLK: return "block devices are not allowed";
  case AE_IFIFO: return "FIFOs are not allowed";
  case AE_IFSOCK: return "sockets are not allowed";
  default: return fmt::format("entries of type 0{:o} are not allowed", static_cast<unsigned>(type));
  }
}

class Extractor {
public:
  Extractor(int root, const Limits& limits) : m_root(root), m_limits(limits) {}

  Result<void> run(int fd);
  // Removes everything run() created, deepest first; returns what remained.
  std::vector<std::string> remove_created();
  const ExtractReport& report() const { return m_report; }

private:
  Result<void> entry(detail::TarInput& in, archive_entry* e);
  Result<void> ensure_parents(const std::string& path, const std::string& shown);
  Result<void> write_file(detail::TarInput& in, archive_entry* e, const std::string& path, const std::string& shown);
  Result<void> make_directory(archive_entry* e, const std::string& path, const std::string& shown);
  Result<void> sync_directories();
  // The directory at normalised `path` ("" = staging root), opened by
  // walking its components with O_NOFOLLOW. The returned fd is cached.
  tl::expected<int, int> directory_fd(std::string_view path);
  void remember(const std::string& path, NodeKind kind, bool from_entry);

  int m_root;
  Limits m_limits;
  ExtractReport m_report;
  std::unordered_map<std::string, Node> m_nodes;
  std::vector<std::string> m_created; // in creation order: parents first
  std::string m_cached_path;
  UniqueFd m_cached_fd;
};

tl::expected<int, int> Extractor::directory_fd(std::string_view path)
{
  if (m_cached_fd.valid() && m_cached_path == path) {
    return m_cached_fd.get();
  }
  UniqueFd current(::openat(m_root, ".", k_dir_flags));
  if (!current.valid()) {
    return tl::unexpected<int>(errno);
  }
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    const std::string part(path.substr(start, end - start));
    UniqueFd next(::openat(current.get(), part.c_str(), k_dir_flags));
    if (!next.valid()) {
      return tl::unexpected<int>(errno);
    }
    current = std::move(next);
    start = end + 1;
  }
  m_cached_path = std::string(path);
  m_cached_fd = std::move(current);
  return m_cached_fd.get();
}

void Extractor::remember(const std::string& path, NodeKind kind, bool from_entry)
{
  m_nodes[path] = Node{kind, from_entry};
  m_created.push_back(path);
  if (kind == NodeKind::directory) {
    ++m_report.directories;
  }
}

Result<void> Extractor::ensure_parents(const std::string& path, const std::string& shown)
{
  std::size_t slash = path.find('/');
  while (slash != std::string::npos) {
    const std::string prefix = path.substr(0, slash);
    slash = path.find('/', slash + 1);
    if (auto it = m_nodes.find(prefix); it != m_nodes.end()) {
      if (it->second.kind == NodeKind::symlink) {
        return fail(ErrorCode::archive_invalid,
                    fmt::format("entry '{}': parent '{}' is a symlink; nothing is written through a symlink", shown,
                                detail::printable(prefix)));
      }
      if (it->second.kind != NodeKind::directory) {
        return fail(ErrorCode::archive_invalid, fmt::format("entry '{}': parent '{}' is a regular file, not a directory",
                                                            shown, detail::printable(prefix)));
      }
      continue;
    }
    const auto [parent, name] = split_parent(prefix);
    auto parent_fd = directory_fd(parent);
    if (!parent_fd) {
      return fail(ErrorCode::io, fmt::format("entry '{}': cannot open directory '{}': {}", shown,
                                             detail::printable(parent), std::strerror(parent_fd.error())));
    }
    const std::string leaf(name);
    if (::mkdirat(*parent_fd, leaf.c_str(), 0700) != 0) {
      return fail(ErrorCode::io, fmt::format("entry '{}': cannot create directory '{}': {}", shown,
                                             detail::printable(prefix), std::strerror(errno)));
    }
    remember(prefix, NodeKind::directory, false);
    UniqueFd dir(::openat(*parent_fd, leaf.c_str(), k_dir_flags));
    if (!dir.valid() || ::fchmod(dir.get(), 0755) != 0) {
      return fail(ErrorCode::io, fmt::format("entry '{}': cannot set the mode of directory '{}': {}", shown,
                                             detail::printable(prefix), std::strerror(errno)));
    }
  }
  return {};
}

Result<void> Extractor::make_directory(archive_entry* e, const std::string& path, const std::string& shown)
{
  const auto [parent, name] = split_parent(path);
  auto parent_fd = directory_fd(parent);
  if (!parent_fd) {
    return fail(ErrorCode::io, fmt::format("entry '{}': cannot open directory '{}': {}", shown,
                                           detail::printable(parent), std::strerror(parent_fd.error())));
  }
  const std::string leaf(name);
  auto it = m_nodes.find(path);
  if (it == m_nodes.end()) {
    if (::mkdirat(*parent_fd, leaf.c_str(), 0700) != 0) {
      return fail(ErrorCode::io, fmt::format("entry '{}': cannot create directory: {}", shown, std::strerror(errno)));
    }
    remember(path, NodeKind::directory, true);
  } else {
    it->second.from_entry = true; // made earlier for a deeper path
  }
  // Owner bits stay rwx so the tree can always be filled and removed.
  const auto mode = static_cast<mode_t>((archive_entry_perm(e) & 0755) | 0700);
  UniqueFd dir(::openat(*parent_fd, leaf.c_str(), k_dir_flags));
  if (!dir.valid() || ::fchmod(dir.get(), mode) != 0) {
    return fail(ErrorCode::io, fmt::format("entry '{}': cannot set the directory's mode: {}", shown,
                                           std::strerror(errno)));
  }
  return {};
}

Result<void> Extractor::write_file(detail::TarInput& in, archive_entry* e, const std::string& path,
                                   const std::string& shown)
{
  const auto too_big = [&] {
    return fail(ErrorCode::archive_limit,
                fmt::format("entry '{}': file is larger than the {}-byte limit", shown, m_limits.max_file_bytes));
  };
  if (archive_entry_size_is_set(e) != 0 && archive_entry_size(e) > 0
      && static_cast<std::uint64_t>(archive_entry_size(e)) > m_limits.max_file_bytes) {
    return too_big();
  }
  const auto [parent, name] = split_parent(path);
  auto parent_fd = directory_fd(parent);
  if (!parent_fd) {
    return fail(ErrorCode::io, fmt::format("entry '{}': cannot open directory '{}': {}", shown,
                                           detail::printable(parent), std::strerror(parent_fd.error())));
  }
  const std::string leaf(name);
  UniqueFd out(::openat(*parent_fd, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out.valid()) {
    return fail(ErrorCode::io, fmt::format("entry '{}': cannot create file: {}", shown, std::strerror(errno)));
  }
  remember(path, NodeKind::file, true);
  std::uint64_t written = 0;
  for (;;) {
    auto block = in.read_block(shown);
    if (!block) {
      return fail(std::move(block.error()));
    }
    if (block->empty()) {
      break;
    }
    written += block->size();
    if (written > m_limits.max_file_bytes) {
      return too_big();
    }
    if (const int err = detail::write_all(out.get(), block->data(), block->size()); err != 0) {
      return fail(ErrorCode::io, fmt::format("entry '{}': cannot write file: {}", shown, std::strerror(err)));
    }
  }
  // No setuid, setgid, sticky or world-writable bit; the owner is whoever runs us.
  const auto mode = static_cast<mode_t>(archive_entry_perm(e) & 0755);
  if (::fchmod(out.get(), mode) != 0 || ::fsync(out.get()) != 0) {
    return fail(ErrorCode::io, fmt::format("entry '{}': cannot finish file: {}", shown, std::strerror(errno)));
  }
  if (const int err = out.close_checked(); err != 0) {
    return fail(ErrorCode::io, fmt::format("entry '{}': cannot close file: {}", shown, std::strerror(err)));
  }
  ++m_report.files;
  m_report.bytes += written;
  return {};
}

Result<void> Extractor::entry(detail::TarInput& in, archive_entry* e)
{
  const char* raw = archive_entry_pathname(e);
  if (raw == nullptr) {
    return fail(ErrorCode::archive_invalid, fmt::format("entry #{}: path cannot be decoded", in.entries()));
  }
  const std::string shown = detail::printable(raw);
  const auto reject = [&](ErrorCode code, std::string_view reason) {
    return fail(code, fmt::format("entry '{}': {}", shown, reason));
  };
  auto path = detail::normalise_entry_path(raw, m_limits.max_path_bytes);
  if (!path) {
    return reject(path.error().code, path.error().reason);
  }
  if (const char* target = archive_entry_hardlink(e); target != nullptr) {
    return reject(ErrorCode::archive_invalid,
                  fmt::format("hard links are not allowed (link to '{}')", detail::printable(target)));
  }
  const auto type = archive_entry_filetype(e);
  if (auto why = refused_type(type)) {
    return reject(ErrorCode::archive_invalid,
                  fmt::format("{} (only regular files, directories and symlinks)", *why));
  }
  if (archive_entry_sparse_count(e) > 0) {
    return reject(ErrorCode::archive_invalid, "sparse files are not allowed");
  }
  if (path->empty()) {
    // "./" is the component directory itself: nothing to create.
    if (type != AE_IFDIR) {
      return reject(ErrorCode::archive_invalid, "path names the component directory itself");
    }
    auto drained = in.drain(shown);
    return drained ? Result<void>() : fail(std::move(drained.error()));
  }
  if (auto it = m_nodes.find(*path); it != m_nodes.end()) {
    const std::string earlier = detail::printable(*path);
    if (it->second.from_entry) {
      return reject(ErrorCode::archive_invalid, fmt::format("duplicate path ('{}' appears earlier in the archive as a {})",
                                                            earlier, kind_name(it->second.kind)));
    }
    if (type != AE_IFDIR) {
      return reject(ErrorCode::archive_invalid,
                    fmt::format("duplicate path ('{}' is already a directory holding earlier entries)", earlier));
    }
  }
  if (type == AE_IFLNK) {
    const char* target = archive_entry_symlink(e);
    if (auto bad = detail::check_symlink_target(*path, target != nullptr ? target : "", m_limits.max_path_bytes)) {
      return reject(bad->code, bad->reason);
    }
  }
  if (auto parents = ensure_parents(*path, shown); !parents) {
    return parents;
  }
  if (type == AE_IFREG) {
    return write_file(in, e, *path, shown);
  }
  if (type == AE_IFDIR) {
    if (auto made = make_directory(e, *path, shown); !made) {
      return made;
    }
  } else {
    const auto [parent, name] = split_parent(*path);
    auto parent_fd = directory_fd(parent);
    if (!parent_fd) {
      return fail(ErrorCode::io, fmt::format("entry '{}': cannot open directory '{}': {}", shown,
                                             detail::printable(parent), std::strerror(parent_fd.error())));
    }
    if (::symlinkat(archive_entry_symlink(e), *parent_fd, std::string(name).c_str()) != 0) {
      return reject(ErrorCode::io, fmt::format("cannot create symlink: {}", std::strerror(errno)));
    }
    remember(*path, NodeKind::symlink, true);
    ++m_report.symlinks;
  }
  // Directories and symlinks carry no data; anything there is still counted.
  auto drained = in.drain(shown);
  return drained ? Result<void>() : fail(std::move(drained.error()));
}

Result<void> Extractor::sync_directories()
{
  for (const auto& path : m_created) {
    if (m_nodes[path].kind != NodeKind::directory) {
      continue;
    }
    auto fd = directory_fd(path);
    if (!fd || ::fsync(*fd) != 0) {
      return fail(ErrorCode::io, fmt::format("cannot sync directory '{}': {}", detail::printable(path),
                                             std::strerror(fd ? errno : fd.error())));
    }
  }
  if (::fsync(m_root) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot sync the staging directory: {}", std::strerror(errno)));
  }
  return {};
}

Result<void> Extractor::run(int fd)
{
  auto input = detail::TarInput::open(fd, m_limits);
  if (!input) {
    return fail(std::move(input.error()));
  }
  for (;;) {
    auto e = (*input)->next();
    if (!e) {
      return fail(std::move(e.error()));
    }
    if (*e == nullptr) {
      break;
    }
    ++m_report.entries;
    if (auto done = entry(**input, *e); !done) {
      return done;
    }
  }
  auto manifest = m_nodes.find(std::string(k_manifest));
  if (manifest == m_nodes.end() || manifest->second.kind != NodeKind::file) {
    return fail(ErrorCode::archive_invalid, fmt::format("archive has no regular file '{}' at its root", k_manifest));
  }
  return sync_directories();
}

std::vector<std::string> Extractor::remove_created()
{
  std::vector<std::string> left;
  m_cached_fd.reset();
  m_cached_path.clear();
  for (auto it = m_created.rbegin(); it != m_created.rend(); ++it) {
    const auto [parent, name] = split_parent(*it);
    auto parent_fd = directory_fd(parent);
    const int flags = m_nodes[*it].kind == NodeKind::directory ? AT_REMOVEDIR : 0;
    if (!parent_fd || ::unlinkat(*parent_fd, std::string(name).c_str(), flags) != 0) {
      left.push_back(*it);
    }
  }
  m_cached_fd.reset();
  return left;
}

// Whether the directory open on `fd` has no entries; errno-style error.
tl::expected<bool, int> is_empty_directory(int fd)
{
  const int copy = ::openat(fd, ".", k_dir_flags);
  if (copy < 0) {
    return tl::unexpected<int>(errno);
  }
  DIR* dir = ::fdopendir(copy);
  if (dir == nullptr) {
    const int err = errno;
    ::close(copy);
    return tl::unexpected<int>(err);
  }
  bool empty = true;
  while (const dirent* d = ::readdir(dir)) {
    if (std::strcmp(d->d_name, ".") != 0 && std::strcmp(d->d_name, "..") != 0) {
      empty = false;
      break;
    }
  }
  ::closedir(dir);
  return empty;
}

} // namespace

Result<ExtractReport> extract(int fd, const std::filesystem::path& staging_dir, const Limits& limits)
{
  UniqueFd root(::open(staging_dir.c_str(), k_dir_flags));
  if (!root.valid()) {
    return fail(ErrorCode::io,
                fmt::format("cannot open staging directory '{}': {}", staging_dir.string(), std::strerror(errno)));
  }
  auto empty = is_empty_directory(root.get());
  if (!empty) {
    return fail(ErrorCode::io, fmt::format("cannot read staging directory '{}': {}", staging_dir.string(),
                                           std::strerror(empty.error())));
  }
  if (!*empty) {
    return fail(ErrorCode::io, fmt::format("staging directory '{}' is not empty", staging_dir.string()));
  }
  Extractor extractor(root.get(), limits);
  if (auto done = extractor.run(fd); !done) {
    Error error = std::move(done.error());
    for (const auto& left : extractor.remove_created()) {
      error.details.push_back(fmt::format("could not remove '{}' from the staging directory", detail::printable(left)));
    }
    return fail(std::move(error));
  }
  return extractor.report();
}

} // namespace noodle::archive
