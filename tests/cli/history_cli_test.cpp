// SPDX-License-Identifier: Apache-2.0
// history and status tell the whole story: filters, paging, `history show`,
// links between upgrades, and unknown component names refused up front.
#include "support/example_root.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>

using noodle::test::ExampleRoot;
using noodle::test::run_binary;
using noodle::test::source_path;
using noodle::test::TempDir;
namespace fs = std::filesystem;

namespace {

bool is_rfc3339_ms(const nlohmann::json& j)
{
  static const std::regex k_form(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  return j.is_string() && std::regex_match(j.get<std::string>(), k_form);
}

} // namespace

TEST_CASE("history lists newest first under a header row and filters by status, kind, metadata and time",
          "[history]")
{
  ExampleRoot r;
  REQUIRE(r.nu({"upgrade", "telemetry_agent", "1.0.0", "--offline", "--metadata", "ticket=T-7"}).exit_code == 0);
  REQUIRE(r.nu({"rollback", "telemetry_agent", "--offline", "--metadata", "ticket=T-8", "--requested-by", "carol"})
              .exit_code == 0);

  auto text = r.nu({"history", "--limit", "3"});
  INFO(text.out << text.err);
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.rfind("  ID  STARTED", 0) == 0);
  // Newest first: the rollback, then the upgrade it undid.
  CHECK(text.out.find("rollback") < text.out.find("upgrade  completed"));

  auto all = r.json({"history", "--limit", "100"});
  REQUIRE(all["history"].size() == 9); // 7 installs, the upgrade, the rollback
  CHECK(all["history"][0]["kind"] == "rollback");
  CHECK(all["history"][0]["requested_by"] == "carol");
  CHECK(all["history"][0]["metadata"]["ticket"] == "T-8");
  CHECK(all["history"][0]["id"].get<int>() > all["history"][1]["id"].get<int>());

  auto by_kind = r.json({"history", "--kind", "rollback"});
  REQUIRE(by_kind["history"].size() == 1);
  auto by_metadata = r.json({"history", "--metadata", "ticket=T-7"});
  REQUIRE(by_metadata["history"].size() == 1);
  CHECK(by_metadata["history"][0]["kind"] == "upgrade");
  CHECK(r.json({"history", "--metadata", "ticket=nope"})["history"].empty());
  auto by_status = r.json({"history", "--status", "completed", "--component", "telemetry_agent"});
  CHECK(by_status["history"].size() == 3);
  CHECK(r.json({"history", "--status", "failed"})["history"].empty());
  CHECK(r.json({"history", "--since", "1d"})["history"].size() == 9);
  CHECK(r.json({"history", "--since", "2999-01-01"})["history"].empty());

  // Paging: --before the oldest id shown gives the next page.
  auto first = r.json({"history", "--limit", "4"});
  REQUIRE(first["history"].size() == 4);
  const auto oldest = first["history"][3]["id"].get<int>();
  auto next = r.json({"history", "--limit", "4", "--before", std::to_string(oldest)});
  REQUIRE(next["history"].size() == 4);
  CHECK(next["history"][0]["id"].get<int>() == oldest - 1);

