// SPDX-License-Identifier: Apache-2.0
// Rollouts an operator can steer and trust, through the built binary against
// the demo runtime: pause, resume, promote and abort, each measured from the
// request to the moment the running process took it, in the middle of a step
// interval or an analysis; and blue-green's preview of the prepared version.
#include "support/example_root.hpp"
#include "support/process.hpp"
#include "support/runtime_ask.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using noodle::test::ask;
using noodle::test::run_binary;
using noodle::test::source_path;
using noodle::test::TempDir;
using json = nlohmann::json;
using namespace std::chrono_literals;
using noodle::test::live_archives;
namespace fs = std::filesystem;

namespace {

// Starts the binary with `args` in the background, its stdout written to
// `out` and its stderr to `err` (left as the test's when empty).
pid_t spawn_binary(std::vector<std::string> args, const fs::path& out, const fs::path& err = {})
{
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
    if (!err.empty()) {
      ::dup2(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
    }
    std::vector<char*> argv;
    std::string binary = NOODLE_BINARY;
    argv.push_back(binary.data());
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    ::execv(NOODLE_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

// The reaction the steering commands promise, and the slack a loaded
// machine (two cores shared with other builds) gets on top.
constexpr double k_promised_ms = 100;
constexpr double k_loaded_machine_ms = 150;

double wall_ms()
{
  return std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// "2026-12-04T16:33:23.123Z" as ms since the epoch.
double parse_time(const std::string& text)
{
  std::tm tm{};
  int ms = 0;
  REQUIRE(std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                      &tm.tm_min, &tm.tm_sec, &ms)
          == 7);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(::timegm(&tm)) * 1000.0 + ms;
}

// A root with svc 1.0.0 served by the demo runtime, and an upgrade of it
// running in the background with its events in a file.
struct SteeredRoot {
  TempDir dir;
  fs::path root = dir / "root";
  fs::path socket = dir / "root" / "control.sock";
  fs::path events = dir / "events.jsonl";
  fs::path out = dir / "upgrade.out";
  pid_t runtime = -1;
  pid_t upgrade = -1;

  SteeredRoot()
  {
    REQUIRE(nu({"upgrade", "svc", "1.0.0", "--offline"}).exit_code == 0);
    runtime = noodle::test::start_demo_runtime(root.string(), (dir / "runtime.log").string());
    REQUIRE(runtime > 0);
  }

  ~SteeredRoot()
  {
    for (pid_t pid : {upgrade, runtime}) {
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
      }
    }
  }

  std::vector<std::string> base() const
  {
    return {"--root",     root.string(),
            "--catalog",  source_path("tests/data/live-catalog"),
            "--keyring",  (live_archives() / "keyring").string(),
            "--archives", (live_archives() / "archives").string()};
  }

  noodle::test::ProcessResult nu(std::vector<std::string> args)
  {
    auto full = base();
    full.insert(full.end(), args.begin(), args.end());
    return run_binary(full);
  }

  // Starts `upgrade svc 1.1.0 ARGS` and waits until its rollout has
  // activated the new version; returns the upgrade's id.
  std::int64_t start(std::vector<std::string> args)
  {
    std::vector<std::string> full = base();
    for (const char* a : {"-o", "json", "upgrade", "svc", "1.1.0", "--events"}) {
      full.emplace_back(a);
    }
    full.push_back(events.string());
    full.insert(full.end(), args.begin(), args.end());
    upgrade = spawn_binary(full, out, "/dev/null");
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < until) {
      if (!phases_with("activate").empty()) {
        auto status = json::parse(nu({"-o", "json", "status", "--offline"}).out);
        REQUIRE(status["running"].size() == 1);
        return status["running"][0]["id"].get<std::int64_t>();
      }
      std::this_thread::sleep_for(10ms);
    }
    FAIL("the rollout never activated");
    return 0;
  }

  std::vector<json> all_events() const
  {
    std::vector<json> list;
    std::ifstream in(events);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\n') {
        line.pop_back();
      }
      auto parsed = json::parse(line, nullptr, false);
      if (!parsed.is_discarded()) {
        list.push_back(parsed);
      }
    }
    return list;
  }

