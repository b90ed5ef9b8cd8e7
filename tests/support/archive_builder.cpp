// SPDX-License-Identifier: Apache-2.0
#include "archive_builder.hpp"

#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <unistd.h>
#include <vector>

namespace noodle::test {

namespace {

constexpr std::size_t k_block = 512;
constexpr std::size_t k_chunk = std::size_t{64} * 1024;

la_ssize_t append_callback(struct archive* /*a*/, void* data, const void* buffer, std::size_t size)
{
  static_cast<std::string*>(data)->append(static_cast<const char*>(buffer), size);
  return static_cast<la_ssize_t>(size);
}

void check(struct archive* a, int r, const char* what)
{
  if (r < ARCHIVE_WARN) {
    const char* text = archive_error_string(a);
    throw std::runtime_error(std::string(what) + ": " + (text != nullptr ? text : "?"));
  }
}

// Octal, zero-padded to width - 1 digits and NUL-terminated, as ustar wants.
void octal(char* field, std::size_t width, std::uint64_t value)
{
  std::memset(field, '0', width - 1);
  field[width - 1] = '\0';
  for (std::size_t i = width - 1; i-- > 0 && value != 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
}

void copy_field(char* field, std::size_t width, const std::string& text)
{
  // Tar fields need no terminator when full.
  std::copy_n(text.data(), std::min(width, text.size()), field);
}


} // namespace

// One pax record: "<len> key=value\n", where len counts itself.
std::string pax_record(const std::string& key, const std::string& value)
{
  const std::size_t body = key.size() + value.size() + 3; // ' ', '=', '\n'
  std::size_t len = body + 1;
  while (std::to_string(len).size() + body != len) {
    len = std::to_string(len).size() + body;
  }
  return std::to_string(len) + " " + key + "=" + value + "\n";
}

ArchiveBuilder::ArchiveBuilder(Compression compression) : m_writer(archive_write_new())
{
  check(m_writer, archive_write_set_format_raw(m_writer), "raw format");
  switch (compression) {
  case Compression::none: check(m_writer, archive_write_add_filter_none(m_writer), "no filter"); break;
  case Compression::gzip: check(m_writer, archive_write_add_filter_gzip(m_writer), "gzip"); break;
  case Compression::zstd: check(m_writer, archive_write_add_filter_zstd(m_writer), "zstd"); break;
  }
  check(m_writer, archive_write_set_bytes_in_last_block(m_writer, 1), "last block");
  check(m_writer, archive_write_open2(m_writer, &m_out, nullptr, append_callback, nullptr, nullptr), "open");
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "data");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  const int r = archive_write_header(m_writer, e);
  archive_entry_free(e);
  check(m_writer, r, "raw header");
}

ArchiveBuilder::~ArchiveBuilder()
{
  archive_write_free(m_writer);
}

void ArchiveBuilder::emit(const void* data, std::size_t size)
{
  if (size > 0 && archive_write_data(m_writer, data, size) != static_cast<la_ssize_t>(size)) {
    check(m_writer, ARCHIVE_FATAL, "write");
  }
}

void ArchiveBuilder::pad(std::uint64_t size)
{
  static const std::array<char, k_block> zeros{};
  emit(zeros.data(), (k_block - size % k_block) % k_block);
}

void ArchiveBuilder::extended(char type, const std::string& name, const std::string& body)
{
  header(name, type, body.size(), 0644);
  emit(body.data(), body.size());
  pad(body.size());
}

void ArchiveBuilder::header(const std::string& name, char type, std::uint64_t size, unsigned mode,
                            const std::string& link)
{
  std::string records;
  if (name.size() > 100) {
    records += pax_record("path", name);
  }
  if (link.size() > 100) {
    records += pax_record("linkpath", link);
  }
  if (!records.empty()) {
    extended('x', "PaxHeader/entry", records);
  }
  std::array<char, k_block> h{};
  copy_field(&h[0], 100, name);
  octal(&h[100], 8, mode);
  octal(&h[108], 8, 0); // uid
  octal(&h[116], 8, 0); // gid
  octal(&h[124], 12, size);
  octal(&h[136], 12, 0); // mtime
  std::memset(&h[148], ' ', 8);
  h[156] = type;
  copy_field(&h[157], 100, link);
  std::memcpy(&h[257], "ustar", 6);
  std::memcpy(&h[263], "00", 2);
  if (type == '3' || type == '4') {
    octal(&h[329], 8, 1); // devmajor
    octal(&h[337], 8, 3); // devminor
  }
  seal(h);
}

void ArchiveBuilder::seal(std::array<char, k_block>& h)
{
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (char c : h) {
    sum += static_cast<unsigned char>(c);
  }
  octal(&h[148], 7, sum); // six digits and a NUL; the eighth byte stays ' '
  emit(h.data(), h.size());
}

ArchiveBuilder& ArchiveBuilder::file_with_header_size(const std::string& path, const std::string& content,
                                                      std::uint64_t header_size)
{
  header(path, '0', header_size, 0644);
  emit(content.data(), content.size());
  pad(content.size());
  return *this;
}

ArchiveBuilder& ArchiveBuilder::raw_extended(char type, const std::string& body)
{
  extended(type, type == 'L' ? "././@LongLink" : "PaxHeader/entry", body);
  return *this;
}

ArchiveBuilder& ArchiveBuilder::gnu_sparse(const std::string& path, std::uint64_t hole, const std::string& data)
{
  std::array<char, k_block> h{};
  copy_field(&h[0], 100, path);
  octal(&h[100], 8, 0644);
  octal(&h[108], 8, 0);
  octal(&h[116], 8, 0);
  octal(&h[124], 12, data.size()); // the bytes stored
  octal(&h[136], 12, 0);
  h[156] = 'S';
  std::memcpy(&h[257], "ustar  ", 8); // the GNU magic
  octal(&h[386], 12, hole);           // the one region of the map
  octal(&h[398], 12, data.size());
  h[482] = '\0';                     // no extension blocks
  octal(&h[483], 12, hole + data.size()); // the real size
  seal(h);
  emit(data.data(), data.size());
  pad(data.size());
  return *this;
}

ArchiveBuilder& ArchiveBuilder::file(const std::string& path, const std::string& content)
{
  return file_mode(path, content, 0644);
}

ArchiveBuilder& ArchiveBuilder::file_mode(const std::string& path, const std::string& content, unsigned mode)
{
  header(path, '0', content.size(), mode);
  emit(content.data(), content.size());
  pad(content.size());
  return *this;
}

ArchiveBuilder& ArchiveBuilder::zeros(const std::string& path, std::uint64_t size)
{
  header(path, '0', size, 0644);
  static const std::vector<char> chunk(k_chunk, '\0');
  for (std::uint64_t left = size; left > 0;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
    emit(chunk.data(), n);
    left -= n;
  }
  pad(size);
  return *this;
}

ArchiveBuilder& ArchiveBuilder::noise(const std::string& path, std::uint64_t size)
{
  header(path, '0', size, 0644);
  std::vector<char> chunk(k_chunk);
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  for (std::uint64_t left = size; left > 0;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
    for (std::size_t i = 0; i < n; ++i) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      chunk[i] = static_cast<char>(state >> 56);
    }
    emit(chunk.data(), n);
    left -= n;
  }
  pad(size);
  return *this;
}

