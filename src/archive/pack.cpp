// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/pack.hpp>
#include <noodle/util/unique_fd.hpp>

#include <noodle/archive/digest.hpp>
#include <noodle/archive/extract.hpp>

#include <noodle/archive/limits.hpp>

#include "tar_path.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <sys/stat.h>
#include <vector>

namespace noodle::archive {

namespace {

namespace fs = std::filesystem;
using util::UniqueFd;

constexpr std::size_t k_block = std::size_t{64} * 1024;

enum class Compression { gzip, zstd };

std::optional<Compression> compression_for(const fs::path& out)
{
  const std::string name = out.filename().string();
  const auto ends_with = [&](std::string_view suffix) {
    return name.size() > suffix.size() && std::string_view(name).substr(name.size() - suffix.size()) == suffix;
  };
  if (ends_with(".tar.gz") || ends_with(".tgz")) {
    return Compression::gzip;
  }
  if (ends_with(".tar.zst")) {
    return Compression::zstd;
  }
  return std::nullopt;
}

enum class ItemKind { file, directory, symlink };

struct Item {
  std::string path; // relative, '/'-separated
  ItemKind kind = ItemKind::file;
  std::string target; // symlinks only
};

std::string_view special_kind(fs::file_type type)
{
  switch (type) {
  case fs::file_type::block: return "a block device";
  case fs::file_type::character: return "a character device";
  case fs::file_type::fifo: return "a FIFO";
  case fs::file_type::socket: return "a socket";
  default: return "not a regular file, directory or symlink";
  }
}

// Every entry below `dir`, checked against the rules extract applies.
Result<std::vector<Item>> collect(const fs::path& dir)
{
  const Limits limits; // what extract accepts by default
  std::vector<Item> items;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec);
  const fs::recursive_directory_iterator end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& full = it->path();
    const std::string rel = full.lexically_relative(dir).generic_string();
    const std::string shown = detail::printable(rel);
    auto normal = detail::normalise_entry_path(rel, limits);
    if (!normal || *normal != rel) {
      const std::string why = normal ? "path is not in normal form" : normal.error().reason;
      return fail(normal ? ErrorCode::archive_invalid : normal.error().code,
                  fmt::format("cannot pack '{}': {}", shown, why));
    }
    const fs::file_status status = it->symlink_status(ec);
    if (ec) {
      break;
    }
    Item item{rel, ItemKind::file, {}};
    switch (status.type()) {
    case fs::file_type::regular: break;
    case fs::file_type::directory: item.kind = ItemKind::directory; break;
    case fs::file_type::symlink: {
      item.kind = ItemKind::symlink;
      item.target = fs::read_symlink(full, ec).string();
      if (ec) {
        return fail(ErrorCode::io, fmt::format("cannot read symlink '{}': {}", shown, ec.message()));
      }
      if (auto bad = detail::check_symlink_target(rel, item.target, limits.max_path_bytes)) {
        return fail(bad->code, fmt::format("cannot pack '{}': {}", shown, bad->reason));
      }
      break;
    }
    default:
      return fail(ErrorCode::archive_invalid,
                  fmt::format("cannot pack '{}': it is {}; a component holds only regular files, directories and "
                              "symlinks",
                              shown, special_kind(status.type())));
    }
    items.push_back(std::move(item));
  }
  if (ec) {
    return fail(ErrorCode::io, fmt::format("cannot list '{}': {}", dir.string(), ec.message()));
  }
  // manifest.yaml first, so reading it needs only the archive's first blocks.
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    const bool a_manifest = a.path == k_manifest_member;
    const bool b_manifest = b.path == k_manifest_member;
    if (a_manifest != b_manifest) {
      return a_manifest;
    }
    return a.path < b.path; // char_traits<char>: bytewise, like memcmp
  });
  return items;
}

// Where the compressed bytes go: the temporary file, hashed on the way.
struct Sink {
  int fd = -1;
  Sha256 sha;
  std::uint64_t size = 0;
  int error = 0;
};

