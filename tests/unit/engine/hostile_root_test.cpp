// SPDX-License-Identifier: Apache-2.0
// The engine against a root someone else tampered with: links planted where
// directories must be (before the session opened, so it refuses the root,
// and after, so only the no-follow file steps stand between the engine and
// the outside), names from the state database that would leave the root,
// and roots that others may write. Nothing outside the root may change.
#include "support/resolution_under_test.hpp"
#include "support/temp_dir.hpp"

#include <noodle/archive/tree_digest.hpp>
#include <noodle/engine/change.hpp>
#include <noodle/engine/check.hpp>
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/gc.hpp>
#include <noodle/engine/recover.hpp>
#include <noodle/engine/session.hpp>
#include <noodle/util/dir_fd.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace noodle;
namespace fs = std::filesystem;
using test::ResolutionUnderTest;

namespace {

struct HostileRoot {
  test::TempDir dir;
  test::TempDir outside_dir;
  engine::Layout layout{dir / "root"};
  fs::path outside = outside_dir.path();
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();

  HostileRoot()
  {
    // What a followed link would let the engine change: a tree that passes
    // for a component directory, leftovers included.
    for (const char* v : {"1.0.0", "2.0.0", "6.1.0-13-amd64"}) {
      outside_dir.write(std::string("versions/") + v + "/bin/tool", v);
    }
    fs::create_symlink("versions/1.0.0", outside / "current");
    outside_dir.write("config/app.conf", "keep me");
    outside_dir.write(".config.restore-1/app.conf", "keep me too");
    fs::create_symlink("versions/2.0.0", outside / ".current.tmp-1-0");
  }

  engine::Session open()
  {
    auto s = engine::Session::open_for_change(layout, std::chrono::milliseconds(0), engine::Actor::current("test"),
                                              [this] { return now; });
    REQUIRE(s);
    return std::move(*s);
  }

  void add_version(engine::Session& s, const std::string& name, const std::string& v)
  {
    const auto d = layout.version_dir(name, v);
    fs::create_directories(d / "bin");
    std::ofstream(d / "bin" / name) << name << " " << v << "\n";
    fs::create_directories(layout.config_dir(name));
    auto t = noodle::archive::hash_tree(d);
    REQUIRE(t);
    REQUIRE(s.store()->record_files(name, v, *t));
  }

  void point_at(engine::Session& s, const std::string& name, const std::string& v)
  {
    REQUIRE(engine::swap_link(s.root(), engine::rel::current(name), engine::Layout::link_target(v)));
  }

  std::vector<noodle::archive::TreeEntry> outside_tree() const
  {
    auto t = noodle::archive::hash_tree(outside);
    REQUIRE(t);
    return *t;
  }
};

std::string quoted(const fs::path& path)
{
  return "'" + path.string() + "'";
}

} // namespace

TEST_CASE("gc never follows a symlinked component directory planted after the session opened", "[engine]")
{
  const ResolutionUnderTest resolution;
  INFO(resolution.name());
  HostileRoot f;
  auto s = f.open();
  f.add_version(s, "a", "1.0.0");
  f.add_version(s, "a", "2.0.0");
  f.point_at(s, "a", "2.0.0");
  const auto before = f.outside_tree();
  fs::create_directory_symlink(f.outside, f.layout.component_dir("evil"));

  auto report = engine::collect_garbage(s, 0);
  REQUIRE_FALSE(report);
  CHECK(report.error().code == ErrorCode::unsafe_path);
  CHECK(report.error().message.rfind(quoted(f.layout.component_dir("evil")), 0) == 0);
  CHECK(f.outside_tree() == before);
}