ArchiveBuilder& ArchiveBuilder::dir(const std::string& path, unsigned mode)
{
  header(path, '5', 0, mode);
  return *this;
}

ArchiveBuilder& ArchiveBuilder::symlink(const std::string& path, const std::string& target)
{
  header(path, '2', 0, 0777, target);
  return *this;
}

ArchiveBuilder& ArchiveBuilder::hardlink(const std::string& path, const std::string& target)
{
  header(path, '1', 0, 0644, target);
  return *this;
}

ArchiveBuilder& ArchiveBuilder::device(const std::string& path)
{
  header(path, '3', 0, 0666);
  return *this;
}

ArchiveBuilder& ArchiveBuilder::fifo(const std::string& path)
{
  header(path, '6', 0, 0644);
  return *this;
}

ArchiveBuilder& ArchiveBuilder::pax_path(const std::string& header_name, const std::string& real_path,
                                         const std::string& content)
{
  extended('x', "PaxHeader/" + header_name, pax_record("path", real_path));
  header(header_name, '0', content.size(), 0644);
  emit(content.data(), content.size());
  pad(content.size());
  return *this;
}

ArchiveBuilder& ArchiveBuilder::gnu_long_name(const std::string& path, const std::string& content)
{
  std::string body = path;
  body.push_back('\0');
  extended('L', "././@LongLink", body);
  header(path.substr(0, 100), '0', content.size(), 0644);
  emit(content.data(), content.size());
  pad(content.size());
  return *this;
}

