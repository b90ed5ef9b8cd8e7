// SPDX-License-Identifier: Apache-2.0
// Destructive commands can be previewed: gc --dry-run and rollback --dry-run
// decide as the run does and change nothing.
#include "support/example_root.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

using noodle::test::ExampleRoot;
namespace fs = std::filesystem;

namespace {

std::set<std::string> paths_under(const fs::path& root)
{
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    out.insert(fs::relative(e.path(), root).string());
  }
  return out;
}

} // namespace

TEST_CASE("gc --dry-run names exactly what gc then removes, and removes nothing", "[preview]")
{
  ExampleRoot r(noodle::test::Versions{{"telemetry_agent", "0.5.0"}});
  REQUIRE(r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline"}).exit_code == 0);
  REQUIRE(r.nu({"rollback", "telemetry_agent", "--offline"}).exit_code == 0);
  const auto before = paths_under(r.root);
  const auto audited = r.json({"history", "--audit"})["audit"].size();

  auto preview = r.json({"gc", "--keep", "0", "--dry-run"});
  CHECK(preview["ok"] == true);
  CHECK(preview["dry_run"] == true);
  CHECK(paths_under(r.root) == before);
  CHECK(r.json({"history", "--audit"})["audit"].size() == audited);
  auto text = r.nu({"gc", "--keep", "0", "--dry-run"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("dry run: nothing was removed\n") != std::string::npos);

  auto real = r.json({"gc", "--keep", "0"});
  CHECK(real["dry_run"] == false);
  CHECK(real["removed_versions"] == preview["removed_versions"]);
  CHECK(real["removed_points"] == preview["removed_points"]);
  CHECK(real["kept"] == preview["kept"]);
}

TEST_CASE("rollback --dry-run lists the steps, refuses as the run would, and changes nothing", "[preview]")
{
  ExampleRoot r(noodle::test::Versions{{"telemetry_agent", "0.5.0"}});
  REQUIRE(r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline"}).exit_code == 0);
  const auto id = r.json({"history", "--limit", "1"})["history"][0]["id"].get<std::int64_t>();
  const auto before = paths_under(r.root);
  const auto entries = r.json({"history"})["history"].size();
  const auto audited = r.json({"history", "--audit"})["audit"].size();

  auto preview = r.json({"rollback", "telemetry_agent", "--offline", "--dry-run"});
  CHECK(preview["ok"] == true);
  CHECK(preview["dry_run"] == true);
  REQUIRE(preview["steps"].size() == 1);
  CHECK(preview["steps"][0]["from"] == "1.0.0");
  CHECK(preview["steps"][0]["to"] == "0.5.0");
  auto by_upgrade = r.nu({"rollback", "--upgrade", std::to_string(id), "--offline", "--dry-run"});
  CHECK(by_upgrade.exit_code == 0);
  CHECK(by_upgrade.out.find("would roll back telemetry_agent 1.0.0 -> 0.5.0") != std::string::npos);

  // A refusal: the same exit code and error code as the run, no audit entry.
  auto missing = r.nu({"-o", "json", "rollback", "telemetry_agent", "--to", "9.9.9", "--offline", "--dry-run"});
  auto missing_run = r.nu({"-o", "json", "rollback", "telemetry_agent", "--to", "9.9.9", "--offline"});
  CHECK(missing.exit_code == missing_run.exit_code);
  CHECK(missing.exit_code != 0);
  CHECK(nlohmann::json::parse(missing.out)["error"]["code"] == nlohmann::json::parse(missing_run.out)["error"]["code"]);
  // The run audited its refusal; the preview did not.
  CHECK(r.json({"history", "--audit"})["audit"].size() == audited + 1);

  CHECK(paths_under(r.root).size() == before.size());
  CHECK(r.json({"history"})["history"].size() == entries);
  CHECK(r.current("telemetry_agent") == "versions/1.0.0");

  auto real = r.json({"rollback", "telemetry_agent", "--offline"});
  CHECK(real["steps"][0]["to"] == preview["steps"][0]["to"]);
  CHECK(r.current("telemetry_agent") == "versions/0.5.0");
}
