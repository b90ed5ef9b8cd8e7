// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/archive/limits.hpp>
#include <noodle/util/error.hpp>

#include <string>
#include <string_view>

namespace noodle::archive {

// Reads the regular file `member` (e.g. "manifest.yaml", also matched as
// "./manifest.yaml") from the tar archive open on `fd` (read from offset 0
// with pread; the descriptor's offset is neither used nor changed), without
// writing anything to disk. Only tar/pax/gnutar with one gzip or zstd layer
// is accepted. Entries before the member are read and discarded through the
// same accounting, so `limits` (entries, total bytes, ratio, archive size)
// apply to them too; the first matching entry is the answer.
// Fails with ErrorCode::not_found when there is no such member,
// ErrorCode::archive_invalid for a malformed or disallowed archive or a
// member that is not a regular file, ErrorCode::archive_limit when
// `max_bytes` or `limits` are exceeded, ErrorCode::usage for a member name
// that is not a relative path, ErrorCode::io when reading `fd` fails.
Result<std::string> read_member(int fd, std::string_view member, std::uint64_t max_bytes, const Limits& limits);

} // namespace noodle::archive