std::string ArchiveBuilder::finish()
{
  if (!m_finished) {
    static const std::array<char, 2 * k_block> end{};
    emit(end.data(), end.size());
    check(m_writer, archive_write_close(m_writer), "close");
    m_finished = true;
  }
  return m_out;
}

std::string zip_bytes(const std::string& name, const std::string& content)
{
  std::string out;
  struct archive* a = archive_write_new();
  check(a, archive_write_set_format_zip(a), "zip format");
  check(a, archive_write_set_bytes_in_last_block(a, 1), "last block");
  check(a, archive_write_open2(a, &out, nullptr, append_callback, nullptr, nullptr), "open");
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
  check(a, archive_write_header(a, e), "zip header");
  archive_entry_free(e);
  archive_write_data(a, content.data(), content.size());
  check(a, archive_write_close(a), "zip close");
  archive_write_free(a);
  return out;
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes)
{
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

OpenFile::OpenFile(const std::filesystem::path& path) : m_fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC))
{
  if (m_fd < 0) {
    throw std::runtime_error("cannot open " + path.string());
  }
}

OpenFile::~OpenFile()
{
  ::close(m_fd);
}

namespace {

std::vector<std::string> listing(const std::filesystem::path& root, const std::filesystem::path& skip_below)
{
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const auto status = it->symlink_status();
    const char type = fs::is_symlink(status)        ? 'l'
                      : fs::is_directory(status)    ? 'd'
                      : fs::is_regular_file(status) ? 'f'
                                                    : '?';
    out.push_back(std::string(1, type) + " " + it->path().lexically_relative(root).generic_string());
    if (it->path() == skip_below) {
      it.disable_recursion_pending();
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

ExtractSandbox::ExtractSandbox() : m_staging(m_root.path() / "staging")
{
  m_root.write("sentinel/keep.txt", "keep\n");
  std::filesystem::create_directory(m_staging);
  std::filesystem::permissions(m_staging, std::filesystem::perms::owner_all);
  m_before = outside();
}

Result<archive::ExtractReport> ExtractSandbox::extract(const std::string& bytes, const archive::Limits& limits)
{
  const auto path = m_archives.path() / ("archive-" + std::to_string(m_count++));
  write_bytes(path, bytes);
  const OpenFile file(path);
  return archive::extract(file.fd(), m_staging, limits);
}

std::vector<std::string> ExtractSandbox::outside() const
{
  return listing(m_root.path(), m_staging);
}

std::vector<std::string> ExtractSandbox::staged() const
{
  return listing(m_staging, {});
}

void require_refused(const ExtractSandbox& box, const Result<archive::ExtractReport>& result, ErrorCode code,
                     const std::string& message)
{
  REQUIRE_FALSE(result);
  CHECK(result.error().message == message);
  CHECK(error_code_name(result.error().code) == error_code_name(code));
  CHECK(box.outside() == box.outside_before());
  CHECK(box.staged().empty());
}

} // namespace noodle::test
