// SPDX-License-Identifier: Apache-2.0
// `plan` and `--dry-run` tell the truth about the run: on copies of one
// root, each refusal and success scenario gives the same exit code and JSON
// error code from `plan`, `--dry-run` and the real run, and a run that
// refuses has changed nothing.
#include "support/example_root.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <memory>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using noodle::test::ExampleRoot;
using noodle::test::example_archives;
using noodle::test::ProcessResult;
using noodle::test::read_file;
using noodle::test::run_binary;
using noodle::test::source_path;
using noodle::test::TempDir;
using noodle::test::write_file;
namespace fs = std::filesystem;

namespace {

// A copy of a root, its archives and the example catalog, driven by the binary.
struct Copy {
  TempDir dir;
  fs::path root = dir / "root";
  fs::path archives = dir / "archives";
  fs::path catalog = dir / "catalog";
  pid_t runtime = -1;

  explicit Copy(const ExampleRoot& base)
  {
    fs::copy(base.root, root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    fs::copy(base.archives, archives, fs::copy_options::recursive);
    fs::copy(source_path("manifests"), catalog, fs::copy_options::recursive);
  }
  Copy(const Copy&) = delete;
  Copy& operator=(const Copy&) = delete;

  ~Copy() { stop_runtime(); }

  ProcessResult nu(const std::vector<std::string>& args) const
  {
    std::vector<std::string> full = {"--root",     root.string(),
                                     "--catalog",  catalog.string(),
                                     "--keyring",  (example_archives() / "keyring").string(),
                                     "--archives", archives.string()};
    full.insert(full.end(), args.begin(), args.end());
    return run_binary(full);
  }

  // The demo runtime serving this root on <root>/control.sock.
  void start_demo_runtime()
  {
    runtime = noodle::test::start_demo_runtime(root.string(), (dir / "runtime.log").string());
    REQUIRE(runtime > 0);
  }

  void stop_runtime()
  {
    if (runtime > 0) {
      ::kill(runtime, SIGTERM);
      int status = 0;
      ::waitpid(runtime, &status, 0);
      runtime = -1;
    }
  }

  // What a run may change: every `current` link, the number of upgrades in
  // the history, and every versions/ directory's listing.
  std::string snapshot() const
  {
    std::string out;
    for (const auto& e : fs::directory_iterator(root / "components")) {
      const auto name = e.path().filename().string();
      std::error_code ec;
      out += name + " -> " + fs::read_symlink(e.path() / "current", ec).string() + "; versions:";
      std::vector<std::string> versions;
      if (fs::is_directory(e.path() / "versions")) {
        for (const auto& v : fs::directory_iterator(e.path() / "versions")) {
          versions.push_back(v.path().filename().string());
        }
      }
      std::sort(versions.begin(), versions.end());
      for (const auto& v : versions) {
        out += " " + v;
      }
      out += "\n";
    }
    auto history = nu({"-o", "json", "history", "--limit", "1000"});
    out += "history: " + std::to_string(nlohmann::json::parse(history.out)["history"].size()) + "\n";
    return out;
  }

  std::string current_link(const std::string& name) const
  {
    std::error_code ec;
    return fs::read_symlink(root / "components" / name / "current", ec).string();
  }

  void set_floor(const std::string& component, const std::string& version) const
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((root / ".noodle-upgrade" / "state.db").c_str(), &db) == SQLITE_OK);
    const std::string sql = "INSERT OR REPLACE INTO floors (component, version) VALUES ('" + component + "', '" +
                            version + "')";
    CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
};

// A runtime that answers hello with too few capabilities for any strategy,
// and refuses everything else: a real socket, a runtime of its own.
class BareRuntime {
public:
  explicit BareRuntime(const fs::path& socket)
  {
    m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(m_fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket.c_str());
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(m_fd, 8) == 0);
    m_thread = std::thread([this] { serve(); });
  }
  ~BareRuntime()
  {
    ::shutdown(m_fd, SHUT_RDWR);
    ::close(m_fd);
    m_thread.join();
  }
  BareRuntime(const BareRuntime&) = delete;
  BareRuntime& operator=(const BareRuntime&) = delete;

private:
  void serve()
  {
    for (;;) {
      const int c = ::accept(m_fd, nullptr, nullptr);
      if (c < 0) {
        return;
      }
      std::string in;
      char buf[4096];
      for (;;) {
        const ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) {
          break;
        }
        in.append(buf, static_cast<std::size_t>(n));
        for (auto nl = in.find('\n'); nl != std::string::npos; nl = in.find('\n')) {
          auto request = nlohmann::json::parse(in.substr(0, nl), nullptr, false);
          in.erase(0, nl + 1);
          nlohmann::json reply = {{"id", request.is_object() ? request.value("id", 0) : 0}};
          if (request.is_object() && request.value("op", "") == "hello") {
            reply.update({{"ok", true},
                          {"protocol", 1},
                          {"runtime", "bare"},
                          {"version", "0.1"},
                          {"instances", {"i0"}},
                          {"capabilities", {"hello", "prepare", "activate"}}});
          } else {
            reply.update({{"ok", false}, {"error", {{"code", "unsupported"}, {"message", "not here"}}}});
          }
          const std::string line = reply.dump() + "\n";
          (void)!::write(c, line.data(), line.size());
        }
      }
      ::close(c);
    }
  }

  int m_fd = -1;
  std::thread m_thread;
};

