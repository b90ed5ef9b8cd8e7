// SPDX-License-Identifier: Apache-2.0
// The hidden __complete command behind the shell completion scripts.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <noodle/store/state_store.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <sstream>

using noodle::test::run_binary;
using noodle::test::source_path;
using noodle::test::TempDir;

namespace {

std::vector<std::string> candidates(std::vector<std::string> words, const std::map<std::string, std::string>& env = {})
{
  words.insert(words.begin(), "__complete");
  auto r = run_binary(words, "", env);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

bool has(const std::vector<std::string>& list, const std::string& item)
{
  return std::find(list.begin(), list.end(), item) != list.end();
}

} // namespace

TEST_CASE("cli __complete offers the commands that start with the word at command position")
{
  CHECK(candidates({"up"}) == std::vector<std::string>{"upgrade"});
  const auto all = candidates({""});
  CHECK(has(all, "upgrade"));
  CHECK(has(all, "rollback"));
  CHECK(has(all, "components"));
  CHECK_FALSE(has(all, "__complete"));
  // Global options with values are skipped on the way to the command.
  CHECK(candidates({"--root", "/nonexistent", "-o", "json", "sta"}) == std::vector<std::string>{"status"});
  CHECK(candidates({"components", ""}) == std::vector<std::string>{"list", "show"});
}

TEST_CASE("cli __complete offers the options of the command and the global ones")
{
  const auto options = candidates({"upgrade", "--"});
  CHECK(has(options, "--strategy"));
  CHECK(has(options, "--dry-run"));
  CHECK(has(options, "--no-rollback"));
  CHECK(has(options, "--steps"));
  CHECK(has(options, "--root"));
  CHECK(has(options, "--output"));
  CHECK_FALSE(has(options, "--plan")); // apply's, not upgrade's
  CHECK(candidates({"upgrade", "--allow-d"}) == std::vector<std::string>{"--allow-downgrade"});
  CHECK(candidates({"gc", "--k"}) == std::vector<std::string>{"--keep", "--keyring"});
}

TEST_CASE("cli __complete offers the fixed values of an option")
{
  CHECK(candidates({"upgrade", "--strategy", ""})
        == std::vector<std::string>{"immediate", "gradual", "canary", "blue-green", "rolling"});
  CHECK(candidates({"apply", "--fallback-strategy", "r"}) == std::vector<std::string>{"rolling"});
  CHECK(candidates({"-o", ""}) == std::vector<std::string>{"text", "json"});
  CHECK(candidates({"plan", "--validation", "p"}) == std::vector<std::string>{"permissive"});
  // One word (zsh, fish) and bash's split "--opt", "=", "value".
  CHECK(candidates({"upgrade", "--strategy=c"}) == std::vector<std::string>{"--strategy=canary"});
  CHECK(candidates({"upgrade", "--strategy", "=", "c"}) == std::vector<std::string>{"canary"});
  CHECK(candidates({"upgrade", "--strategy", "="}).size() == 5);
  // pack's --out is a file: nothing to offer; -o is the output format everywhere.
  CHECK(candidates({"pack", "--out", ""}).empty());
  CHECK(candidates({"pack", "-o", ""}) == std::vector<std::string>{"text", "json"});
}

TEST_CASE("cli __complete offers component names of the catalog for a NAME")
{
  const std::string catalog = source_path("manifests");
  const std::vector<std::string> all{"code_assistant", "deploy_controller", "gc_engine",    "jit_compiler",
                                     "model_gateway",  "runtime_core",      "telemetry_agent"};
  for (const char* command : {"upgrade", "plan", "deps", "path", "status", "check", "snapshot"}) {
    INFO(command);
    CHECK(candidates({"--catalog", catalog, command, ""}) == all);
  }
  // history: its subcommand and the names.
  auto history = all;
  history.insert(history.begin(), "show");
  CHECK(candidates({"--catalog", catalog, "history", ""}) == history);
  CHECK(candidates({"--catalog", catalog, "upgrade", "j"}) == std::vector<std::string>{"jit_compiler"});
  // From the environment, and from <root>/manifests.
  CHECK(candidates({"deps", "t"}, {{"NOODLE_CATALOG", catalog}}) == std::vector<std::string>{"telemetry_agent"});
  // rollback: its subcommand and the names.
  const auto rollback = candidates({"--catalog", catalog, "rollback", ""});
  CHECK(has(rollback, "list"));
  CHECK(has(rollback, "gc_engine"));
  // A missing or broken catalog: nothing, silently.
  CHECK(candidates({"--catalog", "/nonexistent", "upgrade", ""}).empty());
  CHECK(candidates({"--catalog", source_path("tests/data/catalogs/bad_yaml"), "upgrade", ""}).empty());
}

TEST_CASE("cli __complete reads the catalog that the configuration file names; a broken file changes nothing")
{
  TempDir dir;
  const auto config = dir / "config.yaml";
  std::ofstream(config) << "catalog: " << source_path("manifests") << "\n";
  CHECK(candidates({"upgrade", "j"}, {{"NOODLE_CONFIG", config.string()}}) == std::vector<std::string>{"jit_compiler"});
  std::ofstream(config) << "catalog: [unclosed\n";
  CHECK(candidates({"upgrade", "j"}, {{"NOODLE_CONFIG", config.string()}}).empty());
}

TEST_CASE("cli __complete offers the versions of the named component")
{
  const std::string catalog = source_path("manifests");
  const std::vector<std::string> versions{"1.0.0", "1.4.0", "2.0.0", "2.1.0"};
  CHECK(candidates({"--catalog", catalog, "upgrade", "jit_compiler", ""}) == versions);
  CHECK(candidates({"--catalog", catalog, "plan", "jit_compiler", "2"}) == std::vector<std::string>{"2.0.0", "2.1.0"});
  CHECK(candidates({"--catalog", catalog, "rollback", "jit_compiler", "--to", ""}) == versions);
  CHECK(candidates({"--catalog", catalog, "components", "show", "jit_compiler@2"})
        == std::vector<std::string>{"jit_compiler@2.0.0", "jit_compiler@2.1.0"});
  CHECK(candidates({"--catalog", catalog, "upgrade", "no_such", ""}).empty());
  // Past the last positional nothing is offered.
  CHECK(candidates({"--catalog", catalog, "upgrade", "jit_compiler", "2.1.0", ""}).empty());
}

TEST_CASE("cli __complete offers nothing from a root without state and never fails")
{
  TempDir root;
  CHECK(candidates({"--root", root.path().string(), "cancel", ""}).empty());
  CHECK(candidates({"--root", root.path().string(), "rollback", "x", "--point", ""}).empty());
  CHECK(candidates({}) .size() > 10);
  CHECK(candidates({"no-such-command", "--x", "y", ""}).empty());
}

TEST_CASE("cli __complete offers the running upgrades to cancel or steer and the rollback points of a component")
{
  TempDir root;
  std::filesystem::create_directories(root.path() / ".noodle-upgrade");
  auto store = noodle::store::StateStore::open(root.path() / ".noodle-upgrade" / "state.db",
                                               noodle::store::StateStore::Create::if_missing);
  REQUIRE(store);
  noodle::store::UpgradeRecord running;
  running.kind = "upgrade";
  running.status = noodle::store::UpgradeStatus::in_progress;
  auto running_id = store->begin_upgrade(running);
  REQUIRE(running_id);
  noodle::store::UpgradeRecord done = running;
  auto done_id = store->begin_upgrade(done);
  REQUIRE(done_id);
  REQUIRE(store->set_upgrade_status(*done_id, noodle::store::UpgradeStatus::completed, "", 1));
  noodle::store::RollbackPoint point;
  point.component = "gc_engine";
  point.version = "1.1.0";
  auto point_id = store->add_point(point);
  REQUIRE(point_id);
  point.component = "jit_compiler";
  REQUIRE(store->add_point(point));

  const std::string r = root.path().string();
  CHECK(candidates({"--root", r, "cancel", ""}) == std::vector<std::string>{std::to_string(*running_id)});
  for (const char* steering : {"pause", "resume", "promote", "abort"}) {
    CHECK(candidates({"--root", r, steering, ""}) == std::vector<std::string>{std::to_string(*running_id)});
  }
  CHECK(candidates({"--root", r, "rollback", "gc_engine", "--point", ""})
        == std::vector<std::string>{std::to_string(*point_id)});
  CHECK(candidates({"cancel", ""}, {{"NOODLE_ROOT", r}}) == std::vector<std::string>{std::to_string(*running_id)});
}

TEST_CASE("cli __complete offers the npm semver subcommands of version and their options")
{
  const auto subcommands = candidates({"version", ""});
  for (const char* name : {"inc", "diff", "coerce", "intersects", "outside", "min-satisfying", "max-satisfying",
                           "min-version"}) {
    CHECK(has(subcommands, name));
  }
  CHECK(candidates({"version", "inc", "--identifier-base", ""}) == std::vector<std::string>{"0", "1", "false"});
  const auto outside = candidates({"version", "outside", "--"});
  CHECK(has(outside, "--gtr"));
  CHECK(has(outside, "--ltr"));
  CHECK(has(outside, "--loose"));
  CHECK(has(outside, "--include-prerelease"));
  CHECK(has(candidates({"plan", "--"}), "--loose"));
}

TEST_CASE("cli __complete offers the repo commands, their options and the repository options")
{
  CHECK(candidates({"repo", ""}) == std::vector<std::string>{"index", "verify", "sync"});
  const auto index = candidates({"repo", "index", "--"});
  CHECK(has(index, "--key"));
  CHECK(has(index, "--expires"));
  CHECK(has(index, "--index-version"));
  const auto global = candidates({"upgrade", "--"});
  CHECK(has(global, "--ca-file"));
  CHECK(has(global, "--fetch-timeout"));
  CHECK(has(global, "--allow-expired"));
}