  std::vector<json> phases_with(const std::string& phase) const
  {
    std::vector<json> found;
    for (auto& e : all_events()) {
      if (e["event"] == phase) {
        found.push_back(e);
      }
    }
    return found;
  }

  // Waits for the background upgrade: its exit code and result.
  std::pair<int, json> finish(std::chrono::milliseconds within)
  {
    const auto until = std::chrono::steady_clock::now() + within;
    int status = 0;
    while (::waitpid(upgrade, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > until) {
        return {-1, json()};
      }
      std::this_thread::sleep_for(5ms);
    }
    upgrade = -1;
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return {code, json::parse(text.str(), nullptr, false)};
  }

  json svc() { return ask(socket, {{"op", "status"}})["components"]["svc"]; }

  // A steering command on upgrade `id`: its JSON result, and how long the
  // command took end to end (a process start and the state database).
  std::pair<json, double> steer(const std::string& action, std::int64_t id)
  {
    const double before = wall_ms();
    auto r = nu({"-o", "json", action, std::to_string(id)});
    const double took = wall_ms() - before;
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return {json::parse(r.out), took};
  }
};

void check_reaction(const std::string& what, double ms)
{
  std::printf("steering reaction: %-40s %7.1f ms\n", what.c_str(), ms);
  CHECK(ms < k_promised_ms + k_loaded_machine_ms);
}

} // namespace

TEST_CASE("pause holds a gradual rollout in its step interval within 100 ms, the lease lives on, and resume finishes "
          "it",
          "[live][steer]")
{
  SteeredRoot r;
  // A lease of 1 s: a pause of 2.5 s lets it lapse unless the pause renews it.
  const auto id = r.start({"--strategy", "gradual", "--steps", "50,100", "--step-interval", "0.8", "--lease", "1"});
  // At once: well inside the step interval of 0.8 s, even on a loaded machine.
  auto [paused, took] = r.steer("pause", id);
  CHECK(paused["state"] == "paused");
  CHECK(paused["acknowledged"] == true);
  check_reaction("pause in a step interval (taken)", paused["reaction_ms"].get<double>());
  check_reaction("pause in a step interval (command)", took);
  REQUIRE(r.phases_with("pause").size() == 1);

  // Held past the rest of the interval and past the lease: still at weight 50,
  // the new version still loaded.
  std::this_thread::sleep_for(2500ms);
  CHECK(r.phases_with("health").empty());
  CHECK(r.phases_with("activate").size() == 1);
  auto svc = r.svc();
  INFO(svc.dump());
  CHECK(svc["weight"] == 50);
  CHECK(svc["active"] == "1.0.0");
  // `status` says it is paused.
  auto status = json::parse(r.nu({"-o", "json", "status", "--offline"}).out);
  REQUIRE(status["running"].size() == 1);
  CHECK(status["running"][0]["steering"] == "paused");
  CHECK(r.nu({"status", "--offline"}).out.find("ACTIVE (paused) upgrade") != std::string::npos);

  auto [resumed, took2] = r.steer("resume", id);
  CHECK(resumed["state"] == "running");
  check_reaction("resume (taken)", resumed["reaction_ms"].get<double>());
  auto [code, result] = r.finish(20s);
  INFO(result.dump());
  CHECK(code == 0);
  CHECK(result["status"] == "completed");
  CHECK(r.svc()["active"] == "1.1.0");
  CHECK(r.phases_with("resume").size() == 1);

  // Audited with who asked; the events stay in the history.
  auto audit = r.nu({"-o", "json", "history", "--audit"});
  CHECK(audit.out.find("\"pause\"") != std::string::npos);
  CHECK(audit.out.find("\"resume\"") != std::string::npos);
  auto shown = json::parse(r.nu({"-o", "json", "history", "show", std::to_string(id)}).out);
  bool kept = false;
  for (const auto& e : shown["upgrade"]["events"]) {
    kept = kept || (e["phase"] == "pause" && e["detail"].get<std::string>().find("paused by ") == 0);
  }
  CHECK(kept);
}

