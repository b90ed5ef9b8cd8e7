// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/tree_digest.hpp>
#include <noodle/util/dir_fd.hpp>
#include <noodle/util/unique_fd.hpp>

#include <noodle/archive/digest.hpp>


#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <span>
#include <sys/stat.h>
#include <unistd.h>

namespace noodle::archive {

namespace {

using util::UniqueFd;

constexpr int k_dir_flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr std::size_t k_read_block = std::size_t{256} * 1024;

std::string_view node_kind(mode_t mode)
{
  switch (mode & S_IFMT) {
  case S_IFIFO: return "a FIFO";
  case S_IFCHR: return "a character device";
  case S_IFBLK: return "a block device";
  case S_IFSOCK: return "a socket";
  default: return "of an unknown kind";
  }
}

class TreeHasher {
public:
  explicit TreeHasher(std::filesystem::path dir) : m_dir(std::move(dir)), m_buffer(k_read_block) {}

  // Hashes the tree of the directory open on `fd` (the descriptor stays the caller's).
  Result<std::vector<TreeEntry>> run(int fd);

private:
  // Walks the directory open on `fd`, whose path below the root is `prefix`
  // ("" for the root). Holds one descriptor per level of depth.
  Result<void> walk(int fd, const std::string& prefix);
  Result<TreeEntry> hash_file(int parent, const std::string& name, const std::string& path);
  Result<std::string> link_target(int parent, const std::string& name, const std::string& path, off_t size_hint);

  // The path shown in errors: the tree's directory joined with `relative`.
  std::string shown(const std::string& relative) const
  {
    return relative.empty() ? m_dir.string() : (m_dir / relative).string();
  }
  Error io_error(std::string_view verb, const std::string& relative, int err) const
  {
    return {ErrorCode::io, fmt::format("cannot {} '{}': {}", verb, shown(relative), std::strerror(err))};
  }

