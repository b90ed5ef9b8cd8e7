// SPDX-License-Identifier: Apache-2.0
#include "support/example_root.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

namespace noodle::test {

namespace fs = std::filesystem;

const fs::path& example_archives()
{
  static TempDir dir;
  static bool made = false;
  if (!made) {
    const std::string cmd = "python3 " + source_path("scripts/make-example-archives") + " --binary " NOODLE_BINARY
                            " --catalog " + source_path("manifests") + " --out " + (dir / "out").string() +
                            " >/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    made = true;
  }
  static const fs::path out = dir / "out";
  return out;
}

ExampleRoot::ExampleRoot()
{
  fs::copy(example_archives() / "archives", archives);
  for (const auto& [name, version] : std::vector<std::pair<std::string, std::string>>{{"runtime_core", "1.2.0"},
                                                                                      {"gc_engine", "1.1.0"},
                                                                                      {"jit_compiler", "1.4.0"},
                                                                                      {"code_assistant", "1.0.0"},
                                                                                      {"telemetry_agent", "0.5.0"},
                                                                                      {"deploy_controller", "3.1.0"},
                                                                                      {"model_gateway", "1.1.0"}}) {
    auto r = nu({"upgrade", name, version, "--offline"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
}

ProcessResult ExampleRoot::nu(std::vector<std::string> args, const std::map<std::string, std::string>& env) const
{
  std::vector<std::string> full = {"--root",    root.string(),
                                   "--catalog", source_path("manifests"),
                                   "--keyring", (example_archives() / "keyring").string(),
                                   "--archives", archives.string()};
  full.insert(full.end(), args.begin(), args.end());
  return run_binary(full, "", env);
}

nlohmann::json ExampleRoot::json(std::vector<std::string> args) const
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

} // namespace noodle::test