TEST_CASE("promote in a gradual step interval goes to full traffic within 100 ms, through the final gate",
          "[live][steer]")
{
  SteeredRoot r;
  const auto id = r.start({"--strategy", "gradual", "--steps", "10,50,100", "--step-interval", "20"});
  std::this_thread::sleep_for(150ms);
  auto [promoted, took] = r.steer("promote", id);
  CHECK(promoted["state"] == "promoted");
  check_reaction("promote in a step interval (taken)", promoted["reaction_ms"].get<double>());
  check_reaction("promote in a step interval (command)", took);
  auto [code, result] = r.finish(5s);
  INFO(result.dump());
  REQUIRE(code == 0);
  CHECK(result["status"] == "completed");
  // No weight 50: straight from 10 to every instance, then the gate.
  std::vector<std::string> seen;
  for (const auto& e : r.all_events()) {
    seen.push_back(e["event"].get<std::string>());
  }
  CHECK(seen == std::vector<std::string>{"prepare", "activate", "promote", "activate", "health", "commit"});
  CHECK(r.svc()["active"] == "1.1.0");
}

TEST_CASE("promote in a canary analysis skips the rest of it within 100 ms", "[live][steer]")
{
  SteeredRoot r;
  const auto id = r.start({"--strategy", "canary", "--analysis", "30", "--health-interval", "5"});
  std::this_thread::sleep_for(150ms);
  auto [promoted, took] = r.steer("promote", id);
  check_reaction("promote in an analysis (taken)", promoted["reaction_ms"].get<double>());
  auto [code, result] = r.finish(5s);
  INFO(result.dump());
  CHECK(code == 0);
  CHECK(r.svc()["active"] == "1.1.0");
}

TEST_CASE("abort and cancel in a step interval roll back within 100 ms", "[live][steer]")
{
  for (const char* action : {"abort", "cancel"}) {
    DYNAMIC_SECTION(action)
    {
      SteeredRoot r;
      const auto id = r.start({"--strategy", "gradual", "--steps", "50,100", "--step-interval", "20"});
      std::this_thread::sleep_for(150ms);
      const double before = wall_ms();
      auto [stopped, took] = r.steer(action, id);
      CHECK(stopped["status"] == "cancelled");
      auto rollback = r.phases_with("rollback");
      REQUIRE(rollback.size() == 1);
      // From the command's start to the runtime rolled back, a process start included.
      check_reaction(std::string(action) + " in a step interval (rolled back)",
                     parse_time(rollback[0]["time"].get<std::string>()) - before);
      auto [code, result] = r.finish(5s);
      CHECK(code == 143);
      CHECK(result["status"] == "cancelled");
      CHECK(r.svc()["active"] == "1.0.0");
      auto audit = r.nu({"-o", "json", "history", "--audit"});
      CHECK(audit.out.find("\"" + std::string(action) + "\"") != std::string::npos);
    }
  }
}

TEST_CASE("a pause longer than --max-pause rolls the rollout back", "[live][steer]")
{
  SteeredRoot r;
  const auto id = r.start({"--strategy", "gradual", "--steps", "50,100", "--step-interval", "5", "--max-pause", "0.3"});
  r.steer("pause", id);
  auto [code, result] = r.finish(5s);
  INFO(result.dump());
  CHECK(code == 1);
  CHECK(result["status"] == "rolled_back");
  CHECK(result["error"]["message"].get<std::string>().find("--max-pause") != std::string::npos);
  CHECK(r.svc()["active"] == "1.0.0");
}