  auto bad = r.nu({"history", "--status", "in_progress"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--status 'in_progress'") != std::string::npos);
  auto bad_since = r.nu({"history", "--since", "yesterday"});
  CHECK(bad_since.exit_code == 2);
  CHECK(bad_since.err.find("--since 'yesterday': expected") != std::string::npos);
}

TEST_CASE("history show tells one upgrade whole: steps, times, strategy, metadata and links", "[history]")
{
  ExampleRoot r;
  auto up = r.json({"upgrade", "runtime_core", "2.1.0", "--offline", "--metadata", "pipeline=42"});
  REQUIRE(up["ok"] == true);
  const auto id = up["upgrade_id"].get<int>();
  auto back = r.json({"rollback", "--upgrade", std::to_string(id), "--offline"});
  REQUIRE(back["ok"] == true);
  const auto rollback_id = back["upgrade_id"].get<int>();

  auto shown = r.json({"history", "show", std::to_string(id)});
  INFO(shown.dump(2));
  const auto& u = shown["upgrade"];
  CHECK(u["id"] == id);
  CHECK(u["status"] == "rolled_back");
  CHECK(u["live"] == false);
  CHECK(u["strategy"] == "offline");
  CHECK(u["metadata"]["pipeline"] == "42");
  CHECK(u["rolled_back_by"] == rollback_id);
  CHECK(u["undoes"].is_null());
  CHECK(u["error"].is_null()); // the link is a field, not error text
  CHECK(is_rfc3339_ms(u["started_at"]));
  CHECK(u["duration_ms"].is_number());
  std::vector<std::string> hops;
  for (const auto& op : u["operations"]) {
    CHECK(op["strategy"] == "offline");
    CHECK(is_rfc3339_ms(op["started_at"]));
    CHECK(is_rfc3339_ms(op["finished_at"]));
    CHECK(op["duration_ms"].is_number());
    CHECK(op["rollback_point"].is_number());
    if (op["component"] == "runtime_core") {
      hops.push_back(op["to"]);
    }
  }
  // Through the required stop 1.5.0, one step each.
  CHECK(hops == std::vector<std::string>{"1.5.0", "2.1.0"});

  auto undo = r.json({"history", "show", std::to_string(rollback_id)});
  CHECK(undo["upgrade"]["undoes"] == id);
  CHECK(undo["upgrade"]["kind"] == "rollback");

  auto text = r.nu({"history", "show", std::to_string(id)});
  INFO(text.out);
  CHECK(text.out.find("undone by  upgrade " + std::to_string(rollback_id)) != std::string::npos);
  CHECK(text.out.find("mode       offline") != std::string::npos);
  CHECK(text.out.find("metadata   pipeline=42") != std::string::npos);
  CHECK(text.out.find("runtime_core 1.2.0 -> 1.5.0") != std::string::npos);
  auto listed = r.nu({"history", "runtime_core", "--limit", "2"});
  CHECK(listed.out.find("rolled back by upgrade " + std::to_string(rollback_id)) != std::string::npos);

  auto missing = r.nu({"history", "show", "9999"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "noodle-upgrade: error: upgrade 9999 does not exist\n");
  // A number where the name goes points at `history show`.
  auto number = r.nu({"history", std::to_string(id)});
  CHECK(number.exit_code == 2);
  CHECK(number.err.find("history show " + std::to_string(id)) != std::string::npos);
}

TEST_CASE("a misspelt component is a usage error with a suggestion in every command, before anything is locked or "
          "recorded",
          "[history]")
{
  ExampleRoot r;
  const auto audit_before = r.json({"history", "--audit", "--limit", "1000"})["audit"].size();
  const std::vector<std::vector<std::string>> commands = {
      {"status", "jit_compilr"},
      {"history", "jit_compilr"},
      {"history", "--audit", "jit_compilr"},
      {"check", "jit_compilr"},
      {"rollback", "list", "jit_compilr"},
      {"rollback", "jit_compilr", "--offline"},
      {"rollback", "jit_compilr"}, // live: refused before the runtime is asked (none listens: that would be 6)
      {"snapshot", "jit_compilr"},
      {"upgrade", "jit_compilr", "2.1.0", "--offline"},
      {"upgrade", "jit_compilr", "2.1.0"},
      {"plan", "jit_compilr", "2.1.0"},
      {"upgrade", "jit_compiler", "2.1.0", "--offline", "--constraint", "runtime_cor@^2.0.0"},
  };
  for (const auto& args : commands) {
    std::string shown;
    for (const auto& a : args) {
      shown += a + " ";
    }
    INFO(shown);
    auto result = r.nu(args);
    INFO(result.out << result.err);
    CHECK(result.exit_code == 2);
    const bool constraint = args.size() > 4;
    CHECK(result.err.find(constraint ? "(did you mean 'runtime_core'?)" : "(did you mean 'jit_compiler'?)") !=
          std::string::npos);
  }
  auto json = r.nu({"-o", "json", "status", "jit_compilr"});
  CHECK(json.exit_code == 2);
  CHECK(nlohmann::json::parse(json.out)["error"]["code"] == "not_found");
  // Nothing was recorded or audited.
  CHECK(r.json({"history", "--audit", "--limit", "1000"})["audit"].size() == audit_before);
  // A name the catalog knows but the root never installed is fine.
  auto status = r.nu({"status", "jit_compiler"});
  CHECK(status.exit_code == 0);
}

TEST_CASE("offline steps are recorded as offline and rolled-back steps say no pending restart", "[history]")
{
  ExampleRoot r;
  // runtime_core is not hot-swappable: its first hop (to the required stop
  // 1.5.0) is done and would wait for a restart, then the second hop's
  // archive cannot be extracted, so the first is rolled back; it must not be
  // left saying it waits for a restart.
  const auto archive = r.archives / "runtime_core-2.1.0.tar.gz";
  const auto sig = r.archives / "runtime_core-2.1.0.tar.gz.sig";
  const auto kept = r.dir / "kept";
  fs::create_directories(kept);
  fs::copy_file(archive, kept / "archive");
  fs::copy_file(sig, kept / "sig");
  noodle::test::plant_unextractable(r.archives, "runtime_core", "2.1.0");
  auto failed = r.nu({"-o", "json", "upgrade", "runtime_core", "2.1.0", "--offline"});
  INFO(failed.out << failed.err);
  CHECK(failed.exit_code == 4);
  auto j = nlohmann::json::parse(failed.out);
  std::size_t rolled_back = 0;
  for (const auto& step : j["steps"]) {
    if (step["outcome"] == "rolled_back") {
      ++rolled_back;
      CHECK(step["message"].is_null());
    }
  }
  CHECK(rolled_back >= 1);
  fs::copy_file(kept / "archive", archive, fs::copy_options::overwrite_existing);
  fs::copy_file(kept / "sig", sig, fs::copy_options::overwrite_existing);

  auto up = r.json({"upgrade", "jit_compiler", "2.1.0", "--offline"});
  REQUIRE(up["ok"] == true);
  bool pending = false;
  for (const auto& step : up["steps"]) {
    pending = pending || (step["message"].is_string() &&
                          step["message"].get<std::string>().rfind("pending restart", 0) == 0);
  }
  CHECK(pending); // runtime_core changed offline: it waits for the runtime's restart
  auto shown = r.json({"history", "show", std::to_string(up["upgrade_id"].get<int>())});
  CHECK(shown["upgrade"]["strategy"] == "offline");
  CHECK(shown["upgrade"]["live"] == false);
}

TEST_CASE("JSON output follows the contract: api_version, RFC 3339 times, durations in ms, null for absent values",
          "[history]")
{
  ExampleRoot r;
  auto up = r.json({"upgrade", "telemetry_agent", "1.0.0", "--offline"});
  CHECK(up["api_version"] == 1);
  CHECK(up.begin().key() == "api_version");
  CHECK(up["duration_ms"].is_number());
  CHECK(!up.contains("seconds"));
  for (const auto& step : up["steps"]) {
    CHECK(step["duration_ms"].is_number());
    CHECK(!step.contains("seconds"));
    CHECK((step["message"].is_null() || !step["message"].get<std::string>().empty()));
  }
  auto audit = r.json({"history", "--audit", "--limit", "5"});
  for (const auto& a : audit["audit"]) {
    CHECK(is_rfc3339_ms(a["time"]));
    CHECK((a["detail"].is_null() || !a["detail"].get<std::string>().empty()));
  }
  auto points = r.json({"rollback", "list", "--limit", "2"});
  REQUIRE(points["points"].size() == 2);
  CHECK(is_rfc3339_ms(points["points"][0]["created_at"]));
  CHECK(is_rfc3339_ms(points["points"][0]["expires_at"]));
  auto failure = r.json({"history", "show", "424242"});
  CHECK(failure["api_version"] == 1);
  CHECK(failure["ok"] == false);
  CHECK(failure["error"]["code"] == "not_found");
}

TEST_CASE("validate reports a dependency cycle with its path and exits non-zero; deps prints the path", "[history]")
{
  const std::string catalog = source_path("tests/data/catalogs/cycle");
  auto v = run_binary({"--catalog", catalog, "validate"});
  INFO(v.out << v.err);
  CHECK(v.exit_code == 2);
  CHECK(v.err.find("dependency cycle: a@1.0.0 -> b@1.0.0 -> c@1.0.0 -> a@1.0.0") != std::string::npos);
  auto json = nlohmann::json::parse(run_binary({"-o", "json", "--catalog", catalog, "validate"}).out);
  CHECK(json["ok"] == false);
  CHECK(json["error"]["code"] == "dependency_cycle");

  TempDir root;
  auto deps = run_binary({"--root", root.path().string(), "--catalog", catalog, "deps", "a"});
  INFO(deps.out << deps.err);
  CHECK(deps.out.find("cycle: a@1.0.0 -> b@1.0.0 -> c@1.0.0 -> a@1.0.0") != std::string::npos);
  auto deps_json =
      nlohmann::json::parse(run_binary({"-o", "json", "--root", root.path().string(), "--catalog", catalog, "deps", "a"}).out);
  CHECK(deps_json["has_cycle"] == true);
  CHECK(deps_json["cycle"] == nlohmann::json({"a@1.0.0", "b@1.0.0", "c@1.0.0", "a@1.0.0"}));
}

TEST_CASE("help CMD is CMD --help, and completion SHELL prints the installed script", "[history]")
{
  auto help = run_binary({"help", "rollback", "list"});
  auto direct = run_binary({"rollback", "list", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out == direct.out);
  CHECK(help.out.find("rollback list") != std::string::npos);
  CHECK(run_binary({"--root", "/nonexistent", "help", "upgrade"}).out == run_binary({"upgrade", "--help"}).out);
  CHECK(run_binary({"help"}).out == run_binary({"--help"}).out);
  auto unknown = run_binary({"help", "upgrad"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("did you mean 'upgrade'") != std::string::npos);

  for (const auto& [shell, file] : std::vector<std::pair<std::string, std::string>>{
           {"bash", "completions/noodle-upgrade.bash"},
           {"zsh", "completions/_noodle-upgrade"},
           {"fish", "completions/noodle-upgrade.fish"}}) {
    INFO(shell);
    std::ifstream in(source_path(file), std::ios::binary);
    const std::string installed{std::istreambuf_iterator<char>(in), {}};
    auto printed = run_binary({"completion", shell});
    CHECK(printed.exit_code == 0);
    CHECK(printed.out == installed);
  }
  auto bad = run_binary({"completion", "tcsh"});
  CHECK(bad.exit_code == 2);
}

TEST_CASE("config show --origin says where each setting came from: default, file, env or flag", "[history]")
{
  TempDir dir;
  const auto config = dir.write("config.yaml", "lease: 12\nlock_timeout: 7\nlimits:\n  max_entries: 500\n");
  auto r = run_binary({"--config", config.string(), "--root", "/srv/r", "config", "show", "--origin"},
                      "", {{"NOODLE_STRATEGY", "canary"}});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("root") != std::string::npos);
  const std::string out = "\n" + r.out;
  const auto line = [&](const std::string& key) {
    const auto at = out.find("\n" + key + " ");
    REQUIRE(at != std::string::npos);
    return out.substr(at + 1, out.find('\n', at + 1) - at - 1);
  };
  CHECK(line("root").find("/srv/r") != std::string::npos);
  CHECK(line("root").find("flag --root") != std::string::npos);
  CHECK(line("lease").find("12") != std::string::npos);
  CHECK(line("lease").find("file " + config.string()) != std::string::npos);
  CHECK(line("lock_timeout").find("file " + config.string()) != std::string::npos);
  CHECK(line("strategy").find("canary") != std::string::npos);
  CHECK(line("strategy").find("env NOODLE_STRATEGY") != std::string::npos);
  CHECK(line("limits.max_entries").find("500") != std::string::npos);
  CHECK(line("gc_keep").find("default") != std::string::npos);

  // Without --origin the output reads back as a configuration file.
  auto plain = run_binary({"--config", config.string(), "config", "show"});
  REQUIRE(plain.exit_code == 0);
  const auto again = dir.write("again.yaml", plain.out);
  auto reread = run_binary({"--config", again.string(), "-o", "json", "config", "show", "--origin"});
  INFO(plain.out << reread.err);
  REQUIRE(reread.exit_code == 0);
  auto j = nlohmann::json::parse(reread.out);
  for (const auto& s : j["settings"]) {
    if (s["key"] == "lease") {
      CHECK(s["value"] == "12s");
    }
  }
}

TEST_CASE("pack and sign write to --out: -o is the output format everywhere", "[history]")
{
  TempDir dir;
  auto r = run_binary({"pack", dir.path().string(), "-o", (dir / "x.tar.gz").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("-o is --output, text or json; a file to write is --out FILE") != std::string::npos);
  CHECK(!fs::exists(dir / "x.tar.gz"));
}
