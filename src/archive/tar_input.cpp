// SPDX-License-Identifier: Apache-2.0
#include "tar_input.hpp"

#include "tar_path.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <system_error>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace noodle::archive::detail {

namespace {

constexpr std::string_view k_not_tar = "not a tar archive compressed with gzip or zstd";

// libarchive's message, starting lowercase to fit our message style.
std::string libarchive_message(struct archive* a)
{
  const char* text = archive_error_string(a);
  std::string out = text != nullptr ? text : "unknown error";
  if (!out.empty()) {
    out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  }
  return out;
}

std::uint64_t saturating_multiply(std::uint64_t a, std::uint64_t b)
{
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return a * b;
}

} // namespace

// Decompressed blocks on their way from the decompression thread to the tar
// stage, in order, and how the stream ended. A few blocks ahead are enough to
// keep both threads busy; their buffers are reused.
struct TarInput::Pipe {
  static constexpr std::size_t k_depth = 8;
  struct Block {
    std::vector<char> bytes;
    std::uint64_t offset = 0; // compressed bytes read when it was decompressed
  };

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Block> ready;
  std::vector<std::vector<char>> spare;
  Block current;              // what the tar stage reads now: valid until its next call
  std::optional<Step> ended;  // the end of the stream or its error, after the last block
  bool stop = false;
};

TarInput::TarInput(int fd, const Limits& limits) : m_fd(fd), m_limits(limits), m_pipe(std::make_unique<Pipe>()) {}

TarInput::~TarInput()
{
  stop_decompressing();
  if (m_archive != nullptr) {
    archive_read_free(m_archive);
  }
  if (m_raw != nullptr) {
    archive_read_free(m_raw);
  }
}

Result<std::unique_ptr<TarInput>> TarInput::open(int fd, const Limits& limits, Sha256* hash)
{
  std::unique_ptr<TarInput> in(new TarInput(fd, limits));
  in->m_hash = hash;
  in->m_raw = archive_read_new();
  in->m_archive = archive_read_new();
  if (in->m_raw == nullptr || in->m_archive == nullptr) {
    return fail(ErrorCode::internal, "cannot allocate an archive reader");
  }
  // Only gzip or zstd, and only tar (ustar, pax, gnutar): never _all, which
  // would expose every format parser libarchive has to hostile input.
  if (archive_read_support_format_raw(in->m_raw) != ARCHIVE_OK
      || archive_read_support_filter_gzip(in->m_raw) != ARCHIVE_OK
      || archive_read_support_filter_zstd(in->m_raw) != ARCHIVE_OK
      || archive_read_support_format_tar(in->m_archive) != ARCHIVE_OK) {
    return fail(ErrorCode::internal,
                "libarchive lacks tar, gzip or zstd support: " + libarchive_message(in->m_raw));
  }
  const auto not_tar = [&](struct archive* which) {
    if (in->m_scan_error || in->m_over_archive_limit || in->m_read_errno != 0) {
      return in->failure("");
    }
    Error e(ErrorCode::archive_invalid, std::string(k_not_tar));
    e.details.push_back("libarchive: " + libarchive_message(which));
    return e;
  };
  // Opening reads the first blocks to recognise the compression; the raw
  // format's one entry is the whole uncompressed stream.
  archive_entry* stream = nullptr;
  if (archive_read_open(in->m_raw, in.get(), nullptr, &TarInput::read_callback, nullptr) != ARCHIVE_OK
      || archive_read_next_header(in->m_raw, &stream) != ARCHIVE_OK) {
    return fail(not_tar(in->m_raw));
  }
  // A small archive is decompressed on the caller's thread: starting a
  // thread (and its allocator arena) would cost more than it saves.
  if (struct stat st {}; ::fstat(fd, &st) == 0 && st.st_size >= static_cast<off_t>(k_threaded_from)) {
    try {
      in->m_decompressor = std::thread(&TarInput::decompress, in.get());
    } catch (const std::system_error&) {
      // No thread to be had: decompressed on the caller's thread instead.
    }
  }
  if (archive_read_open(in->m_archive, in.get(), nullptr, &TarInput::tar_callback, nullptr) != ARCHIVE_OK) {
    return fail(not_tar(in->m_archive));
  }
  return in;
}