TEST_CASE("steering an upgrade that is not running is refused", "[live][steer]")
{
  SteeredRoot r;
  for (const char* action : {"pause", "resume", "promote", "abort"}) {
    auto refused = r.nu({action, "9999"});
    CHECK(refused.exit_code == 2);
  }
}

namespace {

// The phases of the JSON lines a live run wrote to stderr.
std::vector<std::string> phases_of(const std::string& err)
{
  std::vector<std::string> phases;
  std::istringstream in(err);
  std::string line;
  while (std::getline(in, line)) {
    auto e = json::parse(line, nullptr, false);
    if (!e.is_discarded() && e.contains("event")) {
      phases.push_back(e["event"].get<std::string>()
                       + (e["event"] == "health" ? ":" + e["detail"].get<std::string>() : ""));
    }
  }
  return phases;
}

} // namespace

TEST_CASE("blue-green: a version failing its preview never receives traffic, and one passing it takes all of it",
          "[live][blue-green]")
{
  SteeredRoot r;
  // svc 1.2.0's manifest makes it unhealthy: the preview says so before any activate.
  auto failed = r.nu({"-o", "json", "upgrade", "svc", "1.2.0", "--strategy", "blue-green"});
  INFO(failed.out << failed.err);
  CHECK(failed.exit_code == 1);
  auto result = json::parse(failed.out);
  CHECK(result["error"]["code"] == "unhealthy");
  CHECK(result["error"]["message"].get<std::string>().find("preview") != std::string::npos);
  const auto phases = phases_of(failed.err);
  REQUIRE(phases.size() == 3);
  CHECK(phases[0] == "prepare");
  CHECK(phases[1].find("health:preview of 1.2.0: ") == 0);
  CHECK(phases[2] == "abort");
  // Nothing ever routed to it: every request served by the old version, and it is gone.
  auto served = ask(r.socket, {{"op", "serve"}, {"component", "svc"}, {"requests", 40}});
  INFO(served.dump());
  CHECK(served["served"]["1.0.0"] == 40);
  CHECK(!served["served"].contains("1.2.0"));
  CHECK(r.svc()["prepared"].is_null());
  CHECK(fs::read_symlink(r.root / "components/svc/current").string() == "versions/1.0.0");

  // 1.1.0 passes its preview, then takes every instance.
  auto passed = r.nu({"-o", "json", "upgrade", "svc", "1.1.0", "--strategy", "blue-green"});
  INFO(passed.out << passed.err);
  REQUIRE(passed.exit_code == 0);
  CHECK(phases_of(passed.err)
        == std::vector<std::string>{"prepare", "health:preview of 1.1.0: healthy", "activate", "health:healthy",
                                    "commit"});
  served = ask(r.socket, {{"op", "serve"}, {"component", "svc"}, {"requests", 40}});
  CHECK(served["served"]["1.1.0"] == 40);
}

TEST_CASE("the demo runtime refuses a preview of a version that is not the prepared one", "[live][blue-green]")
{
  SteeredRoot r;
  auto reply = ask(r.socket, {{"op", "health"}, {"component", "svc"}, {"version", "1.1.0"}, {"preview", true}});
  INFO(reply.dump());
  CHECK(reply["ok"] == false);
  CHECK(reply["error"]["code"] == "not_prepared");
}