// Exit code and JSON error code ("" when ok) of one command.
struct Verdict {
  int exit = -1;
  std::string code;
  bool operator==(const Verdict&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Verdict& v)
{
  return os << "exit " << v.exit << " code '" << v.code << "'";
}

Verdict verdict_of(const ProcessResult& r)
{
  Verdict v;
  v.exit = r.exit_code;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    v.code = "<no JSON document>";
  } else if (j.value("ok", false) == false) {
    v.code = j["error"].value("code", "<none>");
  }
  return v;
}

enum class Runtime { none, demo, bare };

struct Scenario {
  std::string name;
  std::vector<std::string> plan;    // after -o json
  std::vector<std::string> dry_run; // after -o json
  std::vector<std::string> run;     // after -o json
  Verdict expected;
  Runtime runtime = Runtime::none;
  std::function<void(Copy&)> setup = [](Copy&) {};
  // The run meets the refusal inside its transaction (extraction), so it
  // keeps a record of the failed attempt; links and versions stay as they were.
  bool run_records_attempt = false;
};

// upgrade NAME VERSION [options] as plan, --dry-run and the run.
Scenario upgrade_scenario(std::string name, const std::string& component, const std::string& version,
                          const std::vector<std::string>& options, Verdict expected)
{
  Scenario s;
  s.name = std::move(name);
  s.plan = {"plan", component, version};
  s.dry_run = {"upgrade", component, version, "--dry-run"};
  s.run = {"upgrade", component, version};
  for (auto* args : {&s.plan, &s.dry_run, &s.run}) {
    args->insert(args->end(), options.begin(), options.end());
  }
  s.expected = std::move(expected);
  return s;
}

