// SPDX-License-Identifier: Apache-2.0
#include "support/example_root.hpp"

#include "support/archive_builder.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>

namespace noodle::test {

namespace fs = std::filesystem;

namespace {

// Every version of the catalog at `catalog` (relative to the source tree)
// packed and signed once into a directory that lives for the test run.
fs::path pack_catalog(const std::string& catalog, TempDir& dir)
{
  const std::string cmd = "python3 " + source_path("scripts/make-example-archives") + " --binary " NOODLE_BINARY
                          " --catalog " + source_path(catalog) + " --out " + (dir / "out").string() + " >/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  return dir / "out";
}

// Under ctest every test case is a process of its own, so the archives are
// packed once for the whole run by the `test_archives` fixture, which names
// its directory in NOODLE_TEST_ARCHIVES (`sub` of it for this catalog); a
// test binary run by hand packs its own.
fs::path archives_for(const std::string& catalog, const char* sub, std::optional<TempDir>& dir)
{
  if (const char* shared = std::getenv("NOODLE_TEST_ARCHIVES"); shared != nullptr && *shared != '\0') {
    const fs::path out = fs::path(shared) / sub;
    INFO("NOODLE_TEST_ARCHIVES names " << out << ", which the test_archives fixture did not fill");
    REQUIRE(fs::is_directory(out / "keyring"));
    return out;
  }
  return pack_catalog(catalog, dir.emplace());
}

} // namespace

const fs::path& example_archives()
{
  static std::optional<TempDir> dir;
  static const fs::path out = archives_for("manifests", "example", dir);
  return out;
}

const fs::path& live_archives()
{
  static std::optional<TempDir> dir;
  static const fs::path out = archives_for("tests/data/live-catalog", "live", dir);
  return out;
}

const Versions& demo_start_versions()
{
  static const Versions k_versions = {
      {"runtime_core", "1.2.0"},  {"gc_engine", "1.1.0"},         {"jit_compiler", "1.4.0"},
      {"code_assistant", "1.0.0"}, {"telemetry_agent", "0.5.0"}, {"deploy_controller", "3.1.0"},
      {"model_gateway", "1.1.0"}};
  return k_versions;
}

ExampleRoot::ExampleRoot(const Versions& versions)
{
  fs::copy(example_archives() / "archives", archives);
  for (const auto& [name, version] : versions) {
    auto r = nu({"upgrade", name, version, "--offline"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
}

ProcessResult ExampleRoot::nu(std::vector<std::string> args, const std::map<std::string, std::string>& env)
{
  std::vector<std::string> full = {"--root",     root.string(),
                                   "--catalog",  source_path("manifests"),
                                   "--keyring",  (example_archives() / "keyring").string(),
                                   "--archives", archives.string()};
  full.insert(full.end(), args.begin(), args.end());
  return run_binary(full, "", env);
}

nlohmann::json ExampleRoot::json(std::vector<std::string> args)
{
  args.insert(args.begin(), {"-o", "json"});
  auto r = nu(args);
  INFO(r.out << r.err);
  return nlohmann::json::parse(r.out);
}

std::string ExampleRoot::current(const std::string& name) const
{
  std::error_code ec;
  return fs::read_symlink(root / "components" / name / "current", ec).string();
}

std::map<std::string, std::string> ExampleRoot::links() const
{
  std::map<std::string, std::string> all;
  for (const auto& e : fs::directory_iterator(root / "components")) {
    all[e.path().filename().string()] = current(e.path().filename().string());
  }
  return all;
}

void plant_unextractable(const fs::path& archives, const std::string& name, const std::string& version)
{
  const fs::path archive = archives / (name + "-" + version + ".tar.gz");
  ArchiveBuilder builder;
  builder.file("manifest.yaml", "name: " + name + "\nversion: " + version + "\ndescription: x\ntype: system\n");
  builder.device("dev/null");
  fs::remove(archive);
  fs::remove(archive.string() + ".sig");
  write_bytes(archive, builder.finish());
  auto signed_archive = run_binary({"sign", archive.string(), "--key", (example_archives() / "demo-test-key.key").string()});
  INFO(signed_archive.out << signed_archive.err);
  REQUIRE(signed_archive.exit_code == 0);
}

} // namespace noodle::test
