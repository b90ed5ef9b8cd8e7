// SPDX-License-Identifier: Apache-2.0
#pragma once

// The loader's file-level steps, shared by load_catalog and the compiled
// catalog cache (catalog_cache.cpp), so that both produce the same catalog
// and the same diagnostics in the same order.

#include <noodle/manifest/loader.hpp>
#include <noodle/util/shared_path.hpp>

#include "checksum.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/stat.h>

namespace noodle::manifest::detail {

// `s` with its first letter lowered (for strerror and std::error_code messages).
std::string lower_first(std::string s);
// "a FIFO", "a character device", ... for a file that is not a regular one.
const char* file_kind(mode_t mode);
// An error diagnostic about a whole file (line 0).
Diagnostic file_diagnostic(ErrorCode code, std::string message, const std::filesystem::path& path);

// An archive file a manifest names, and whether it was a regular file when
// the manifest was read (the loader's check_archive_files).
struct ArchiveProbe {
  std::string path;
  bool found = false;
};

// What identifies one version of a file, from stat(2): any change to its
// content moves its size, mtime or ctime (in nanoseconds), and a replaced
// file has a new inode.
struct FileStamp {
  std::uint64_t size = 0;
  std::uint64_t mtime_ns = 0;
  std::uint64_t ctime_ns = 0;
  std::uint64_t ino = 0;
  std::uint64_t dev = 0;

  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

FileStamp stamp_of(const struct stat& st);

// A file's path, as a scan spells it, and its stamp, in 16 bytes: two
// independent 64-bit checksums of both. What a scan keeps of each file to
// compare with a cache's record of it: a changed file goes unseen only if
// both lanes collide at once.
struct FileId {
  std::uint64_t a = 0;
  std::uint64_t b = 0;

  friend bool operator==(const FileId&, const FileId&) = default;
};

// Two independent checksum lanes over the same bytes, finished as a FileId.
// Fed in pieces of any size, it gives what one call over the whole would.
class FileIdHash {
public:
  explicit FileIdHash(std::uint64_t size) : m_a(size), m_b(size) {}
  void update(std::string_view bytes)
  {
    m_a.update(bytes);
    m_b.update(bytes);
  }
  void update(const FileId& id) { update(std::string_view(reinterpret_cast<const char*>(&id), sizeof id)); }
  FileId finish() const { return FileId{m_a.finish(), m_b.finish()}; }

private:
  Checksum m_a;
  OtherChecksum m_b;
};

FileId file_id(std::string_view path, const FileStamp& stamp);

// The regular files scan_catalog found, each with the FileId it was found
// with, in the scan's order. A file's path is kept as its directory, once
// for each run of files in one directory, and its name; the names one
// after another in a buffer, each ended by a NUL (no file name holds one):
// a large catalog has a path per file, and a string each would cost more
// than the path. Each run keeps its files' ids beside their names. Files
// scanned apart (a catalog's subdirectories, by several threads) are
// joined by moving their runs in, never copied.
class ScannedFiles {
public:
  std::size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  // The path as the scan spelled it: the directory joined with the name.
  std::string path(std::size_t i) const;
  // Calls use(i, dir, name, id) for every file, in order: one walk, where
  // path(i) finds its file's run each time.
  template <typename Use> void for_each(Use use) const
  {
    for (const Part& part : m_parts) {
      for (std::size_t j = 0; j < part.ids.size(); ++j) {
        use(part.first + j, std::string_view(part.dir), part.name(j), part.ids[j]);
      }
    }
  }

  // Appends `name` in `dir`; `id` is file_id() of their join.
  void push_back(std::string_view dir, std::string_view name, const FileId& id);
  // Appends files [from, to) of `other`, copied.
  void append(const ScannedFiles& other, std::size_t from, std::size_t to);
  // Appends every file of `other`, whose runs are moved in.
  void append(ScannedFiles&& other);
  // Gives back the room kept for more files.
  void shrink_to_fit();

private:
  // Files [first, first + at.size()) of the whole, all in `dir`.
  struct Part {
    std::size_t first = 0;
    std::string dir;
    std::string names;
    std::vector<std::uint32_t> at; // where each name starts in `names`
    std::vector<FileId> ids;