const std::vector<std::string> k_live = {"--strategy", "immediate", "--request-timeout", "5"};

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b)
{
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The signature line of a .sig file with one character of the signature changed.
void spoil_signature(const fs::path& sig)
{
  std::string text = read_file(sig);
  const auto at = text.find("signature: ");
  REQUIRE(at != std::string::npos);
  char& c = text[at + 11 + 4];
  c = c == 'A' ? 'B' : 'A';
  write_file(sig, text);
}

std::vector<Scenario> scenarios()
{
  std::vector<Scenario> all;
  all.push_back(upgrade_scenario("a feasible offline upgrade", "telemetry_agent", "1.0.0", {"--offline"}, {0, ""}));
  {
    auto s = upgrade_scenario("a feasible live upgrade", "telemetry_agent", "1.0.0", k_live, {0, ""});
    s.runtime = Runtime::demo;
    all.push_back(std::move(s));
  }
  {
    auto s = upgrade_scenario("not hot-swappable live", "jit_compiler", "2.0.0", k_live, {3, "infeasible"});
    s.runtime = Runtime::demo;
    all.push_back(std::move(s));
  }
  all.push_back(upgrade_scenario("no runtime listening", "telemetry_agent", "1.0.0", {}, {6, "runtime_unreachable"}));
  {
    auto s = upgrade_scenario("a strategy the runtime cannot run", "telemetry_agent", "1.0.0", k_live, {2, "usage"});
    s.runtime = Runtime::bare;
    all.push_back(std::move(s));
  }
  {
    auto s = upgrade_scenario("a missing .sig", "telemetry_agent", "1.0.0", {"--offline"}, {4, "signature_invalid"});
    s.setup = [](Copy& c) { fs::remove(c.archives / "telemetry_agent-1.0.0.tar.gz.sig"); };
    all.push_back(std::move(s));
  }
  {
    // The last of several hops: the run used to do the others first.
    auto s = upgrade_scenario("a missing .sig of the last hop", "jit_compiler", "2.1.0", {"--offline"},
                              {4, "signature_invalid"});
    s.setup = [](Copy& c) { fs::remove(c.archives / "jit_compiler-2.1.0.tar.gz.sig"); };
    all.push_back(std::move(s));
  }
  {
    auto s = upgrade_scenario("a bad signature", "telemetry_agent", "1.0.0", {"--offline"}, {4, "signature_invalid"});
    s.setup = [](Copy& c) { spoil_signature(c.archives / "telemetry_agent-1.0.0.tar.gz.sig"); };
    all.push_back(std::move(s));
  }
  {
    auto s = upgrade_scenario("a catalog sha256 that does not match the archive", "telemetry_agent", "1.0.0",
                              {"--offline"}, {4, "integrity"});
    s.setup = [](Copy& c) {
      std::ofstream(c.catalog / "telemetry_agent.yaml", std::ios::app)
          << "archive:\n  file: ../archives/telemetry_agent-1.0.0.tar.gz\n  sha256: \"" << std::string(64, 'a')
          << "\"\n";
    };
    all.push_back(std::move(s));
  }
  {
    // Signed and listed correctly, but extraction refuses an entry: the
    // preview reads the entries as extraction will.
    auto s = upgrade_scenario("a signed archive holding a device node", "telemetry_agent", "1.0.0", {"--offline"},
                              {4, "archive_invalid"});
    s.run_records_attempt = true;
    s.setup = [](Copy& c) { noodle::test::plant_unextractable(c.archives, "telemetry_agent", "1.0.0"); };
    all.push_back(std::move(s));
  }
  {
    auto s = upgrade_scenario("--allow-unsigned with no .sig", "telemetry_agent", "1.0.0",
                              {"--offline", "--allow-unsigned"}, {0, ""});
    s.setup = [](Copy& c) { fs::remove(c.archives / "telemetry_agent-1.0.0.tar.gz.sig"); };
    all.push_back(std::move(s));
  }
  {
    auto s = upgrade_scenario("below the floor", "telemetry_agent", "1.0.0", {"--offline"}, {3, "downgrade_refused"});
    s.setup = [](const Copy& c) { c.set_floor("telemetry_agent", "2.0.0"); };
    all.push_back(std::move(s));
  }
  all.push_back(upgrade_scenario("a downgrade without --allow-downgrade", "telemetry_agent", "0.4.0", {"--offline"},
                                 {3, "downgrade_refused"}));
  {
    Scenario s;
    s.name = "a batch apply";
    s.plan = {"plan", "-f", "BATCH", "--offline"};
    s.dry_run = {"apply", "BATCH", "--dry-run", "--offline"};
    s.run = {"apply", "BATCH", "--offline"};
    s.expected = {0, ""};
    all.push_back(std::move(s));
  }
  {
    Scenario s;
    s.name = "a batch apply with a missing .sig in its second upgrade";
    s.plan = {"plan", "-f", "BATCH", "--offline"};
    s.dry_run = {"apply", "BATCH", "--dry-run", "--offline"};
    s.run = {"apply", "BATCH", "--offline"};
    s.expected = {4, "signature_invalid"};
    s.setup = [](Copy& c) { fs::remove(c.archives / "telemetry_agent-1.0.0.tar.gz.sig"); };
    all.push_back(std::move(s));
  }
  {
    Scenario s;
    s.name = "a saved plan apply";
    s.plan = {"plan", "telemetry_agent", "1.0.0", "--offline", "--save", "PLAN"};
    s.dry_run = {"apply", "--plan", "PLAN", "--dry-run", "--offline"};
    s.run = {"apply", "--plan", "PLAN", "--offline"};
    s.expected = {0, ""};
    all.push_back(std::move(s));
  }
  {
    Scenario s;
    s.name = "a saved plan apply whose archive lost its .sig";
    s.plan = {"plan", "telemetry_agent", "1.0.0", "--offline"};
    s.dry_run = {"apply", "--plan", "PLAN", "--dry-run", "--offline"};
    s.run = {"apply", "--plan", "PLAN", "--offline"};
    s.expected = {4, "signature_invalid"};
    s.setup = [](Copy& c) {
      REQUIRE(c.nu({"plan", "telemetry_agent", "1.0.0", "--offline", "--save", (c.dir / "plan.json").string()})
                  .exit_code == 0);
      fs::remove(c.archives / "telemetry_agent-1.0.0.tar.gz.sig");
    };
    all.push_back(std::move(s));
  }
  return all;
}

// BATCH and PLAN stand for files of the copy.
std::vector<std::string> resolve(std::vector<std::string> args, const Copy& c)
{
  for (auto& a : args) {
    if (a == "BATCH") {
      a = (c.dir / "batch.yaml").string();
    } else if (a == "PLAN") {
      a = (c.dir / "plan.json").string();
    }
  }
  args.insert(args.begin(), {"-o", "json"});
  return args;
}

} // namespace

