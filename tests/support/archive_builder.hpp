// SPDX-License-Identifier: Apache-2.0
// Crafts tar archives byte by byte, including hostile ones no well-behaved
// writer would produce, compressed with libarchive's raw writer. Large
// contents are streamed into the compressor, so a multi-megabyte bomb costs
// only its compressed size in memory.
#pragma once

#include "temp_dir.hpp"

#include <noodle/archive/extract.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

struct archive;

namespace noodle::test {

// The smallest manifest.yaml an archive can hold.
inline const std::string k_demo_manifest = "name: demo\nversion: 1.0.0\n";

enum class Compression { none, gzip, zstd };

class ArchiveBuilder {
public:
  explicit ArchiveBuilder(Compression compression = Compression::gzip);
  ~ArchiveBuilder();
  ArchiveBuilder(const ArchiveBuilder&) = delete;
  ArchiveBuilder& operator=(const ArchiveBuilder&) = delete;

  // Paths are written exactly as given ("../evil", "/abs", "./a" ...);
  // names over 100 bytes get a pax 'path' record.
  ArchiveBuilder& file(const std::string& path, const std::string& content);
  ArchiveBuilder& file_mode(const std::string& path, const std::string& content, unsigned mode);
  // `size` zero bytes, streamed (a compression bomb).
  ArchiveBuilder& zeros(const std::string& path, std::uint64_t size);
  // `size` pseudo-random, incompressible bytes, streamed.
  ArchiveBuilder& noise(const std::string& path, std::uint64_t size);
  ArchiveBuilder& dir(const std::string& path, unsigned mode = 0755);
  ArchiveBuilder& symlink(const std::string& path, const std::string& target);
  ArchiveBuilder& hardlink(const std::string& path, const std::string& target);
  ArchiveBuilder& device(const std::string& path); // character device 1,3 (/dev/null)
  ArchiveBuilder& fifo(const std::string& path);
  // A regular file whose ustar header says `header_name` while a pax
  // extended header overrides it with `real_path`.
  ArchiveBuilder& pax_path(const std::string& header_name, const std::string& real_path, const std::string& content);
  // A regular file named by a GNU 'L' long-name record (ustar name truncated).
  ArchiveBuilder& gnu_long_name(const std::string& path, const std::string& content);

  // An extended header of `type` ('x' pax, 'g' global pax, 'L' GNU long
  // name) whose body is written exactly as given, malformed or not; it
  // describes the entry added next.
  ArchiveBuilder& raw_extended(char type, const std::string& body);
  // A GNU sparse ('S') entry: `data` stored at offset `hole` of a file of
  // hole + data.size() bytes, so hole 0 is a sparse entry without a hole.
  ArchiveBuilder& gnu_sparse(const std::string& path, std::uint64_t hole, const std::string& data);

  // A regular file whose ustar size field says `header_size` whatever the
  // content's length (a preceding pax 'size' record gives the real one).
  ArchiveBuilder& file_with_header_size(const std::string& path, const std::string& content, std::uint64_t header_size);

  // Ends the archive (two zero blocks) and returns the compressed bytes.
  std::string finish();

private:
  void header(const std::string& name, char type, std::uint64_t size, unsigned mode, const std::string& link = {});
  void seal(std::array<char, 512>& h); // the checksum, then emit
  void extended(char type, const std::string& name, const std::string& body);
  void emit(const void* data, std::size_t size);
  void pad(std::uint64_t size);

  struct archive* m_writer = nullptr;
  std::string m_out;
  bool m_finished = false;
};

// One pax record: "<len> key=value\n", where len counts itself.
std::string pax_record(const std::string& key, const std::string& value);

// A zip archive holding one stored file, written with libarchive's zip writer.
std::string zip_bytes(const std::string& name, const std::string& content);

void write_bytes(const std::filesystem::path& path, const std::string& bytes);

// A read-only descriptor of a file, closed on destruction.
class OpenFile {
public:
  explicit OpenFile(const std::filesystem::path& path);
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  int fd() const { return m_fd; }

private:
  int m_fd;
};

// A temp dir holding a sentinel directory and an empty staging directory
// (0700) side by side, to prove that an extraction wrote nothing outside
// staging. Archives are written to a separate temp dir.
class ExtractSandbox {
public:
  ExtractSandbox();

  const std::filesystem::path& root() const { return m_root.path(); }
  const std::filesystem::path& staging() const { return m_staging; }

  // Writes `bytes` to a file, opens it and extracts it into staging.
  Result<archive::ExtractReport> extract(const std::string& bytes, const archive::Limits& limits = {});

  // Every path below root() except staging's contents, with its type:
  // "d sentinel", "f sentinel/keep.txt", "l x" ...
  std::vector<std::string> outside() const;
  // What the sandbox held outside staging before any extraction.
  const std::vector<std::string>& outside_before() const { return m_before; }
  // Every path below staging, typed like outside().
  std::vector<std::string> staged() const;

private:
  TempDir m_root;
  TempDir m_archives;
  std::filesystem::path m_staging;
  std::vector<std::string> m_before;
  int m_count = 0;
};

// Extraction failed with exactly `code` and `message`, wrote nothing outside
// staging and left staging empty.
void require_refused(const ExtractSandbox& box, const Result<archive::ExtractReport>& result, ErrorCode code,
                     const std::string& message);


} // namespace noodle::test