TEST_CASE("gc never follows a symlinked versions/ planted after the session opened", "[engine]")
{
  const ResolutionUnderTest resolution;
  INFO(resolution.name());
  HostileRoot f;
  auto s = f.open();
  f.add_version(s, "a", "1.0.0");
  f.point_at(s, "a", "1.0.0");
  const auto before = f.outside_tree();
  fs::rename(f.layout.versions_dir("a"), f.layout.component_dir("a") / "versions.real");
  fs::create_directory_symlink(f.outside / "versions", f.layout.versions_dir("a"));

  auto report = engine::collect_garbage(s, 0);
  REQUIRE_FALSE(report);
  CHECK(report.error().code == ErrorCode::unsafe_path);
  CHECK(report.error().message.rfind(quoted(f.layout.versions_dir("a")), 0) == 0);
  CHECK(f.outside_tree() == before);
}

TEST_CASE("recover never removes leftovers behind a symlinked component directory", "[engine]")
{
  const ResolutionUnderTest resolution;
  INFO(resolution.name());
  HostileRoot f;
  auto s = f.open();
  const auto before = f.outside_tree();
  fs::create_directories(f.layout.components_dir());
  fs::create_directory_symlink(f.outside, f.layout.component_dir("evil"));

  auto recovered = engine::recover(s);
  REQUIRE_FALSE(recovered);
  CHECK(recovered.error().code == ErrorCode::unsafe_path);
  CHECK(f.outside_tree() == before);
  CHECK(fs::is_symlink(f.outside / ".current.tmp-1-0"));
}

TEST_CASE("a rollback point never copies or restores config/ through a symlink", "[engine]")
{
  const ResolutionUnderTest resolution;
  INFO(resolution.name());
  HostileRoot f;
  auto s = f.open();
  f.add_version(s, "a", "1.0.0");
  f.point_at(s, "a", "1.0.0");
  auto point = engine::take_point(s, "a", "snapshot", std::nullopt, 3'600'000);
  REQUIRE(point);
  const auto before = f.outside_tree();
  fs::remove_all(f.layout.config_dir("a"));
  fs::create_directory_symlink(f.outside / "config", f.layout.config_dir("a"));

  auto taken = engine::take_point(s, "a", "snapshot", std::nullopt, 3'600'000);
  REQUIRE_FALSE(taken);
  CHECK(taken.error().code == ErrorCode::unsafe_path);
  auto restored = engine::restore_config(s, "a", *point);
  CHECK(restored); // the link itself is exchanged away, never what it points at
  CHECK(fs::is_directory(fs::symlink_status(f.layout.config_dir("a"))));
  CHECK(f.outside_tree() == before);
}

TEST_CASE("names read back from the state database never become paths that leave the root", "[engine]")
{
  HostileRoot f;
  auto s = f.open();
  f.add_version(s, "a", "1.0.0");
  f.add_version(s, "a", "2.0.0");
  f.point_at(s, "a", "2.0.0");
  const auto before = f.outside_tree();
  // An upgrade recorded by a process that is gone, whose rows a tampered
  // database made point out of the root.
  store::UpgradeRecord u;
  u.kind = "upgrade";
  u.status = store::UpgradeStatus::in_progress;
  u.pid = 999999999;
  auto id = s.store()->begin_upgrade(u);
  REQUIRE(id);
  store::OperationRecord op;
  op.upgrade_id = *id;
  op.component = "a";
  op.from_version = "../../../outside";
  op.to_version = "2.0.0";
  op.status = store::OperationStatus::completed;
  REQUIRE(s.store()->add_operation(op));
  op.seq = 1;
  op.component = "../../other";
  op.from_version = "1.0.0";
  op.status = store::OperationStatus::in_progress;
  REQUIRE(s.store()->add_operation(op));

  auto recovered = engine::recover(s);
  REQUIRE_FALSE(recovered);
  CHECK_THAT(recovered.error().message, Catch::Contains("invalid"));
  CHECK(fs::read_symlink(f.layout.current_link("a")) == "versions/2.0.0");
  CHECK(f.outside_tree() == before);

  op.seq = 0;
  op.component = "a";
  op.from_version = "../../../outside";
  const auto escaped = engine::undo_operation(s, op);
  REQUIRE_FALSE(escaped);
  CHECK(escaped.error().code == ErrorCode::usage);
  CHECK_THAT(escaped.error().message, Catch::StartsWith("invalid version '../../../outside': "));
  CHECK(fs::read_symlink(f.layout.current_link("a")) == "versions/2.0.0");

  op.component = "../../other";
  op.from_version = "1.0.0";
  const auto undone = engine::undo_operation(s, op);
  REQUIRE_FALSE(undone);
  CHECK(undone.error().code == ErrorCode::usage);
  CHECK(undone.error().message
        == "invalid component name '..': use lowercase letters, digits, '_', '.' and '-', starting with a letter "
           "or digit");
}

