// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/catalog_cache.hpp>
#include <noodle/util/atomic_file.hpp>
#include <noodle/util/unique_fd.hpp>

#include "cache_codec.hpp"
#include "checksum.hpp"
#include "loader_files.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <system_error>
#include <thread>
#include <unordered_map>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace noodle::manifest {

namespace {

using detail::ArchiveProbe;
using detail::Checksum;
using detail::checksum;
using detail::FileId;
using detail::FileIdHash;
using detail::file_id;
using detail::Damaged;
using detail::RangeMemo;
using detail::Reader;
using detail::Writer;
using detail::decode_diagnostic;
using detail::decode_manifest;
using detail::encode_diagnostic;
using detail::encode_manifest;
using detail::FileLoad;
using detail::ScannedFiles;

// Bump whenever the layout below, or what a manifest or a diagnostic holds,
// changes: a cache of another format is rebuilt.
constexpr std::uint32_t k_format_version = 6;
constexpr char k_magic[8] = {'N', 'O', 'O', 'D', 'L', 'E', 'C', 'C'};
// magic, format version, flags, payload size, payload checksum.
constexpr std::size_t k_header_size = 8 + 4 + 4 + 8 + 8;
// Below this many cached files, cached files are decoded on the calling
// thread rather than a little ahead by another.
constexpr std::size_t k_decode_ahead_minimum = 256;
// How far ahead of the adding that thread may decode.
constexpr std::size_t k_decode_ahead = 1024;
// Below this size the cache holds too few files for the scan to be worth a
// thread of its own, with the cached catalog built beside it (a record is
// 150 to 400 bytes: a few hundred files).
constexpr std::int64_t k_scan_ahead_minimum_bytes = 32 * 1024;

std::uint64_t options_fingerprint(const LoadOptions& o)
{
  std::string key = fmt::format("{}/{}/{}/{}/{}/{}/{}", static_cast<int>(o.strictness), o.max_file_bytes, o.max_depth,
                                o.max_documents, o.max_aliases, o.max_nodes, static_cast<int>(o.check_archive_files));
  return checksum(key);
}

std::string real_path(const std::filesystem::path& dir)
{
  std::error_code ec;
  auto real = std::filesystem::canonical(dir, ec);
  return ec ? std::filesystem::absolute(dir, ec).lexically_normal().string() : real.string();
}


// What makes a cached file the same file (see FileStamp): a write within
// the clock's resolution still moves ctime when anything else does.
using FileKey = detail::FileStamp;

// A key as encode_entry writes it, from a Reader or a PayloadStream.
template <typename In> FileKey read_key(In& in)
{
  return FileKey{in.u64(), in.u64(), in.u64(), in.u64(), in.u64()}; // braces: read in order
}

// One file's record: its path relative to the catalog, its key, then its
// body (probes, diagnostics, manifests), which is copied as it is into the
// next cache when the file has not changed.
void encode_entry(Writer& w, std::string_view rel, const FileKey& key, const FileLoad& file)
{
  w.str(rel);
  w.u64(key.size);
  w.u64(key.mtime_ns);
  w.u64(key.ctime_ns);
  w.u64(key.ino);
  w.u64(key.dev);
  Writer body;
  body.u32(static_cast<std::uint32_t>(file.probes.size()));
  for (const ArchiveProbe& p : file.probes) {
    body.str(p.path);
    body.u8(p.found ? 1 : 0);
  }
  body.u32(static_cast<std::uint32_t>(file.diagnostics.size()));
  for (const Diagnostic& d : file.diagnostics) {
    encode_diagnostic(body, d);
  }
  body.u32(static_cast<std::uint32_t>(file.manifests.size()));
  for (const Manifest& m : file.manifests) {
    encode_manifest(body, m);
  }
  w.u64(body.bytes.size());
  w.bytes += body.bytes;
}

struct CachedEntry {
  FileKey key;
  std::string_view record; // the whole record, path and key included
  std::string_view body;
};

struct CacheFile {
  std::unique_ptr<char[]> data; // the payload
  std::size_t size = 0;
  // By path, in the order written: the catalog's, so a run over an
  // unchanged catalog meets them one after another.
  std::vector<std::pair<std::string_view, CachedEntry>> entries;
};

// Reads exactly `n` bytes; false at an error or an early end.
bool read_exactly(int fd, char* into, std::size_t n)
{
  std::size_t used = 0;
  while (used < n) {
    const ssize_t got = ::read(fd, into + used, n - used);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      return false;
    }
    used += static_cast<std::size_t>(got);
  }
  return true;
}

