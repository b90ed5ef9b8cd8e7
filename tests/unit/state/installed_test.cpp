// SPDX-License-Identifier: Apache-2.0
#include <noodle/state/installed.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>

namespace fs = std::filesystem;
using noodle::ErrorCode;
using noodle::state::read_installed;
using noodle::test::TempDir;

namespace {

// Makes components/<name>/versions/<version> and, unless `target` is empty,
// the `current` link pointing at `target`.
fs::path make_component(const fs::path& root, const std::string& name, const std::string& version,
                        const std::string& target)
{
  const fs::path dir = root / "components" / name;
  fs::create_directories(dir / "versions" / version);
  if (!target.empty()) {
    fs::create_directory_symlink(target, dir / "current");
  }
  return dir;
}

} // namespace

TEST_CASE("state::read_installed treats a missing root or components directory as nothing installed")
{
  TempDir tmp;
  auto missing = read_installed(tmp.path() / "does-not-exist");
  REQUIRE(missing);
  CHECK(missing->components.empty());

  auto empty = read_installed(tmp.path());
  REQUIRE(empty);
  CHECK(empty->components.empty());
}

TEST_CASE("state::read_installed reads each component's version from its current symlink")
{
  TempDir tmp;
  make_component(tmp.path(), "runtime_core", "1.2.0", "versions/1.2.0");
  make_component(tmp.path(), "runtime_core", "1.3.0", ""); // staged, not current
  make_component(tmp.path(), "gc_engine", "2.0.0-rc.1+build.7", "versions/2.0.0-rc.1+build.7");
  make_component(tmp.path(), "jit_compiler", "1.0.0", ""); // no current: not installed
  fs::create_directories(tmp.path() / "components" / ".staging" / "versions");
  std::ofstream(tmp.path() / "components" / "README") << "not a component\n";

  auto state = read_installed(tmp.path());
  REQUIRE(state);
  REQUIRE(state->components.size() == 2);

  const auto* core = state->find("runtime_core");
  REQUIRE(core != nullptr);
  CHECK(core->name == "runtime_core");
  CHECK(core->version.to_string() == "1.2.0");
  CHECK(core->path == tmp.path() / "components" / "runtime_core" / "versions" / "1.2.0");

  const auto* gc = state->find("gc_engine");
  REQUIRE(gc != nullptr);
  CHECK(gc->version.to_string() == "2.0.0-rc.1+build.7");
  CHECK(state->find("jit_compiler") == nullptr);
  CHECK(state->find(".staging") == nullptr);
}

TEST_CASE("state::read_installed refuses a current that is not a symlink")
{
  TempDir tmp;
  const auto dir = make_component(tmp.path(), "runtime_core", "1.2.0", "");
  fs::create_directory(dir / "current");

  auto state = read_installed(tmp.path());
  REQUIRE_FALSE(state);
  CHECK(state.error().code == ErrorCode::corrupt_state);
  CHECK(state.error().message == "corrupt installed state: '" + (dir / "current").string() + "' is not a symlink");
}

TEST_CASE("state::read_installed refuses current links that leave versions/<version>")
{
  const char* target =
      GENERATE("/etc", "../../../outside/versions/1.0.0", "versions/../../other/versions/1.0.0",
               "versions/not-a-version", "versions/v1.2.0", "versions/1.2.0/bin", "releases/1.2.0", "versions");
  TempDir tmp;
  const auto dir = make_component(tmp.path(), "runtime_core", "1.2.0", target);

  auto state = read_installed(tmp.path());
  REQUIRE_FALSE(state);
  CHECK(state.error().code == ErrorCode::corrupt_state);
  CHECK(state.error().message
        == "corrupt installed state: '" + (dir / "current").string() + "' points to '" + target
               + "': expected 'versions/<version>' with a valid semantic version");
}

