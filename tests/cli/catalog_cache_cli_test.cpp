// SPDX-License-Identifier: Apache-2.0
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using noodle::test::run_binary;
using noodle::test::TempDir;

namespace {

std::vector<fs::path> files_in(const fs::path& dir)
{
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    out.push_back(e.path());
  }
  return out;
}

} // namespace

TEST_CASE("cli read commands answer from the catalog cache exactly as with --no-catalog-cache")
{
  TempDir tmp;
  tmp.write("catalog/core.yaml", "name: core\nversion: 1.0.0\n---\nname: core\nversion: 2.0.0\nupgrade_from: ^1.0.0\n");
  tmp.write("catalog/app.yaml", "name: app\nversion: 1.0.0\ndependencies: {core: ^1.0.0}\nsurplus: 1\n");
  const std::map<std::string, std::string> env = {{"XDG_CACHE_HOME", (tmp / "xdg").string()}};
  const std::vector<std::string> base = {"--root", (tmp / "root").string(), "--catalog", (tmp / "catalog").string()};
  const auto run = [&](std::vector<std::string> args, bool cached) {
    std::vector<std::string> argv = base;
    if (!cached) {
      argv.push_back("--no-catalog-cache");
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return run_binary(argv, "", env);
  };
  run({"components", "list"}, false);
  CHECK(files_in(tmp / "xdg" / "noodle-upgrade").empty()); // --no-catalog-cache writes none
  for (const auto& args : std::vector<std::vector<std::string>>{
         {"components", "list", "-o", "json"}, {"components", "list"}, {"deps", "app"}, {"plan", "core", "2.0.0"}}) {
    const auto cold = run(args, false);
    const auto building = run(args, true);
    const auto warm = run(args, true);
    CHECK(files_in(tmp / "xdg" / "noodle-upgrade").size() == 1);
    for (const auto* r : {&building, &warm}) {
      CHECK(r->exit_code == cold.exit_code);
      CHECK(r->out == cold.out);
      CHECK(r->err == cold.err); // the unknown field's warning, printed from the cache
    }
  }
  // An edit is seen on the very next run.
  tmp.write("catalog/app.yaml", "name: app\nversion: 1.1.0\ndependencies: {core: ^1.0.0}\n");
  const auto edited = run({"components", "list", "-o", "json"}, true);
  CHECK(edited.out == run({"components", "list", "-o", "json"}, false).out);
  CHECK(edited.out.find("1.1.0") != std::string::npos);
  CHECK(edited.err.empty());
}

TEST_CASE("cli the catalog cache lives in the root's state directory when the root has one and in the user's cache otherwise")
{
  TempDir tmp;
  tmp.write("catalog/core.yaml", "name: core\nversion: 1.0.0\n");
  const std::map<std::string, std::string> env = {{"XDG_CACHE_HOME", (tmp / "xdg").string()}};
  const std::vector<std::string> args = {"--root", (tmp / "root").string(), "--catalog", (tmp / "catalog").string(),
                                         "components", "list"};
  REQUIRE(run_binary(args, "", env).exit_code == 0);
  CHECK(files_in(tmp / "xdg" / "noodle-upgrade").size() == 1);
  CHECK(files_in(tmp / "catalog").size() == 1); // never beside the catalog
  fs::create_directories(tmp / "root" / ".noodle-upgrade");
  fs::permissions(tmp / "root" / ".noodle-upgrade", fs::perms::owner_all);
  REQUIRE(run_binary(args, "", env).exit_code == 0);
  const auto in_state = files_in(tmp / "root" / ".noodle-upgrade");
  REQUIRE(in_state.size() == 1);
  CHECK(in_state[0].filename().string().rfind("catalog-", 0) == 0);
  CHECK((fs::status(in_state[0]).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  // --no-catalog-cache and NOODLE_NO_CATALOG_CACHE neither read nor write it.
  fs::remove(in_state[0]);
  std::vector<std::string> bypass = args;
  bypass.insert(bypass.begin(), "--no-catalog-cache");
  REQUIRE(run_binary(bypass, "", env).exit_code == 0);
  auto env_bypass = env;
  env_bypass["NOODLE_NO_CATALOG_CACHE"] = "1";
  REQUIRE(run_binary(args, "", env_bypass).exit_code == 0);
  CHECK(files_in(tmp / "root" / ".noodle-upgrade").empty());
}

TEST_CASE("cli __complete offers component names from the catalog cache")
{
  TempDir tmp;
  tmp.write("catalog/core.yaml", "name: core\nversion: 1.0.0\n");
  tmp.write("catalog/compiler.yaml", "name: compiler\nversion: 1.0.0\n");
  const std::map<std::string, std::string> env = {{"XDG_CACHE_HOME", (tmp / "xdg").string()}};
  const std::vector<std::string> args = {"__complete", "--root", (tmp / "root").string(),
                                         "--catalog", (tmp / "catalog").string(), "deps", "co"};
  const auto first = run_binary(args, "", env);
  CHECK(first.out == "compiler\ncore\n");
  CHECK(files_in(tmp / "xdg" / "noodle-upgrade").size() == 1);
  fs::remove(tmp / "catalog" / "compiler.yaml");
  CHECK(run_binary(args, "", env).out == "core\n");
}