TEST_CASE("blue_green is accepted wherever blue-green is: --strategy, --fallback-strategy, a batch step, the "
          "configuration",
          "[live][blue-green]")
{
  SteeredRoot r;
  auto flag = r.nu({"-o", "json", "upgrade", "svc", "1.1.0", "--strategy", "blue_green"});
  INFO(flag.out << flag.err);
  REQUIRE(flag.exit_code == 0);
  CHECK(json::parse(flag.out)["steps"][0]["live"]["strategy"] == "blue-green");

  const auto batch = r.dir / "batch.yaml";
  std::ofstream(batch) << "upgrades:\n  - {component: svc, version: 1.0.0, strategy: blue_green}\n";
  auto step = r.nu({"-o", "json", "apply", batch.string(), "--allow-downgrade", "--fallback-strategy", "blue_green"});
  INFO(step.out << step.err);
  REQUIRE(step.exit_code == 0);
  CHECK(json::parse(step.out)["steps"][0]["live"]["strategy"] == "blue-green");

  const auto config = r.dir / "config.yaml";
  std::ofstream(config) << "strategy: blue_green\n";
  auto configured = r.nu({"--config", config.string(), "-o", "json", "upgrade", "svc", "1.1.0"});
  INFO(configured.out << configured.err);
  REQUIRE(configured.exit_code == 0);
  CHECK(json::parse(configured.out)["steps"][0]["live"]["strategy"] == "blue-green");
}

TEST_CASE("the configuration's timeout bounds a live rollout, which rolls back past it", "[live]")
{
  SteeredRoot r;
  const auto config = r.dir / "config.yaml";
  std::ofstream(config) << "timeout: 0.5\n";
  const auto before = std::chrono::steady_clock::now();
  auto up = r.nu({"--config", config.string(), "-o", "json", "upgrade", "svc", "1.1.0", "--strategy", "gradual",
                  "--steps", "50,100", "--step-interval", "20"});
  const auto took = std::chrono::steady_clock::now() - before;
  INFO(up.out << up.err);
  CHECK(up.exit_code == 1);
  auto j = json::parse(up.out);
  CHECK(j["error"]["code"] == "timeout");
  CHECK(j["status"] == "rolled_back");
  CHECK(took < 10s); // not the 20 s step interval
  CHECK(r.svc()["active"] == "1.0.0");
}