TEST_CASE("a changing session refuses a root with a link where a directory must be, before it locks", "[engine]")
{
  HostileRoot f;
  {
    auto s = f.open();
    f.add_version(s, "a", "1.0.0");
    f.point_at(s, "a", "1.0.0");
  }
  const auto lock_before = fs::last_write_time(f.layout.lock_file());
  const auto check_refused = [&](const fs::path& link) {
    auto s = engine::Session::open_for_change(f.layout, std::chrono::milliseconds(0),
                                              engine::Actor::current("test"), [&f] { return f.now; });
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::unsafe_path);
    CHECK(s.error().message
          == quoted(link) + " is a symbolic link where a directory must be: never followed");
    CHECK(s.error().details.front() == "fix: rm " + quoted(link));
    CHECK(fs::last_write_time(f.layout.lock_file()) == lock_before);
  };
  SECTION("a component directory")
  {
    fs::create_directory_symlink(f.outside, f.layout.component_dir("evil"));
    check_refused(f.layout.component_dir("evil"));
  }
  SECTION("config/")
  {
    fs::remove_all(f.layout.config_dir("a"));
    fs::create_directory_symlink(f.outside / "config", f.layout.config_dir("a"));
    check_refused(f.layout.config_dir("a"));
  }
  SECTION("a version directory")
  {
    fs::create_directory_symlink(f.outside / "versions/2.0.0", f.layout.version_dir("a", "9.0.0"));
    check_refused(f.layout.version_dir("a", "9.0.0"));
  }
  SECTION("the staging area")
  {
    fs::create_directory_symlink(f.outside / "versions", f.layout.staging_dir());
    check_refused(f.layout.staging_dir());
  }
}

TEST_CASE("a changing session refuses a root that others may write, naming its mode and the fix", "[engine]")
{
  HostileRoot f;
  {
    auto s = f.open();
    f.add_version(s, "a", "1.0.0");
  }
  for (const fs::path& path : {f.layout.root(), f.layout.components_dir(), f.layout.component_dir("a"),
                               f.layout.state_dir()}) {
    INFO(path.string());
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    REQUIRE(::chmod(path.c_str(), 0777) == 0);
    auto s = engine::Session::open_for_change(f.layout, std::chrono::milliseconds(0),
                                              engine::Actor::current("test"), [&f] { return f.now; });
    REQUIRE(::chmod(path.c_str(), st.st_mode & 07777) == 0);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::unsafe_path);
    CHECK(s.error().message == quoted(path) + " is writable by group or others (owner " +
                                   engine::user_name(st.st_uid) + " (uid " + std::to_string(st.st_uid) +
                                   "), mode 0777)");
    CHECK(s.error().details.front() == "fix: chmod go-w " + quoted(path));
  }
  // Reading is still allowed: status and check may look at any root.
  REQUIRE(::chmod(f.layout.root().c_str(), 0777) == 0);
  auto reading = engine::Session::open_for_reading(f.layout, [&f] { return f.now; });
  REQUIRE(::chmod(f.layout.root().c_str(), 0700) == 0);
  CHECK(reading);
}

