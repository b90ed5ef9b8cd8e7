// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <filesystem>
#include <span>
#include <string_view>
#include <sys/types.h>

namespace noodle::util {

enum class Overwrite { no, yes };
// Sync::no keeps the whole-or-nothing rename but skips both fsyncs: for files
// only shown, never trusted after a crash (a rollout's progress).
enum class Sync { no, yes };

// Writes `content` to `path` so that readers see the old file or the whole
// new one, never a part: a temporary file in the same directory, fsync, then
// rename(2) over `path` (or link(2) when Overwrite::no, so an existing file is
// never replaced), then fsync of the directory. Fails with ErrorCode::io
// naming the path, or ErrorCode::key_exists-style callers can check
// ErrorCode::io + exists; with Overwrite::no an existing `path` fails with
// ErrorCode::io "'<path>' already exists".
Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content, mode_t mode,
                               Overwrite overwrite = Overwrite::yes, Sync sync = Sync::yes);
// The same, the content being `pieces` one after another: for a large file
// made of parts that are not held together anywhere else.
Result<void> write_file_atomic(const std::filesystem::path& path, std::span<const std::string_view> pieces, mode_t mode,
                               Overwrite overwrite = Overwrite::yes, Sync sync = Sync::yes);

// A private (0700) temporary directory, removed with its contents on
// destruction.
class PrivateTempDir {
public:
  static Result<PrivateTempDir> create(std::string_view prefix);
  PrivateTempDir(PrivateTempDir&& other) noexcept;
  PrivateTempDir& operator=(PrivateTempDir&&) = delete;
  PrivateTempDir(const PrivateTempDir&) = delete;
  PrivateTempDir& operator=(const PrivateTempDir&) = delete;
  ~PrivateTempDir();

  const std::filesystem::path& path() const { return m_path; }

private:
  explicit PrivateTempDir(std::filesystem::path p) : m_path(std::move(p)) {}
  std::filesystem::path m_path;
};

} // namespace noodle::util
