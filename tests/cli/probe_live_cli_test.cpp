// SPDX-License-Identifier: Apache-2.0
// The manifest's independent probes through the built binary against the
// demo runtime on a real socket: the runtime says healthy, an http probe to a
// server of the test decides.
#include "support/http_server.hpp"
#include "support/example_root.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <sys/wait.h>

using noodle::test::HttpServer;
using noodle::test::run_binary;
using noodle::test::source_path;
using noodle::test::TempDir;
using noodle::test::live_archives;
namespace fs = std::filesystem;

namespace {

// A root with svc 1.0.0 under the demo runtime, and a catalog whose svc
// 1.1.0 (healthy to the runtime) carries an http probe to `url`.
struct ProbeRoot {
  TempDir dir;
  fs::path root = dir / "root";
  fs::path catalog = dir / "catalog";
  pid_t runtime = -1;

  explicit ProbeRoot(const std::string& url)
  {
    dir.write("catalog/svc.yaml", "name: svc\nversion: 1.0.0\ntype: system\nhot_swappable: true\n---\n"
                                  "name: svc\nversion: 1.1.0\ntype: system\nhot_swappable: true\n"
                                  "health_check:\n  probes:\n    - kind: http\n      name: api\n"
                                  "      url: "
                                      + url
                                      + "\n      period_ms: 20\n      timeout_ms: 500\n"
                                        "      failure_threshold: 2\n");
    REQUIRE(nu({"upgrade", "svc", "1.0.0", "--offline"}).exit_code == 0);
    runtime = noodle::test::start_demo_runtime(root.string(), (dir / "runtime.log").string());
    REQUIRE(runtime > 0);
  }

  ~ProbeRoot()
  {
    if (runtime > 0) {
      ::kill(runtime, SIGTERM);
      int status = 0;
      ::waitpid(runtime, &status, 0);
    }
  }

  noodle::test::ProcessResult nu(std::vector<std::string> args)
  {
    std::vector<std::string> full = {"--root",     root.string(),
                                     "--catalog",  catalog.string(),
                                     "--keyring",  (live_archives() / "keyring").string(),
                                     "--archives", (live_archives() / "archives").string()};
    full.insert(full.end(), args.begin(), args.end());
    return run_binary(full);
  }

  std::string current() const { return fs::read_symlink(root / "components/svc/current").string(); }

  nlohmann::json shown(const nlohmann::json& result)
  {
    return nlohmann::json::parse(
        nu({"-o", "json", "history", "show", std::to_string(result["upgrade_id"].get<int>())}).out);
  }
};

// The last line of -o json output: the result.
nlohmann::json result_of(const std::string& out)
{
  auto end = out.find_last_not_of('\n');
  auto start = out.rfind('\n', end);
  return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start + 1, end + 1));
}

const std::vector<std::string> k_gradual = {"--strategy", "gradual", "--steps", "50,100", "--step-interval", "0.02"};

std::vector<std::string> upgrade(std::vector<std::string> extra = {})
{
  std::vector<std::string> a = {"-o", "json", "upgrade", "svc", "1.1.0"};
  a.insert(a.end(), k_gradual.begin(), k_gradual.end());
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

} // namespace

TEST_CASE("an http probe that fails fails the gate though the runtime says healthy, and the rollout rolls back",
          "[live][probe]")
{
  HttpServer server([](int, const std::string&) { return HttpServer::Reply{503, "down"}; });
  ProbeRoot r(server.url("/{instance}/health"));
  auto up = r.nu(upgrade());
  INFO(up.out << up.err);
  CHECK(up.exit_code == 1);
  const auto j = result_of(up.out);
  CHECK(j["error"]["code"] == "unhealthy");
  CHECK(j["status"] == "rolled_back");
  const std::string message = j["error"]["message"];
  CHECK(message.starts_with("health gate failed at weight 50: probe 'api' (http " + server.url("/i0/health")
                            + ") at i0 failed after 2 attempts: status 503, expected 200-399"));
  CHECK(r.current() == "versions/1.0.0");
  // The runtime's own answer was healthy; the probe was asked twice for i0.
  const auto paths = server.paths();
  CHECK(std::count(paths.begin(), paths.end(), "/i0/health") == 2);

  const auto shown = r.shown(j);
  INFO(shown.dump(2));
  bool healthy_runtime = false;
  bool failed_probe = false;
  bool rolled_back = false;
  for (const auto& e : shown["upgrade"]["events"]) {
    healthy_runtime = healthy_runtime || (e["phase"] == "health" && e["healthy"] == true);
    failed_probe = failed_probe
                   || (e["phase"] == "probe" && e["healthy"] == false
                       && e["detail"].get<std::string>().find("status 503") != std::string::npos
                       && e["instances"] == nlohmann::json::array({"i0"}));
    rolled_back = rolled_back || e["phase"] == "rollback";
  }
  CHECK(healthy_runtime);
  CHECK(failed_probe);
  CHECK(rolled_back);

  // The text of history show names the probe and why it failed.
  auto text = r.nu({"history", "show", std::to_string(j["upgrade_id"].get<int>())});
  CHECK(text.out.find("probe 'api'") != std::string::npos);
  CHECK(text.out.find("status 503, expected 200-399") != std::string::npos);
}

TEST_CASE("an http probe that passes at every gate lets the upgrade complete, and history keeps its results",
          "[live][probe]")
{
  HttpServer server([](int, const std::string&) { return HttpServer::Reply{200, "ok"}; });
  ProbeRoot r(server.url("/{instance}/health?v={version}"));
  auto up = r.nu(upgrade());
  INFO(up.out << up.err);
  REQUIRE(up.exit_code == 0);
  const auto j = result_of(up.out);
  CHECK(j["status"] == "completed");
  CHECK(r.current() == "versions/1.1.0");
  // Two gates (weight 50 and 100), each probing every instance of the demo runtime.
  const auto paths = server.paths();
  CHECK(std::count(paths.begin(), paths.end(), "/i0/health?v=1.1.0") == 2);
  int passed = 0;
  const auto shown = r.shown(j);
  INFO(shown.dump(1));
  for (const auto& e : shown["upgrade"]["events"]) {
    passed += e["phase"] == "probe" && e["healthy"] == true ? 1 : 0;
  }
  CHECK(passed == static_cast<int>(paths.size()));
}

TEST_CASE("upgrade --dry-run and plan list the probes the gates will run, and run none", "[live][probe]")
{
  HttpServer server([](int, const std::string&) { return HttpServer::Reply{200, "ok"}; });
  ProbeRoot r(server.url("/{instance}/health"));
  auto dry = r.nu({"upgrade", "svc", "1.1.0", "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("     probe:    api (http): GET " + server.url("/{instance}/health")
                     + " expecting 200-399; every 20 ms, timeout 500 ms, 1 pass / 2 failures\n")
        != std::string::npos);
  auto json = r.nu({"-o", "json", "upgrade", "svc", "1.1.0", "--dry-run"});
  const auto j = nlohmann::json::parse(json.out);
  REQUIRE(j["actions"][0]["probes"].size() == 1);
  // plan says the same, on standard error beside the plan.
  auto plan = r.nu({"plan", "svc", "1.1.0"});
  INFO(plan.out << plan.err);
  CHECK(plan.exit_code == 0);
  CHECK(plan.err.find("svc@1.1.0 gates will probe: api (http): GET " + server.url("/{instance}/health"))
        != std::string::npos);
  CHECK(server.paths().empty());
  CHECK(r.current() == "versions/1.0.0");
}
