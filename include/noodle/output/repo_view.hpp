// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/output/reporter.hpp>
#include <noodle/repo/publish.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace noodle::output {

ExitCode render_repo_index(const repo::PublishResult& result, const std::filesystem::path& dir, Reporter& r);
ExitCode render_repo_verify(const repo::RepositoryCheck& check, const std::filesystem::path& dir, Reporter& r);

// What `repo sync` brought into the fetch cache.
struct SyncReport {
  std::uint64_t index_version = 0;
  std::string expires;
  bool from_cache = false;
  std::vector<std::string> archives; // NAME@VERSION, in the order synced
  std::uint64_t fetched = 0;
  std::uint64_t reused = 0;
  std::string cache_dir;
};
ExitCode render_repo_sync(const SyncReport& report, Reporter& r);

} // namespace noodle::output