la_ssize_t write_callback(struct archive* a, void* data, const void* buffer, std::size_t size)
{
  auto* sink = static_cast<Sink*>(data);
  if (const int err = util::write_all(sink->fd, static_cast<const char*>(buffer), size); err != 0) {
    sink->error = err;
    archive_set_error(a, err, "write failed");
    return -1;
  }
  sink->sha.update(std::string_view(static_cast<const char*>(buffer), size));
  sink->size += size;
  return static_cast<la_ssize_t>(size);
}

struct ArchiveWriterDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

class Packer {
public:
  Packer(const fs::path& dir, Sink& sink) : m_dir(dir), m_sink(sink) {}

  Result<void> write(Compression compression, const std::vector<Item>& items)
  {
    m_archive.reset(archive_write_new());
    if (!m_archive) {
      return fail(ErrorCode::internal, "cannot allocate an archive writer");
    }
    struct archive* a = m_archive.get();
    int r = archive_write_set_format_pax_restricted(a);
    if (r == ARCHIVE_OK) {
      r = compression == Compression::gzip ? archive_write_add_filter_gzip(a) : archive_write_add_filter_zstd(a);
    }
    if (r == ARCHIVE_OK && compression == Compression::gzip) {
      r = archive_write_set_options(a, "gzip:!timestamp");
    }
    if (r == ARCHIVE_OK) {
      r = archive_write_set_bytes_in_last_block(a, 1); // no padding after the compressed stream
    }
    if (r == ARCHIVE_OK) {
      r = archive_write_open2(a, &m_sink, nullptr, write_callback, nullptr, nullptr);
    }
    if (r != ARCHIVE_OK) {
      return fail(failure("cannot start the archive"));
    }
    for (const Item& item : items) {
      if (auto done = write_item(item); !done) {
        return done;
      }
    }
    if (archive_write_close(a) != ARCHIVE_OK) {
      return fail(failure("cannot finish the archive"));
    }
    return {};
  }

private:
  Error failure(const std::string& context) const
  {
    if (m_sink.error != 0) {
      return {ErrorCode::io, fmt::format("{}: {}", context, std::strerror(m_sink.error))};
    }
    const char* text = archive_error_string(m_archive.get());
    return {ErrorCode::io, fmt::format("{}: {}", context, text != nullptr ? text : "unknown error")};
  }

