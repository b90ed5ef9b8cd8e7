// SPDX-License-Identifier: Apache-2.0
// The loader's file-level steps: scanning a catalog, reading a file, loading
// many files at once, adding a file's outcome to a result.
#include "loader_files.hpp"
#include "checksum.hpp"

#include <noodle/util/unique_fd.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <functional>
#include <iterator>
#include <system_error>
#include <thread>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace noodle::manifest::detail {

std::string lower_first(std::string s)
{
  if (!s.empty()) {
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  }
  return s;
}

const char* file_kind(mode_t mode)
{
  if (S_ISFIFO(mode)) {
    return "a FIFO";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  return "a special file";
}

Diagnostic file_diagnostic(ErrorCode code, std::string message, const std::filesystem::path& path)
{
  Diagnostic d;
  d.code = code;
  d.message = std::move(message);
  d.where = SourceLocation{path.string(), 0, 0};
  return d;
}

namespace {

// Threads that read files or their inodes when nothing else runs: on a cold
// disk each waits for one request, so more of them keep more requests in
// flight (cold `validate` of 10,000 components on two cores: 1.59-1.72 s
// with 8 threads, 1.29-1.44 s with 16, no better with 32), while a warm
// run, bound by the CPU, loses nothing with 16.
constexpr std::size_t k_disk_threads_per_core = 8;
constexpr std::size_t k_disk_threads_max = 16;

std::uint64_t nanoseconds(const struct timespec& t)
{
  return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(t.tv_nsec);
}

} // namespace

FileStamp stamp_of(const struct stat& st)
{
  return FileStamp{static_cast<std::uint64_t>(st.st_size), nanoseconds(st.st_mtim), nanoseconds(st.st_ctim),
                   static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_dev)};
}

namespace {

bool needs_separator(std::string_view dir)
{
  return !dir.empty() && dir.back() != '/';
}

} // namespace

void join_path_into(std::string& out, std::string_view dir, std::string_view name)
{
  out.clear();
  out.reserve(dir.size() + 1 + name.size());
  out.append(dir);
  if (needs_separator(dir)) {
    out.push_back('/');
  }
  out.append(name);
}

std::string join_path(std::string_view dir, std::string_view name)
{
  std::string out;
  join_path_into(out, dir, name);
  return out;
}

namespace {

struct DirEntry {
  std::string name;
  unsigned char type;
};

// A subdirectory whose scan was deferred (see scan_into), with where its
// files and diagnostics go among its parent's, and what scanning it gave.
struct SubScan {
  std::size_t files_at = 0;
  std::size_t out_at = 0;
  int fd = -1;
  std::string path;
  ScannedFiles files;
  std::vector<Diagnostic> out;
  bool ok = true;
};

// Runs `work` on `workers` threads, this one included, until each returns;
// with fewer threads than asked when the system gives no more.
void run_workers(std::size_t workers, const std::function<void()>& work)
{
  std::vector<std::thread> threads;
  try {
    for (std::size_t t = 1; t < workers; ++t) {
      threads.emplace_back(work);
    }
  } catch (const std::system_error&) {
    // No more threads: the ones started and this one do the rest.
  }
  work();
  for (auto& t : threads) {
    t.join();
  }
}

// Walks one directory through its descriptor: names sorted, so that the
// depth-first order is that of whole paths compared part by part; regular
// files stat(2)ed relative to the directory (no path lookup from the top).
// Links to directories are not followed, as std::filesystem's iterator
// does not. With `defer`, subdirectories are opened and left there to be
// scanned later instead of at once.
bool scan_into(int dir_fd, const std::string& prefix, const std::filesystem::path& top, ScannedFiles& files,
               std::vector<Diagnostic>& out, std::vector<SubScan>* defer = nullptr)
{
  DIR* d = ::fdopendir(dir_fd);
  if (d == nullptr) {
    ::close(dir_fd);
    out.push_back(file_diagnostic(
        ErrorCode::io, fmt::format("cannot read directory '{}': {}", top.string(), lower_first(std::strerror(errno))),
        top));
    return false;
  }
  std::vector<DirEntry> entries;
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') {
      continue; // ".", ".." and every dot name
    }
    entries.push_back(DirEntry{e->d_name, e->d_type});
  }
  // Closes the directory and reports it unreadable with errno's reason.
  const auto unreadable = [&] {
    const int error = errno;
    ::closedir(d);
    out.push_back(file_diagnostic(
        ErrorCode::io, fmt::format("cannot read directory '{}': {}", top.string(), lower_first(std::strerror(error))),
        top));
    return false;
  };
  if (errno != 0) {
    return unreadable();
  }
  std::sort(entries.begin(), entries.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  const int fd = ::dirfd(d);
  for (DirEntry& e : entries) {
    unsigned char type = e.type;
    if (type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(fd, e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
      }
    }
    std::string path = prefix.empty() ? join_path(top.native(), e.name) : prefix + "/" + e.name;
    if (type == DT_DIR) {
      const int sub = ::openat(fd, e.name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (sub < 0) {
        return unreadable();
      }
      if (defer != nullptr) {
        defer->push_back(SubScan{files.size(), out.size(), sub, std::move(path), {}, {}, true});
        continue;
      }
      if (!scan_into(sub, path, top, files, out)) {
        ::closedir(d);
        return false;
      }
      continue;
    }
    const std::size_t dot = e.name.rfind('.');
    const std::string_view ext = dot == std::string::npos ? std::string_view() : std::string_view(e.name).substr(dot);
    if (ext != ".yaml" && ext != ".yml") {
      continue;
    }
    // Only regular files are read; anything else named like a manifest (a
    // FIFO, which would block, a link to /dev/zero) is reported, never
    // skipped in silence nor opened.
    struct stat st {};
    const bool found = ::fstatat(fd, e.name.c_str(), &st, 0) == 0;
    if (found && S_ISREG(st.st_mode)) {
      files.push_back(prefix.empty() ? std::string_view(top.native()) : std::string_view(prefix), e.name,
                      file_id(path, stamp_of(st)));
    } else if (!found || !S_ISDIR(st.st_mode)) {
      out.push_back(
          file_diagnostic(ErrorCode::io,
                          found ? fmt::format("'{}' is {}, not a regular file: not read", path, file_kind(st.st_mode))
                                : fmt::format("cannot read '{}': {}", path, lower_first(std::strerror(errno))),
                          path));
    }
  }
  ::closedir(d);
  return true;
}

} // namespace

