// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace noodle::repo {

struct HttpGetOptions {
  std::chrono::milliseconds timeout{5000}; // the connection and the whole reply
  std::size_t max_body = 64 * 1024;        // bytes of the body kept; the rest is not read
  // Asked at least every 20 ms while the request waits: true ends it.
  std::function<bool()> stop;
};

struct HttpReply {
  long status = 0;
  std::string body;       // at most max_body bytes
  bool truncated = false; // the body went on past max_body
};

// One GET of `url` (plain http:// only, through libcurl like fetch_file,
// with no proxy and no redirect followed: a 3xx is the reply). Any status
// is a reply. Fails with:
//   timeout             no whole reply within options.timeout
//   interrupted         options.stop asked
//   repo_unreachable    no connection ("connection refused"), or a reply
//                       that is not HTTP; the message names libcurl's reason
//   usage               `url` is not http://
Result<HttpReply> http_get(const std::string& url, const HttpGetOptions& options);

} // namespace noodle::repo