TEST_CASE("state::read_installed refuses a current pointing to a missing or linked version directory")
{
  TempDir tmp;
  SECTION("missing")
  {
    const auto dir = make_component(tmp.path(), "runtime_core", "1.2.0", "versions/1.3.0");
    auto state = read_installed(tmp.path());
    REQUIRE_FALSE(state);
    CHECK(state.error().code == ErrorCode::corrupt_state);
    CHECK(state.error().message
          == "corrupt installed state: '" + (dir / "current").string() + "' points to missing directory '"
                 + (dir / "versions/1.3.0").string() + "'");
  }
  SECTION("version directory is itself a symlink leading elsewhere")
  {
    const fs::path dir = tmp.path() / "components" / "runtime_core";
    fs::create_directories(dir / "versions");
    fs::create_directories(tmp.path() / "elsewhere");
    fs::create_directory_symlink(tmp.path() / "elsewhere", dir / "versions" / "1.2.0");
    fs::create_directory_symlink("versions/1.2.0", dir / "current");
    auto state = read_installed(tmp.path());
    REQUIRE_FALSE(state);
    CHECK(state.error().code == ErrorCode::corrupt_state);
    CHECK(state.error().message.find("which is not a directory") != std::string::npos);
  }
}

TEST_CASE("state::read_installed refuses a component directory that is a symlink")
{
  TempDir tmp;
  make_component(tmp.path() / "elsewhere", "runtime_core", "1.2.0", "versions/1.2.0");
  fs::create_directories(tmp.path() / "root" / "components");
  fs::create_directory_symlink(tmp.path() / "elsewhere" / "components" / "runtime_core",
                               tmp.path() / "root" / "components" / "runtime_core");

  auto state = read_installed(tmp.path() / "root");
  REQUIRE_FALSE(state);
  CHECK(state.error().code == ErrorCode::unsafe_path);
  CHECK(state.error().message == "'" + (tmp.path() / "root/components/runtime_core").string() +
                                     "' is a symbolic link where a directory must be: never followed");
}

TEST_CASE("state::read_installed follows no link below the root, and may leave linked components out")
{
  TempDir tmp;
  make_component(tmp.path() / "elsewhere", "runtime_core", "1.2.0", "versions/1.2.0");
  make_component(tmp.path() / "root", "gc_engine", "1.1.0", "versions/1.1.0");
  make_component(tmp.path() / "root", "jit_compiler", "1.4.0", "versions/1.4.0");
  const fs::path components = tmp.path() / "root" / "components";
  fs::create_directory_symlink(tmp.path() / "elsewhere" / "components" / "runtime_core",
                               components / "runtime_core");
  fs::rename(components / "jit_compiler" / "versions", components / "jit_compiler" / "versions.real");
  fs::create_directory_symlink(components / "jit_compiler" / "versions.real", components / "jit_compiler" / "versions");

  auto skipped = read_installed(tmp.path() / "root", noodle::state::OnSymlink::skip);
  REQUIRE(skipped);
  CHECK(skipped->components.size() == 1);
  CHECK(skipped->find("gc_engine") != nullptr);
  CHECK(skipped->skipped ==
        std::vector<fs::path>{components / "jit_compiler" / "versions", components / "runtime_core"});

  fs::remove(components / "runtime_core");
  auto refused = read_installed(tmp.path() / "root");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::unsafe_path);
  CHECK(refused.error().message.rfind("'" + (components / "jit_compiler" / "versions").string() + "'", 0) == 0);

  // The root's own path may go through links; components/ may not be one.
  fs::create_directory_symlink(tmp.path() / "root", tmp.path() / "alias");
  fs::remove(components / "jit_compiler" / "versions");
  fs::rename(components / "jit_compiler" / "versions.real", components / "jit_compiler" / "versions");
  auto through_alias = read_installed(tmp.path() / "alias");
  REQUIRE(through_alias);
  CHECK(through_alias->components.size() == 2);
  fs::rename(components, tmp.path() / "root" / "components.real");
  fs::create_directory_symlink(tmp.path() / "root" / "components.real", components);
  auto linked = read_installed(tmp.path() / "root");
  REQUIRE_FALSE(linked);
  CHECK(linked.error().code == ErrorCode::unsafe_path);
}

TEST_CASE("state::read_installed fails with io when components is not a directory")
{
  TempDir tmp;
  std::ofstream(tmp.path() / "components") << "x";
  auto state = read_installed(tmp.path());
  REQUIRE_FALSE(state);
  CHECK(state.error().code == ErrorCode::io);
}

TEST_CASE("ErrorCode::corrupt_state has a stable name")
{
  CHECK(noodle::error_code_name(ErrorCode::corrupt_state) == "corrupt_state");
  CHECK(noodle::error_code_name(ErrorCode::downgrade_refused) == "downgrade_refused");
  CHECK(noodle::error_code_name(ErrorCode::insufficient_resources) == "insufficient_resources");
}
