// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/extract.hpp>
#include <noodle/util/unique_fd.hpp>

#include <noodle/archive/digest.hpp>

#include "extract_pass.hpp"
#include "tar_input.hpp"
#include "tar_path.hpp"
#include "writeback.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <memory>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unordered_map>
#include <vector>

namespace noodle::archive {

namespace {

using util::UniqueFd;

constexpr int k_dir_flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr std::uint32_t k_root = 0;

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

// One thing created under staging. The tree holds each name once, so the
// bookkeeping costs about one component name per created object, whatever
// the depth.
struct Node {
  std::string name;
  std::uint32_t parent = k_root;
  NodeKind kind = NodeKind::directory;
  bool from_entry = false; // false: a directory implied by a deeper path
  // What the node is on disk, for ExtractReport::tree.
  std::uint32_t mode = 0;
  std::uint64_t size = 0;
  std::string digest; // a file's sha256 hex, a symlink's target
};

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
  Extractor(int root, const Limits& limits, const detail::ExtractPass& pass = {})
    : m_root(root), m_limits(limits), m_pass(pass)
  {
    m_nodes.push_back(Node{});
  }
  // Judges every entry by the same rules and writes nothing (root -1).
  static Extractor checker(const Limits& limits, const detail::ExtractPass& pass = {})
  {
    Extractor e(-1, limits, pass);
    e.m_check_only = true;
    return e;
  }

  Result<void> run(int fd);
  // Removes everything run() created, children first; returns what remained.
  std::vector<std::string> remove_created();
  // The report, its tree built from the nodes (which it consumes).
  ExtractReport take_report();

private:
  Result<void> entry(detail::TarInput& in, archive_entry* e);
  Result<std::uint32_t> make_parents(const std::vector<std::string_view>& parts, std::uint32_t parent,
                                     std::size_t existing, const std::string& shown);
  Result<void> write_file(detail::TarInput& in, archive_entry* e, std::uint32_t node, const std::string& shown);
  Result<void> sync_tree();
  // entry()'s last part when nothing is written.
  Result<void> check_entry(detail::TarInput& in, archive_entry* e, std::uint32_t parent,
                           std::optional<std::uint32_t> earlier, const std::string& name, const char* target,
                           const std::string& shown);

  std::optional<std::uint32_t> child(std::uint32_t parent, std::string_view name) const;
  Result<std::uint32_t> add_node(std::uint32_t parent, std::string_view name, NodeKind kind, bool from_entry,
                                 const std::string& shown);
  std::string path_of(std::uint32_t node) const;
  // The directory `node`, opened from the staging root without following any
  // symlink: openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) where the kernel
  // has it, else component by component with O_NOFOLLOW. The last one is
  // cached, as consecutive entries mostly share a directory. Fails with errno.
  tl::expected<int, int> directory_fd(std::uint32_t node);
  Error io_error(const std::string& shown, std::string_view what, std::uint32_t node, int err) const;

  // Reports the compressed bytes read so far against the archive's size.
  void report_progress(const detail::TarInput& in) const;