FileId file_id(std::string_view path, const FileStamp& stamp)
{
  const std::uint64_t fields[] = {stamp.size, stamp.mtime_ns, stamp.ctime_ns, stamp.ino, stamp.dev};
  const std::string_view stamp_bytes(reinterpret_cast<const char*>(fields), sizeof fields);
  FileIdHash hash(path.size() + sizeof fields);
  hash.update(path);
  hash.update(stamp_bytes);
  return hash.finish();
}

std::string ScannedFiles::path(std::size_t i) const
{
  const auto [part, j] = locate(i);
  return join_path(part->dir, part->name(j));
}

std::pair<const ScannedFiles::Part*, std::size_t> ScannedFiles::locate(std::size_t i) const
{
  const auto after =
      std::upper_bound(m_parts.begin(), m_parts.end(), i, [](std::size_t n, const Part& p) { return n < p.first; });
  const Part& part = *std::prev(after);
  return {&part, i - part.first};
}

void ScannedFiles::push_back(std::string_view dir, std::string_view name, const FileId& id)
{
  if (m_parts.empty() || m_parts.back().dir != dir) {
    m_parts.push_back(Part{m_size, std::string(dir), {}, {}, {}});
  }
  Part& part = m_parts.back();
  part.at.push_back(static_cast<std::uint32_t>(part.names.size()));
  part.names += name;
  part.names += '\0';
  part.ids.push_back(id);
  ++m_size;
}

void ScannedFiles::append(const ScannedFiles& other, std::size_t from, std::size_t to)
{
  for (std::size_t i = from; i < to; ++i) {
    const auto [part, j] = other.locate(i);
    push_back(part->dir, part->name(j), part->ids[j]);
  }
}

void ScannedFiles::append(ScannedFiles&& other)
{
  for (Part& part : other.m_parts) {
    part.first += m_size;
    m_parts.push_back(std::move(part));
  }
  m_size += other.m_size;
  other = ScannedFiles{};
}

void ScannedFiles::shrink_to_fit()
{
  for (Part& part : m_parts) {
    part.names.shrink_to_fit();
    part.at.shrink_to_fit();
    part.ids.shrink_to_fit();
  }
  m_parts.shrink_to_fit();
}