TEST_CASE("plan, --dry-run and the run agree on exit code and error code, and a refused run changes nothing",
          "[truth]")
{
  ExampleRoot base;
  const auto all = scenarios();
  REQUIRE(all.size() >= 12);
  for (const auto& s : all) {
    DYNAMIC_SECTION(s.name)
    {
      Copy c(base);
      write_file(c.dir / "batch.yaml", "upgrades:\n  - component: model_gateway\n    version: 1.2.0\n"
                                       "  - component: telemetry_agent\n    version: 1.0.0\n");
      s.setup(c);
      std::unique_ptr<BareRuntime> bare;
      if (s.runtime == Runtime::demo) {
        c.start_demo_runtime();
      } else if (s.runtime == Runtime::bare) {
        bare = std::make_unique<BareRuntime>(c.root / "control.sock");
      }
      const std::string before = c.snapshot();

      auto plan = c.nu(resolve(s.plan, c));
      INFO("plan: " << plan.out << plan.err);
      CHECK(verdict_of(plan) == s.expected);
      CHECK(c.snapshot() == before);

      auto dry = c.nu(resolve(s.dry_run, c));
      INFO("dry run: " << dry.out << dry.err);
      CHECK(verdict_of(dry) == s.expected);
      CHECK(c.snapshot() == before);

      auto run = c.nu(resolve(s.run, c));
      INFO("run: " << run.out << run.err);
      CHECK(verdict_of(run) == s.expected);
      if (s.run_records_attempt) {
        const auto without_history = [](const std::string& snap) { return snap.substr(0, snap.rfind("history: ")); };
        const std::string after = c.snapshot();
        CHECK(without_history(after) == without_history(before));
        auto last = nlohmann::json::parse(c.nu({"-o", "json", "history", "--limit", "1"}).out)["history"][0];
        CHECK(last["status"] == "failed");
      } else if (s.expected.exit != 0) {
        CHECK(c.snapshot() == before);
      } else {
        CHECK(c.snapshot() != before);
      }
    }
  }
}

TEST_CASE("apply --plan P --dry-run lists the saved plan's steps and changes nothing", "[truth]")
{
  ExampleRoot base;
  Copy c(base);
  const auto plan = (c.dir / "plan.json").string();
  REQUIRE(c.nu({"plan", "jit_compiler", "2.1.0", "--offline", "--save", plan}).exit_code == 0);
  const std::string before = c.snapshot();

  auto text = c.nu({"apply", "--plan", plan, "--dry-run", "--offline"});
  INFO(text.out << text.err);
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("6 steps would run") != std::string::npos);
  CHECK(text.out.find("runtime_core 1.2.0 -> 1.5.0") != std::string::npos);
  CHECK(text.out.find("runtime_core 1.5.0 -> 2.1.0") != std::string::npos);
  CHECK(text.out.find("jit_compiler 1.4.0 -> 2.1.0") != std::string::npos);
  CHECK(text.out.find("dry run: nothing was changed") != std::string::npos);

  auto j = nlohmann::ordered_json::parse(c.nu({"-o", "json", "apply", "--plan", plan, "--dry-run", "--offline"}).out);
  CHECK(j.begin().key() == "api_version");
  CHECK(j["dry_run"] == true);
  REQUIRE(j["actions"].size() == j["steps"].get<std::size_t>());
  REQUIRE(j["actions"].size() >= 2);
  for (const auto& a : j["actions"]) {
    CHECK(a["archive"]["signed"] == true);
    CHECK(a["archive"]["key_id"].is_string());
    CHECK(a["archive"]["signed_at"].is_string());
    CHECK(a["version_dir"] == "extract");
    CHECK(a["strategy"] == "offline");
    CHECK(a["swap"].get<std::string>().find("current:") != std::string::npos);
    CHECK(a["rollback_point"].is_string());
    CHECK(a["config"].is_string());
  }
  CHECK(c.snapshot() == before);
}