    std::string_view name(std::size_t j) const
    {
      const std::size_t end = j + 1 < at.size() ? at[j + 1] : names.size();
      return std::string_view(names).substr(at[j], end - 1 - at[j]);
    }
  };
  // The part holding file i, and the place of the file there.
  std::pair<const Part*, std::size_t> locate(std::size_t i) const;

  std::vector<Part> m_parts;
  std::size_t m_size = 0;
};

// `dir` / `name` as std::filesystem::path's operator/ spells it, for a
// relative `name`, without making a path; into `out`, reusing its memory.
std::string join_path(std::string_view dir, std::string_view name);
void join_path_into(std::string& out, std::string_view dir, std::string_view name);

// The *.yaml / *.yml regular files under `dir` in sorted path order, dot
// names skipped; anything else named like a manifest and unreadable
// directories are diagnostics appended to `out`.
// With `beside_other_work`, another thread of this process is busy
// meanwhile, and the scan leaves it a core (a warm scan is CPU-bound, and a
// thread starved of its share ends last).
ScannedFiles scan_catalog(const std::filesystem::path& dir, std::vector<Diagnostic>& out,
                          bool beside_other_work = false);

// Whether `dir` is a directory; if not, a diagnostic saying why (missing:
// not_found, else io).
bool check_catalog_dir(const std::filesystem::path& dir, std::vector<Diagnostic>& diagnostics);

// One file's bytes, read once into a buffer sized from fstat(2) (not
// zeroed first).
struct FileBytes {
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
  FileStamp stamp; // fstat(2)'s, before the bytes were read
  std::string_view view() const { return {data.get(), size}; }
};

// read_input_file's checks and reading, without the copy into a string.
std::optional<FileBytes> read_file_bytes(const std::filesystem::path& path, std::size_t max_file_bytes,
                                         std::vector<Diagnostic>& diagnostics);

// What one manifest file gives: whether it could be read, its manifests and
// its diagnostics (reading and parsing), and the archive files it looked at.
struct FileLoad {
  bool read = false;
  FileStamp stamp; // when read: the file's stamp as it was opened, the key of its cache record
  std::vector<Manifest> manifests;
  std::vector<Diagnostic> diagnostics;
  std::vector<ArchiveProbe> probes;
};

// Reads and parses one file; never throws. Its locations name it as `file`
// (whose directory buffer it shares).
FileLoad load_file(const util::SharedPath& file, const LoadOptions& options);

// load_file for each of `files` whose index is in `which`, in that order:
// a chunk of them at a time, each chunk several at once on a large catalog,
// so that a large catalog's files are never all held at once.
class FileReader {
public:
  FileReader(const ScannedFiles& files, std::vector<std::size_t> which, const LoadOptions& options)
    : m_files(files), m_which(std::move(which)), m_options(options)
  {
  }
  std::size_t size() const { return m_which.size(); }
  // The next file's load; size() of them in all.
  FileLoad next();

private:
  const ScannedFiles& m_files;
  std::vector<std::size_t> m_which;
  const LoadOptions& m_options;
  std::vector<FileLoad> m_chunk;
  std::size_t m_chunk_at = 0;   // the next of m_chunk to give
  std::size_t m_chunk_from = 0; // where in m_which m_chunk begins
  util::SharedPath m_last;      // the last file's path: the next shares its directory's
};

// Adds one file's outcome to `result`: counts it, appends its diagnostics,
// then adds its manifests to the catalog, a duplicate name@version (defined
// by an earlier file) being an error diagnostic with its source line.
// `file` is left empty, its memory freed.
void add_file(FileLoad&& file, LoadResult& result);

// parse_manifests, also recording the archive files looked at.
std::vector<Manifest> parse_manifests_probed(std::string_view text, const util::SharedPath& file_name,
                                             const std::filesystem::path& base_dir, const LoadOptions& options,
                                             std::vector<Diagnostic>& diagnostics, std::vector<ArchiveProbe>* probes);

} // namespace noodle::manifest::detail