ssize_t TarInput::read_callback(struct archive* a, void* self, const void** buffer)
{
  auto* in = static_cast<TarInput*>(self);
  *buffer = in->m_input.data();
  ssize_t n = 0;
  do {
    n = pread(in->m_fd, in->m_input.data(), in->m_input.size(), static_cast<off_t>(in->m_offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    in->m_read_errno = errno;
    archive_set_error(a, errno, "read failed");
    return -1;
  }
  in->m_offset += static_cast<std::uint64_t>(n);
  if (in->m_offset > in->m_limits.max_archive_bytes) {
    in->m_over_archive_limit = true;
    archive_set_error(a, EFBIG, "archive too large");
    return -1;
  }
  if (in->m_hash != nullptr) {
    in->m_hash->update(std::string_view(in->m_input.data(), static_cast<std::size_t>(n)));
  }
  return n;
}

void TarInput::decompress()
{
  Pipe& p = *m_pipe;
  for (;;) {
    Pipe::Block out;
    {
      std::unique_lock lock(p.mutex);
      p.changed.wait(lock, [&] { return p.stop || p.ready.size() < Pipe::k_depth; });
      if (p.stop) {
        return;
      }
      if (!p.spare.empty()) {
        out.bytes = std::move(p.spare.back());
        p.spare.pop_back();
      }
    }
    Step step = step_here();
    if (step.end == StepEnd::none) {
      try {
        out.bytes.assign(step.bytes.begin(), step.bytes.end());
        out.offset = step.offset;
      } catch (const std::bad_alloc&) {
        step = {StepEnd::error, {}, step.offset, ENOMEM, std::strerror(ENOMEM)};
      }
    }
    const bool last = step.end != StepEnd::none;
    {
      const std::lock_guard lock(p.mutex);
      if (last) {
        p.ended = std::move(step);
      } else {
        p.ready.push_back(std::move(out));
      }
    }
    p.changed.notify_all();
    if (last) {
      return;
    }
  }
}

void TarInput::stop_decompressing()
{
  if (!m_decompressor.joinable()) {
    return;
  }
  {
    const std::lock_guard lock(m_pipe->mutex);
    m_pipe->stop = true;
  }
  m_pipe->changed.notify_all();
  m_decompressor.join();
}

Result<void> TarInput::hash_rest()
{
  // The decompression thread stops after the block it is on; the rest of the
  // file is read from where it stopped.
  stop_decompressing();
  m_seen_offset = m_offset;
  for (;;) {
    ssize_t n = 0;
    do {
      n = pread(m_fd, m_input.data(), m_input.size(), static_cast<off_t>(m_offset));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      return fail(ErrorCode::io, fmt::format("cannot read the archive: {}", std::strerror(errno)));
    }
    if (n == 0) {
      return {};
    }
    m_offset += static_cast<std::uint64_t>(n);
    m_seen_offset = m_offset;
    if (m_offset > m_limits.max_archive_bytes) {
      return fail(ErrorCode::archive_limit,
                  fmt::format("archive is larger than the {}-byte limit", m_limits.max_archive_bytes));
    }
    if (m_hash != nullptr) {
      m_hash->update(std::string_view(m_input.data(), static_cast<std::size_t>(n)));
    }
  }
}

TarInput::Step TarInput::step_here()
{
  const void* block = nullptr;
  std::size_t size = 0;
  la_int64_t offset = 0;
  const int r = archive_read_data_block(m_raw, &block, &size, &offset);
  if (r == ARCHIVE_EOF) {
    return {StepEnd::eof, {}, m_offset, 0, {}};
  }
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
    return {StepEnd::error, {}, m_offset, archive_errno(m_raw), libarchive_message(m_raw)};
  }
  return {StepEnd::none, std::span<const char>(static_cast<const char*>(block), size), m_offset, 0, {}};
}

TarInput::Step TarInput::step_from_thread()
{
  Pipe& p = *m_pipe;
  std::unique_lock lock(p.mutex);
  if (p.current.bytes.capacity() != 0) {
    p.spare.push_back(std::move(p.current.bytes)); // libarchive is done with it
    p.current.bytes = {};
  }
  p.changed.wait(lock, [&] { return !p.ready.empty() || p.ended; });
  if (p.ready.empty()) {
    return *p.ended;
  }
  p.current = std::move(p.ready.front());
  p.ready.pop_front();
  lock.unlock();
  p.changed.notify_all();
  return {StepEnd::none, std::span<const char>(p.current.bytes.data(), p.current.bytes.size()), p.current.offset,
          0, {}};
}

ssize_t TarInput::tar_callback(struct archive* a, void* self, const void** buffer)
{
  auto* in = static_cast<TarInput*>(self);
  const Step step = in->m_decompressor.joinable() ? in->step_from_thread() : in->step_here();
  in->m_seen_offset = step.offset;
  if (step.end == StepEnd::error) {
    archive_set_error(a, step.err != 0 ? step.err : EINVAL, "%s", step.message.c_str());
    return -1;
  }
  auto refused = step.end == StepEnd::eof ? in->m_scan.finish() : in->m_scan.feed(step.bytes);
  if (refused) {
    in->m_scan_error = std::move(refused);
    archive_set_error(a, EINVAL, "refused");
    return -1;
  }
  *buffer = step.bytes.data();
  return static_cast<ssize_t>(step.bytes.size());
}

Error TarInput::failure(std::string context) const
{
  if (m_scan_error) {
    return *m_scan_error;
  }
  if (m_over_archive_limit) {
    return {ErrorCode::archive_limit,
            fmt::format("archive is larger than the {}-byte limit", m_limits.max_archive_bytes)};
  }
  if (m_read_errno != 0) {
    return {ErrorCode::io, fmt::format("cannot read the archive: {}", std::strerror(m_read_errno))};
  }
  return {ErrorCode::archive_invalid, fmt::format("{}: {}", context, libarchive_message(m_archive))};
}

Result<archive_entry*> TarInput::next()
{
  archive_entry* entry = nullptr;
  const int r = archive_read_next_header(m_archive, &entry);
  if (!m_started) {
    m_started = true;
    if (m_scan_error || m_over_archive_limit || m_read_errno != 0) {
      return fail(failure(""));
    }
    const int layers = archive_filter_count(m_raw);
    const int code = archive_filter_code(m_raw, 0);
    const bool ok_filter = layers == 2 && (code == ARCHIVE_FILTER_GZIP || code == ARCHIVE_FILTER_ZSTD);
    const bool ok_format = (r == ARCHIVE_OK || r == ARCHIVE_WARN || r == ARCHIVE_EOF)
                           && (archive_format(m_archive) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR;
    if (!ok_filter || !ok_format) {
      Error e(ErrorCode::archive_invalid, std::string(k_not_tar));
      if (!ok_format) {
        e.details.push_back("libarchive: " + libarchive_message(m_archive));
      } else if (layers == 1) {
        e.details.push_back("the tar archive is not compressed");
      } else {
        e.details.push_back(fmt::format("found {} compression layers", layers - 1));
      }
      return fail(std::move(e));
    }
  }
  if (r == ARCHIVE_EOF) {
    return nullptr;
  }
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
    if (m_last_entry.empty()) {
      return fail(failure("archive is truncated or corrupt"));
    }
    return fail(failure(fmt::format("archive is truncated or corrupt after entry '{}'", m_last_entry)));
  }
  ++m_entries;
  if (m_entries > m_limits.max_entries) {
    return fail(ErrorCode::archive_limit, fmt::format("archive has more than {} entries", m_limits.max_entries));
  }
  const char* name = archive_entry_pathname(entry);
  m_last_entry = printable(name != nullptr ? name : "");
  return entry;
}

Result<std::span<const char>> TarInput::read_block(const std::string& shown)
{
  const la_ssize_t n = archive_read_data(m_archive, m_output.data(), m_output.size());
  if (n < 0) {
    return fail(failure(fmt::format("entry '{}': archive is truncated or corrupt", shown)));
  }
  m_unpacked += static_cast<std::uint64_t>(n);
  if (m_unpacked > m_limits.max_total_bytes) {
    return fail(ErrorCode::archive_limit,
                fmt::format("entry '{}': archive unpacks to more than the {}-byte total limit", shown,
                            m_limits.max_total_bytes));
  }
  if (m_unpacked > m_limits.ratio_grace_bytes
      && m_unpacked > saturating_multiply(m_seen_offset, m_limits.max_ratio)) {
    Error e(ErrorCode::archive_limit,
            fmt::format("entry '{}': compression ratio exceeds the {}:1 limit (likely a decompression bomb)", shown,
                        m_limits.max_ratio));
    e.details.push_back("an archive this compressible on purpose passes with a higher limits.max_ratio "
                        "in the configuration file");
    return fail(std::move(e));
  }
  return std::span<const char>(m_output.data(), static_cast<std::size_t>(n));
}

Result<std::uint64_t> TarInput::drain(const std::string& shown)
{
  std::uint64_t total = 0;
  for (;;) {
    auto block = read_block(shown);
    if (!block) {
      return fail(std::move(block.error()));
    }
    if (block->empty()) {
      return total;
    }
    total += block->size();
  }
}

} // namespace noodle::archive::detail
