// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/repo_view.hpp>

#include <noodle/output/text.hpp>

#include <fmt/format.h>

#include <optional>

namespace noodle::output {

namespace {

// The fields `repo index` and `repo verify` share; `expired` only for verify.
nlohmann::ordered_json index_summary(const std::filesystem::path& dir, const repo::Index& index,
                                     std::optional<bool> expired, const std::string& key_id,
                                     std::uint64_t archive_bytes)
{
  nlohmann::ordered_json j;
  j["repository"] = dir.string();
  j["index_version"] = index.version;
  j["expires"] = index.expires;
  if (expired) {
    j["expired"] = *expired;
  }
  j["key_id"] = key_id;
  j["manifests"] = index.manifests.size();
  j["archives"] = index.archives.size();
  j["archive_bytes"] = archive_bytes;
  return j;
}

} // namespace

ExitCode render_repo_index(const repo::PublishResult& result, const std::filesystem::path& dir, Reporter& r)
{
  const auto& index = result.index;
  if (r.json()) {
    return r.success(index_summary(dir, index, std::nullopt, result.key_id, result.archive_bytes));
  }
  r.text(format_text("repository '{}': index version {}, expires {}, signed by key {}\n", dir.string(), index.version,
                     index.expires, result.key_id));
  r.text(format_text("{} manifest file(s), {} archive(s), {} bytes\n", index.manifests.size(), index.archives.size(),
                     result.archive_bytes));
  return r.success();
}

ExitCode render_repo_verify(const repo::RepositoryCheck& check, const std::filesystem::path& dir, Reporter& r)
{
  const auto& index = check.index;
  if (check.expired) {
    r.warning(fmt::format("repository index version {} expired at {} (accepted because of --allow-expired)",
                          index.version, index.expires));
  }
  if (r.json()) {
    return r.success(index_summary(dir, index, check.expired, check.key_id, check.archive_bytes));
  }
  r.text(format_text("repository '{}' verified: index version {}, expires {}, signed by key {}\n", dir.string(),
                     index.version, index.expires, check.key_id));
  r.text(format_text("{} manifest file(s), {} archive(s) and their signatures match the index ({} bytes)\n",
                     index.manifests.size(), index.archives.size(), check.archive_bytes));
  return r.success();
}

ExitCode render_repo_sync(const SyncReport& report, Reporter& r)
{
  if (r.json()) {
    nlohmann::ordered_json j;
    j["index_version"] = report.index_version;
    j["expires"] = report.expires;
    j["from_cache"] = report.from_cache;
    j["cache"] = report.cache_dir;
    j["archives"] = report.archives;
    j["fetched"] = report.fetched;
    j["reused"] = report.reused;
    return r.success(std::move(j));
  }
  r.text(format_text("repository index version {} (expires {}){}\n", report.index_version, report.expires,
                     report.from_cache ? ", from the cache" : ""));
  r.text(format_text("{} archive(s) in '{}': {} fetched, {} already cached\n", report.archives.size(), report.cache_dir,
                     report.fetched, report.reused));
  return r.success();
}

} // namespace noodle::output