  int m_root;
  Limits m_limits;
  detail::ExtractPass m_pass;
  std::uint64_t m_archive_size = 0; // for progress only
  ExtractReport m_report;
  std::vector<Node> m_nodes;                                 // [0]: the staging root; parents come before children
  std::unordered_map<std::string, std::uint32_t> m_children; // "<parent index>/<name>" -> node
  std::uint32_t m_cached_node = k_root;
  UniqueFd m_cached_fd;
  bool m_have_openat2 = true;
  bool m_check_only = false;
  std::unique_ptr<detail::Writeback> m_writeback; // made with the first file
};

std::string child_key(std::uint32_t parent, std::string_view name)
{
  std::string key = std::to_string(parent);
  key += '/';
  key += name;
  return key;
}

std::optional<std::uint32_t> Extractor::child(std::uint32_t parent, std::string_view name) const
{
  if (auto it = m_children.find(child_key(parent, name)); it != m_children.end()) {
    return it->second;
  }
  return std::nullopt;
}

Result<std::uint32_t> Extractor::add_node(std::uint32_t parent, std::string_view name, NodeKind kind, bool from_entry,
                                          const std::string& shown)
{
  // Implied directories count: one short entry must not create thousands.
  if (m_nodes.size() > m_limits.max_entries) {
    return fail(ErrorCode::archive_limit,
                fmt::format("entry '{}': archive creates more than {} files, directories and symlinks", shown,
                            m_limits.max_entries));
  }
  const auto index = static_cast<std::uint32_t>(m_nodes.size());
  m_nodes.push_back(Node{std::string(name), parent, kind, from_entry, 0, 0, {}});
  m_children.emplace(child_key(parent, name), index);
  if (kind == NodeKind::directory) {
    ++m_report.directories;
  }
  return index;
}

std::string Extractor::path_of(std::uint32_t node) const
{
  std::vector<std::uint32_t> up;
  for (std::uint32_t n = node; n != k_root; n = m_nodes[n].parent) {
    up.push_back(n);
  }
  std::string out;
  for (auto it = up.rbegin(); it != up.rend(); ++it) {
    if (!out.empty()) {
      out += '/';
    }
    out += m_nodes[*it].name;
  }
  return out;
}

tl::expected<int, int> Extractor::directory_fd(std::uint32_t node)
{
  if (node == k_root) {
    return m_root;
  }
  if (m_cached_fd.valid() && m_cached_node == node) {
    return m_cached_fd.get();
  }
  m_cached_fd.reset();
  std::vector<std::uint32_t> chain;
  for (std::uint32_t n = node; n != k_root; n = m_nodes[n].parent) {
    chain.push_back(n);
  }
  std::reverse(chain.begin(), chain.end());
  if (m_have_openat2) {
    // One call; the kernel refuses any symlink and anything not beneath root.
    std::string path;
    for (std::uint32_t n : chain) {
      path += m_nodes[n].name;
      path += '/';
    }
    open_how how{};
    how.flags = k_dir_flags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    const long fd = ::syscall(SYS_openat2, m_root, path.c_str(), &how, sizeof how);
    if (fd >= 0) {
      m_cached_fd = UniqueFd(static_cast<int>(fd));
      m_cached_node = node;
      return m_cached_fd.get();
    }
    if (errno != ENOSYS && errno != EPERM && errno != E2BIG) {
      return tl::unexpected<int>(errno);
    }
    m_have_openat2 = false; // an old kernel or a seccomp filter: walk instead
  }
  UniqueFd current;
  for (std::uint32_t n : chain) {
    UniqueFd next(::openat(current.valid() ? current.get() : m_root, m_nodes[n].name.c_str(), k_dir_flags));
    if (!next.valid()) {
      return tl::unexpected<int>(errno);
    }
    current = std::move(next);
  }
  m_cached_fd = std::move(current);
  m_cached_node = node;
  return m_cached_fd.get();
}

Error Extractor::io_error(const std::string& shown, std::string_view what, std::uint32_t node, int err) const
{
  return {ErrorCode::io, fmt::format("entry '{}': cannot {} '{}': {}", shown, what, detail::printable(path_of(node)),
                                     std::strerror(err))};
}

Result<std::uint32_t> Extractor::make_parents(const std::vector<std::string_view>& parts, std::uint32_t parent,
                                              std::size_t existing, const std::string& shown)
{
  for (std::size_t i = existing; i + 1 < parts.size(); ++i) {
    if (m_check_only) {
      auto made = add_node(parent, parts[i], NodeKind::directory, false, shown);
      if (!made) {
        return made;
      }
      parent = *made;
      continue;
    }
    auto parent_fd = directory_fd(parent);
    if (!parent_fd) {
      return fail(io_error(shown, "open directory", parent, parent_fd.error()));
    }
    const std::string name(parts[i]);
    if (::mkdirat(*parent_fd, name.c_str(), 0700) != 0) {
      return fail(ErrorCode::io, fmt::format("entry '{}': cannot create directory '{}': {}", shown,
                                             detail::printable(path_of(parent) + "/" + name), std::strerror(errno)));
    }
    auto made = add_node(parent, name, NodeKind::directory, false, shown);
    if (!made) {
      ::unlinkat(*parent_fd, name.c_str(), AT_REMOVEDIR);
      return made;
    }
    UniqueFd dir(::openat(*parent_fd, name.c_str(), k_dir_flags));
    if (!dir.valid() || ::fchmod(dir.get(), 0755) != 0) {
      return fail(io_error(shown, "set the mode of", *made, errno));
    }
    m_nodes[*made].mode = 0755;
    parent = *made;
  }
  return parent;
}

Result<void> Extractor::write_file(detail::TarInput& in, archive_entry* e, std::uint32_t node, const std::string& shown)
{
  const auto too_big = [&] {
    return fail(ErrorCode::archive_limit,
                fmt::format("entry '{}': file is larger than the {}-byte limit", shown, m_limits.max_file_bytes));
  };
  UniqueFd out;
  if (!m_check_only) {
    auto parent_fd = directory_fd(m_nodes[node].parent);
    if (!parent_fd) {
      return fail(io_error(shown, "open directory", m_nodes[node].parent, parent_fd.error()));
    }
    out = UniqueFd(
        ::openat(*parent_fd, m_nodes[node].name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out.valid()) {
      return fail(ErrorCode::io, fmt::format("entry '{}': cannot create file: {}", shown, std::strerror(errno)));
    }
  }
  std::uint64_t written = 0;
  Sha256 hash; // over the blocks already in memory: no second read of the file
  const bool capture =
      m_pass.manifest != nullptr && m_nodes[node].parent == k_root && m_nodes[node].name == k_manifest_member;
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
    if (capture) {
      if (m_pass.manifest->size() + block->size() > m_pass.manifest_limit) {
        return fail(ErrorCode::archive_limit, fmt::format("member '{}' is larger than {} bytes", k_manifest_member,
                                                          m_pass.manifest_limit));
      }
      m_pass.manifest->append(block->data(), block->size());
    }
    if (m_check_only) {
      continue;
    }
    if (const int err = util::write_all(out.get(), block->data(), block->size()); err != 0) {
      return fail(ErrorCode::io, fmt::format("entry '{}': cannot write file: {}", shown, std::strerror(err)));
    }
    hash.update(std::string_view(block->data(), block->size()));
    report_progress(in);
  }
  if (m_check_only) {
    ++m_report.files;
    m_report.bytes += written;
    m_nodes[node].size = written;
    return {};
  }
  auto digest = hash.final();
  if (!digest) {
    return fail(std::move(digest.error()));
  }
  // No setuid, setgid, sticky or world-writable bit; the owner is whoever runs us.
  const auto mode = static_cast<mode_t>(archive_entry_perm(e) & 0755);
  if (::fchmod(out.get(), mode) != 0) {
    return fail(ErrorCode::io, fmt::format("entry '{}': cannot set the file's mode: {}", shown, std::strerror(errno)));
  }
  // Its writeback starts now, on another thread, while the next entries are
  // extracted; the one syncfs in sync_tree() then mostly waits for writes
  // already under way. A close error surfaces after the last entry.
  if (!m_writeback) {
    m_writeback = std::make_unique<detail::Writeback>(in.threaded());
  }
  m_writeback->close_later(std::move(out), shown);
  ++m_report.files;
  m_report.bytes += written;
  Node& made = m_nodes[node];
  made.mode = static_cast<std::uint32_t>(mode);
  made.size = written;
  made.digest = digest->hex();
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
  auto path = detail::normalise_entry_path(raw, m_limits);
  if (!path) {
    return reject(path.error().code, path.error().reason);
  }
  if (const char* target = archive_entry_hardlink(e); target != nullptr) {
    return reject(ErrorCode::archive_invalid,
                  fmt::format("hard links are not allowed (link to '{}')", detail::printable(target)));
  }
  const auto type = archive_entry_filetype(e);
  if (auto why = refused_type(type)) {
    return reject(ErrorCode::archive_invalid, fmt::format("{} (only regular files, directories and symlinks)", *why));
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

  // Follow the parents that exist already: each must be a directory.
  const auto parts = detail::components(*path);
  std::uint32_t parent = k_root;
  std::size_t existing = 0;
  for (; existing + 1 < parts.size(); ++existing) {
    const auto found = child(parent, parts[existing]);
    if (!found) {
      break;
    }
    const Node& node = m_nodes[*found];
    if (node.kind == NodeKind::symlink) {
      return reject(ErrorCode::archive_invalid,
                    fmt::format("parent '{}' is a symlink; nothing is written through a symlink",
                                detail::printable(path_of(*found))));
    }
    if (node.kind == NodeKind::file) {
      return reject(ErrorCode::archive_invalid,
                    fmt::format("parent '{}' is a regular file, not a directory", detail::printable(path_of(*found))));
    }
    parent = *found;
  }
  std::optional<std::uint32_t> earlier;
  if (existing + 1 == parts.size()) {
    earlier = child(parent, parts.back());
  }
  if (earlier) {
    const Node& node = m_nodes[*earlier];
    const std::string earlier_path = detail::printable(*path);
    if (node.from_entry) {
      return reject(ErrorCode::archive_invalid,
                    fmt::format("duplicate path ('{}' appears earlier in the archive as a {})", earlier_path,
                                kind_name(node.kind)));
    }
    if (type != AE_IFDIR) {
      return reject(ErrorCode::archive_invalid,
                    fmt::format("duplicate path ('{}' is already a directory holding earlier entries)", earlier_path));
    }
  }
  const char* target = type == AE_IFLNK ? archive_entry_symlink(e) : nullptr;
  if (type == AE_IFLNK) {
    if (auto bad = detail::check_symlink_target(*path, target != nullptr ? target : "", m_limits.max_path_bytes)) {
      return reject(bad->code, bad->reason);
    }
  }

  auto made_parent = make_parents(parts, parent, existing, shown);
  if (!made_parent) {
    return fail(std::move(made_parent.error()));
  }
  parent = *made_parent;
  const std::string name(parts.back());
  if (m_check_only) {
    return check_entry(in, e, parent, earlier, name, target, shown);
  }
  auto parent_fd = directory_fd(parent);
  if (!parent_fd) {
    return fail(io_error(shown, "open directory", parent, parent_fd.error()));
  }

  std::uint32_t directory = k_root;
  if (type == AE_IFDIR && earlier) {
    m_nodes[*earlier].from_entry = true; // made earlier for a deeper path
    directory = *earlier;
  } else if (type == AE_IFDIR) {
    if (::mkdirat(*parent_fd, name.c_str(), 0700) != 0) {
      return reject(ErrorCode::io, fmt::format("cannot create directory: {}", std::strerror(errno)));
    }
    auto made = add_node(parent, name, NodeKind::directory, true, shown);
    if (!made) {
      ::unlinkat(*parent_fd, name.c_str(), AT_REMOVEDIR);
      return fail(std::move(made.error()));
    }
    directory = *made;
  } else if (type == AE_IFLNK) {
    if (::symlinkat(target, *parent_fd, name.c_str()) != 0) {
      return reject(ErrorCode::io, fmt::format("cannot create symlink: {}", std::strerror(errno)));
    }
    auto made = add_node(parent, name, NodeKind::symlink, true, shown);
    if (!made) {
      ::unlinkat(*parent_fd, name.c_str(), 0);
      return fail(std::move(made.error()));
    }
    ++m_report.symlinks;
    // A symlink's mode is whatever the file system gives it (0777 on Linux).
    struct stat st {};
    if (::fstatat(*parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return reject(ErrorCode::io, fmt::format("cannot stat symlink: {}", std::strerror(errno)));
    }
    m_nodes[*made].mode = static_cast<std::uint32_t>(st.st_mode & 07777);
    m_nodes[*made].digest = target;
  } else {
    // Recorded before the file exists, so a failure part-way removes it.
    auto made = add_node(parent, name, NodeKind::file, true, shown);
    if (!made) {
      return fail(std::move(made.error()));
    }
    return write_file(in, e, *made, shown);
  }
  if (type == AE_IFDIR) {
    // Owner bits stay rwx so the tree can always be filled and removed.
    const auto mode = static_cast<mode_t>((archive_entry_perm(e) & 0755) | 0700);
    UniqueFd dir(::openat(*parent_fd, name.c_str(), k_dir_flags));
    if (!dir.valid() || ::fchmod(dir.get(), mode) != 0) {
      return reject(ErrorCode::io, fmt::format("cannot set the directory's mode: {}", std::strerror(errno)));
    }
    m_nodes[directory].mode = static_cast<std::uint32_t>(mode);
  }
  // Directories and symlinks carry no data; anything there is still counted.
  auto drained = in.drain(shown);
  return drained ? Result<void>() : fail(std::move(drained.error()));
}

Result<void> Extractor::check_entry(detail::TarInput& in, archive_entry* e, std::uint32_t parent,
                                    std::optional<std::uint32_t> earlier, const std::string& name, const char* target,
                                    const std::string& shown)
{
  const auto type = archive_entry_filetype(e);
  if (type == AE_IFDIR && earlier) {
    m_nodes[*earlier].from_entry = true;
  } else if (type == AE_IFDIR || type == AE_IFLNK) {
    auto made = add_node(parent, name, type == AE_IFDIR ? NodeKind::directory : NodeKind::symlink, true, shown);
    if (!made) {
      return fail(std::move(made.error()));
    }
    if (type == AE_IFLNK) {
      ++m_report.symlinks;
      m_nodes[*made].digest = target;
    }
  } else {
    auto made = add_node(parent, name, NodeKind::file, true, shown);
    if (!made) {
      return fail(std::move(made.error()));
    }
    return write_file(in, e, *made, shown);
  }
  auto drained = in.drain(shown);
  return drained ? Result<void>() : fail(std::move(drained.error()));
}

Result<void> Extractor::sync_tree()
{
  // One syncfs of the file system holding the tree: every file, directory
  // and symlink written above (their data started on its way to the disk as
  // each file was closed) and every directory entry naming them is durable
  // when it returns, at the cost of one journal commit and one cache flush
  // instead of one per object. Since Linux 5.8 it reports a writeback error
  // of any file of that file system.
  if (::syncfs(m_root) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot sync the file system of the staging directory: {}",
                                           std::strerror(errno)));
  }
  return {};
}

void Extractor::report_progress(const detail::TarInput& in) const
{
  if (m_limits.progress != nullptr) {
    const std::uint64_t done = in.compressed_bytes();
    m_limits.progress->update("extract", done, std::max(m_archive_size, done));
  }
}

Result<void> Extractor::run(int fd)
{
  const util::ProgressScope scope(m_limits.progress);
  if (struct stat st {}; m_limits.progress != nullptr && ::fstat(fd, &st) == 0 && st.st_size > 0) {
    m_archive_size = static_cast<std::uint64_t>(st.st_size);
  }
  auto input = detail::TarInput::open(fd, m_limits, m_pass.input_hash);
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
    report_progress(**input);
  }
  if (m_writeback) {
    if (auto closed = m_writeback->finish(); !closed) {
      return closed;
    }
  }
  const auto manifest = child(k_root, k_manifest_member);
  if (!manifest || m_nodes[*manifest].kind != NodeKind::file) {
    return fail(ErrorCode::archive_invalid, fmt::format("archive has no regular file '{}' at its root", k_manifest_member));
  }
  if (m_pass.input_hash != nullptr) {
    if (auto rest = (*input)->hash_rest(); !rest) {
      return rest;
    }
  }
  if (m_pass.check) {
    if (auto checked = m_pass.check(); !checked) {
      return checked;
    }
  }
  return m_check_only ? Result<void>() : sync_tree();
}