  std::filesystem::path m_dir;
  std::vector<std::uint8_t> m_buffer;
  std::vector<TreeEntry> m_entries;
};

Result<std::vector<TreeEntry>> TreeHasher::run(int fd)
{
  if (auto walked = walk(fd, ""); !walked) {
    return fail(std::move(walked.error()));
  }
  std::sort(m_entries.begin(), m_entries.end(), [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
  return std::move(m_entries);
}

Result<void> TreeHasher::walk(int fd, const std::string& prefix)
{
  // Names first, then the nodes: the DIR stream is closed before descending,
  // so the walk holds a single descriptor per level.
  auto listed = util::names_in(fd);
  if (!listed) {
    return fail(io_error("read directory", prefix, listed.error()));
  }
  const std::vector<std::string>& names = *listed;

  for (const auto& name : names) {
    std::string path = prefix;
    if (!path.empty()) {
      path += '/';
    }
    path += name;
    struct stat st {};
    if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return fail(io_error("stat", path, errno));
    }
    const auto mode = static_cast<std::uint32_t>(st.st_mode & 07777);
    if (S_ISREG(st.st_mode)) {
      auto entry = hash_file(fd, name, path);
      if (!entry) {
        return fail(std::move(entry.error()));
      }
      m_entries.push_back(std::move(*entry));
    } else if (S_ISLNK(st.st_mode)) {
      auto target = link_target(fd, name, path, st.st_size);
      if (!target) {
        return fail(std::move(target.error()));
      }
      m_entries.push_back(TreeEntry{path, TreeEntry::Type::symlink, mode, 0, std::move(*target)});
    } else if (S_ISDIR(st.st_mode)) {
      m_entries.push_back(TreeEntry{path, TreeEntry::Type::directory, mode, 0, {}});
      UniqueFd child(::openat(fd, name.c_str(), k_dir_flags));
      if (!child.valid()) {
        return fail(io_error("open directory", path, errno));
      }
      if (auto walked = walk(child.get(), path); !walked) {
        return walked;
      }
    } else {
      return fail(ErrorCode::archive_invalid,
                  fmt::format("'{}' is {}: only regular files, directories and symlinks are allowed", shown(path),
                              node_kind(st.st_mode)));
    }
  }
  return {};
}

Result<TreeEntry> TreeHasher::hash_file(int parent, const std::string& name, const std::string& path)
{
  // O_NONBLOCK: should the file have been swapped for a FIFO since the
  // fstatat, the open must not hang; the fstat below then refuses it.
  UniqueFd file(::openat(parent, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!file.valid()) {
    return fail(io_error("open", path, errno));
  }
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) {
    return fail(io_error("stat", path, errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::archive_invalid, fmt::format("'{}' changed while it was being hashed", shown(path)));
  }
  Sha256 hash;
  for (;;) {
    const ssize_t n = ::read(file.get(), m_buffer.data(), m_buffer.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(io_error("read", path, errno));
    }
    if (n == 0) {
      break;
    }
    hash.update(std::span<const std::uint8_t>(m_buffer.data(), static_cast<std::size_t>(n)));
  }
  auto digest = hash.final();
  if (!digest) {
    return fail(std::move(digest.error()));
  }
  return TreeEntry{path, TreeEntry::Type::file, static_cast<std::uint32_t>(st.st_mode & 07777), digest->size,
                   digest->hex()};
}

Result<std::string> TreeHasher::link_target(int parent, const std::string& name, const std::string& path,
                                            off_t size_hint)
{
  // st_size is the target's length on most file systems, but not all (and
  // it may change): grow until the target fits with room to spare.
  std::string target(static_cast<std::size_t>(std::max<off_t>(size_hint, 255)) + 1, '\0');
  for (;;) {
    const ssize_t n = ::readlinkat(parent, name.c_str(), target.data(), target.size());
    if (n < 0) {
      return fail(io_error("read link", path, errno));
    }
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

std::string short_digest(const std::string& digest)
{
  return digest.size() > 12 ? digest.substr(0, 12) + "..." : digest;
}

std::string describe_change(const TreeEntry& was, const TreeEntry& now)
{
  if (was.type != now.type) {
    return fmt::format("type {} is now {}", to_string(was.type), to_string(now.type));
  }
  std::vector<std::string> parts;
  if (was.type == TreeEntry::Type::file) {
    if (was.size != now.size) {
      parts.push_back(fmt::format("size {} is now {}", was.size, now.size));
    }
    if (was.digest != now.digest) {
      parts.push_back(fmt::format("sha256 {} is now {}", short_digest(was.digest), short_digest(now.digest)));
    }
  } else if (was.type == TreeEntry::Type::symlink && was.digest != now.digest) {
    parts.push_back(fmt::format("target '{}' is now '{}'", was.digest, now.digest));
  }
  if (was.mode != now.mode) {
    parts.push_back(fmt::format("mode {:04o} is now {:04o}", was.mode, now.mode));
  }
  if (parts.empty()) {
    parts.emplace_back("the recorded entry differs"); // only a malformed record gets here
  }
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) {
      out += ", ";
    }
    out += part;
  }
  return out;
}

} // namespace

std::string_view to_string(TreeEntry::Type type)
{
  switch (type) {
  case TreeEntry::Type::file: return "file";
  case TreeEntry::Type::directory: return "directory";
  case TreeEntry::Type::symlink: return "symlink";
  }
  return "unknown";
}

std::string_view to_string(TreeDifference::Kind kind)
{
  switch (kind) {
  case TreeDifference::Kind::changed: return "changed";
  case TreeDifference::Kind::missing: return "missing";
  case TreeDifference::Kind::extra: return "extra";
  }
  return "unknown";
}

Result<std::vector<TreeEntry>> hash_tree(const std::filesystem::path& dir)
{
  TreeHasher hasher(dir);
  UniqueFd root(::open(dir.c_str(), k_dir_flags));
  if (!root.valid()) {
    return fail(ErrorCode::io, fmt::format("cannot open directory '{}': {}", dir.string(), std::strerror(errno)));
  }
  return hasher.run(root.get());
}

Result<std::vector<TreeEntry>> hash_tree(int dir_fd, const std::filesystem::path& shown)
{
  return TreeHasher(shown).run(dir_fd);
}

std::vector<TreeDifference> compare_trees(const std::vector<TreeEntry>& recorded, const std::vector<TreeEntry>& actual)
{
  std::vector<TreeDifference> out;
  auto r = recorded.begin();
  auto a = actual.begin();
  while (r != recorded.end() || a != actual.end()) {
    if (a == actual.end() || (r != recorded.end() && r->path < a->path)) {
      out.push_back({TreeDifference::Kind::missing, r->path, fmt::format("{} is missing", to_string(r->type))});
      ++r;
    } else if (r == recorded.end() || a->path < r->path) {
      out.push_back({TreeDifference::Kind::extra, a->path, fmt::format("{} was not recorded", to_string(a->type))});
      ++a;
    } else {
      if (*r != *a) {
        out.push_back({TreeDifference::Kind::changed, r->path, describe_change(*r, *a)});
      }
      ++r;
      ++a;
    }
  }
  return out;
}

} // namespace noodle::archive
