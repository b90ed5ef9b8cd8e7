// SPDX-License-Identifier: Apache-2.0
// The configuration file through the built binary: its settings are the
// defaults, NOODLE_* variables override them and flags override both.
#include "support/files.hpp"
#include "support/archive_builder.hpp"
#include "support/example_root.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <unistd.h>

using noodle::test::ArchiveBuilder;
using noodle::test::run_binary;
using noodle::test::TempDir;

namespace {

using noodle::test::write_file;

// A root whose catalog holds one component named `name`.
std::filesystem::path make_root(const TempDir& dir, const std::string& name)
{
  auto root = dir / ("root-" + name);
  write_file(root / "manifests" / (name + ".yaml"), "name: " + name + "\nversion: 1.0.0\ntype: compiler\n");
  return root;
}

bool is_json(const std::string& text)
{
  return nlohmann::json::accept(text);
}

} // namespace

TEST_CASE("cli config file sets the root; NOODLE_ROOT overrides it and --root overrides both")
{
  TempDir dir;
  auto from_file = make_root(dir, "alpha_file");
  auto from_env = make_root(dir, "beta_env");
  auto from_flag = make_root(dir, "gamma_flag");
  auto config = dir / "config.yaml";
  write_file(config, "root: " + from_file.string() + "\n");

  auto file = run_binary({"--config", config.string(), "components", "list"});
  REQUIRE(file.exit_code == 0);
  CHECK(file.out.find("alpha_file") != std::string::npos);

  auto env = run_binary({"--config", config.string(), "components", "list"}, "", {{"NOODLE_ROOT", from_env.string()}});
  REQUIRE(env.exit_code == 0);
  CHECK(env.out.find("beta_env") != std::string::npos);
  CHECK(env.out.find("alpha_file") == std::string::npos);

  auto flag = run_binary({"--config", config.string(), "--root", from_flag.string(), "components", "list"}, "",
                         {{"NOODLE_ROOT", from_env.string()}});
  REQUIRE(flag.exit_code == 0);
  CHECK(flag.out.find("gamma_flag") != std::string::npos);
  CHECK(flag.out.find("beta_env") == std::string::npos);

  // NOODLE_CONFIG names the file as --config does.
  auto via_env = run_binary({"components", "list"}, "", {{"NOODLE_CONFIG", config.string()}});
  REQUIRE(via_env.exit_code == 0);
  CHECK(via_env.out.find("alpha_file") != std::string::npos);
}

TEST_CASE("cli config file sets the output format; NOODLE_OUTPUT and -o override it")
{
  TempDir dir;
  auto root = make_root(dir, "alpha");
  auto config = dir / "config.yaml";
  write_file(config, "output: json\nroot: " + root.string() + "\n");

  auto file = run_binary({"--config", config.string(), "components", "list"});
  REQUIRE(file.exit_code == 0);
  CHECK(is_json(file.out));

  auto env = run_binary({"--config", config.string(), "components", "list"}, "", {{"NOODLE_OUTPUT", "text"}});
  REQUIRE(env.exit_code == 0);
  CHECK_FALSE(is_json(env.out));

  auto flag = run_binary({"--config", config.string(), "-o", "json", "components", "list"}, "", {{"NOODLE_OUTPUT", "text"}});
  REQUIRE(flag.exit_code == 0);
  CHECK(is_json(flag.out));

  // A usage error follows the configured format too.
  auto usage = run_binary({"--config", config.string(), "no-such-command"});
  CHECK(usage.exit_code == 2);
  CHECK(is_json(usage.out));
}

TEST_CASE("cli config file sets the lock timeout; NOODLE_LOCK_TIMEOUT and --lock-timeout override it")
{
  TempDir dir;
  auto root = dir / "root";
  std::filesystem::create_directories(root / ".noodle-upgrade");
  const auto lock = root / ".noodle-upgrade/lock";
  int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  auto config = dir / "config.yaml";
  write_file(config, "lock_timeout: 0.3\nroot: " + root.string() + "\n");

  auto file = run_binary({"--config", config.string(), "recover"});
  CHECK(file.exit_code == 5);
  CHECK(file.err.find("waiting up to 0.3 s") != std::string::npos);

  auto env = run_binary({"--config", config.string(), "recover"}, "", {{"NOODLE_LOCK_TIMEOUT", "0.2"}});
  CHECK(env.exit_code == 5);
  CHECK(env.err.find("waiting up to 0.2 s") != std::string::npos);

  auto flag = run_binary({"--config", config.string(), "--lock-timeout", "0.1", "recover"}, "",
                         {{"NOODLE_LOCK_TIMEOUT", "0.2"}});
  CHECK(flag.exit_code == 5);
  CHECK(flag.err.find("waiting up to 0.1 s") != std::string::npos);
  ::close(fd);
}