ScannedFiles scan_catalog(const std::filesystem::path& dir, std::vector<Diagnostic>& out, bool beside_other_work)
{
  ScannedFiles top_files;
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    out.push_back(file_diagnostic(
        ErrorCode::io, fmt::format("cannot read directory '{}': {}", dir.string(), lower_first(std::strerror(errno))),
        dir));
    return top_files;
  }
  // The top directory's subdirectories are scanned by a few threads at once
  // (a large catalog's scan is a stat(2) per file), then everything is put
  // back in the order of a scan by one: each subdirectory's files and
  // diagnostics where it stands among the top's, and nothing after the
  // first one that could not be read.
  std::vector<Diagnostic> top_out;
  std::vector<SubScan> subs;
  scan_into(fd, {}, dir, top_files, top_out, &subs);
  if (subs.empty()) {
    out.insert(out.end(), std::make_move_iterator(top_out.begin()), std::make_move_iterator(top_out.end()));
    top_files.shrink_to_fit(); // held beside the catalog until they are compared
    return top_files;
  }
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i = next.fetch_add(1); i < subs.size(); i = next.fetch_add(1)) {
      subs[i].ok = scan_into(subs[i].fd, subs[i].path, dir, subs[i].files, subs[i].out);
      subs[i].files.shrink_to_fit(); // all subdirectories are held until they are joined
    }
  };
  // Alone, k_disk_threads_per_core keep a cold disk busy; beside other busy
  // threads, one per core: with more, each thread's fair share of the CPU
  // starves the others (a 100,000-component catalog built from its cache
  // beside the scan took 1.4 s with 8 scanning threads on 2 cores, 0.85 s
  // with 2).
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  const std::size_t per_core = beside_other_work ? 1 : k_disk_threads_per_core;
  const std::size_t workers =
      std::min<std::size_t>({k_disk_threads_max, std::size_t{cores} * per_core, subs.size()});
  run_workers(workers, work);
  ScannedFiles files;
  std::size_t files_done = 0;
  std::size_t out_done = 0;
  const auto top_part = [&](std::size_t files_to, std::size_t out_to) {
    files.append(top_files, files_done, files_to);
    out.insert(out.end(), std::make_move_iterator(top_out.begin() + static_cast<std::ptrdiff_t>(out_done)),
               std::make_move_iterator(top_out.begin() + static_cast<std::ptrdiff_t>(out_to)));
    files_done = files_to;
    out_done = out_to;
  };
  for (SubScan& sub : subs) {
    top_part(sub.files_at, sub.out_at);
    files.append(std::move(sub.files));
    out.insert(out.end(), std::make_move_iterator(sub.out.begin()), std::make_move_iterator(sub.out.end()));
    if (!sub.ok) {
      return files;
    }
  }
  top_part(top_files.size(), top_out.size());
  return files;
}

FileLoad FileReader::next()
{
  if (m_chunk_at == m_chunk.size()) {
    // Enough files per chunk to keep every reading thread busy; few enough
    // that their manifests are a small part of a large catalog's.
    constexpr std::size_t k_chunk = 4096;
    m_chunk_from += m_chunk.size();
    const std::size_t count = std::min(k_chunk, m_which.size() - m_chunk_from);
    m_chunk.clear();
    m_chunk.resize(count);
    m_chunk_at = 0;
    // Small catalogs are not worth a thread; large ones are read by a few
    // at once, so that a cold disk sees several requests in flight and
    // parsing uses every core. Each file is parsed alone, so the order of
    // the result does not depend on the threads.
    const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
    const std::size_t workers =
        std::min<std::size_t>({k_disk_threads_max, std::size_t{cores} * k_disk_threads_per_core, count / 32});
    // The paths first, in order on this thread: each file of a directory
    // shares its directory's buffer with the one before.
    std::vector<util::SharedPath> names(count);
    for (std::size_t i = 0; i < count; ++i) {
      m_last = util::SharedPath::in_dir_of(m_last, m_files.path(m_which[m_chunk_from + i]));
      names[i] = m_last;
    }
    std::atomic<std::size_t> claimed{0};
    const auto work = [&] {
      for (std::size_t i = claimed.fetch_add(1); i < count; i = claimed.fetch_add(1)) {
        m_chunk[i] = load_file(names[i], m_options);
      }
    };
    run_workers(workers, work);
  }
  return std::move(m_chunk[m_chunk_at++]);
}

