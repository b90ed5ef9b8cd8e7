// SPDX-License-Identifier: Apache-2.0
// Input from outside through the built binary: text that tries to forge
// output lines or drive the terminal, bytes that are not UTF-8, numbers and
// durations checked before anything is recorded, saved plans edited after
// they were saved, and inputs that must cost bounded memory and time.
#include "support/example_root.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using noodle::test::ExampleRoot;
using noodle::test::Versions;
using noodle::test::read_file;
using noodle::test::run_binary;
using noodle::test::write_file;
using noodle::test::TempDir;
namespace fs = std::filesystem;

namespace {


std::size_t count(const std::string& text, const std::string& what)
{
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) {
    ++n;
  }
  return n;
}

std::size_t lines(const std::string& text)
{
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// A fake history line, as `history` prints one.
const std::string k_forged = "x\n  13  2026-01-01 00:00:00 UTC  upgrade  completed     1.00s  alice      "
                             "jit_compiler 1.4.0 -> 2.1.0";

// Runs SQL on a root's state database behind the tool's back.
void sql(const fs::path& root, const std::string& statement)
{
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((root / ".noodle-upgrade/state.db").c_str(), &db) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error);
  INFO((error != nullptr ? error : ""));
  sqlite3_free(error);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

std::size_t history_size(ExampleRoot& r)
{
  return r.json({"history"})["history"].size();
}

} // namespace

TEST_CASE("a newline in --requested-by or --metadata never starts a line of history, status or audit output",
          "[input]")
{
  ExampleRoot r(Versions{{"telemetry_agent", "0.5.0"}});
  auto up = r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline", "--requested-by", k_forged, "--metadata",
                  "note=a\x1b[2Jb"});
  INFO(up.out << up.err);
  REQUIRE(up.exit_code == 0);

  auto history = r.nu({"history"});
  REQUIRE(history.exit_code == 0);
  CHECK(lines(history.out) == 3); // the header row, then the install and the upgrade, one line each
  CHECK(history.out.find("x\\n  13  2026-01-01 00:00:00 UTC  upgrade") != std::string::npos);
  CHECK(history.out.find('\x1b') == std::string::npos);

  auto audit = r.nu({"history", "--audit"});
  REQUIRE(audit.exit_code == 0);
  CHECK(lines(audit.out) == 4); // two entries of two lines each
  // The command line is shell-quoted: the value is one word, shown escaped.
  CHECK(audit.out.find("--requested-by $'x\\n  13  2026-01-01 00:00:00 UTC  upgrade  completed     1.00s  alice      "
                       "jit_compiler 1.4.0 -> 2.1.0' --metadata $'note=a\\x1b[2Jb'") != std::string::npos);

  // JSON carries the values as they were given.
  auto j = r.json({"history"});
  CHECK(j["history"][0]["requested_by"] == k_forged);
  CHECK(j["history"][0]["metadata"]["note"] == "a\x1b[2Jb");
}

TEST_CASE("the audit trail shows each argument shell-quoted, so a value cannot pose as a flag", "[input]")
{
  ExampleRoot r(Versions{{"telemetry_agent", "0.5.0"}});
  REQUIRE(r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline", "--requested-by", "x --force", "--metadata",
                "who=it's me"})
              .exit_code == 0);
  auto audit = r.json({"history", "--audit"});
  const std::string command = audit["audit"].front()["command"];
  CHECK(command.find(" upgrade telemetry_agent 1.0.0 --offline --requested-by 'x --force' --metadata 'who=it'\\''s "
                     "me'") != std::string::npos);
}