TEST_CASE("a changing session refuses a root, component or state directory another user owns", "[engine]")
{
  if (::geteuid() != 0) {
    WARN("only root can give a directory to another user; not run");
    return;
  }
  HostileRoot f;
  {
    auto s = f.open();
    f.add_version(s, "a", "1.0.0");
  }
  for (const fs::path& path : {f.layout.root(), f.layout.components_dir(), f.layout.component_dir("a"),
                               f.layout.state_dir()}) {
    INFO(path.string());
    REQUIRE(::chown(path.c_str(), 65534, 65534) == 0);
    auto s = engine::Session::open_for_change(f.layout, std::chrono::milliseconds(0),
                                              engine::Actor::current("test"), [&f] { return f.now; });
    REQUIRE(::chown(path.c_str(), 0, 0) == 0);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::unsafe_path);
    CHECK_THAT(s.error().message, Catch::StartsWith(quoted(path) + " is owned by " + engine::user_name(65534) +
                                                    " (uid 65534), not by root (mode 0"));
    CHECK(s.error().details.front() == "fix: chown root " + quoted(path));
  }
}

TEST_CASE("gc leaves a stray file in components/ alone", "[engine]")
{
  HostileRoot f;
  auto s = f.open();
  f.add_version(s, "a", "1.0.0");
  f.add_version(s, "a", "2.0.0");
  f.point_at(s, "a", "2.0.0");
  std::ofstream(f.layout.components_dir() / "README.txt") << "not a component\n";
  std::ofstream(f.layout.components_dir() / "Not A Name") << "neither\n";

  auto report = engine::collect_garbage(s, 0);
  REQUIRE(report);
  CHECK(report->removed_versions == std::vector<std::string>{"a@1.0.0"});
  CHECK(fs::exists(f.layout.components_dir() / "README.txt"));
}

TEST_CASE("check reports every link where a directory must be and checks nothing through one", "[engine]")
{
  const ResolutionUnderTest resolution;
  INFO(resolution.name());
  HostileRoot f;
  {
    auto s = f.open();
    f.add_version(s, "a", "1.0.0");
    f.point_at(s, "a", "1.0.0");
    f.add_version(s, "b", "1.0.0");
    f.point_at(s, "b", "1.0.0");
  }
  fs::create_directory_symlink(f.outside, f.layout.component_dir("evil"));
  fs::rename(f.layout.versions_dir("b"), f.layout.component_dir("b") / "versions.real");
  fs::create_directory_symlink(f.outside / "versions", f.layout.versions_dir("b"));
  auto s = engine::Session::open_for_reading(f.layout, [&f] { return f.now; });
  REQUIRE(s);
  auto report = engine::check(*s, std::nullopt);
  REQUIRE(report);
  CHECK(report->failed());
  REQUIRE(report->unsafe.size() == 2);
  CHECK(report->unsafe[0].path == f.layout.versions_dir("b"));
  CHECK(report->unsafe[1].path == f.layout.component_dir("evil"));
  REQUIRE(report->versions.size() == 1);
  CHECK(report->versions[0].component == "a");
  CHECK(report->versions[0].state == engine::VersionCheck::State::intact);
}

TEST_CASE("a root reached through a symlinked parent directory works, its database where the root is",
          "[engine]")
{
  HostileRoot f;
  fs::create_directories(f.dir / "real");
  fs::create_directory_symlink(f.dir / "real", f.dir / "link");
  const engine::Layout layout(f.dir / "link" / "root");
  {
    auto s = engine::Session::open_for_change(layout, std::chrono::milliseconds(0), engine::Actor::current("test"),
                                              [&f] { return f.now; });
    REQUIRE(s);
    REQUIRE(s->store() != nullptr);
    CHECK(s->root().real_path() == fs::canonical(f.dir / "real" / "root"));
  }
  CHECK(fs::is_regular_file(f.dir / "real" / "root" / ".noodle-upgrade" / "state.db"));
  auto again = engine::Session::open_for_change(layout, std::chrono::milliseconds(0), engine::Actor::current("test"),
                                                [&f] { return f.now; });
  CHECK(again);
  auto reading = engine::Session::open_for_reading(layout, [&f] { return f.now; });
  REQUIRE(reading);
  CHECK(reading->store() != nullptr);
}
