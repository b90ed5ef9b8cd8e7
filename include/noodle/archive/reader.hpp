// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/limits.hpp>
#include <noodle/util/error.hpp>

#include <string>
#include <string_view>

namespace noodle::archive {

// Reads the regular file `member` (e.g. "manifest.yaml", also matched as
// "./manifest.yaml") from the tar archive open on `fd` (read from offset 0
// with pread-like access; the descriptor's offset is not relied on), without
// writing anything to disk. Only tar/pax/gnutar with gzip or zstd are
// accepted. Fails with ErrorCode::not_found when there is no such member,
// ErrorCode::archive_invalid for a malformed or disallowed archive, and
// ErrorCode::archive_limit when `max_bytes` or `limits` are exceeded.
Result<std::string> read_member(int fd, std::string_view member, std::uint64_t max_bytes, const Limits& limits);

} // namespace noodle::archive