TEST_CASE("text that is not UTF-8 on the command line or in NOODLE_* is refused with exit 2 and nothing recorded",
          "[input]")
{
  ExampleRoot r(Versions{{"telemetry_agent", "0.5.0"}});
  auto by = r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline", "--requested-by", "evil\xff"});
  CHECK(by.exit_code == 2);
  CHECK(by.err == "noodle-upgrade: error: the argument 'evil\\xff' is not valid UTF-8; command-line text must be "
                  "UTF-8\n");
  auto meta = r.nu({"-o", "json", "upgrade", "telemetry_agent", "1.0.0", "--offline", "--metadata", "k=\xc3("});
  CHECK(meta.exit_code == 2);
  auto j = nlohmann::json::parse(meta.out);
  CHECK(j["error"]["code"] == "usage");
  CHECK(j["error"]["message"] == "the argument 'k=\\xc3(' is not valid UTF-8; command-line text must be UTF-8");
  auto env = r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline"}, {{"NOODLE_STRATEGY", "canary\x9b"}});
  CHECK(env.exit_code == 2);
  CHECK(env.err == "noodle-upgrade: error: the variable NOODLE_STRATEGY is not valid UTF-8: 'canary\\x9b'\n");
  CHECK(r.current("telemetry_agent") == "versions/0.5.0");
  CHECK(history_size(r) == 1);
  // history -o json keeps working, run after run.
  CHECK(r.nu({"-o", "json", "history"}).exit_code == 0);
}

TEST_CASE("a state database that already holds bytes that are not UTF-8 still prints, as text and as JSON",
          "[input]")
{
  ExampleRoot r(Versions{{"telemetry_agent", "0.5.0"}});
  sql(r.root, "UPDATE upgrades SET requested_by = CAST(X'6576696cff1b5b324a' AS TEXT), error = CAST(X'6f6f70730a"
              "ff' AS TEXT); INSERT INTO audit (time, uid, user, command, action, component, outcome, detail) VALUES "
              "(0, 0, 'root', CAST(X'6e752078ff0a79' AS TEXT), 'gc', 'telemetry_agent', 'completed', "
              "CAST(X'64c2' AS TEXT));");
  auto text = r.nu({"history"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("evil\\xff\\x1b[2J") != std::string::npos);
  CHECK(text.out.find("      oops\\n\\xff\n") != std::string::npos);
  auto json = r.nu({"-o", "json", "history"});
  REQUIRE(json.exit_code == 0);
  CHECK(nlohmann::json::parse(json.out)["history"][0]["requested_by"] == "evil\xef\xbf\xbd\x1b[2J");
  auto audit = r.nu({"-o", "json", "history", "--audit"});
  REQUIRE(audit.exit_code == 0);
  CHECK(nlohmann::json::parse(audit.out)["audit"].front()["detail"] == "d\xef\xbf\xbd");
  auto audit_text = r.nu({"history", "--audit"});
  CHECK(audit_text.exit_code == 0);
  CHECK(audit_text.out.find("    $ nu x\\xff\\ny\n") != std::string::npos);
  CHECK(audit_text.out.find(": completed (d\\xc2)\n") != std::string::npos);
  auto status = r.nu({"-o", "json", "status"});
  CHECK(status.exit_code == 0);
}

TEST_CASE("durations and numbers are checked while parsing: NaN, infinities, negatives and overflow exit 2 with "
          "the range",
          "[input]")
{
  TempDir dir;
  const auto root = (dir / "root").string();
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::string forms = "e.g. '30', '500ms', '5s', '2m' or '1h'";
  for (const auto& c : std::vector<Case>{
           {{"--lock-timeout", "nan", "recover"},
            "--lock-timeout: 'nan' is not a duration: expected 0 to 31536000 seconds, " + forms},
           {{"--lock-timeout", "-1", "recover"}, "--lock-timeout: '-1' is out of range: expected 0 to 31536000 seconds"},
           {{"--lock-timeout", "1e300", "recover"},
            "--lock-timeout: '1e300' is out of range: expected 0 to 31536000 seconds"},
           {{"history", "--limit", "0"}, "--limit: '0' is out of range: expected a whole number from 1 to 1000000"},
           {{"history", "--limit", "nan"}, "--limit: 'nan' is not a whole number: expected a whole number from 1 to "
                                           "1000000"},
           {{"cancel", "99999999999999999999"}, "UPGRADE_ID: '99999999999999999999' is out of range: expected a whole "
                                                "number from 1 to 9223372036854775807"},
           {{"cancel", "7", "--wait", "inf"}, "--wait: 'inf' is not a duration: expected 0 to 31536000 seconds, " + forms},
           {{"gc", "--keep", "-1"}, "--keep: '-1' is out of range: expected a whole number from 0 to 1000"},
           {{"upgrade", "telemetry_agent", "1.0.0", "--lease", "nan"},
            "--lease: 'nan' is not a duration: expected 0.001 to 31536000 seconds, " + forms},
           {{"upgrade", "telemetry_agent", "1.0.0", "--request-timeout", "0"},
            "--request-timeout: '0' is out of range: expected 0.001 to 31536000 seconds"},
           {{"upgrade", "telemetry_agent", "1.0.0", "--timeout", "-5s"},
            "--timeout: '-5s' is out of range: expected 0 to 31536000 seconds"},
           {{"upgrade", "telemetry_agent", "1.0.0", "--max-failure-ratio", "nan"},
            "--max-failure-ratio: 'nan' is not a number from 0 to 1"},
           {{"upgrade", "telemetry_agent", "1.0.0", "--priority", "1e3"},
            "--priority: '1e3' is not a whole number: expected a whole number from 1 to 10"},
           {{"upgrade", "telemetry_agent", "1.0.0", "--canary-weight", "100"},
            "--canary-weight: '100' is out of range: expected a whole number from 0 to 99"},
           {{"upgrade", "telemetry_agent", "1.0.0", "--max-unavailable", "0"},
            "--max-unavailable: '0' is out of range: expected a whole number from 1 to 1000000"},
           {{"upgrade", "telemetry_agent", "1.0.0", "--allow-downgrade", "--steps", "50,20"},
            "--steps: invalid gradual steps '50,20': weights must increase"},
           {{"upgrade", "telemetry_agent", "1.0.0", "--steps", "10,nan,100"},
            "--steps: invalid gradual steps '10,nan,100': expected whole numbers from 1 to 100 separated by commas, "
            "e.g. '10,25,50,100'"},
           {{"rollback", "--upgrade", "-3"},
            "--upgrade: '-3' is out of range: expected a whole number from 1 to 9223372036854775807"},
       }) {
    std::vector<std::string> args = {"--root", root};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_binary(args);
    INFO(fmt::format("{}", fmt::join(c.args, " ")));
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("noodle-upgrade: error: " + c.message + "; run 'noodle-upgrade ", 0) == 0);
    CHECK(count(r.err, "\n") == 1);
  }
  // Nothing was created under the root: no lock, no database.
  CHECK_FALSE(fs::exists(dir / "root"));

  auto env = run_binary({"--root", root, "gc"}, "", {{"NOODLE_GC_KEEP", "1001"}});
  CHECK(env.exit_code == 2);
  CHECK(env.err.find("--keep: '1001' is out of range: expected a whole number from 0 to 1000") != std::string::npos);
  auto lease = run_binary({"--root", root, "upgrade", "telemetry_agent", "1.0.0"}, "", {{"NOODLE_LEASE", "-inf"}});
  CHECK(lease.exit_code == 2);
  CHECK(lease.err.find("--lease: '-inf' is not a duration") != std::string::npos);
}