TEST_CASE("status --watch -o json streams a JSON line per refresh: the weight rises, a pause shows, and it exits 0 "
          "when the rollout ends",
          "[live][steer][watch]")
{
  SteeredRoot r;
  const auto id =
      r.start({"--strategy", "gradual", "--steps", "20,40,60,80,100", "--step-interval", "0.4", "--lease", "5"});
  // The watcher, in the background, its lines in a file.
  const fs::path lines_file = r.dir / "watch.jsonl";
  std::vector<std::string> args = r.base();
  for (const char* a : {"-o", "json", "status", "--watch", "--interval", "50ms", "--offline"}) {
    args.emplace_back(a);
  }
  const pid_t watcher = spawn_binary(args, lines_file);
  const auto read_lines = [&] {
    std::vector<std::string> lines;
    std::ifstream in(lines_file);
    std::string line;
    while (std::getline(in, line)) {
      lines.push_back(line);
    }
    return lines;
  };
  const auto weight_of = [](const json& line) -> int {
    if (!line.contains("running") || line["running"].empty() || line["running"][0]["progress"].is_null()) {
      return -1;
    }
    const auto& w = line["running"][0]["progress"]["weight"];
    return w.is_null() ? -1 : w.get<int>();
  };
  const auto wait_for_line = [&](const std::function<bool(const json&)>& wanted) {
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < until) {
      auto lines = read_lines();
      // The last line may be half written: only whole lines count.
      for (const auto& line : lines) {
        auto parsed = json::parse(line, nullptr, false);
        if (!parsed.is_discarded() && wanted(parsed)) {
          return true;
        }
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  };
  // On the way: at weight 40 or more, a pause; the watcher shows it paused.
  CHECK(wait_for_line([&](const json& l) { return weight_of(l) >= 40; }));
  // The plain status shows the step too.
  const auto text = r.nu({"status", "--offline"}).out;
  INFO(text);
  CHECK(text.find("gradual: step ") != std::string::npos);
  CHECK(text.find("/5, weight ") != std::string::npos);
  r.steer("pause", id);
  CHECK(wait_for_line([](const json& l) { return !l["running"].empty() && l["running"][0]["steering"] == "paused"; }));
  std::this_thread::sleep_for(200ms);
  r.steer("resume", id);
  auto [code, result] = r.finish(10s);
  INFO(result.dump());
  CHECK(code == 0);

  // The watcher ends by itself once nothing runs, with exit 0.
  int status = 0;
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (::waitpid(watcher, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) {
      ::kill(watcher, SIGKILL);
      ::waitpid(watcher, &status, 0);
      FAIL("status --watch did not end after the rollout");
    }
    std::this_thread::sleep_for(5ms);
  }
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  const auto lines = read_lines();
  REQUIRE(lines.size() >= 5);
  std::vector<int> weights;
  bool paused = false;
  bool time_left = false;
  bool health = false;
  for (const auto& line : lines) {
    INFO(line);
    auto parsed = json::parse(line, nullptr, false);
    REQUIRE(!parsed.is_discarded());
    CHECK(parsed["ok"] == true);
    if (const int w = weight_of(parsed); w >= 0) {
      weights.push_back(w);
    }
    if (!parsed["running"].empty()) {
      const auto& u = parsed["running"][0];
      paused = paused || u["steering"] == "paused";
      if (!u["progress"].is_null()) {
        CHECK(u["progress"]["strategy"] == "gradual");
        CHECK(u["progress"]["steps"] == 5);
        time_left = time_left || !u["progress"]["analysis_left_ms"].is_null();
        health = health || !u["progress"]["health"].empty();
      }
    }
  }
  CHECK(paused);
  CHECK(time_left);
  CHECK(health);
  REQUIRE(weights.size() >= 2);
  CHECK(std::is_sorted(weights.begin(), weights.end()));
  CHECK(weights.back() > weights.front());
  // The last refresh shows nothing running.
  CHECK(json::parse(lines.back())["running"].empty());
  // The progress file went with the change.
  CHECK(!fs::exists(r.root / ".noodle-upgrade" / "steering" / (std::to_string(id) + ".progress")));
}

TEST_CASE("status --watch off a terminal prints each refresh after a separator line, and SIGINT ends it with 130",
          "[live][steer][watch]")
{
  SteeredRoot r;
  r.start({"--strategy", "canary", "--analysis", "30", "--health-interval", "5"});
  const fs::path text_file = r.dir / "watch.txt";
  const fs::path err_file = r.dir / "watch.err";
  std::vector<std::string> args = r.base();
  for (const char* a : {"status", "--watch", "--interval", "50ms", "--offline"}) {
    args.emplace_back(a);
  }
  const pid_t watcher = spawn_binary(args, text_file, err_file);
  const auto read_all = [](const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  const auto separators = [&] {
    const std::string text = read_all(text_file);
    std::size_t n = 0;
    for (std::size_t at = text.find("\n---\n"); at != std::string::npos; at = text.find("\n---\n", at + 1)) {
      ++n;
    }
    return n;
  };
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (separators() < 3 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(separators() >= 3);
  REQUIRE(::kill(watcher, SIGINT) == 0);
  int status = 0;
  const auto stop_until = std::chrono::steady_clock::now() + 2s;
  while (::waitpid(watcher, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > stop_until) {
      ::kill(watcher, SIGKILL);
      ::waitpid(watcher, &status, 0);
      FAIL("status --watch did not stop at SIGINT");
    }
    std::this_thread::sleep_for(5ms);
  }
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  const std::string text = read_all(text_file);
  INFO(text);
  // No terminal: no escape sequences, and each refresh is whole.
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("ACTIVE upgrade") != std::string::npos);
  CHECK(text.find("canary: step 1") != std::string::npos);
  CHECK(text.find("s to the next gate") != std::string::npos);
  CHECK(read_all(err_file).empty());
}
