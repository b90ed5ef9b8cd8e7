// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/atomic_file.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace noodle::util {

namespace {

Error io_error(std::string_view what, const std::filesystem::path& path, int err)
{
  return Error(ErrorCode::io, fmt::format("cannot {} '{}': {}", what, path.string(), std::strerror(err)));
}

Result<void> fsync_dir(const std::filesystem::path& dir)
{
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return fail(io_error("open directory", dir, errno));
  }
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    return fail(io_error("sync directory", dir, err));
  }
  return {};
}

} // namespace

Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content, mode_t mode,
                               Overwrite overwrite, Sync sync)
{
  return write_file_atomic(path, std::span<const std::string_view>(&content, 1), mode, overwrite, sync);
}

Result<void> write_file_atomic(const std::filesystem::path& path, std::span<const std::string_view> pieces, mode_t mode,
                               Overwrite overwrite, Sync sync)
{
  const auto dir = path.parent_path();
  std::string tmpl = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) {
    return fail(io_error("create a temporary file next to", path, errno));
  }
  // Never leaves the temporary behind, whatever fails.
  auto abandon = [&](Error e) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    return fail(std::move(e));
  };
  if (::fchmod(fd, mode) != 0) {
    return abandon(io_error("set the mode of", tmpl, errno));
  }
  const auto write_all = [&](std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return false;
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  };
  // Many small pieces are gathered into writes of up to k_gather bytes; a
  // large one goes out as it is.
  constexpr std::size_t k_gather = 1 << 20;
  std::string gathered;
  const auto flush = [&] {
    const bool ok = write_all(gathered);
    gathered.clear();
    return ok;
  };
  bool written = true;
  for (const std::string_view piece : pieces) {
    if (gathered.size() + piece.size() > k_gather && !flush()) {
      written = false;
      break;
    }
    if (piece.size() < k_gather) {
      gathered += piece;
    } else if (!write_all(piece)) {
      written = false;
      break;
    }
  }
  if (!written || !flush()) {
    return abandon(io_error("write", tmpl, errno));
  }
  if (sync == Sync::yes && ::fsync(fd) != 0) {
    return abandon(io_error("sync", tmpl, errno));
  }
  ::close(fd);
  if (overwrite == Overwrite::no) {
    if (::link(tmpl.c_str(), path.c_str()) != 0) {
      int err = errno;
      ::unlink(tmpl.c_str());
      if (err == EEXIST) {
        return fail(ErrorCode::io, fmt::format("'{}' already exists", path.string()));
      }
      return fail(io_error("create", path, err));
    }
    ::unlink(tmpl.c_str());
  } else if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return fail(io_error("replace", path, err));
  }
  if (sync == Sync::no) {
    return {};
  }
  return fsync_dir(dir);
}

Result<PrivateTempDir> PrivateTempDir::create(std::string_view prefix)
{
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = fmt::format("{}/{}-XXXXXX", base != nullptr && *base != '\0' ? base : "/tmp", prefix);
  // mkdtemp creates the directory 0700.
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return fail(io_error("create a private temporary directory", tmpl, errno));
  }
  return PrivateTempDir(tmpl);
}

PrivateTempDir::PrivateTempDir(PrivateTempDir&& other) noexcept : m_path(std::move(other.m_path))
{
  other.m_path.clear();
}

PrivateTempDir::~PrivateTempDir()
{
  if (!m_path.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
}

} // namespace noodle::util