TEST_CASE("a bad --lease or --steps leaves no history entry, no rollback point and no extracted version", "[input]")
{
  ExampleRoot r(Versions{{"telemetry_agent", "0.5.0"}});
  const auto entries = history_size(r);
  const auto points = r.json({"rollback", "list"})["points"].size();
  const auto audited = r.json({"history", "--audit"})["audit"].size();
  for (const auto& extra : std::vector<std::vector<std::string>>{
           {"--lease", "nan"}, {"--allow-downgrade", "--steps", "50,20"}, {"--lock-timeout", "nan"}}) {
    std::vector<std::string> args = {"upgrade", "telemetry_agent", "1.0.0"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto bad = r.nu(args);
    INFO(bad.err);
    CHECK(bad.exit_code == 2);
  }
  CHECK(history_size(r) == entries);
  CHECK(r.json({"rollback", "list"})["points"].size() == points);
  CHECK(r.json({"history", "--audit"})["audit"].size() == audited);
  CHECK_FALSE(fs::exists(r.root / "components/telemetry_agent/versions/1.0.0"));
}

TEST_CASE("durations take ms, s, m and h on the command line, in NOODLE_* variables and in the configuration file",
          "[input]")
{
  TempDir dir;
  const auto root = dir / "root";
  fs::create_directories(root / ".noodle-upgrade");
  const auto lock = root / ".noodle-upgrade/lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  const auto config = dir / "config.yaml";
  write_file(config, "lock_timeout: 100ms\nroot: " + root.string() + "\n");

  auto file = run_binary({"--config", config.string(), "recover"});
  CHECK(file.exit_code == 5);
  CHECK(file.err.find("waiting up to 0.1 s") != std::string::npos);
  auto env = run_binary({"--config", config.string(), "recover"}, "", {{"NOODLE_LOCK_TIMEOUT", "0.25s"}});
  CHECK(env.exit_code == 5);
  CHECK(env.err.find("waiting up to 0.25 s") != std::string::npos);
  auto flag = run_binary({"--config", config.string(), "--lock-timeout", "300ms", "recover"});
  CHECK(flag.exit_code == 5);
  CHECK(flag.err.find("waiting up to 0.3 s") != std::string::npos);
  ::close(fd);

  write_file(config, "root: /tmp\nlease: nan\n");
  auto bad = run_binary({"--config", config.string(), "components", "list"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "noodle-upgrade: error: " + config.string() +
                       ":2:8: field 'lease': 'nan' is not a duration: expected 0.001 to 31536000 seconds, e.g. '30', "
                       "'500ms', '5s', '2m' or '1h'\n");
}

namespace {

// A plan of telemetry_agent 0.5.0 -> 1.0.0, saved, then edited and applied.
struct EditedPlan {
  ExampleRoot root{Versions{{"telemetry_agent", "0.5.0"}}};
  fs::path file = root.dir / "plan.json";
  nlohmann::json saved;

  EditedPlan()
  {
    auto plan = root.nu({"plan", "telemetry_agent", "1.0.0", "--offline", "--save", file.string()});
    INFO(plan.err);
    REQUIRE(plan.exit_code == 0);
    saved = nlohmann::json::parse(read_file(file));
  }

  // The error of apply --plan after `edit`, which must refuse it and change nothing.
  nlohmann::json apply_edited(const std::function<void(nlohmann::json&)>& edit)
  {
    auto j = saved;
    edit(j);
    write_file(file, j.dump(2));
    auto r = root.nu({"-o", "json", "apply", "--plan", file.string(), "--offline"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(root.current("telemetry_agent") == "versions/0.5.0");
    return nlohmann::json::parse(r.out)["error"];
  }
};

} // namespace

TEST_CASE("a saved plan whose steps, strategy, priority, validation or allow_downgrade were edited is refused as "
          "drift naming the field",
          "[input]")
{
  EditedPlan p;
  const auto& step = p.saved["steps"][0];
  REQUIRE(step["to"] == "1.0.0");
  const std::string strategy = step["strategy"];
  const std::string prefix = "the saved plan '" + p.file.string() + "' was edited: ";
  struct Case {
    std::function<void(nlohmann::json&)> edit;
    std::string message;
  };
  for (const auto& c : std::vector<Case>{
           {[](auto& j) { j["steps"][0]["to"] = "0.4.0"; }, "steps[0].to is '0.4.0', but its request gives '1.0.0'"},
           {[](auto& j) { j["steps"][0]["from"] = nullptr; }, "steps[0].from is '(none)', but its request gives '0.5.0'"},
           {[&](auto& j) { j["steps"][0]["strategy"] = strategy == "canary" ? "rolling" : "canary"; },
            fmt::format("steps[0].strategy is '{}', but its request gives '{}'", strategy == "canary" ? "rolling" : "canary",
                        strategy)},
           {[](auto& j) { j["steps"][0]["strategy"] = "sideways"; },
            "steps[0].strategy 'sideways' is not a strategy: expected one of immediate, gradual, canary, blue-green, "
            "rolling, install, restart"},
           {[](auto& j) { j["steps"][0]["priority"] = 9; }, "steps[0].priority is '9', but its request gives '0'"},
           {[](auto& j) { j["steps"][0]["priority"] = 4294967296LL; },
            "steps[0].priority '4294967296' is not a whole number from -2147483648 to 2147483647"},
           {[](auto& j) { j["steps"].push_back(j["steps"][0]); }, "it lists 2 steps, but its request gives 1"},
           {[](auto& j) { j["allow_downgrade"] = true; },
            "its 'allow_downgrade' does not match the digest it was saved with"},
           {[](auto& j) { j["validation"] = "permissive"; }, "its 'validation' does not match the digest it was saved "
                                                             "with"},
           {[](auto& j) {
              j["request"]["items"][0]["version"] = "0.4.0";
              j["steps"][0]["to"] = "0.4.0";
            },
            "its 'request' does not match the digest it was saved with"},
           {[](auto& j) { j.erase("sha256"); }, "it has no sha256"},
       }) {
    auto error = p.apply_edited(c.edit);
    CHECK(error["code"] == "drift");
    CHECK(error["message"] == prefix + c.message);
  }
  // Each refusal is audited per step, from the installed version.
  auto audit = p.root.json({"history", "--audit"})["audit"];
  const auto& last = audit.front();
  CHECK(last["action"] == "apply");
  CHECK(last["outcome"] == "refused");
  CHECK(last["component"] == "telemetry_agent");
  CHECK(last["from"] == "0.5.0");
  CHECK(last["to"] == "1.0.0");

  // A plan of another format is not a saved plan at all.
  write_file(p.file, [&] {
    auto j = p.saved;
    j["format"] = "noodle-plan 1";
    return j.dump();
  }());
  auto old = p.root.nu({"apply", "--plan", p.file.string(), "--offline"});
  CHECK(old.exit_code == 2);
  CHECK(old.err == "noodle-upgrade: error: '" + p.file.string() +
                       "' is not a saved plan: its format 'noodle-plan 1' is not \"noodle-plan 2\"; run `plan --save` "
                       "again\n");
  // The plan as saved still applies.
  write_file(p.file, p.saved.dump(2));
  auto applied = p.root.nu({"apply", "--plan", p.file.string(), "--offline"});
  INFO(applied.err);
  CHECK(applied.exit_code == 0);
  CHECK(p.root.current("telemetry_agent") == "versions/1.0.0");
}

TEST_CASE("a refused upgrade is audited from the version installed to the one asked for", "[input]")
{
  ExampleRoot r(Versions{{"telemetry_agent", "1.0.0"}});
  auto down = r.nu({"upgrade", "telemetry_agent", "0.5.0", "--offline"});
  CHECK(down.exit_code == 3);
  auto last = r.json({"history", "--audit"})["audit"].front();
  CHECK(last["outcome"] == "refused");
  CHECK(last["from"] == "1.0.0");
  CHECK(last["to"] == "0.5.0");
}

TEST_CASE("plan --save reads only the keyring's *.pub files and revoked list, each under its size cap", "[input]")
{
  ExampleRoot r(Versions{{"telemetry_agent", "0.5.0"}});
  const auto keyring = r.dir / "keyring";
  fs::copy(noodle::test::example_archives() / "keyring", keyring);
  // A stray 400 MB file (sparse: no disk needed) is never read.
  {
    std::ofstream stray(keyring / "stray.tar", std::ios::binary);
  }
  fs::resize_file(keyring / "stray.tar", 400ull * 1024 * 1024);
  const auto plan = r.dir / "plan.json";
  const std::vector<std::string> args = {"--root",     r.root.string(),     "--catalog", noodle::test::source_path("manifests"),
                                         "--keyring",  keyring.string(),    "--archives", r.archives.string(),
                                         "plan",       "telemetry_agent",   "1.0.0",     "--offline",
                                         "--save",     plan.string()};
  auto saved = run_binary(args);
  INFO(saved.err);
  CHECK(saved.exit_code == 0);
  CHECK(saved.max_rss_kb < 64 * 1024);

  // A key file past its cap is refused without being read.
  {
    std::ofstream big(keyring / "big.pub", std::ios::binary);
  }
  fs::resize_file(keyring / "big.pub", 400ull * 1024 * 1024);
  auto refused = run_binary(args);
  CHECK(refused.exit_code == 1);
  // The keyring is loaded to check the archive's signature before its digest is taken.
  CHECK(refused.err == "noodle-upgrade: error: key file '" + (keyring / "big.pub").string() +
                           "' is 419430400 bytes, over the 65536-byte limit\n");
  CHECK(refused.max_rss_kb < 64 * 1024);
}

TEST_CASE("plan -f reads a pipe; a device is refused with exit 2 and its error printed once", "[input]")
{
  TempDir dir;
  const std::string catalog = noodle::test::source_path("manifests");
  const std::string batch = "upgrades:\n  - component: telemetry_agent\n    version: 1.0.0\n";
  // plan checks archives and signatures as the upgrade would, offline.
  const auto plan_f = [&](const std::string& file) {
    const auto& archives = noodle::test::example_archives();
    return std::vector<std::string>{"--root",     (dir / "root").string(),          "--catalog", catalog,
                                    "--keyring",  (archives / "keyring").string(), "--archives",
                                    (archives / "archives").string(), "plan", "-f", file, "--offline"};
  };
  // /dev/stdin is the pipe run_binary feeds, as `plan -f <(...)` gives one.
  auto piped = run_binary(plan_f("/dev/stdin"), batch);
  INFO(piped.err);
  CHECK(piped.exit_code == 0);
  CHECK(piped.out.find("result: feasible") != std::string::npos);

  // A FIFO with a writer.
  const auto fifo = dir / "batch.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::thread writer([&] { std::ofstream(fifo) << batch; });
  auto from_fifo = run_binary(plan_f(fifo.string()));
  writer.join();
  CHECK(from_fifo.exit_code == 0);

  auto device = run_binary(plan_f("/dev/zero"));
  CHECK(device.exit_code == 2);
  CHECK(device.err == "noodle-upgrade: error: /dev/zero: '/dev/zero' is a character device, not a regular file or a "
                      "pipe\n");

  auto bad = run_binary(plan_f("/dev/stdin"),
                        "upgrades:\n  - component: telemetry_agent\n    version: two\n");
  CHECK(bad.exit_code == 2);
  CHECK(count(bad.err, "invalid version 'two'") == 1);
  CHECK(bad.err.find("noodle-upgrade: error: batch file '/dev/stdin' has 1 error\n") != std::string::npos);
}

TEST_CASE("validate reports a FIFO and a link to /dev/zero in a catalog instead of counting them as read",
          "[input]")
{
  TempDir dir;
  const auto catalog = dir / "catalog";
  write_file(catalog / "good.yaml", "name: alpha\nversion: 1.0.0\ntype: system\n");
  REQUIRE(::mkfifo((catalog / "blocking.yaml").c_str(), 0600) == 0);
  fs::create_symlink("/dev/zero", catalog / "endless.yml");
  auto r = run_binary({"validate", catalog.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("noodle-upgrade: error: " + (catalog / "blocking.yaml").string() + ": '" +
                   (catalog / "blocking.yaml").string() + "' is a FIFO, not a regular file: not read\n") !=
        std::string::npos);
  CHECK(r.err.find("'" + (catalog / "endless.yml").string() + "' is a character device, not a regular file: not "
                   "read\n") != std::string::npos);
  CHECK(r.err.find("noodle-upgrade: error: 2 errors and 0 warnings in 1 file\n") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("deps prints a 10,000-long dependency chain in linear space", "[input]")
{
  TempDir dir;
  constexpr int k_chain = 10'000;
  constexpr int k_per_file = 1000;
  for (int file = 0; file < k_chain / k_per_file; ++file) {
    std::string text;
    for (int i = file * k_per_file; i < (file + 1) * k_per_file; ++i) {
      text += fmt::format("{}name: c{}\nversion: 1.0.0\ntype: system\n", text.empty() ? "" : "---\n", i);
      if (i + 1 < k_chain) {
        text += fmt::format("dependencies:\n  c{}: '*'\n", i + 1);
      }
    }
    write_file(dir / "catalog" / fmt::format("part{}.yaml", file), text);
  }
  auto r = run_binary({"--root", (dir / "root").string(), "--catalog", (dir / "catalog").string(), "deps", "c0"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  // Every component is named; no line is indented past the depth limit.
  CHECK(r.out.find("c9999@1.0.0 (range *; available)") != std::string::npos);
  CHECK(r.out.size() < 3 * 1024 * 1024);
  std::size_t widest = 0;
  std::size_t start = 0;
  for (auto end = r.out.find('\n'); end != std::string::npos; start = end + 1, end = r.out.find('\n', start)) {
    widest = std::max(widest, end - start);
  }
  CHECK(widest < 200);
}
