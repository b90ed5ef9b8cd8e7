// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace noodle::repo {

// How files are fetched from a mirror (libcurl, used only in this module).
struct FetchOptions {
  std::chrono::milliseconds connect_timeout{10'000}; // to establish the connection
  std::chrono::milliseconds total_timeout{300'000};  // for one whole transfer
  std::string ca_file; // PEM bundle that verifies https servers; empty: the system's. Verification is always on.
};

// Downloads `url` (http:// or https:// only; redirects followed within
// those) into `dest`. When `dest` already holds a partial download it is
// resumed with a Range request (a server that answers 200 instead starts it
// over); one transfer cut short is resumed once more at once. At most
// `max_bytes` are accepted: a larger Content-Length or a body that goes on
// past it (chunked, endless) is stopped there, `dest` is removed, and the
// error is repo_too_large. Every other failure (no connection, a deadline,
// TLS, an HTTP status >= 400) is repo_unreachable naming the URL and libcurl's
// reason; `dest` keeps what arrived, for a later resume, except after an
// HTTP error.
Result<void> fetch_file(const std::string& url, const std::filesystem::path& dest, std::uint64_t max_bytes,
                        const FetchOptions& options);

// Whether `text` names an http:// or https:// location.
bool is_url(std::string_view text);

} // namespace noodle::repo
