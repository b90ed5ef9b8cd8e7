// SPDX-License-Identifier: Apache-2.0
#include <noodle/repo/fetch.hpp>

#include "curl_init.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace noodle::repo {

void detail::init_curl_once()
{
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

namespace {

struct Sink {
  int fd = -1;
  CURL* curl = nullptr;
  std::uint64_t offset = 0;    // bytes in the file before this transfer
  std::uint64_t written = 0;   // bytes written by this transfer
  std::uint64_t max_bytes = 0; // the cap for the whole file
  bool checked_status = false;
  bool too_large = false;
  bool write_failed = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user)
{
  auto* sink = static_cast<Sink*>(user);
  const std::size_t n = size * count;
  if (!sink->checked_status) {
    sink->checked_status = true;
    long status = 0;
    curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &status);
    if (sink->offset > 0 && status == 200) {
      // The server ignored the Range: the body starts over.
      if (::ftruncate(sink->fd, 0) != 0 || ::lseek(sink->fd, 0, SEEK_SET) != 0) {
        sink->write_failed = true;
        return 0;
      }
      sink->offset = 0;
    }
  }
  if (sink->offset + sink->written + n > sink->max_bytes) {
    sink->too_large = true;
    return 0; // aborts the transfer: an endless body stops at the cap
  }
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(sink->fd, data + done, n - done);
    if (w < 0) {
      if (errno == EINTR) {
        continue;
      }
      sink->write_failed = true;
      return 0;
    }
    done += static_cast<std::size_t>(w);
  }
  sink->written += n;
  return n;
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

enum class Attempt { done, resume, failed };

struct AttemptResult {
  Attempt what = Attempt::failed;
  Error error;
};

AttemptResult transfer(const std::string& url, const std::filesystem::path& dest, std::uint64_t max_bytes,
                       const FetchOptions& options)
{
  AttemptResult result;
  const int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    result.error = Error(ErrorCode::io, fmt::format("cannot write '{}': {}", dest.string(), std::strerror(errno)));
    return result;
  }
  struct stat st {};
  ::fstat(fd, &st);
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) {
    ::close(fd);
    result.error = Error(ErrorCode::internal, "libcurl could not start a transfer");
    return result;
  }
  Sink sink;
  sink.fd = fd;
  sink.curl = curl.get();
  sink.offset = static_cast<std::uint64_t>(st.st_size);
  sink.max_bytes = max_bytes;
  if (sink.offset >= max_bytes) {
    // A partial file as large as the cap cannot be a prefix of a valid file.
    ::ftruncate(fd, 0);
    sink.offset = 0;
  }
  char curl_error[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_bytes - sink.offset));
  if (sink.offset > 0) {
    curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(sink.offset));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "noodle-upgrade/" NOODLE_VERSION);
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (rc == CURLE_OK && !sink.write_failed) {
    if (!synced) {
      result.error = Error(ErrorCode::io, fmt::format("cannot write '{}': {}", dest.string(), std::strerror(errno)));
      return result;
    }
    result.what = Attempt::done;
    return result;
  }
  if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    std::filesystem::remove(dest);
    result.error = Error(ErrorCode::repo_too_large,
                         fmt::format("'{}' is over its {}-byte cap: the transfer was stopped", url, max_bytes));
    return result;
  }
  if (sink.write_failed) {
    result.error = Error(ErrorCode::io, fmt::format("cannot write '{}': {}", dest.string(), std::strerror(errno)));
    return result;
  }
  const std::string reason = curl_error[0] != '\0' ? std::string(curl_error) : curl_easy_strerror(rc);
  result.error = Error(ErrorCode::repo_unreachable, fmt::format("cannot fetch '{}': {}", url, reason));
  if (rc == CURLE_HTTP_RETURNED_ERROR) {
    // A 416 means the partial file is not a prefix the server knows: start over.
    std::filesystem::remove(dest);
    result.what = status == 416 ? Attempt::resume : Attempt::failed;
    return result;
  }
  // Bytes arrived and then the transfer broke off: worth one resume now.
  if (sink.written > 0 && (rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING)) {
    result.what = Attempt::resume;
  }
  return result;
}

} // namespace

bool is_url(std::string_view text)
{
  return text.starts_with("http://") || text.starts_with("https://");
}

Result<void> fetch_file(const std::string& url, const std::filesystem::path& dest, std::uint64_t max_bytes,
                        const FetchOptions& options)
{
  detail::init_curl_once();
  if (!is_url(url)) {
    return fail(ErrorCode::usage, fmt::format("'{}' is not an http:// or https:// URL", url));
  }
  auto first = transfer(url, dest, max_bytes, options);
  if (first.what == Attempt::done) {
    return {};
  }
  if (first.what != Attempt::resume) {
    return fail(std::move(first.error));
  }
  auto second = transfer(url, dest, max_bytes, options);
  if (second.what == Attempt::done) {
    return {};
  }
  return fail(std::move(second.error));
}

} // namespace noodle::repo
