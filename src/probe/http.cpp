// SPDX-License-Identifier: Apache-2.0
#include <noodle/probe/http.hpp>
#include <noodle/repo/http_get.hpp>

#include <fmt/format.h>

namespace noodle::probe {

Attempt attempt_http(const std::string& url, const HttpExpect& expect, std::chrono::milliseconds timeout,
                     const StopAsk& stop)
{
  repo::HttpGetOptions options;
  options.timeout = timeout;
  options.max_body = k_max_probe_body;
  options.stop = stop;
  auto reply = repo::http_get(url, options);
  if (!reply) {
    switch (reply.error().code) {
    case ErrorCode::interrupted: return {Attempt::Outcome::interrupted, "stopped"};
    case ErrorCode::timeout: return {Attempt::Outcome::failed, fmt::format("timed out after {} ms", timeout.count())};
    default: return {Attempt::Outcome::failed, reply.error().message};
    }
  }
  if (reply->status < expect.status_min || reply->status > expect.status_max) {
    return {Attempt::Outcome::failed, fmt::format("status {}, expected {}", reply->status,
                                                  expect.status_min == expect.status_max
                                                      ? fmt::format("{}", expect.status_min)
                                                      : fmt::format("{}-{}", expect.status_min, expect.status_max))};
  }
  if (!expect.body_contains.empty() && reply->body.find(expect.body_contains) == std::string::npos) {
    return {Attempt::Outcome::failed,
            fmt::format("status {} but the body{} lacks '{}'", reply->status,
                        reply->truncated ? fmt::format(" (its first {} bytes)", k_max_probe_body) : std::string(),
                        expect.body_contains)};
  }
  return {Attempt::Outcome::passed, fmt::format("status {}", reply->status)};
}

} // namespace noodle::probe