TEST_CASE("cli a bad config file is a usage error naming file:line:col")
{
  TempDir dir;
  auto config = dir / "config.yaml";
  write_file(config, "root: /tmp\nlock_timout: 5\n");
  auto r = run_binary({"--config", config.string(), "components", "list"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(config.string() + ":2:1") != std::string::npos);
  CHECK(r.err.find("did you mean 'lock_timeout'?") != std::string::npos);

  write_file(config, "lease: 0\n");
  auto range = run_binary({"components", "list"}, "", {{"NOODLE_CONFIG", config.string()}});
  CHECK(range.exit_code == 2);
  CHECK(range.err.find(config.string() + ":1:8") != std::string::npos);

  auto missing = run_binary({"--config", (dir / "absent.yaml").string(), "components", "list"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("absent.yaml") != std::string::npos);
}

TEST_CASE("cli extraction limits from the config file stop verify --extract-to")
{
  TempDir dir;
  REQUIRE(run_binary({"keygen", "--out", (dir / "release").string()}).exit_code == 0);
  auto keyring = dir / "keyring";
  std::filesystem::create_directories(keyring);
  std::filesystem::rename(dir / "release.pub", keyring / "release.pub");
  ArchiveBuilder b;
  b.file("manifest.yaml", "name: jit_compiler\nversion: 2.1.0\ntype: compiler\n").file("bin/jit", "0123456789");
  auto archive = dir / "jit.tar.gz";
  noodle::test::write_bytes(archive, b.finish());
  REQUIRE(run_binary({"sign", archive.string(), "--key", (dir / "release.key").string()}).exit_code == 0);

  auto config = dir / "config.yaml";
  write_file(config, "keyring: " + keyring.string() + "\nroot: " + (dir / "no-root").string() +
                    "\nlimits:\n  max_file_bytes: 4\n");
  auto limited = run_binary(
      {"--config", config.string(), "-o", "json", "verify", archive.string(), "--extract-to", (dir / "x").string()});
  CHECK(limited.exit_code == 4);
  REQUIRE(is_json(limited.out));
  CHECK(nlohmann::json::parse(limited.out)["error"]["code"] == "archive_limit");

  write_file(config, "keyring: " + keyring.string() + "\nroot: " + (dir / "no-root").string() + "\n");
  auto unlimited = run_binary(
      {"--config", config.string(), "verify", archive.string(), "--extract-to", (dir / "y").string()});
  CHECK(unlimited.exit_code == 0);
  CHECK(std::filesystem::exists(dir / "y" / "bin" / "jit"));
}

namespace {

// A root whose catalog holds telemetry_agent 0.5.0 and 1.0.0 with 0.5.0
// active and 0.4.0 and 1.0.0 unpacked beside it (no archives needed: the
// tests below plan, snapshot and collect garbage, they never install).
std::filesystem::path make_installed_root(const TempDir& dir)
{
  auto root = dir / "root";
  std::filesystem::create_directories(root / "manifests");
  std::filesystem::copy_file(std::filesystem::path(NOODLE_SOURCE_DIR) / "manifests/telemetry_agent.yaml",
                             root / "manifests/telemetry_agent.yaml");
  for (const char* v : {"0.4.0", "0.5.0", "1.0.0"}) {
    write_file(root / "components/telemetry_agent/versions" / v / "bin/agent", v);
  }
  std::filesystem::create_directory_symlink("versions/0.5.0", root / "components/telemetry_agent/current");
  return root;
}

std::string planned_strategy(const noodle::test::ProcessResult& r)
{
  auto doc = nlohmann::json::parse(r.out);
  return doc.at("steps").at(0).at("strategy").get<std::string>();
}

} // namespace

TEST_CASE("cli config file sets the default strategy; NOODLE_STRATEGY and --strategy override it")
{
  TempDir dir;
  auto root = make_installed_root(dir);
  auto config = dir / "config.yaml";
  write_file(config, "strategy: canary\nroot: " + root.string() + "\n");
  const auto& archives = noodle::test::example_archives();
  const std::vector<std::string> plan = {"--config",   config.string(), "-o",        "json", "--keyring",
                                         (archives / "keyring").string(), "--archives",
                                         (archives / "archives").string(), "plan",    "telemetry_agent",
                                         "1.0.0",      "--offline"};

  auto file = run_binary(plan);
  REQUIRE(file.exit_code == 0);
  CHECK(planned_strategy(file) == "canary");

  auto env = run_binary(plan, "", {{"NOODLE_STRATEGY", "rolling"}});
  REQUIRE(env.exit_code == 0);
  CHECK(planned_strategy(env) == "rolling");

  auto with_flag = plan;
  with_flag.insert(with_flag.end(), {"--strategy", "immediate"});
  auto flag = run_binary(with_flag, "", {{"NOODLE_STRATEGY", "rolling"}});
  REQUIRE(flag.exit_code == 0);
  CHECK(planned_strategy(flag) == "immediate");

  // A value the option refuses is refused from the environment too.
  auto bad = run_binary(plan, "", {{"NOODLE_STRATEGY", "sideways"}});
  CHECK(bad.exit_code == 2);
}

TEST_CASE("cli config file sets gc's keep count; NOODLE_GC_KEEP overrides it")
{
  TempDir dir;
  auto root = make_installed_root(dir);
  auto config = dir / "config.yaml";
  write_file(config, "gc_keep: 3\nroot: " + root.string() + "\n");
  const auto versions = root / "components/telemetry_agent/versions";

  // keep 3 keeps everything: 0.5.0 is current, 1.0.0 and 0.4.0 are the newest others.
  auto keep_all = run_binary({"--config", config.string(), "gc"});
  REQUIRE(keep_all.exit_code == 0);
  CHECK(std::filesystem::exists(versions / "0.4.0"));
  CHECK(std::filesystem::exists(versions / "1.0.0"));

  auto keep_one = run_binary({"--config", config.string(), "gc"}, "", {{"NOODLE_GC_KEEP", "1"}});
  REQUIRE(keep_one.exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(versions / "0.4.0"));
  CHECK(std::filesystem::exists(versions / "1.0.0"));
  CHECK(std::filesystem::exists(versions / "0.5.0"));
}

TEST_CASE("cli config file sets how long rollback points are kept")
{
  TempDir dir;
  auto root = make_installed_root(dir);
  auto config = dir / "config.yaml";
  write_file(config, "point_retention_days: 2\nroot: " + root.string() + "\n");
  auto r = run_binary({"--config", config.string(), "-o", "json", "snapshot", "telemetry_agent"});
  REQUIRE(r.exit_code == 0);
  auto point = nlohmann::json::parse(r.out).at("point");
  auto created = point.at("created_at").get<std::string>();
  auto expires = point.at("expires_at").get<std::string>();
  // RFC 3339 ("YYYY-MM-DDTHH:MM:SS.mmmZ"): two days later at the same time of day.
  std::tm c{};
  std::tm e{};
  REQUIRE(strptime(created.c_str(), "%Y-%m-%dT%H:%M:%S", &c) != nullptr);
  REQUIRE(strptime(expires.c_str(), "%Y-%m-%dT%H:%M:%S", &e) != nullptr);
  CHECK(timegm(&e) - timegm(&c) == 2 * 24 * 3600);
}

TEST_CASE("cli --help and --version work with a broken config file; commands still refuse it")
{
  TempDir dir;
  auto config = dir / "config.yaml";
  write_file(config, "root: [unclosed\n");
  auto help = run_binary({"--help"}, "", {{"NOODLE_CONFIG", config.string()}});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Usage:") != std::string::npos);
  auto version = run_binary({"--config", config.string(), "--version"});
  CHECK(version.exit_code == 0);
  auto command = run_binary({"components", "list"}, "", {{"NOODLE_CONFIG", config.string()}});
  CHECK(command.exit_code == 2);
  CHECK(command.err.find(config.string() + ":") != std::string::npos);
}
