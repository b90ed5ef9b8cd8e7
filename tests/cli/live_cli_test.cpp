// SPDX-License-Identifier: Apache-2.0
// Live upgrades through the built binary against the demo runtime on a real
// Unix socket: every strategy, and each way a rollout can fail.
#include "support/example_root.hpp"
#include "support/process.hpp"
#include "support/runtime_ask.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using noodle::test::ask;
using noodle::test::run_binary;
using noodle::test::source_path;
using noodle::test::TempDir;
using noodle::test::live_archives;
namespace fs = std::filesystem;

namespace {

// A root with svc 1.0.0 (and legacy 1.0.0) and the demo runtime serving it.
struct LiveRoot {
  TempDir dir;
  fs::path root = dir / "root";
  fs::path socket = dir / "root" / "control.sock";
  pid_t runtime = -1;

  explicit LiveRoot(const std::vector<std::string>& runtime_args = {})
  {
    REQUIRE(nu({"upgrade", "svc", "1.0.0", "--offline"}).exit_code == 0);
    REQUIRE(nu({"upgrade", "legacy", "1.0.0", "--offline"}).exit_code == 0);
    start(runtime_args);
  }

  void start(const std::vector<std::string>& extra = {})
  {
    runtime = noodle::test::start_demo_runtime(root.string(), (dir / "runtime.log").string(), extra);
    REQUIRE(runtime > 0);
  }

  ~LiveRoot()
  {
    if (runtime > 0) {
      ::kill(runtime, SIGTERM);
      int status = 0;
      ::waitpid(runtime, &status, 0);
    }
  }

  // Exit status of the runtime if it has ended, else -1.
  int runtime_exit()
  {
    int status = 0;
    if (runtime > 0 && ::waitpid(runtime, &status, WNOHANG) == runtime) {
      runtime = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return -1;
  }

  noodle::test::ProcessResult nu(std::vector<std::string> args)
  {
    std::vector<std::string> full = {"--root",     root.string(),
                                     "--catalog",  source_path("tests/data/live-catalog"),
                                     "--keyring",  (live_archives() / "keyring").string(),
                                     "--archives", (live_archives() / "archives").string()};
    full.insert(full.end(), args.begin(), args.end());
    return run_binary(full);
  }

  std::string current() const { return fs::read_symlink(root / "components/svc/current").string(); }

  // What the runtime runs for svc: {instance: version}.
  nlohmann::json active() { return ask(socket, {{"op", "status"}})["components"]["svc"]; }

  // The last line of -o json output: the result.
  static nlohmann::json result(const std::string& out)
  {
    auto end = out.find_last_not_of('\n');
    auto start = out.rfind('\n', end);
    return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start + 1, end + 1));
  }

  std::string last_status()
  {
    auto r = nu({"-o", "json", "history", "svc", "--limit", "1"});
    return nlohmann::json::parse(r.out)["history"][0]["status"];
  }
};

const std::vector<std::string> k_fast = {"--steps", "50,100", "--step-interval", "0.05", "--analysis", "0.3",
                                         "--health-interval", "0.1"};

std::vector<std::string> upgrade_args(const std::string& version, const std::string& strategy)
{
  std::vector<std::string> a = {"-o", "json", "upgrade", "svc", version, "--strategy", strategy};
  a.insert(a.end(), k_fast.begin(), k_fast.end());
  return a;
}

} // namespace