// The cache file, opened and its header checked; the descriptor is left at
// the start of the payload.
struct CacheHead {
  util::UniqueFd fd;
  std::uint64_t payload_size = 0;
  std::uint64_t sum = 0;
};

// An empty reason means the header is usable.
std::string open_head(const std::filesystem::path& path, CacheHead& head)
{
  head.fd = util::UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
  if (!head.fd.valid()) {
    return errno == ENOENT ? "missing" : fmt::format("cannot open it: {}", std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(head.fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return "not a regular file";
  }
  if (st.st_uid != ::geteuid()) {
    return fmt::format("owned by uid {}, not {}", st.st_uid, ::geteuid());
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return "writable by others";
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  char bytes[k_header_size];
  if (size < k_header_size || !read_exactly(head.fd.get(), bytes, k_header_size)) {
    return "truncated";
  }
  if (std::memcmp(bytes, k_magic, sizeof k_magic) != 0) {
    return "not a catalog cache";
  }
  Reader header(std::string_view(bytes + sizeof k_magic, k_header_size - sizeof k_magic));
  if (header.u32() != k_format_version) {
    return "another format version";
  }
  header.u32(); // flags, none yet
  head.payload_size = header.u64();
  head.sum = header.u64();
  if (size - k_header_size != head.payload_size) {
    return "truncated";
  }
  return {};
}

// Reads and checks the cache; an empty reason means it is usable.
std::string open_cache(const std::filesystem::path& path, const std::string& real_dir, std::uint64_t fingerprint,
                       CacheFile& cache)
{
  CacheHead head;
  if (std::string why = open_head(path, head); !why.empty()) {
    return why;
  }
  const auto size = static_cast<std::size_t>(head.payload_size);
  cache.data.reset(new char[size]);
  if (!read_exactly(head.fd.get(), cache.data.get(), size)) {
    return "truncated";
  }
  cache.size = size;
  const std::string_view payload(cache.data.get(), size);
  if (checksum(payload) != head.sum) {
    return "checksum mismatch";
  }
  try {
    Reader r(payload);
    if (r.view() != real_dir) {
      return "another catalog";
    }
    if (r.u64() != fingerprint) {
      return "other load options";
    }
    const std::uint32_t files = r.count(4 + 6 * 8);
    cache.entries.reserve(files);
    for (std::uint32_t i = 0; i < files; ++i) {
      const std::size_t start = r.at();
      const std::string_view rel = r.view();
      CachedEntry e;
      e.key = read_key(r);
      const std::uint64_t body_size = r.u64();
      const std::size_t body_start = r.at();
      r.skip(body_size);
      e.body = payload.substr(body_start, body_size);
      e.record = payload.substr(start, r.at() - start);
      cache.entries.emplace_back(rel, e);
    }
    if (!r.done()) {
      return "trailing bytes";
    }
  } catch (const Damaged& e) {
    return e.what();
  }
  return {};
}

// The payload read front to back through a window of 512 KiB and
// checksummed as it is read, so that a large cache is never held whole
// (at 400,000 manifests it is over 150 MB). What take() returns stays valid
// until the next call. Throws Damaged at an early end.
class PayloadStream {
public:
  PayloadStream(int fd, std::uint64_t size) : m_fd(fd), m_left(size), m_sum(size) {}

  std::string_view take(std::size_t n)
  {
    ensure(n);
    const std::string_view out(m_buffer.get() + m_at, n);
    m_at += n;
    return out;
  }
  std::uint32_t u32() { return fixed<std::uint32_t>(); }
  std::uint64_t u64() { return fixed<std::uint64_t>(); }
  std::string_view view() { return take(u32()); }

  // Everything read, and its checksum.
  bool done() const { return m_left == 0 && m_at == m_end; }
  std::uint64_t sum() const { return m_sum.finish(); }

private:
  static constexpr std::size_t k_window = 512 << 10;

  template <typename T> T fixed()
  {
    T v;
    std::memcpy(&v, take(sizeof v).data(), sizeof v);
    return v;
  }

  void ensure(std::size_t n)
  {
    const std::size_t have = m_end - m_at;
    if (n <= have) {
      return;
    }
    if (n - have > m_left) {
      throw Damaged("truncated");
    }
    // The unread bytes go to the front; one item larger than the window
    // gets a window of its size.
    const std::size_t wanted = std::max(n, std::min<std::uint64_t>(k_window, have + m_left));
    if (wanted > m_capacity) {
      std::unique_ptr<char[]> larger(new char[wanted]);
      if (have > 0) {
        std::memcpy(larger.get(), m_buffer.get() + m_at, have);
      }
      m_buffer = std::move(larger);
      m_capacity = wanted;
    } else if (have > 0) {
      std::memmove(m_buffer.get(), m_buffer.get() + m_at, have);
    }
    m_at = 0;
    m_end = have;
    // The window filled as far as the payload goes: at least `n` bytes,
    // since the window holds `n` and the payload was checked to.
    const std::size_t room = std::min<std::uint64_t>(m_capacity - m_end, m_left);
    if (!read_exactly(m_fd, m_buffer.get() + m_end, room)) {
      throw Damaged("truncated");
    }
    m_sum.update(std::string_view(m_buffer.get() + m_end, room));
    m_end += room;
    m_left -= room;
  }

  int m_fd;
  std::uint64_t m_left; // payload bytes not read yet
  Checksum m_sum;
  std::unique_ptr<char[]> m_buffer;
  std::size_t m_capacity = 0;
  std::size_t m_at = 0;
  std::size_t m_end = 0;
};

// What one decoding thread keeps from record to record: the ranges it
// parsed, and the last file's path, whose directory the next file of that
// directory shares.
struct DecodeMemo {
  RangeMemo ranges;
  util::SharedPath last_file;
};

// The file's outcome from its cached body; nullopt when an archive file it
// names changed since (the file must be read again). Throws Damaged.
std::optional<FileLoad> decode_body(std::string_view body, std::string_view file_name, DecodeMemo& memo)
{
  Reader r(body);
  FileLoad file;
  file.read = true;
  const std::uint32_t probes = r.count(5);
  for (std::uint32_t i = 0; i < probes; ++i) {
    ArchiveProbe p;
    p.path = r.str();
    p.found = r.u8() != 0;
    std::error_code ec;
    if (std::filesystem::is_regular_file(p.path, ec) != p.found) {
      return std::nullopt;
    }
    file.probes.push_back(std::move(p));
  }
  const std::uint32_t diagnostics = r.count(1 + 4 + 4 + 4 + 8 + 4 + 4);
  for (std::uint32_t i = 0; i < diagnostics; ++i) {
    file.diagnostics.push_back(decode_diagnostic(r));
  }
  const std::uint32_t manifests = r.count(16);
  file.manifests.reserve(manifests);
  // One copy for every location of the file, its directory's shared.
  memo.last_file = util::SharedPath::in_dir_of(memo.last_file, file_name);
  for (std::uint32_t i = 0; i < manifests; ++i) {
    file.manifests.push_back(decode_manifest(r, memo.last_file, memo.ranges));
  }
  if (!r.done()) {
    throw Damaged("trailing bytes in a record");
  }
  return file;
}

std::string_view relative_to(const std::filesystem::path& dir, std::string_view file)
{
  // scan_catalog's paths are `dir` / relative part.
  std::string_view full = file;
  std::string_view base = dir.native();
  if (full.size() > base.size() && full.substr(0, base.size()) == base) {
    full.remove_prefix(base.size());
    while (!full.empty() && full.front() == '/') {
      full.remove_prefix(1);
    }
  }
  return full;
}

// The catalog as the cache holds it, built without looking at the files
// (see load_catalog_cached), from the cache read front to back.
struct Speculation {
  LoadResult result;
  bool ok = false;
  // The cached files, each one's path as a scan spells it with its key as
  // a FileId, those folded in order by a FileIdHash: what a scan must find
  // again, in 24 bytes where a FileId each took 6.4 MB at 400,000 files,
  // held at the peak of a warm read. Each step of a lane is a bijection of
  // its state, so two different lists of one length agree only when both
  // lanes collide at once, as two different files' FileIds do.
  std::size_t known_count = 0;
  FileId known{};

  void build(const std::filesystem::path& catalog_dir, const std::string& real_dir, std::uint64_t fingerprint,
             CacheHead& head)
  {
    DecodeMemo memo;
    std::string name; // each cached file's path, as a scan spells it
    try {
      PayloadStream in(head.fd.get(), head.payload_size);
      if (in.view() != real_dir || in.u64() != fingerprint) {
        return;
      }
      const std::uint32_t files = in.u32();
      FileIdHash sequence(files);
      for (std::uint32_t i = 0; i < files; ++i) {
        // A view the stream gives is dead at the next read from it, which
        // may move the window: the path is joined before its key is read.
        detail::join_path_into(name, catalog_dir.native(), in.view());
        sequence.update(file_id(name, read_key(in)));
        const std::string_view body = in.take(in.u64());
        std::optional<FileLoad> file = decode_body(body, name, memo);
        if (!file) {
          return; // an archive file it names changed
        }
        detail::add_file(std::move(*file), result);
      }
      known_count = files;
      known = sequence.finish();
      ok = in.done() && in.sum() == head.sum;
      result.catalog.shrink_to_fit(); // before the scan's files join it, at the load's peak
    } catch (const std::exception&) {
      // A damaged cache: `ok` stays false and the cache is read whole.
    }
  }

  bool matches(const ScannedFiles& files) const
  {
    if (!ok || files.size() != known_count) {
      return false;
    }
    FileIdHash sequence(files.size());
    files.for_each(
        [&sequence](std::size_t, std::string_view, std::string_view, const FileId& id) { sequence.update(id); });
    return sequence.finish() == known;
  }
};

} // namespace

std::string catalog_cache_name(const std::filesystem::path& catalog_dir, const LoadOptions& options)
{
  // The spelling of the directory is part of the key as well as its real
  // path: diagnostics name files as the catalog was given.
  const std::string key =
    fmt::format("{}\n{}\n{:016x}", real_path(catalog_dir), catalog_dir.string(), options_fingerprint(options));
  return fmt::format("catalog-{:016x}.cache", checksum(key));
}

LoadResult load_catalog_cached(const std::filesystem::path& catalog_dir, const LoadOptions& options,
                               const std::filesystem::path& cache_file, CacheUse* use)
{
  CacheUse local;
  CacheUse& u = use != nullptr ? *use : local;
  LoadResult result;
  if (!detail::check_catalog_dir(catalog_dir, result.diagnostics)) {
    return result;
  }
  const std::string real_dir = real_path(catalog_dir);
  const std::uint64_t fingerprint = options_fingerprint(options);

  // The catalog is scanned (a stat(2) of every file: most of a warm run)
  // while this thread reads the cache and builds the catalog it holds as it
  // is. That catalog is the answer only when the scan then finds exactly the
  // cached files with the same keys and nothing to report; else it is
  // dropped. A small cache is not worth a thread.
  ScannedFiles files;
  std::vector<Diagnostic> scan_out;
  std::optional<std::jthread> scanner; // joined however this ends
  if (struct stat st {}; ::stat(cache_file.c_str(), &st) == 0 && st.st_size >= k_scan_ahead_minimum_bytes) {
    try {
      scanner.emplace([&] { files = detail::scan_catalog(catalog_dir, scan_out, true); });
    } catch (const std::system_error&) {
      scanner.reset();
    }
  }
  const auto finish_scan = [&] {
    if (scanner) {
      scanner->join();
      scanner.reset();
    } else {
      files = detail::scan_catalog(catalog_dir, scan_out);
    }
    result.diagnostics.insert(result.diagnostics.end(), std::make_move_iterator(scan_out.begin()),
                              std::make_move_iterator(scan_out.end()));
  };

  // While the scan runs, the catalog the cache holds is built from the cache
  // read in pieces; when the scan then finds anything else, the cache is
  // read again, whole, for the records of the files that did not change.
  Speculation guess;
  bool guessed = false;
  if (scanner) {
    if (CacheHead head; open_head(cache_file, head).empty()) {
      guessed = true;
      guess.build(catalog_dir, real_dir, fingerprint, head);
    }
  }
  finish_scan();
  if (guessed) {
    if (result.diagnostics.empty() && guess.matches(files)) {
      u.state = CacheUse::State::fresh;
      u.built_during_scan = true;
      return std::move(guess.result);
    }
    guess = Speculation{}; // freed before the files are read, not held beside them
  }
  CacheFile cache;
  u.why_rebuilt = open_cache(cache_file, real_dir, fingerprint, cache);
  if (!u.why_rebuilt.empty()) {
    cache.entries.clear();
  }
  const bool usable = u.why_rebuilt.empty();
  // First which files the cache holds unchanged; then every file in the
  // catalog's order, a cached one decoded (by another thread, a little
  // ahead), the others read a chunk at a time (by several threads at once),
  // and moved into the catalog, so that no file's manifests are held twice.
  std::vector<const CachedEntry*> hits(files.size(), nullptr);
  // The next entry in order when it is the file's, else (once a file was
  // added, removed or renamed) a lookup by path.
  std::size_t cursor = 0;
  bool by_path_built = false;
  std::unordered_map<std::string_view, const CachedEntry*> by_path;
  const auto find_entry = [&](std::string_view rel) -> const CachedEntry* {
    if (!by_path_built && cursor < cache.entries.size() && cache.entries[cursor].first == rel) {
      return &cache.entries[cursor++].second;
    }
    if (!by_path_built) {
      by_path.reserve(cache.entries.size());
      for (const auto& [path, entry] : cache.entries) {
        by_path.emplace(path, &entry);
      }
      by_path_built = true;
    }
    auto it = by_path.find(rel);
    return it == by_path.end() ? nullptr : it->second;
  };
  std::vector<std::size_t> to_read;
  std::size_t known = 0; // files the cache has a record of
  std::string path;
  files.for_each([&](std::size_t i, std::string_view dir, std::string_view name, const FileId& id) {
    detail::join_path_into(path, dir, name);
    if (const CachedEntry* entry = find_entry(relative_to(catalog_dir, path))) {
      ++known;
      if (file_id(path, entry->key) == id) {
        hits[i] = entry;
        return;
      }
    }
    to_read.push_back(i);
  });
  const bool removed = known < cache.entries.size(); // files gone since
  detail::FileReader read(files, std::move(to_read), options);
  u.reread = read.size();
  bool changed = !usable || removed || read.size() > 0;
  // What the next cache holds for each file: its record as it is, or the
  // record of what was read now, kept in `encoded` ("" for a file that
  // could not be read: it is tried again on the next run).
  std::vector<std::string_view> records(files.size());
  std::deque<std::string> encoded; // never moves what it holds
  // A cached file's manifests, or nullopt when its record does not decode
  // (the checksum matched, so a bug or a foreign writer: the file itself is
  // read instead).
  const auto decode = [&](std::size_t i, DecodeMemo& memo) -> std::optional<FileLoad> {
    try {
      return decode_body(hits[i]->body, files.path(i), memo);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  // On a large catalog the cached files are decoded by another thread, in
  // the same order, at most k_decode_ahead files ahead of the adding
  // below, each into its slot of a ring: decoded files wait there without
  // being held all at once (a slot is 128 bytes; 400,000 of them were 51 MB).
  std::vector<std::optional<FileLoad>> ring;
  std::atomic<std::size_t> ready{0}; // files decoded into the ring
  std::atomic<std::size_t> taken{0}; // files taken from it
  const auto decode_ahead = [&](const std::stop_token& stop) {
    // The thread's owner asks it to stop however the adding below ends
    // (std::jthread's destructor), early included: `taken` moves on so
    // that a wait for room in the ring ends.
    const std::stop_callback wake(stop, [&] {
      taken.store(files.size(), std::memory_order_release);
      taken.notify_one();
    });
    DecodeMemo memo;
    for (std::size_t i = 0; i < files.size() && !stop.stop_requested(); ++i) {
      for (std::size_t t = taken.load(std::memory_order_acquire); i >= t + k_decode_ahead;
           t = taken.load(std::memory_order_acquire)) {
        taken.wait(t, std::memory_order_acquire);
      }
      if (hits[i] != nullptr) {
        ring[i % k_decode_ahead] = decode(i, memo);
      }
      ready.store(i + 1, std::memory_order_release);
      ready.notify_one();
    }
  };
  std::optional<std::jthread> decoder; // asked to stop and joined however this ends
  if (files.size() - read.size() >= k_decode_ahead_minimum) {
    try {
      ring.resize(k_decode_ahead);
      decoder.emplace(decode_ahead);
    } catch (const std::system_error&) {
      decoder.reset();
    }
  }
  DecodeMemo memo; // when this thread decodes
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::optional<FileLoad> file;
    if (decoder) {
      for (std::size_t seen = ready.load(std::memory_order_acquire); seen <= i;
           seen = ready.load(std::memory_order_acquire)) {
        ready.wait(seen, std::memory_order_acquire);
      }
      file = std::move(ring[i % k_decode_ahead]);
      ring[i % k_decode_ahead].reset();
      taken.store(i + 1, std::memory_order_release);
      taken.notify_one();
    } else if (hits[i] != nullptr) {
      file = decode(i, memo);
    }
    if (hits[i] != nullptr) {
      if (file) {
        records[i] = hits[i]->record;
      } else {
        file = detail::load_file(files.path(i), options);
        ++u.reread;
        changed = true;
      }
    } else {
      file = read.next();
    }
    if (records[i].empty() && file->read) {
      Writer entry;
      encode_entry(entry, relative_to(catalog_dir, files.path(i)), file->stamp, *file);
      records[i] = encoded.emplace_back(std::move(entry.bytes));
    }
    detail::add_file(std::move(*file), result);
  }
  if (decoder) {
    decoder->join();
  }
  result.catalog.shrink_to_fit();
  u.state = !usable ? CacheUse::State::rebuilt : changed ? CacheUse::State::updated : CacheUse::State::fresh;
  if (!changed) {
    return result;
  }
  // Written in pieces, the records where they are: the payload's head (the
  // directory, the fingerprint, the count), each file's record, and the
  // header in front, once the payload's size and checksum are known.
  std::vector<std::string_view> pieces(2); // the header and the head, set below
  pieces.reserve(2 + records.size());
  std::uint64_t payload_size = 0;
  for (const std::string_view record : records) {
    if (!record.empty()) {
      pieces.push_back(record);
      payload_size += record.size();
    }
  }
  Writer head;
  head.str(real_dir);
  head.u64(fingerprint);
  head.u32(static_cast<std::uint32_t>(pieces.size() - 2));
  pieces[1] = head.bytes;
  payload_size += head.bytes.size();
  Checksum sum(payload_size);
  for (std::size_t k = 1; k < pieces.size(); ++k) {
    sum.update(pieces[k]);
  }
  Writer header;
  header.bytes.append(k_magic, sizeof k_magic);
  header.u32(k_format_version);
  header.u32(0);
  header.u64(payload_size);
  header.u64(sum.finish());
  pieces[0] = header.bytes;
  if (auto wrote = util::write_file_atomic(cache_file, pieces, 0600); !wrote) {
    u.write_error = wrote.error().message;
  }
  return result;
}

} // namespace noodle::manifest
