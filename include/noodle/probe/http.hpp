// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/probe/attempt.hpp>

#include <string>

namespace noodle::probe {

// What an http probe expects of its reply.
struct HttpExpect {
  int status_min = 200;
  int status_max = 399;
  std::string body_contains; // "" = any body
};

// At most this much of a reply's body is read (and searched).
inline constexpr std::size_t k_max_probe_body = 64 * 1024;

// One GET of `url` (repo::http_get: plain http, no redirect followed, no
// proxy, the body read up to k_max_probe_body): passes when the status is
// within the expected range and the body contains the expected text.
Attempt attempt_http(const std::string& url, const HttpExpect& expect, std::chrono::milliseconds timeout,
                     const StopAsk& stop);

} // namespace noodle::probe