TEST_CASE("live upgrade by each strategy switches the running runtime, then the link, and commits", "[live]")
{
  for (const char* strategy : {"immediate", "gradual", "canary", "blue-green", "rolling"}) {
    DYNAMIC_SECTION(strategy)
    {
      LiveRoot r;
      auto up = r.nu(upgrade_args("1.1.0", strategy));
      INFO(up.out << up.err);
      REQUIRE(up.exit_code == 0);
      auto j = LiveRoot::result(up.out);
      CHECK(j["ok"] == true);
      CHECK(j["steps"][0]["live"]["strategy"] == strategy);
      CHECK(j["steps"][0]["live"]["committed"] == true);
      CHECK(r.current() == "versions/1.1.0");
      auto svc = r.active();
      CHECK(svc["active"] == "1.1.0");
      for (const auto& [instance, version] : svc["instances"].items()) {
        CHECK(version == "1.1.0");
      }
      CHECK(r.last_status() == "completed");
      // What the runtime serves: every request to the new version.
      auto served = ask(r.socket, {{"op", "serve"}, {"component", "svc"}, {"requests", 30}});
      INFO(served.dump());
      CHECK(served["served"]["1.1.0"] == 30);
      CHECK(!served["served"].contains("1.0.0"));
      // Progress went to stderr, one JSON object per line, each naming its
      // upgrade; stdout holds the one result document.
      CHECK(up.err.find("\"event\":\"prepare\"") < up.err.find("\"event\":\"commit\""));
      CHECK(up.out.find("\"event\"") == std::string::npos);
      CHECK(nlohmann::json::parse(up.out)["ok"] == true);
      std::size_t start = 0;
      std::size_t events = 0;
      while (start < up.err.size()) {
        const auto end = up.err.find('\n', start);
        auto event = nlohmann::json::parse(up.err.substr(start, end - start));
        CHECK(event["upgrade_id"] == j["upgrade_id"]);
        CHECK(event["component"] == "svc");
        CHECK(event["to"] == "1.1.0");
        CHECK(event["time"].get<std::string>().size() == 24);
        ++events;
        start = end == std::string::npos ? up.err.size() : end + 1;
      }
      CHECK(events >= 3);
    }
  }
}

TEST_CASE("a failed health gate rolls the runtime and the files back and exits 1", "[live]")
{
  for (const char* strategy : {"immediate", "gradual", "canary", "blue-green", "rolling"}) {
    DYNAMIC_SECTION(strategy)
    {
      LiveRoot r;
      auto up = r.nu(upgrade_args("1.2.0", strategy));
      INFO(up.out << up.err);
      CHECK(up.exit_code == 1);
      auto j = LiveRoot::result(up.out);
      CHECK(j["error"]["code"] == "unhealthy");
      CHECK(j["status"] == "rolled_back");
      CHECK(r.current() == "versions/1.0.0");
      CHECK(r.active()["active"] == "1.0.0");
      CHECK(r.last_status() == "rolled_back");
      auto served = ask(r.socket, {{"op", "serve"}, {"component", "svc"}, {"requests", 30}});
      CHECK(served["served"]["1.0.0"] == 30);
    }
  }
}

TEST_CASE("a gate that fails at a later step of a gradual rollout rolls back from there", "[live]")
{
  LiveRoot r;
  auto up = r.nu({"-o", "json", "upgrade", "svc", "1.3.0", "--strategy", "gradual", "--steps", "10,25,50,100",
                  "--step-interval", "0.02"});
  INFO(up.out << up.err);
  CHECK(up.exit_code == 1);
  CHECK(up.err.find("\"weight\":25") != std::string::npos);
  CHECK(LiveRoot::result(up.out)["error"]["code"] == "unhealthy");
  CHECK(r.current() == "versions/1.0.0");
  CHECK(r.active()["active"] == "1.0.0");
}

