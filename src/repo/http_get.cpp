// SPDX-License-Identifier: Apache-2.0
#include <noodle/repo/http_get.hpp>

#include "curl_library.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstring>
#include <memory>

namespace noodle::repo {

namespace {

// How long one wait for the socket lasts before `stop` is asked again.
constexpr int k_poll_ms = 20;

struct Body {
  std::string* out = nullptr;
  std::size_t max = 0;
  bool truncated = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user)
{
  auto* body = static_cast<Body*>(user);
  const std::size_t n = size * count;
  const std::size_t room = body->max - body->out->size();
  if (n > room) {
    body->out->append(data, room);
    body->truncated = true;
    return 0; // ends the transfer: the rest is never read
  }
  body->out->append(data, n);
  return n;
}

struct EasyFree {
  const detail::CurlLibrary* api = nullptr;
  void operator()(CURL* c) const { api->easy_cleanup(c); }
};
struct MultiFree {
  const detail::CurlLibrary* api = nullptr;
  void operator()(CURLM* m) const { api->multi_cleanup(m); }
};

} // namespace

Result<HttpReply> http_get(const std::string& url, const HttpGetOptions& options)
{
  if (!url.starts_with("http://")) {
    return fail(ErrorCode::usage, fmt::format("'{}' is not an http:// URL", url));
  }
  std::string why;
  const detail::CurlLibrary* api = detail::curl_library(why);
  if (api == nullptr) {
    return fail(ErrorCode::internal, fmt::format("cannot GET '{}': libcurl is not usable: {}", url, why));
  }
  std::unique_ptr<CURL, EasyFree> easy(api->easy_init(), EasyFree{api});
  std::unique_ptr<CURLM, MultiFree> multi(api->multi_init(), MultiFree{api});
  if (!easy || !multi) {
    return fail(ErrorCode::internal, "libcurl could not start a request");
  }
  HttpReply reply;
  Body body{&reply.body, options.max_body, false};
  char curl_error[CURL_ERROR_SIZE] = {};
  CURL* c = easy.get();
  const long timeout_ms = static_cast<long>(options.timeout.count());
  api->easy_setopt(c, CURLOPT_URL, url.c_str());
  api->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
  api->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  api->easy_setopt(c, CURLOPT_PROXY, ""); // never through a proxy the environment names
  api->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  api->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  api->easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  api->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  api->easy_setopt(c, CURLOPT_WRITEDATA, &body);
  api->easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
  api->easy_setopt(c, CURLOPT_USERAGENT, "noodle-upgrade/" NOODLE_VERSION);
  api->multi_add_handle(multi.get(), c);
  int running = 1;
  bool stopped = false;
  while (running > 0) {
    if (api->multi_perform(multi.get(), &running) != CURLM_OK) {
      break;
    }
    if (running == 0) {
      break;
    }
    if (options.stop && options.stop()) {
      stopped = true;
      break;
    }
    api->multi_poll(multi.get(), nullptr, 0, k_poll_ms, nullptr);
  }
  CURLcode rc = CURLE_OK;
  int left = 0;
  while (CURLMsg* msg = api->multi_info_read(multi.get(), &left)) {
    if (msg->msg == CURLMSG_DONE) {
      rc = msg->data.result;
    }
  }
  api->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  long os_errno = 0;
  api->easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
  api->multi_remove_handle(multi.get(), c);
  if (stopped) {
    return fail(ErrorCode::interrupted, fmt::format("GET {} was stopped", url));
  }
  reply.truncated = body.truncated;
  if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && body.truncated)) {
    return reply;
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return fail(ErrorCode::timeout, fmt::format("no reply within {} ms", options.timeout.count()));
  }
  if (rc == CURLE_COULDNT_CONNECT && os_errno != 0) {
    std::string reason = std::strerror(static_cast<int>(os_errno));
    if (!reason.empty()) {
      reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
    }
    return fail(ErrorCode::repo_unreachable, reason);
  }
  const std::string reason = curl_error[0] != '\0' ? std::string(curl_error) : api->easy_strerror(rc);
  return fail(ErrorCode::repo_unreachable, reason);
}

} // namespace noodle::repo