void add_file(FileLoad&& file, LoadResult& result)
{
  if (file.read) {
    ++result.files;
  }
  result.diagnostics.insert(result.diagnostics.end(), std::make_move_iterator(file.diagnostics.begin()),
                            std::make_move_iterator(file.diagnostics.end()));
  std::vector<Diagnostic> duplicates;
  for (Manifest& m : file.manifests) {
    SourceLocation where = m.where;
    auto added = result.catalog.add(std::move(m));
    if (!added) {
      Diagnostic d;
      d.code = added.error().code;
      d.message = added.error().message;
      d.where = where;
      d.field = "version";
      duplicates.push_back(std::move(d));
    }
  }
  if (!duplicates.empty()) {
    // Rare, so the file is read again for the source lines rather than kept.
    attach_source_lines(duplicates);
    result.diagnostics.insert(result.diagnostics.end(), std::make_move_iterator(duplicates.begin()),
                              std::make_move_iterator(duplicates.end()));
  }
  // The moved-from shells go now: with every file's held to the end, a large
  // catalog's peak memory would hold its manifests twice.
  file = FileLoad{};
}

std::optional<FileBytes> read_file_bytes(const std::filesystem::path& path, std::size_t max_file_bytes,
                                         std::vector<Diagnostic>& diagnostics)
{
  const auto refuse = [&](ErrorCode code, std::string message) {
    diagnostics.push_back(file_diagnostic(code, std::move(message), path));
    return std::nullopt;
  };
  util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) {
    const int error = errno;
    return refuse(error == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                  fmt::format("cannot read '{}': {}", path.string(), lower_first(std::strerror(error))));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return refuse(ErrorCode::io, fmt::format("cannot read '{}': {}", path.string(), lower_first(std::strerror(errno))));
  }
  if (S_ISDIR(st.st_mode)) {
    return refuse(ErrorCode::io, fmt::format("'{}' is a directory", path.string()));
  }
  // A pipe (`plan -f <(...)`) is read to its end, up to the limit; a device
  // (/dev/zero) or a socket is no input file.
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
    return refuse(ErrorCode::usage,
                  fmt::format("'{}' is {}, not a regular file or a pipe", path.string(), file_kind(st.st_mode)));
  }
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_file_bytes) {
    return refuse(ErrorCode::manifest_parse,
                  fmt::format("file is {} bytes, over the {}-byte limit", st.st_size, max_file_bytes));
  }
  // A regular file's buffer is its size plus one byte, to see that it grew
  // while read; a pipe's grows as it is read. Never past the limit plus one.
  FileBytes bytes;
  bytes.stamp = stamp_of(st);
  std::size_t capacity =
      S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) + 1 : std::min<std::size_t>(max_file_bytes + 1, 65536);
  bytes.data.reset(new char[capacity]);
  while (true) {
    if (bytes.size == capacity) {
      if (capacity > max_file_bytes) {
        break;
      }
      const std::size_t grown = std::min<std::size_t>(max_file_bytes + 1, capacity * 2);
      std::unique_ptr<char[]> larger(new char[grown]);
      std::memcpy(larger.get(), bytes.data.get(), bytes.size);
      bytes.data = std::move(larger);
      capacity = grown;
    }
    const ssize_t n = ::read(fd.get(), bytes.data.get() + bytes.size, capacity - bytes.size);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return refuse(ErrorCode::io,
                    fmt::format("cannot read '{}': {}", path.string(), lower_first(std::strerror(errno))));
    }
    if (n == 0) {
      break;
    }
    bytes.size += static_cast<std::size_t>(n);
    if (S_ISREG(st.st_mode) && bytes.size == static_cast<std::size_t>(st.st_size)) {
      // Exactly the size fstat gave, and not the extra byte asked for: no
      // second read(2) to learn what that one already said (a catalog is
      // tens of thousands of files, each a few system calls).
      break;
    }
  }
  if (bytes.size > max_file_bytes) {
    return refuse(ErrorCode::manifest_parse, fmt::format("file is over the {}-byte limit", max_file_bytes));
  }
  return bytes;
}

bool check_catalog_dir(const std::filesystem::path& dir, std::vector<Diagnostic>& diagnostics)
{
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) {
    return true;
  }
  bool missing = !std::filesystem::exists(dir, ec);
  diagnostics.push_back(file_diagnostic(missing ? ErrorCode::not_found : ErrorCode::io,
                                        missing ? fmt::format("catalog directory '{}' does not exist", dir.string())
                                                : fmt::format("catalog path '{}' is not a directory", dir.string()),
                                        dir));
  return false;
}

} // namespace noodle::manifest::detail