TEST_CASE("upgrade --allow-unsigned --dry-run warns and marks the unsigned archive", "[truth]")
{
  ExampleRoot base;
  Copy c(base);
  fs::remove(c.archives / "telemetry_agent-1.0.0.tar.gz.sig");
  auto r = c.nu({"-o", "json", "upgrade", "telemetry_agent", "1.0.0", "--offline", "--allow-unsigned", "--dry-run"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["actions"].size() == 1);
  CHECK(j["actions"][0]["archive"]["signed"] == false);
  CHECK(j["actions"][0]["archive"]["key_id"].is_null());
  bool warned = false;
  for (const auto& w : j["diagnostics"]) {
    warned = warned || w["message"].get<std::string>().find("UNSIGNED archive") != std::string::npos;
  }
  CHECK(warned);
  auto text = c.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline", "--allow-unsigned", "--dry-run"});
  CHECK(text.err.find("UNSIGNED archive") != std::string::npos);
  CHECK(text.out.find("signed:   NO (--allow-unsigned)") != std::string::npos);
  CHECK(c.current_link("telemetry_agent") == "versions/0.5.0");
}

TEST_CASE("an archive re-signed for the same version after a failed attempt is installed anew, not reused",
          "[truth]")
{
  ExampleRoot base;
  Copy c(base);
  const fs::path src = c.dir / "src";
  const fs::path archive = c.archives / "telemetry_agent-1.0.0.tar.gz";
  const fs::path key = example_archives() / "demo-test-key.key";
  // Packs telemetry_agent 1.0.0 with `health` and `marker`, signs it, and
  // names its sha256 in the catalog.
  const auto rebuild = [&](const std::string& health, const std::string& marker) {
    fs::remove_all(src);
    std::string manifest = "name: telemetry_agent\nversion: 1.0.0\ndescription: Metrics and trace exporter\n"
                           "type: system\nhot_swappable: true\n";
    if (!health.empty()) {
      manifest += "metadata:\n  demo_health: " + health + "\n";
    }
    write_file(src / "manifest.yaml", manifest);
    write_file(src / "bin" / "telemetry_agent", "#!/bin/sh\necho '" + marker + "'\n");
    fs::remove(archive);
    fs::remove(fs::path(archive.string() + ".sig"));
    REQUIRE(run_binary({"pack", src.string(), "--out", archive.string()}).exit_code == 0);
    REQUIRE(run_binary({"sign", archive.string(), "--key", key.string()}).exit_code == 0);
    const std::string sig = read_file(archive.string() + ".sig");
    const auto at = sig.find("sha256: ");
    REQUIRE(at != std::string::npos);
    const std::string sha = sig.substr(at + 8, 64);
    std::string catalog = read_file(source_path("manifests/telemetry_agent.yaml"));
    catalog += "archive:\n  file: ../archives/telemetry_agent-1.0.0.tar.gz\n  sha256: \"" + sha + "\"\n";
    write_file(c.catalog / "telemetry_agent.yaml", catalog);
    return sha;
  };

  rebuild("unhealthy", "first build");
  c.start_demo_runtime();
  auto failed = c.nu(concat({"-o", "json", "upgrade", "telemetry_agent", "1.0.0"}, k_live));
  INFO(failed.out << failed.err);
  REQUIRE(failed.exit_code != 0);
  CHECK(c.current_link("telemetry_agent") == "versions/0.5.0");
  // The failed attempt left the version extracted.
  const fs::path installed = c.root / "components/telemetry_agent/versions/1.0.0/bin/telemetry_agent";
  REQUIRE(read_file(installed).find("first build") != std::string::npos);

  const std::string sha = rebuild("", "second build");
  auto dry = c.nu(concat({"-o", "json", "upgrade", "telemetry_agent", "1.0.0", "--dry-run"}, k_live));
  INFO(dry.out << dry.err);
  REQUIRE(dry.exit_code == 0);
  CHECK(nlohmann::json::parse(dry.out)["actions"][0]["version_dir"] == "replace");

  auto again = c.nu(concat({"-o", "json", "upgrade", "telemetry_agent", "1.0.0"}, k_live));
  INFO(again.out << again.err);
  REQUIRE(again.exit_code == 0);
  auto j = nlohmann::json::parse(again.out);
  CHECK(j["steps"][0]["archive"]["how"] == "replaced");
  CHECK(j["steps"][0]["archive"]["sha256"] == sha);
  CHECK(read_file(installed).find("second build") != std::string::npos);
  CHECK(c.current_link("telemetry_agent") == "versions/1.0.0");
}