TEST_CASE("no reply within the deadline, a garbage reply, a reset connection and a runtime crash each roll back",
          "[live]")
{
  // A lost connection (reset, crash) exits 6 like an unreachable runtime;
  // a missing or garbled reply is a failed health check (exit 1).
  struct Case {
    const char* version;
    std::vector<std::string> extra;
    int exit;
  };
  for (const char* strategy : {"immediate", "gradual", "canary", "blue-green", "rolling"}) {
    for (const Case& c : {Case{"1.4.0", {"--request-timeout", "0.5"}, 1}, Case{"1.5.0", {}, 1},
                          Case{"1.6.0", {}, 6}, Case{"1.7.0", {}, 6}}) {
      DYNAMIC_SECTION(strategy << " " << c.version)
      {
        LiveRoot r;
        auto args = upgrade_args(c.version, strategy);
        args.insert(args.end(), c.extra.begin(), c.extra.end());
        args.insert(args.end(), {"--lease", "1"});
        auto up = r.nu(args);
        INFO(up.out << up.err);
        CHECK(up.exit_code == c.exit);
        CHECK(r.current() == "versions/1.0.0");
        CHECK(r.last_status() == "rolled_back");
        if (std::string(c.version) == "1.7.0") {
          for (int i = 0; i < 50 && r.runtime_exit() == -1; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
          CHECK(r.runtime < 0); // it crashed, as told
        } else {
          // The rollback, or else the lease (1 s), put every instance back
          // on 1.0.0: wait for that, at most twice the lease.
          const auto serve = [&] { return ask(r.socket, {{"op", "serve"}, {"component", "svc"}, {"requests", 30}}); };
          auto served = serve();
          for (int i = 0; i < 100 && served["served"]["1.0.0"] != 30; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            served = serve();
          }
          CHECK(served["served"]["1.0.0"] == 30);
          CHECK(r.active()["active"] == "1.0.0");
        }
      }
    }
  }
}

TEST_CASE("the tool killed mid-canary: the lease reverts the runtime and recover reconciles the state", "[live]")
{
  LiveRoot r;
  const std::string cmd = std::string(NOODLE_BINARY) + " --root " + r.root.string() + " --catalog " +
                          source_path("tests/data/live-catalog") + " --keyring " +
                          (live_archives() / "keyring").string() + " --archives " +
                          (live_archives() / "archives").string() +
                          " upgrade svc 1.1.0 --strategy canary --analysis 30 --lease 1 >/dev/null 2>&1";
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK(r.active()["instances"]["i0"] == "1.1.0"); // the canary runs
  // A preview meanwhile sees a run in progress, not leftovers to remove.
  auto busy = nlohmann::json::parse(r.nu({"-o", "json", "recover", "--dry-run"}).out);
  CHECK(busy["running_upgrade"].is_number());
  CHECK(busy["removed"].empty());
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(r.active()["active"] == "1.0.0");
  CHECK(r.active()["instances"]["i0"] == "1.0.0");
  // The preview decides as recover does, asking the runtime too, and
  // changes nothing.
  auto preview = nlohmann::json::parse(r.nu({"-o", "json", "recover", "--dry-run"}).out);
  CHECK(preview["dry_run"] == true);
  REQUIRE(preview["upgrades"].size() == 1);
  CHECK(preview["upgrades"][0]["outcome"] == "rolled_back");
  auto still = nlohmann::json::parse(r.nu({"-o", "json", "status", "--offline"}).out);
  REQUIRE(still["running"].size() == 1);
  CHECK(still["running"][0]["state"] == "interrupted");
  auto done = nlohmann::json::parse(r.nu({"-o", "json", "recover", "--dry-run"}).out);
  CHECK(done == preview);
  auto rec = r.nu({"recover"});
  INFO(rec.out << rec.err);
  CHECK(rec.exit_code == 0);
  // Reported once: as recover's result, not also as a warning.
  CHECK(rec.out.find(": undone\n") != std::string::npos);
  CHECK(rec.err.find("recovered interrupted") == std::string::npos);
  CHECK(rec.out.find("would") == std::string::npos);
  CHECK(r.current() == "versions/1.0.0");
  CHECK(r.last_status() == "rolled_back");
  // Its duration stops where the run stopped (killed at 0.8 s), not at the
  // recovery 1.5 s later.
  auto last = nlohmann::json::parse(r.nu({"-o", "json", "history", "svc", "--limit", "1"}).out)["history"][0];
  CHECK(last["duration_ms"].get<double>() < 1500.0);
}

TEST_CASE("with no runtime listening a live upgrade exits 6 and changes nothing", "[live]")
{
  LiveRoot r;
  ::kill(r.runtime, SIGTERM);
  ::waitpid(r.runtime, nullptr, 0);
  r.runtime = -1;
  auto up = r.nu({"upgrade", "svc", "1.1.0"});
  CHECK(up.exit_code == 6);
  CHECK(up.err.find("--offline") != std::string::npos);
  CHECK(r.current() == "versions/1.0.0");
}

TEST_CASE("a component that is not hot-swappable is refused live and goes through with --offline", "[live]")
{
  LiveRoot r;
  auto up = r.nu({"upgrade", "legacy", "2.0.0"});
  INFO(up.out << up.err);
  CHECK(up.exit_code == 3);
  CHECK(up.err.find("not hot-swappable") != std::string::npos);
  auto offline = r.nu({"upgrade", "legacy", "2.0.0", "--offline"});
  INFO(offline.out << offline.err);
  CHECK(offline.exit_code == 0);
  CHECK(offline.out.find("pending restart") != std::string::npos);
}

TEST_CASE("a runtime socket owned by another user is not trusted", "[live]")
{
  if (::geteuid() != 0 || std::system("id nobody >/dev/null 2>&1") != 0) {
    WARN("needs root and the user nobody");
    return;
  }
  LiveRoot r;
  ::kill(r.runtime, SIGTERM);
  ::waitpid(r.runtime, nullptr, 0);
  r.runtime = -1;
  // The same runtime, run as nobody, on a socket in a directory nobody owns.
  const fs::path dir = r.dir / "nobody";
  fs::create_directories(dir);
  REQUIRE(std::system(("chown nobody " + dir.string() + " && chmod 755 " + r.dir.path().string()).c_str()) == 0);
  const fs::path sock = dir / "control.sock";
  const std::string cmd = "setpriv --reuid=nobody --regid=nogroup --clear-groups " NOODLE_DEMO_RUNTIME " --root " +
                          r.root.string() + " --socket " + sock.string() + " >" + (r.dir / "nobody.log").string() +
                          " 2>&1 & echo $! >" + (r.dir / "pid").string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  for (int i = 0; i < 100 && !fs::exists(sock); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto up = r.nu({"--socket", sock.string(), "upgrade", "svc", "1.1.0"});
  INFO(up.out << up.err);
  std::system(("kill $(cat " + (r.dir / "pid").string() + ")").c_str());
  CHECK(up.exit_code == 6);
  CHECK(up.err.find("uid") != std::string::npos);
  CHECK(r.current() == "versions/1.0.0");
}

TEST_CASE("a live rollback of a whole upgrade switches the runtime back too", "[live]")
{
  LiveRoot r;
  REQUIRE(r.nu(upgrade_args("1.1.0", "immediate")).exit_code == 0);
  auto id = nlohmann::json::parse(r.nu({"-o", "json", "history", "svc", "--limit", "1"}).out)["history"][0]["id"];
  auto back = r.nu({"rollback", "--upgrade", std::to_string(id.get<std::int64_t>())});
  INFO(back.out << back.err);
  CHECK(back.exit_code == 0);
  CHECK(r.current() == "versions/1.0.0");
  CHECK(r.active()["active"] == "1.0.0");
}

TEST_CASE("a batch step's own strategy is the one rolled out live; --strategy is the default of the others",
          "[live]")
{
  LiveRoot r;
  const auto batch = r.dir / "batch.yaml";
  std::ofstream(batch) << "upgrades:\n  - {component: svc, version: 1.1.0, strategy: canary}\n";
  std::vector<std::string> args = {"-o", "json", "apply", batch.string(), "--strategy", "immediate"};
  args.insert(args.end(), k_fast.begin(), k_fast.end());
  auto applied = r.nu(args);
  INFO(applied.out << applied.err);
  REQUIRE(applied.exit_code == 0);
  auto j = LiveRoot::result(applied.out);
  CHECK(j["steps"][0]["live"]["strategy"] == "canary");
  CHECK(r.current() == "versions/1.1.0");

  // Without a strategy of its own the step takes --strategy (1.2.0 is
  // unhealthy in the demo catalog: rolled back, by the rolling strategy).
  std::ofstream(batch) << "upgrades:\n  - {component: svc, version: 1.2.0}\n";
  args = {"-o", "json", "apply", batch.string(), "--strategy", "rolling"};
  args.insert(args.end(), k_fast.begin(), k_fast.end());
  auto plain = r.nu(args);
  INFO(plain.out << plain.err);
  CHECK(plain.exit_code == 1);
  CHECK(LiveRoot::result(plain.out)["steps"][0]["live"]["strategy"] == "rolling");
  CHECK(r.current() == "versions/1.1.0");
}

TEST_CASE("an events file gets the rollout's JSON lines, and history show keeps its events and strategy", "[live]")
{
  LiveRoot r;
  const auto events = r.dir / "events.jsonl";
  auto args = upgrade_args("1.1.0", "canary");
  args.insert(args.end(), {"--events", events.string()});
  auto up = r.nu(args);
  INFO(up.out << up.err);
  REQUIRE(up.exit_code == 0);
  // stdout is the one result document; with --events nothing goes to stderr.
  auto j = nlohmann::json::parse(up.out);
  CHECK(up.err.find("\"event\"") == std::string::npos);
  std::ifstream in(events);
  std::string line;
  std::vector<std::string> phases;
  while (std::getline(in, line)) {
    auto event = nlohmann::json::parse(line);
    CHECK(event["upgrade_id"] == j["upgrade_id"]);
    phases.push_back(event["event"]);
  }
  REQUIRE(phases.size() >= 4);
  CHECK(phases.front() == "prepare");
  CHECK(phases.back() == "commit");

  auto shown = nlohmann::json::parse(r.nu({"-o", "json", "history", "show", std::to_string(j["upgrade_id"].get<int>())}).out);
  INFO(shown.dump(2));
  CHECK(shown["upgrade"]["live"] == true);
  CHECK(shown["upgrade"]["strategy"] == "canary");
  CHECK(shown["upgrade"]["operations"][0]["strategy"] == "canary");
  REQUIRE(shown["upgrade"]["events"].size() == phases.size());
  CHECK(shown["upgrade"]["events"][0]["phase"] == "prepare");
  CHECK(shown["upgrade"]["events"][0]["component"] == "svc");
  bool health = false;
  for (const auto& e : shown["upgrade"]["events"]) {
    health = health || (e["phase"] == "health" && e["healthy"] == true);
  }
  CHECK(health);

  // An events file that cannot be written is refused before anything happens.
  auto bad = r.nu({"upgrade", "svc", "1.0.0", "--allow-downgrade", "--events", (r.dir / "no/such/dir/e.jsonl").string()});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("cannot write the events file") != std::string::npos);
  CHECK(r.current() == "versions/1.1.0");
}

TEST_CASE("status shows what the runtime runs beside the link, and a pending restart after an offline change",
          "[live]")
{
  LiveRoot r;
  REQUIRE(r.nu({"upgrade", "svc", "1.1.0", "--offline"}).exit_code == 0);
  auto j = nlohmann::json::parse(r.nu({"-o", "json", "status"}).out);
  CHECK(j["runtime"]["asked"] == true);
  CHECK(j["runtime"]["note"].is_null());
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& c : j["components"]) {
    by_name[c["name"]] = c;
  }
  CHECK(by_name["svc"]["version"] == "1.1.0");
  CHECK(by_name["svc"]["running"] == "1.0.0");
  CHECK(by_name["svc"]["pending_restart"] == true);
  CHECK(by_name["legacy"]["running"] == "1.0.0");
  CHECK(by_name["legacy"]["pending_restart"] == false);
  auto text = r.nu({"status", "svc"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("1.1.0         1.0.0") != std::string::npos);
  CHECK(text.out.find("(pending restart)") != std::string::npos);

  // Not asked, or no runtime: the files still answer, and it says why.
  auto offline = nlohmann::json::parse(r.nu({"-o", "json", "status", "--offline"}).out);
  CHECK(offline["runtime"]["asked"] == false);
  CHECK(offline["runtime"]["note"] == "not asked (--offline)");
  CHECK(offline["components"][0]["running"].is_null());
  ::kill(r.runtime, SIGTERM);
  ::waitpid(r.runtime, nullptr, 0);
  r.runtime = -1;
  auto gone = r.nu({"status"});
  CHECK(gone.exit_code == 0);
  CHECK(gone.out.find("RUNNING unknown: ") != std::string::npos);
}
