// SPDX-License-Identifier: Apache-2.0
// Version floors bind where a change ends, not the required stops on its
// way; they can be listed and, with a reason, reset.
#include "support/example_root.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using noodle::test::ExampleRoot;

namespace {

std::int64_t last_upgrade_id(ExampleRoot& r)
{
  return r.json({"history", "--limit", "1"})["history"][0]["id"].get<std::int64_t>();
}

} // namespace

TEST_CASE("an upgrade through a required stop that was rolled back can be done again without --allow-downgrade",
          "[floor]")
{
  ExampleRoot r;
  REQUIRE(r.current("runtime_core") == "versions/1.2.0");
  auto first = r.nu({"upgrade", "runtime_core", "2.1.0", "--offline"});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  const auto id = last_upgrade_id(r);
  // runtime_core goes 1.2.0 -> 1.5.0 (the required stop) -> 2.1.0.
  const auto ops = r.json({"history", "show", std::to_string(id)})["upgrade"]["operations"];
  REQUIRE(ops.size() >= 2);
  CHECK(ops[0]["component"] == "runtime_core");
  CHECK(ops[0]["to"] == "1.5.0");

  auto undo = r.nu({"rollback", "--upgrade", std::to_string(id), "--offline"});
  INFO(undo.out << undo.err);
  REQUIRE(undo.exit_code == 0);
  REQUIRE(r.current("runtime_core") == "versions/1.2.0");

  // The same upgrade again: the stop 1.5.0 is below the floor 2.1.0, but a
  // floor judges only the target.
  auto redo = r.nu({"upgrade", "runtime_core", "2.1.0", "--offline"});
  INFO(redo.out << redo.err);
  CHECK(redo.exit_code == 0);
  CHECK(r.current("runtime_core") == "versions/2.1.0");
  CHECK(redo.err.find("--allow-downgrade") == std::string::npos);
}

TEST_CASE("a target below the floor is still refused after a rollback, and plan says so too", "[floor]")
{
  ExampleRoot r;
  REQUIRE(r.nu({"upgrade", "runtime_core", "2.1.0", "--offline"}).exit_code == 0);
  const auto id = last_upgrade_id(r);
  REQUIRE(r.nu({"rollback", "--upgrade", std::to_string(id), "--offline"}).exit_code == 0);
  auto below = r.nu({"-o", "json", "upgrade", "runtime_core", "2.0.0", "--offline"});
  CHECK(below.exit_code == 3);
  CHECK(nlohmann::json::parse(below.out)["error"]["code"] == "downgrade_refused");
  CHECK(r.current("runtime_core") == "versions/1.2.0");
}

TEST_CASE("a second rollback of the same upgrade does nothing, exits 0 and says which rollback undid it", "[floor]")
{
  ExampleRoot r;
  REQUIRE(r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline"}).exit_code == 0);
  const auto id = last_upgrade_id(r);
  REQUIRE(r.nu({"rollback", "--upgrade", std::to_string(id), "--offline"}).exit_code == 0);
  const auto rollback_id = last_upgrade_id(r);
  const auto entries = r.json({"history"})["history"].size();

  auto again = r.nu({"rollback", "--upgrade", std::to_string(id), "--offline"});
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK(again.out == "rollback of upgrade " + std::to_string(id) + ": already undone by rollback " +
                         std::to_string(rollback_id) + "; nothing to do\n");
  auto j = r.json({"rollback", "--upgrade", std::to_string(id), "--offline"});
  CHECK(j["ok"] == true);
  CHECK(j["no_op"] == true);
  CHECK(j["upgrade_id"] == rollback_id);
  CHECK(r.json({"history"})["history"].size() == entries);
  CHECK(r.current("telemetry_agent") == "versions/0.5.0");
}

TEST_CASE("floor list shows each floor, the active version and the upgrade that raised it", "[floor]")
{
  ExampleRoot r;
  auto none = r.json({"floor", "list"});
  // The demo's installs raised a floor per component.
  REQUIRE(none["floors"].size() == 7);
  REQUIRE(r.nu({"upgrade", "runtime_core", "2.1.0", "--offline"}).exit_code == 0);
  const auto id = last_upgrade_id(r);
  auto j = r.json({"floor", "list", "runtime_core"});
  REQUIRE(j["floors"].size() == 1);
  const auto& f = j["floors"][0];
  CHECK(f["component"] == "runtime_core");
  CHECK(f["floor"] == "2.1.0");
  CHECK(f["active"] == "2.1.0");
  CHECK(f["upgrade_id"] == id);
  CHECK(f["reason"].is_null());
  CHECK(f["set_at"].is_string());

  auto text = r.nu({"floor", "list", "runtime_core"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.rfind("COMPONENT", 0) == 0);
  CHECK(text.out.find("runtime_core         2.1.0        2.1.0") != std::string::npos);
  CHECK(text.out.find("upgrade " + std::to_string(id)) != std::string::npos);

  auto typo = r.nu({"floor", "list", "runtime_cor"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("runtime_core") != std::string::npos);
}

TEST_CASE("floor reset lowers the floor to the active version, needs a reason and is audited", "[floor]")
{
  ExampleRoot r;
  REQUIRE(r.nu({"upgrade", "runtime_core", "2.1.0", "--offline"}).exit_code == 0);
  REQUIRE(r.nu({"rollback", "--upgrade", std::to_string(last_upgrade_id(r)), "--offline"}).exit_code == 0);
  REQUIRE(r.nu({"upgrade", "runtime_core", "2.0.0", "--offline"}).exit_code == 3);

  auto no_reason = r.nu({"floor", "reset", "runtime_core"});
  CHECK(no_reason.exit_code == 2);
  CHECK(no_reason.err.find("--reason") != std::string::npos);
  auto empty_reason = r.nu({"floor", "reset", "runtime_core", "--reason", ""});
  CHECK(empty_reason.exit_code == 2);

  auto reset = r.nu({"floor", "reset", "runtime_core", "--reason", "stay on 2.0 until the leak is fixed"});
  INFO(reset.out << reset.err);
  REQUIRE(reset.exit_code == 0);
  CHECK(reset.out == "runtime_core: floor 2.1.0 -> 1.2.0 (the active version); recorded in the audit trail\n");
  auto f = r.json({"floor", "list", "runtime_core"})["floors"][0];
  CHECK(f["floor"] == "1.2.0");
  CHECK(f["reason"] == "stay on 2.0 until the leak is fixed");
  CHECK(f["upgrade_id"].is_null());

  const auto audit = r.json({"history", "--audit"})["audit"].front();
  CHECK(audit["action"] == "floor-reset");
  CHECK(audit["component"] == "runtime_core");
  CHECK(audit["from"] == "2.1.0");
  CHECK(audit["to"] == "1.2.0");
  CHECK(audit["detail"] == "stay on 2.0 until the leak is fixed");

  // Now 2.0.0 is an upgrade from 1.2.0 like any other.
  auto up = r.nu({"upgrade", "runtime_core", "2.0.0", "--offline"});
  INFO(up.out << up.err);
  CHECK(up.exit_code == 0);
  CHECK(r.current("runtime_core") == "versions/2.0.0");
}