  Result<void> write_item(const Item& item)
  {
    const std::string shown = detail::printable(item.path);
    std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
    archive_entry* e = entry.get();
    archive_entry_set_pathname(e, item.path.c_str());
    archive_entry_set_mtime(e, 0, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    UniqueFd file;
    std::uint64_t size = 0;
    switch (item.kind) {
    case ItemKind::directory:
      archive_entry_set_filetype(e, AE_IFDIR);
      archive_entry_set_perm(e, 0755);
      archive_entry_set_size(e, 0);
      break;
    case ItemKind::symlink:
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_perm(e, 0777);
      archive_entry_set_symlink(e, item.target.c_str());
      archive_entry_set_size(e, 0);
      break;
    case ItemKind::file: {
      file = UniqueFd(::open((m_dir / item.path).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      struct stat st {};
      if (!file.valid() || ::fstat(file.get(), &st) != 0) {
        return fail(ErrorCode::io, fmt::format("cannot read '{}': {}", shown, std::strerror(errno)));
      }
      if (!S_ISREG(st.st_mode)) {
        return fail(ErrorCode::io, fmt::format("'{}' changed while packing", shown));
      }
      size = static_cast<std::uint64_t>(st.st_size);
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, (st.st_mode & 0111) != 0 ? 0755 : 0644);
      archive_entry_set_size(e, st.st_size);
      break;
    }
    }
    if (archive_write_header(m_archive.get(), e) < ARCHIVE_WARN) {
      return fail(failure(fmt::format("cannot write entry '{}'", shown)));
    }
    if (item.kind == ItemKind::file) {
      return copy_data(file.get(), size, shown);
    }
    return {};
  }

  Result<void> copy_data(int fd, std::uint64_t size, const std::string& shown)
  {
    std::uint64_t copied = 0;
    for (;;) {
      const ssize_t n = ::read(fd, m_buffer.data(), m_buffer.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        return fail(ErrorCode::io, fmt::format("cannot read '{}': {}", shown, std::strerror(errno)));
      }
      if (n == 0) {
        break;
      }
      copied += static_cast<std::uint64_t>(n);
      if (copied > size) {
        break;
      }
      if (archive_write_data(m_archive.get(), m_buffer.data(), static_cast<std::size_t>(n)) != n) {
        return fail(failure(fmt::format("cannot write entry '{}'", shown)));
      }
    }
    if (copied != size) {
      return fail(ErrorCode::io, fmt::format("'{}' changed while packing", shown));
    }
    return {};
  }

  fs::path m_dir;
  Sink& m_sink;
  std::unique_ptr<struct archive, ArchiveWriterDeleter> m_archive;
  std::array<char, k_block> m_buffer{};
};

// Whether `inner` is `outer` or lies below it (both absolute, normalised).
bool is_within(const fs::path& inner, const fs::path& outer)
{
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

Result<void> check_input(const fs::path& dir, const fs::path& out)
{
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  if (!fs::exists(status)) {
    return fail(ErrorCode::not_found, fmt::format("component directory '{}' does not exist", dir.string()));
  }
  if (!fs::is_directory(status)) {
    return fail(ErrorCode::usage, fmt::format("'{}' is not a directory", dir.string()));
  }
  const auto manifest = fs::symlink_status(dir / k_manifest_member, ec);
  if (!fs::exists(manifest)) {
    return fail(ErrorCode::not_found, fmt::format("'{}' has no {} at its root", dir.string(), k_manifest_member));
  }
  if (!fs::is_regular_file(manifest)) {
    return fail(ErrorCode::archive_invalid, fmt::format("'{}' is not a regular file", (dir / k_manifest_member).string()));
  }
  const fs::path dir_real = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  const fs::path out_parent = fs::weakly_canonical(fs::absolute(out, ec).parent_path(), ec);
  if (!ec && is_within(out_parent, dir_real)) {
    return fail(ErrorCode::usage,
                fmt::format("output '{}' is inside the directory being packed '{}'", out.string(), dir.string()));
  }
  return {};
}

} // namespace

Result<PackResult> pack(const fs::path& dir, const fs::path& out)
{
  const auto compression = compression_for(out);
  if (!compression) {
    return fail(ErrorCode::usage,
                fmt::format("unsupported archive name '{}': expected .tar.gz, .tgz or .tar.zst", out.string()));
  }
  if (auto ok = check_input(dir, out); !ok) {
    return fail(std::move(ok.error()));
  }
  auto items = collect(dir);
  if (!items) {
    return fail(std::move(items.error()));
  }

  fs::path parent = out.parent_path();
  if (parent.empty()) {
    parent = ".";
  }
  std::string temp = (parent / ("." + out.filename().string() + ".XXXXXX")).string();
  UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd.valid()) {
    return fail(ErrorCode::io,
                fmt::format("cannot create a temporary file in '{}': {}", parent.string(), std::strerror(errno)));
  }
  const auto abandon = [&](Error e) {
    ::unlink(temp.c_str());
    return fail(std::move(e));
  };

  Sink sink;
  sink.fd = fd.get();
  Packer packer(dir, sink);
  if (auto written = packer.write(*compression, *items); !written) {
    return abandon(std::move(written.error()));
  }
  if (::fchmod(fd.get(), 0644) != 0 || ::fsync(fd.get()) != 0) {
    return abandon(Error(ErrorCode::io, fmt::format("cannot finish '{}': {}", temp, std::strerror(errno))));
  }
  if (const int err = fd.close_checked(); err != 0) {
    return abandon(Error(ErrorCode::io, fmt::format("cannot finish '{}': {}", temp, std::strerror(err))));
  }
  auto sha = sink.sha.final();
  if (!sha) {
    return abandon(sha.error());
  }
  if (::rename(temp.c_str(), out.c_str()) != 0) {
    return abandon(Error(ErrorCode::io, fmt::format("cannot write '{}': {}", out.string(), std::strerror(errno))));
  }
  UniqueFd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent_fd.valid() || ::fsync(parent_fd.get()) != 0) {
    return fail(ErrorCode::io, fmt::format("cannot sync directory '{}': {}", parent.string(), std::strerror(errno)));
  }
  return PackResult{sha->hex(), sink.size, items->size()};
}

} // namespace noodle::archive