ExtractReport Extractor::take_report()
{
  // Parents come before children, so each path extends its parent's, which
  // is entry (parent - 1) of the tree.
  auto& tree = m_report.tree;
  tree.clear();
  tree.reserve(m_nodes.size() - 1);
  for (std::uint32_t i = 1; i < m_nodes.size(); ++i) {
    Node& node = m_nodes[i];
    TreeEntry entry;
    entry.path = node.parent == k_root ? node.name : tree[node.parent - 1].path + '/' + node.name;
    switch (node.kind) {
    case NodeKind::file: entry.type = TreeEntry::Type::file; break;
    case NodeKind::directory: entry.type = TreeEntry::Type::directory; break;
    case NodeKind::symlink: entry.type = TreeEntry::Type::symlink; break;
    }
    entry.mode = node.mode;
    entry.size = node.size;
    entry.digest = std::move(node.digest);
    tree.push_back(std::move(entry));
  }
  std::sort(tree.begin(), tree.end(), [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
  return std::move(m_report);
}

std::vector<std::string> Extractor::remove_created()
{
  std::vector<std::string> left;
  for (auto i = static_cast<std::uint32_t>(m_nodes.size() - 1); i > k_root; --i) {
    const Node& node = m_nodes[i];
    auto parent_fd = directory_fd(node.parent);
    const int flags = node.kind == NodeKind::directory ? AT_REMOVEDIR : 0;
    if (!parent_fd || (::unlinkat(*parent_fd, node.name.c_str(), flags) != 0 && errno != ENOENT)) {
      left.push_back(path_of(i));
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
  return extract(fd, root.get(), staging_dir, limits);
}

Result<ExtractReport> extract(int fd, int dir_fd, const std::filesystem::path& shown, const Limits& limits)
{
  return detail::extract(fd, dir_fd, shown, limits, {});
}

Result<ExtractReport> check_extraction(int fd, const Limits& limits)
{
  return detail::check_extraction(fd, limits, {});
}

namespace detail {

Result<ExtractReport> extract(int fd, int dir_fd, const std::filesystem::path& shown, const Limits& limits,
                              const ExtractPass& pass)
{
  auto empty = is_empty_directory(dir_fd);
  if (!empty) {
    return fail(ErrorCode::io, fmt::format("cannot read staging directory '{}': {}", shown.string(),
                                           std::strerror(empty.error())));
  }
  if (!*empty) {
    return fail(ErrorCode::io, fmt::format("staging directory '{}' is not empty", shown.string()));
  }
  Extractor extractor(dir_fd, limits, pass);
  if (auto done = extractor.run(fd); !done) {
    Error error = std::move(done.error());
    for (const auto& left : extractor.remove_created()) {
      error.details.push_back(fmt::format("could not remove '{}' from the staging directory", detail::printable(left)));
    }
    return fail(std::move(error));
  }
  return extractor.take_report();
}

Result<ExtractReport> check_extraction(int fd, const Limits& limits, const ExtractPass& pass)
{
  auto checker = Extractor::checker(limits, pass);
  if (auto done = checker.run(fd); !done) {
    return fail(std::move(done.error()));
  }
  return checker.take_report();
}

} // namespace detail

} // namespace noodle::archive
