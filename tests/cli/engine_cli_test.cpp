// SPDX-License-Identifier: Apache-2.0
// upgrade, apply, rollback, snapshot, status, history, check, gc, recover and
// the root lock, through the built binary on temporary roots built from the
// example catalog and its real signed archives.
#include "support/files.hpp"
#include "support/example_root.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <noodle/archive/tree_digest.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <set>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using noodle::test::run_binary;
using noodle::test::source_path;
using noodle::test::TempDir;
namespace fs = std::filesystem;

namespace {

using noodle::test::read_file;
using noodle::test::write_file;

// LeakSanitizer cannot run under ptrace: a binary built with it and traced by
// strace turns its leak check off (other sanitizer checks stay on; the
// variable means nothing to other builds).
const std::string k_untraced_leak_check = "ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\" ";


// A root with the demo's starting state, installed by the tool itself.
using Root = noodle::test::ExampleRoot;
using noodle::test::example_archives;

std::vector<noodle::archive::TreeEntry> tree_of(const fs::path& dir)
{
  auto t = noodle::archive::hash_tree(dir);
  REQUIRE(t);
  return *t;
}

} // namespace

TEST_CASE("upgrade installs a dependency chain in one transaction and swaps each current link", "[engine]")
{
  Root r;
  auto up = r.nu({"upgrade", "jit_compiler", "2.1.0", "--offline", "--metadata", "ticket=T-1"});
  INFO(up.out << up.err);
  REQUIRE(up.exit_code == 0);
  CHECK(r.current("jit_compiler") == "versions/2.1.0");
  CHECK(r.current("runtime_core").rfind("versions/2.", 0) == 0);
  CHECK(r.current("gc_engine") != "versions/1.1.0");
  CHECK(r.current("code_assistant") == "versions/1.1.0");
  CHECK(r.current("deploy_controller") == "versions/3.1.0");
  // The extracted tree is the archive's, executable bit kept.
  const fs::path bin = r.root / "components/jit_compiler/versions/2.1.0/bin/jit_compiler";
  CHECK(read_file(bin).find("jit_compiler 2.1.0") != std::string::npos);
  CHECK((fs::status(bin).permissions() & fs::perms::owner_exec) != fs::perms::none);

  auto history = r.json({"history", "jit_compiler"});
  REQUIRE(history["history"].size() >= 1);
  const auto& last = history["history"][0];
  CHECK(last["status"] == "completed");
  CHECK(last["kind"] == "upgrade");
  CHECK(last["metadata"]["ticket"] == "T-1");
  CHECK(last["operations"].size() >= 4);
  auto check = r.nu({"check"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("intact") != std::string::npos);
}

TEST_CASE("upgrade then rollback restores the old version and config/ byte for byte", "[engine]")
{
  Root r;
  write_file(r.config("telemetry_agent") / "agent.yaml", "endpoint: a\n");
  write_file(r.config("telemetry_agent") / "nested/keys.txt", "k1\n");
  const auto before = tree_of(r.config("telemetry_agent"));
  REQUIRE(r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline"}).exit_code == 0);
  CHECK(r.current("telemetry_agent") == "versions/1.0.0");
  // The operator edits config/ under the new version.
  write_file(r.config("telemetry_agent") / "agent.yaml", "endpoint: b\n");
  fs::remove(r.config("telemetry_agent") / "nested/keys.txt");
  write_file(r.config("telemetry_agent") / "new.txt", "x\n");

  auto back = r.nu({"rollback", "telemetry_agent", "--offline"});
  INFO(back.out << back.err);
  REQUIRE(back.exit_code == 0);
  CHECK(r.current("telemetry_agent") == "versions/0.5.0");
  CHECK(tree_of(r.config("telemetry_agent")) == before);

  // The rollback is itself recorded and can be rolled back.
  auto again = r.nu({"rollback", "telemetry_agent", "--offline"});
  INFO(again.out << again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(r.current("telemetry_agent") == "versions/1.0.0");
  CHECK(read_file(r.config("telemetry_agent") / "agent.yaml") == "endpoint: b\n");
  auto history = r.json({"history", "telemetry_agent"});
  CHECK(history["history"][0]["kind"] == "rollback");
  CHECK(history["history"][1]["kind"] == "rollback");
  CHECK(history["history"][2]["kind"] == "upgrade");
}

TEST_CASE("an all-or-nothing batch whose third step has a tampered archive is refused before its first step",
          "[engine]")
{
  Root r;
  const fs::path batch = r.dir / "batch.yaml";
  write_file(batch, "upgrades:\n"
               "  - {component: gc_engine, version: 1.3.0, priority: 9}\n"
               "  - {component: model_gateway, version: 1.2.0, priority: 8}\n"
               "  - {component: code_assistant, version: 1.1.0, priority: 1}\n");
  auto plan = r.json({"plan", "-f", batch.string(), "--offline"});
  REQUIRE(plan["steps"].size() == 3);
  const std::string third = plan["steps"][2]["component"];
  const std::string third_version = plan["steps"][2]["to"];
  // One flipped byte in the middle of the third step's archive.
  const fs::path victim = r.archives / (third + "-" + third_version + ".tar.gz");
  std::string bytes = read_file(victim);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
  write_file(victim, bytes);

  const auto before = r.links();
  const auto config_before = tree_of(r.root / "components");
  const auto history_before = r.json({"history"})["history"].size();
  auto applied = r.nu({"-o", "json", "apply", batch.string(), "--offline"});
  INFO(applied.out << applied.err);
  CHECK(applied.exit_code == 4);
  CHECK(r.links() == before);
  CHECK(tree_of(r.root / "components") == config_before);
  auto j = nlohmann::json::parse(applied.out);
  CHECK(j["ok"] == false);
  CHECK(j["error"]["code"] == "integrity");
  CHECK(!j.contains("steps")); // no step ran, none was rolled back
  CHECK(r.json({"history"})["history"].size() == history_before);
  auto audit = r.json({"history", "--audit", "--limit", "1"});
  CHECK(audit["audit"][0]["outcome"] == "refused");
}

TEST_CASE("an all-or-nothing batch whose third archive cannot be extracted rolls back the first two", "[engine]")
{
  Root r;
  const fs::path batch = r.dir / "batch.yaml";
  write_file(batch, "upgrades:\n"
               "  - {component: gc_engine, version: 1.3.0, priority: 9}\n"
               "  - {component: model_gateway, version: 1.2.0, priority: 8}\n"
               "  - {component: code_assistant, version: 1.1.0, priority: 1}\n");
  auto plan = r.json({"plan", "-f", batch.string(), "--offline"});
  REQUIRE(plan["steps"].size() == 3);
  // Signed and matching its catalog entry, so only extraction refuses it.
  noodle::test::plant_unextractable(r.archives, plan["steps"][2]["component"], plan["steps"][2]["to"]);
  const auto before = r.links();
  auto applied = r.nu({"-o", "json", "apply", batch.string(), "--offline"});
  INFO(applied.out << applied.err);
  CHECK(applied.exit_code == 4);
  CHECK(r.links() == before);
  auto j = nlohmann::json::parse(applied.out);
  CHECK(j["ok"] == false);
  CHECK(j["status"] == "rolled_back");
  REQUIRE(j["steps"].size() == 3);
  CHECK(j["steps"][0]["outcome"] == "rolled_back");
  CHECK(j["steps"][1]["outcome"] == "rolled_back");
  CHECK(j["steps"][2]["outcome"] == "failed");
  // Nothing is left in staging; the state database agrees.
  CHECK(fs::is_empty(r.root / ".noodle-upgrade/staging"));
  auto history = r.json({"history", "--limit", "1"});
  CHECK(history["history"][0]["status"] == "rolled_back");
  CHECK(history["history"][0]["operations"][2]["status"] == "failed");
  auto audit = r.json({"history", "--audit", "--limit", "3"});
  CHECK(audit["audit"][2]["outcome"] == "rolled_back");
}

TEST_CASE("an extraction that fails leaves no rollback point behind, under any name", "[engine]")
{
  // The point's copy of config/ is made before the extraction (its syncfs
  // makes both durable) and its row committed with the extraction's record.
  Root r;
  const fs::path points = r.root / ".noodle-upgrade/points";
  const auto names = [&] {
    std::set<std::string> out;
    if (fs::exists(points)) {
      for (const auto& e : fs::directory_iterator(points)) {
        out.insert(e.path().filename().string());
      }
    }
    return out;
  };
  const auto before = names();
  const auto listed = r.json({"rollback", "list"})["points"].size();
  noodle::test::plant_unextractable(r.archives, "telemetry_agent", "1.0.0");
  auto up = r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline"});
  INFO(up.out << up.err);
  CHECK(up.exit_code == 4);
  CHECK(r.current("telemetry_agent") == "versions/0.5.0");
  CHECK(names() == before);
  CHECK(r.json({"rollback", "list"})["points"].size() == listed);
  CHECK(fs::is_empty(r.root / ".noodle-upgrade/staging"));

  // The same upgrade from a good archive takes its point along.
  for (const char* ext : {".tar.gz", ".tar.gz.sig"}) {
    const std::string file = std::string("telemetry_agent-1.0.0") + ext;
    fs::copy_file(noodle::test::example_archives() / "archives" / file, r.archives / file,
                  fs::copy_options::overwrite_existing);
  }
  auto again = r.json({"upgrade", "telemetry_agent", "1.0.0", "--offline"});
  REQUIRE(again["steps"].size() == 1);
  const auto point = again["steps"][0]["rollback_point"];
  REQUIRE(point.is_number());
  CHECK(fs::is_directory(points / std::to_string(point.get<int>()) / "config"));
  CHECK(r.json({"rollback", "list"})["points"].size() == listed + 1);
  for (const auto& name : names()) {
    CHECK(name.rfind(".tmp-", 0) != 0);
  }
}

TEST_CASE("apply --no-atomic keeps the steps that succeeded before a failure", "[engine]")
{
  Root r;
  const fs::path batch = r.dir / "batch.yaml";
  write_file(batch, "upgrades:\n"
               "  - {component: gc_engine, version: 1.3.0, priority: 9}\n"
               "  - {component: telemetry_agent, version: 1.0.0, priority: 1}\n");
  noodle::test::plant_unextractable(r.archives, "telemetry_agent", "1.0.0");
  auto applied = r.nu({"apply", batch.string(), "--offline", "--no-atomic"});
  INFO(applied.out << applied.err);
  CHECK(applied.exit_code == 4);
  CHECK(applied.err.find("character devices are not allowed") != std::string::npos);
  CHECK(r.current("gc_engine") == "versions/1.3.0");
  CHECK(r.current("telemetry_agent") == "versions/0.5.0");
}

TEST_CASE("upgrading to the active version is a no-op that exits 0 and says so", "[engine]")
{
  Root r;
  auto history_before = r.json({"history"})["history"].size();
  auto same = r.nu({"upgrade", "gc_engine", "1.1.0", "--offline"});
  CHECK(same.exit_code == 0);
  CHECK(same.out.find("already there, nothing to do") != std::string::npos);
  CHECK(r.json({"history"})["history"].size() == history_before);
}

TEST_CASE("a downgrade is refused with exit 3 unless --allow-downgrade, and audited", "[engine]")
{
  Root r;
  auto down = r.nu({"upgrade", "telemetry_agent", "0.4.0", "--offline"});
  INFO(down.out << down.err);
  CHECK(down.exit_code == 3);
  CHECK(r.current("telemetry_agent") == "versions/0.5.0");
  auto audit = r.json({"history", "--audit", "--limit", "1"});
  CHECK(audit["audit"][0]["outcome"] == "refused");
  CHECK(audit["audit"][0]["component"] == "telemetry_agent");

  auto allowed = r.nu({"upgrade", "telemetry_agent", "0.4.0", "--offline", "--allow-downgrade"});
  INFO(allowed.out << allowed.err);
  CHECK(allowed.exit_code == 0);
  CHECK(r.current("telemetry_agent") == "versions/0.4.0");
}

TEST_CASE("a version below the floor is refused even after current was moved back by hand", "[engine]")
{
  Root r;
  REQUIRE(r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline"}).exit_code == 0);
  REQUIRE(r.nu({"upgrade", "telemetry_agent", "0.4.0", "--offline", "--allow-downgrade"}).exit_code == 0);
  // To the plan 0.4.0 -> 0.5.0 is an upgrade; the floor remembers 1.0.0.
  auto up = r.nu({"-o", "json", "upgrade", "telemetry_agent", "0.5.0", "--offline"});
  INFO(up.out << up.err);
  CHECK(up.exit_code == 3);
  CHECK(nlohmann::json::parse(up.out)["error"]["code"] == "downgrade_refused");
  CHECK(r.current("telemetry_agent") == "versions/0.4.0");
  CHECK(r.nu({"upgrade", "telemetry_agent", "0.5.0", "--offline", "--allow-downgrade"}).exit_code == 0);
}

TEST_CASE("a second invocation waits for the root's lock or exits 5 naming the holder", "[engine]")
{
  Root r;
  const fs::path lock = r.root / ".noodle-upgrade/lock";
  // Another process holds the lock (util-linux flock(1) on the same file).
  const pid_t holder = fork();
  REQUIRE(holder >= 0);
  if (holder == 0) {
    execlp("flock", "flock", lock.c_str(), "sleep", "2", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto busy = r.nu({"--lock-timeout", "0", "upgrade", "telemetry_agent", "1.0.0", "--offline"});
  INFO(busy.out << busy.err);
  CHECK(busy.exit_code == 5);
  CHECK(busy.err.find("is locked") != std::string::npos);
  CHECK(r.current("telemetry_agent") == "versions/0.5.0");

  auto waited = r.nu({"--lock-timeout", "20", "upgrade", "telemetry_agent", "1.0.0", "--offline"});
  INFO(waited.out << waited.err);
  CHECK(waited.exit_code == 0);
  CHECK(waited.err.find("waiting up to 20 s") != std::string::npos);
  CHECK(r.current("telemetry_agent") == "versions/1.0.0");
  int status = 0;
  waitpid(holder, &status, 0);
}

TEST_CASE("check reports a changed, a missing and an extra file of the active version and exits 4", "[engine]")
{
  Root r;
  const fs::path v = r.root / "components/telemetry_agent/versions/0.5.0";
  write_file(v / "bin/telemetry_agent", "#!/bin/sh\necho evil\n");
  write_file(v / "extra.so", "x");
  fs::remove(v / "manifest.yaml");
  auto check = r.nu({"-o", "json", "check", "telemetry_agent"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 4);
  auto j = nlohmann::json::parse(check.out);
  CHECK(j["error"]["code"] == "integrity");
  const auto& diffs = j["versions"][0]["differences"];
  REQUIRE(diffs.size() == 3);
  CHECK(diffs[0]["kind"] == "changed");
  CHECK(diffs[0]["path"] == "bin/telemetry_agent");
  CHECK(diffs[1]["kind"] == "extra");
  CHECK(diffs[2]["kind"] == "missing");
  CHECK(r.nu({"check", "gc_engine"}).exit_code == 0);
}

TEST_CASE("rollback refuses a damaged target and changes nothing", "[engine]")
{
  Root r;
  REQUIRE(r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline"}).exit_code == 0);
  write_file(r.root / "components/telemetry_agent/versions/0.5.0/bin/telemetry_agent", "tampered\n");
  auto back = r.nu({"rollback", "telemetry_agent", "--offline"});
  INFO(back.out << back.err);
  CHECK(back.exit_code == 4);
  CHECK(back.err.find("does not match its extraction record") != std::string::npos);
  CHECK(r.current("telemetry_agent") == "versions/1.0.0");
}

TEST_CASE("an upgrade re-extracts a version directory that does not match its record", "[engine]")
{
  Root r;
  REQUIRE(r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline"}).exit_code == 0);
  REQUIRE(r.nu({"rollback", "telemetry_agent", "--offline"}).exit_code == 0);
  write_file(r.root / "components/telemetry_agent/versions/1.0.0/bin/telemetry_agent", "tampered\n");
  REQUIRE(r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline"}).exit_code == 0);
  CHECK(read_file(r.root / "components/telemetry_agent/versions/1.0.0/bin/telemetry_agent").find("telemetry_agent 1.0.0")
        != std::string::npos);
  CHECK(r.nu({"check", "telemetry_agent"}).exit_code == 0);
}

TEST_CASE("snapshot, rollback list and rollback --point restore a chosen config", "[engine]")
{
  Root r;
  write_file(r.config("gc_engine") / "gc.conf", "heap=1g\n");
  auto snap = r.json({"snapshot", "gc_engine"});
  const auto id = snap["point"]["id"].get<std::int64_t>();
  write_file(r.config("gc_engine") / "gc.conf", "heap=8g\n");
  auto list = r.json({"rollback", "list", "gc_engine"});
  REQUIRE(!list["points"].empty());
  CHECK(list["points"][0]["id"] == id);
  CHECK(list["points"][0]["version"] == "1.1.0");
  CHECK(list["points"][0]["expired"] == false);
  auto back = r.nu({"rollback", "gc_engine", "--point", std::to_string(id), "--offline"});
  INFO(back.out << back.err);
  REQUIRE(back.exit_code == 0);
  CHECK(read_file(r.config("gc_engine") / "gc.conf") == "heap=1g\n");
  CHECK(r.current("gc_engine") == "versions/1.1.0");
}

TEST_CASE("gc keeps current and rollback targets and removes the rest", "[engine]")
{
  Root r;
  REQUIRE(r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline"}).exit_code == 0);
  REQUIRE(r.nu({"upgrade", "telemetry_agent", "0.4.0", "--offline", "--allow-downgrade"}).exit_code == 0);
  const fs::path versions = r.root / "components/telemetry_agent/versions";
  CHECK(fs::exists(versions / "0.5.0"));
  auto gc = r.json({"gc", "--keep", "0"});
  // 0.4.0 is current; 0.5.0 and 1.0.0 are rollback targets: all kept.
  CHECK(fs::exists(versions / "0.4.0"));
  CHECK(fs::exists(versions / "0.5.0"));
  CHECK(fs::exists(versions / "1.0.0"));
  CHECK(gc["removed_versions"].empty());
}

TEST_CASE("plan --save then apply --plan carries out the plan, and refuses it once the root drifted", "[engine]")
{
  Root r;
  const fs::path saved = r.dir / "plan.json";
  auto plan = r.nu({"plan", "telemetry_agent", "1.0.0", "--offline", "--save", saved.string()});
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  auto j = nlohmann::json::parse(read_file(saved));
  CHECK(j["format"] == "noodle-plan 2");
  CHECK(j["steps"][0]["to"] == "1.0.0");

  // Another change lands first: the installed versions drifted.
  REQUIRE(r.nu({"upgrade", "gc_engine", "1.3.0", "--offline"}).exit_code == 0);
  auto stale = r.nu({"apply", "--plan", saved.string(), "--offline"});
  INFO(stale.out << stale.err);
  CHECK(stale.exit_code == 3);
  CHECK(stale.err.find("the installed versions changed") != std::string::npos);
  CHECK(r.current("telemetry_agent") == "versions/0.5.0");

  REQUIRE(r.nu({"plan", "telemetry_agent", "1.0.0", "--offline", "--save", saved.string()}).exit_code == 0);
  auto applied = r.nu({"apply", "--plan", saved.string(), "--offline"});
  INFO(applied.out << applied.err);
  CHECK(applied.exit_code == 0);
  CHECK(r.current("telemetry_agent") == "versions/1.0.0");
}

TEST_CASE("a saved plan keeps a --loose constraint loose, so apply --plan reads it back", "[engine]")
{
  Root r;
  const fs::path saved = r.dir / "plan.json";
  auto plan = r.nu({"plan", "telemetry_agent", "1.0.0", "--offline", "--loose", "--constraint", "telemetry_agent@<=01.0.0", "--save",
                    saved.string()});
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  auto j = nlohmann::json::parse(read_file(saved));
  CHECK(j["request"]["constraints"][0]["range"] == "<=01.0.0");
  CHECK(j["request"]["constraints"][0]["loose"] == true);
  CHECK_FALSE(j["request"]["constraints"][0].contains("include_prerelease"));
  auto applied = r.nu({"apply", "--plan", saved.string(), "--offline"});
  INFO(applied.out << applied.err);
  CHECK(applied.exit_code == 0);
  CHECK(r.current("telemetry_agent") == "versions/1.0.0");
}

TEST_CASE("upgrade --allow-unsigned is refused under strict validation, and warned about and audited otherwise", "[engine]")
{
  Root r;
  fs::remove(r.archives / "telemetry_agent-1.0.0.tar.gz.sig");
  auto unsigned_default = r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline"});
  CHECK(unsigned_default.exit_code == 4);
  auto strict =
      r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline", "--allow-unsigned", "--validation", "strict"});
  INFO(strict.out << strict.err);
  CHECK(strict.exit_code == 3);
  CHECK(strict.err.find("refused under --validation strict") != std::string::npos);
  CHECK(r.current("telemetry_agent") == "versions/0.5.0");

  auto dev = r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline", "--allow-unsigned"});
  INFO(dev.out << dev.err);
  CHECK(dev.exit_code == 0);
  CHECK(dev.err.find("UNSIGNED") != std::string::npos);
  CHECK(r.current("telemetry_agent") == "versions/1.0.0");
  auto audit = r.json({"history", "--audit", "--limit", "1"});
  CHECK(audit["audit"][0]["detail"].get<std::string>().find("UNSIGNED") != std::string::npos);
}

TEST_CASE("without --offline and with no runtime listening an upgrade, its --dry-run and plan exit 6", "[engine]")
{
  Root r;
  auto live = r.nu({"upgrade", "telemetry_agent", "1.0.0"});
  CHECK(live.exit_code == 6);
  CHECK(live.err.find("no runtime listens on") != std::string::npos);
  CHECK(live.err.find("--offline") != std::string::npos);
  CHECK(r.current("telemetry_agent") == "versions/0.5.0");
  auto dry = r.nu({"upgrade", "telemetry_agent", "1.0.0", "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 6);
  CHECK(dry.err.find("the upgrade needs a running runtime, or --offline") != std::string::npos);
  auto plan = r.nu({"plan", "telemetry_agent", "1.0.0"});
  CHECK(plan.exit_code == 6);
  CHECK(plan.err.find("the upgrade needs a running runtime, or --offline") != std::string::npos);
  auto offline = r.nu({"upgrade", "telemetry_agent", "1.0.0", "--dry-run", "--offline"});
  INFO(offline.out << offline.err);
  CHECK(offline.exit_code == 0);
  CHECK(r.current("telemetry_agent") == "versions/0.5.0");
}

TEST_CASE("a state directory without its database is refused, never a silent new history", "[engine]")
{
  Root r;
  fs::remove(r.root / ".noodle-upgrade/state.db");
  fs::remove(r.root / ".noodle-upgrade/state.db-wal");
  fs::remove(r.root / ".noodle-upgrade/state.db-shm");
  auto up = r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline"});
  CHECK(up.exit_code == 1);
  CHECK(up.err.find("has no state database") != std::string::npos);
  CHECK(!fs::exists(r.root / ".noodle-upgrade/state.db"));
  CHECK(r.nu({"status"}).exit_code == 1);
}

TEST_CASE("SIGINT during an upgrade rolls back and exits 130", "[engine]")
{
  Root r;
  // strace delays the link rename by 1.5 s so the signal lands mid-upgrade.
  if (std::system("command -v strace >/dev/null 2>&1") != 0) {
    WARN("strace is not installed");
    return;
  }
  const fs::path out = r.dir / "out.txt";
  const std::string cmd = k_untraced_leak_check +
                          "strace -f -o /dev/null -e trace=rename,renameat,renameat2 -e inject=rename,renameat,"
                          "renameat2:delay_enter=1500000 " NOODLE_BINARY " --root " + r.root.string() +
                          " --catalog " + source_path("manifests") + " --keyring " +
                          (example_archives() / "keyring").string() + " --archives " + r.archives.string() +
                          " upgrade telemetry_agent 1.0.0 --offline >" + out.string() + " 2>&1";
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    setpgid(0, 0);
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  // Only the tool: strace passes a signal on to its tracee.
  std::system(("pkill -INT -f '^" NOODLE_BINARY " --root " + r.root.string() + "'").c_str());
  int status = 0;
  waitpid(child, &status, 0);
  INFO(read_file(out));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(read_file(out).find("interrupted by SIGINT") != std::string::npos);
  CHECK(r.current("telemetry_agent") == "versions/0.5.0");
  auto history = r.json({"history", "--limit", "1"});
  CHECK(history["history"][0]["status"] == "cancelled");
}

TEST_CASE("rollback of one component that would break a dependency is refused; rollback --upgrade undoes it all",
          "[engine]")
{
  Root r;
  const auto before = r.links();
  write_file(r.config("jit_compiler") / "jit.yaml", "tier: 1\n");
  REQUIRE(r.nu({"upgrade", "jit_compiler", "2.1.0", "--offline"}).exit_code == 0);
  write_file(r.config("jit_compiler") / "jit.yaml", "tier: 2\n");

  auto single = r.nu({"-o", "json", "rollback", "jit_compiler", "--offline"});
  INFO(single.out << single.err);
  CHECK(single.exit_code == 3);
  auto j = nlohmann::json::parse(single.out);
  CHECK(j["error"]["code"] == "incompatible");
  CHECK(j["error"]["message"].get<std::string>().find("jit_compiler@1.4.0 needs runtime_core ^1.2.0") !=
        std::string::npos);
  CHECK(r.current("jit_compiler") == "versions/2.1.0");

  const auto id = r.json({"history", "jit_compiler", "--limit", "1"})["history"][0]["id"].get<std::int64_t>();
  auto whole = r.nu({"rollback", "--upgrade", std::to_string(id), "--offline"});
  INFO(whole.out << whole.err);
  REQUIRE(whole.exit_code == 0);
  CHECK(r.links() == before);
  CHECK(read_file(r.config("jit_compiler") / "jit.yaml") == "tier: 1\n");
  auto history = r.json({"history", "--limit", "2"});
  CHECK(history["history"][0]["kind"] == "rollback");
  CHECK(history["history"][1]["id"] == id);
  CHECK(history["history"][1]["status"] == "rolled_back");
  // Done once; a second time is a no-op that says so.
  auto again = r.nu({"rollback", "--upgrade", std::to_string(id), "--offline"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("already undone by rollback") != std::string::npos);
  CHECK(r.links() == before);
}

TEST_CASE("cancel stops a running upgrade at its next safe point; it rolls back and exits 143", "[engine]")
{
  Root r;
  if (std::system("command -v strace >/dev/null 2>&1") != 0) {
    WARN("strace is not installed");
    return;
  }
  const fs::path out = r.dir / "out.txt";
  // Every rename is slowed down by 0.7 s, so the upgrade is still running
  // when cancel arrives.
  const std::string cmd = k_untraced_leak_check +
                          "strace -f -o /dev/null -e trace=rename,renameat,renameat2 -e inject=rename,renameat,"
                          "renameat2:delay_enter=700000 " NOODLE_BINARY " --root " + r.root.string() +
                          " --catalog " + source_path("manifests") + " --keyring " +
                          (example_archives() / "keyring").string() + " --archives " + r.archives.string() +
                          " upgrade jit_compiler 2.1.0 --offline >" + out.string() + " 2>&1";
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::int64_t id = 0;
  for (int i = 0; i < 100 && id == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto status = r.json({"status"});
    if (!status["running"].empty()) {
      id = status["running"][0]["id"].get<std::int64_t>();
      CHECK(status["running"][0]["state"] == "active");
    }
  }
  REQUIRE(id != 0);
  auto cancel = r.nu({"-o", "json", "cancel", std::to_string(id)});
  INFO(cancel.out << cancel.err);
  CHECK(cancel.exit_code == 0);
  CHECK(nlohmann::json::parse(cancel.out)["status"] == "cancelled");
  int status = 0;
  waitpid(child, &status, 0);
  INFO(read_file(out));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 143);
  CHECK(r.current("jit_compiler") == "versions/1.4.0");
  CHECK(r.current("runtime_core") == "versions/1.2.0");
  auto audit = r.json({"history", "--audit", "--limit", "1"});
  CHECK(audit["audit"][0]["action"] == "cancel");
  // Audited with its target and its own command line; the upgrade says who cancelled it.
  CHECK(audit["audit"][0]["upgrade_id"] == id);
  CHECK(audit["audit"][0]["command"].get<std::string>().find("cancel " + std::to_string(id)) != std::string::npos);
  CHECK(audit["audit"][0]["detail"].get<std::string>().find("upgrade " + std::to_string(id)) != std::string::npos);
  auto shown = r.json({"history", "show", std::to_string(id)});
  CHECK(shown["upgrade"]["status"] == "cancelled");
  CHECK(shown["upgrade"]["cancelled_by"].is_string());
}

TEST_CASE("an upgrade past its --timeout is rolled back at the next safe point and exits 1", "[engine]")
{
  Root r;
  if (std::system("command -v strace >/dev/null 2>&1") != 0) {
    WARN("strace is not installed");
    return;
  }
  const auto before = r.links();
  const std::string cmd = k_untraced_leak_check +
                          "strace -f -o /dev/null -e trace=rename,renameat,renameat2 -e inject=rename,renameat,"
                          "renameat2:delay_enter=400000 " NOODLE_BINARY " -o json --root " + r.root.string() +
                          " --catalog " + source_path("manifests") + " --keyring " +
                          (example_archives() / "keyring").string() + " --archives " + r.archives.string() +
                          " upgrade jit_compiler 2.1.0 --offline --timeout 1.5 >" + (r.dir / "out.json").string();
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  auto j = nlohmann::json::parse(read_file(r.dir / "out.json"));
  CHECK(j["error"]["code"] == "timeout");
  CHECK(j["status"] == "rolled_back");
  CHECK(r.links() == before);
}

TEST_CASE("when the rollback itself fails the upgrade exits 7 and says where each current link points", "[engine]")
{
  Root r;
  if (std::system("command -v strace >/dev/null 2>&1") != 0) {
    WARN("strace is not installed");
    return;
  }
  // Only swap_link uses renameat: the first swap succeeds, the second fails
  // (the upgrade stops), and so does the swap that would undo the first.
  const std::string cmd = k_untraced_leak_check +
                          "strace -f -o /dev/null -e trace=renameat -e inject=renameat:error=EIO:when=2+ " NOODLE_BINARY
                          " -o json --root " + r.root.string() + " --catalog " + source_path("manifests") +
                          " --keyring " + (example_archives() / "keyring").string() + " --archives " +
                          r.archives.string() + " upgrade jit_compiler 2.1.0 --offline >" +
                          (r.dir / "out.json").string();
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 7);
  auto j = nlohmann::json::parse(read_file(r.dir / "out.json"));
  INFO(j.dump(2));
  CHECK(j["error"]["code"] == "rollback_failed");
  CHECK(j["status"] == "failed");
  // The first hop stayed: the report says so instead of pretending.
  CHECK(r.current("runtime_core") == "versions/1.5.0");
  bool named = false;
  for (const auto& line : j["root_state"]) {
    named = named || line.get<std::string>() == "runtime_core: current -> versions/1.5.0";
  }
  CHECK(named);
  // The next command sees a finished (failed) upgrade, and a plain rollback
  // of the component gets the operator out.
  auto back = r.nu({"rollback", "runtime_core", "--offline", "--force"});
  INFO(back.out << back.err);
  CHECK(back.exit_code == 0);
  CHECK(r.current("runtime_core") == "versions/1.2.0");
}
