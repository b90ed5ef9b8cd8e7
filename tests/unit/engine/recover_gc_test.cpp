// SPDX-License-Identifier: Apache-2.0
// Recovery decisions and garbage collection on hand-built roots: versions
// are plain directories with their trees recorded, so no archive is needed,
// and the clock is the test's.
#include "support/temp_dir.hpp"

#include <noodle/archive/tree_digest.hpp>
#include <noodle/engine/change.hpp>
#include <noodle/engine/fs_ops.hpp>
#include <noodle/engine/gc.hpp>
#include <noodle/engine/recover.hpp>
#include <noodle/engine/session.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sqlite3.h>

using namespace noodle;
namespace fs = std::filesystem;

namespace {

struct RecoverRoot {
  test::TempDir dir;
  engine::Layout layout{dir / "root"};
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();

  engine::Session open(const engine::RuntimeConnector& runtime = {})
  {
    auto s = engine::Session::open_for_change(layout, std::chrono::milliseconds(0),
                                              engine::Actor::current("test"), [this] { return now; }, {}, nullptr,
                                              runtime);
    REQUIRE(s);
    return std::move(*s);
  }

  // versions/<v> with one file, recorded as extraction would.
  void add_version(engine::Session& s, const std::string& name, const std::string& v)
  {
    const auto d = layout.version_dir(name, v);
    fs::create_directories(d / "bin");
    std::ofstream(d / "bin" / name) << name << " " << v << "\n";
    fs::create_directories(layout.config_dir(name));
    auto t = archive::hash_tree(d);
    REQUIRE(t);
    REQUIRE(s.store()->record_files(name, v, *t));
  }

  void point_at(const std::string& name, const std::string& v)
  {
    auto root = engine::RootDir::open(layout.root());
    REQUIRE(root);
    REQUIRE(engine::swap_link(*root, engine::rel::current(name), engine::Layout::link_target(v)));
  }

  std::string current(const std::string& name) const { return fs::read_symlink(layout.current_link(name)).string(); }
};

enum class Ran { offline, live };

// An upgrade recorded as started by a process that is gone (pid 0 never matches).
std::int64_t interrupted_upgrade(engine::Session& s, const std::vector<std::pair<std::string, std::string>>& moves,
                                 const std::string& from, std::size_t completed, Ran ran = Ran::offline)
{
  store::UpgradeRecord u;
  u.kind = "upgrade";
  u.offline = ran == Ran::offline;
  u.status = store::UpgradeStatus::in_progress;
  u.pid = 999999999;
  auto id = s.store()->begin_upgrade(u);
  REQUIRE(id);
  int seq = 0;
  for (const auto& [name, to] : moves) {
    store::OperationRecord op;
    op.upgrade_id = *id;
    op.seq = seq;
    op.component = name;
    op.from_version = from;
    op.to_version = to;
    op.status = static_cast<std::size_t>(seq) < completed ? store::OperationStatus::completed
                                                          : store::OperationStatus::in_progress;
    auto point = engine::take_point(s, name, "upgrade", *id, 1000);
    REQUIRE(point);
    op.point_id = *point;
    REQUIRE(s.store()->add_operation(op));
    ++seq;
  }
  return *id;
}

// a and b at 1.0.0 with 2.0.0 extracted beside them, and an upgrade of both
// to 2.0.0 by a process that died after swapping a, before recording b (b
// never moved). Returns the upgrade's id.
std::int64_t half_done_upgrade(RecoverRoot& f)
{
  auto s = f.open();
  for (const char* name : {"a", "b"}) {
    f.add_version(s, name, "1.0.0");
    f.add_version(s, name, "2.0.0");
    f.point_at(name, "1.0.0");
  }
  const std::int64_t id = interrupted_upgrade(s, {{"a", "2.0.0"}, {"b", "2.0.0"}}, "1.0.0", 1);
  f.point_at("a", "2.0.0");
  return id;
}

// A runtime that answers only `running`, from a table (a missing entry: it
// runs none), or refuses it as unknown when it lacks the op.
class RunningRuntime final : public live::Runtime {
public:
  std::map<std::string, std::string> runs;
  bool knows_running = true;
  std::vector<std::string> asked;

  Result<live::HelloInfo> hello() override { return fail(ErrorCode::internal, "not scripted"); }
  Result<void> prepare(const std::string&, const std::string&, const std::string&) override { return unexpected(); }
  Result<void> activate(const live::ActivateRequest&) override { return unexpected(); }
  Result<live::HealthReport> health(const std::string&, const std::vector<std::string>&) override
  {
    return fail(ErrorCode::internal, "not scripted");
  }
  Result<void> commit(const std::string&, const std::string&) override { return unexpected(); }
  Result<void> rollback(const std::string&, const std::string&) override { return unexpected(); }
  Result<void> abort(const std::string&) override { return unexpected(); }
  Result<std::optional<std::string>> running(const std::string& component) override
  {
    asked.push_back(component);
    if (!knows_running) {
      Error e(ErrorCode::runtime_refused, "runtime refused running: unknown_op: unknown op 'running'");
      e.details.emplace_back("unknown_op");
      return fail(std::move(e));
    }
    const auto it = runs.find(component);
    return it == runs.end() ? std::optional<std::string>() : std::optional<std::string>(it->second);
  }

private:
  static Result<void> unexpected() { return fail(ErrorCode::internal, "recover must only ask running"); }
};

engine::RuntimeConnector connector(RunningRuntime& runtime)
{
  return [&runtime]() -> Result<live::Runtime*> { return &runtime; };
}

// half_done_upgrade, run live: a's link moved (and its step was recorded),
// b's did not.
std::int64_t half_done_live_upgrade(RecoverRoot& f)
{
  auto s = f.open();
  for (const char* name : {"a", "b"}) {
    f.add_version(s, name, "1.0.0");
    f.add_version(s, name, "2.0.0");
    f.point_at(name, "1.0.0");
  }
  const std::int64_t id = interrupted_upgrade(s, {{"a", "2.0.0"}, {"b", "2.0.0"}}, "1.0.0", 1, Ran::live);
  f.point_at("a", "2.0.0");
  return id;
}

} // namespace

TEST_CASE("engine::recover keeps a live change the runtime committed and undoes one it did not", "[engine]")
{
  RecoverRoot f;
  const std::int64_t id = half_done_live_upgrade(f);
  RunningRuntime runtime;
  runtime.runs = {{"a", "2.0.0"}, {"b", "1.0.0"}};
  auto s = f.open(connector(runtime));
  const auto& report = s.recovery();
  REQUIRE(report.upgrades.size() == 1);
  CHECK(report.upgrades[0].outcome == "failed");
  CHECK(runtime.asked == std::vector<std::string>{"a", "b"});
  CHECK(f.current("a") == "versions/2.0.0");
  CHECK(f.current("b") == "versions/1.0.0");
  auto u = s.store()->upgrade(id);
  REQUIRE((u && *u));
  CHECK((*u)->status == store::UpgradeStatus::failed);
  auto ops = s.store()->operations(id);
  REQUIRE(ops);
  REQUIRE(ops->size() == 2);
  CHECK((*ops)[0].status == store::OperationStatus::completed);
  CHECK((*ops)[1].status == store::OperationStatus::rolled_back);
  CHECK(s.store()->unfinished()->empty());
}

TEST_CASE("engine::recover finishes a live change the runtime committed before its link moved", "[engine]")
{
  RecoverRoot f;
  const std::int64_t id = half_done_live_upgrade(f);
  RunningRuntime runtime;
  runtime.runs = {{"a", "2.0.0"}, {"b", "2.0.0"}};
  auto s = f.open(connector(runtime));
  const auto& report = s.recovery();
  REQUIRE(report.upgrades.size() == 1);
  CHECK(report.upgrades[0].outcome == "completed");
  CHECK(report.upgrades[0].actions ==
        std::vector<std::string>{"b: current -> versions/2.0.0 (the runtime runs it)",
                                 "a: kept at 2.0.0 (the runtime runs it)"});
  CHECK(f.current("a") == "versions/2.0.0");
  CHECK(f.current("b") == "versions/2.0.0");
  auto u = s.store()->upgrade(id);
  REQUIRE((u && *u));
  CHECK((*u)->status == store::UpgradeStatus::completed);
}

TEST_CASE("engine::recover judges by the links alone, and says so, without a runtime or its running op", "[engine]")
{
  SECTION("the runtime lacks the op")
  {
    RecoverRoot f;
    half_done_live_upgrade(f);
    RunningRuntime runtime;
    runtime.knows_running = false;
    runtime.runs = {{"a", "2.0.0"}};
    auto s = f.open(connector(runtime));
    const auto& report = s.recovery();
    REQUIRE(report.upgrades.size() == 1);
    CHECK(report.upgrades[0].outcome == "rolled_back");
    CHECK(report.upgrades[0].notes ==
          std::vector<std::string>{"the runtime does not know the 'running' op: the links alone decide"});
    CHECK(f.current("a") == "versions/1.0.0");
  }
  SECTION("no runtime listens")
  {
    RecoverRoot f;
    half_done_live_upgrade(f);
    auto s = f.open([]() -> Result<live::Runtime*> {
      return fail(ErrorCode::runtime_unreachable, "no runtime listens on 'control.sock'");
    });
    const auto& report = s.recovery();
    REQUIRE(report.upgrades.size() == 1);
    CHECK(report.upgrades[0].outcome == "rolled_back");
    CHECK(report.upgrades[0].notes ==
          std::vector<std::string>{"no runtime answered (no runtime listens on 'control.sock'): the links alone "
                                   "decide"});
    CHECK(f.current("a") == "versions/1.0.0");
  }
}

TEST_CASE("engine::recover undoes an interrupted upgrade judged by where the links point", "[engine]")
{
  RecoverRoot f;
  const std::int64_t id = half_done_upgrade(f);
  // Leftovers of the dead process: a staging tree and a temporary link.
  fs::create_directories(f.layout.staging_dir() / "7-0-a" / "tree");
  std::ofstream(f.layout.component_dir("a") / ".current.tmp-1-0") << "";
  auto s = f.open(); // every changing command recovers first
  const auto& report = s.recovery();
  REQUIRE(report.upgrades.size() == 1);
  CHECK(report.upgrades[0].outcome == "rolled_back");
  CHECK(f.current("a") == "versions/1.0.0");
  CHECK(f.current("b") == "versions/1.0.0");
  CHECK(fs::is_empty(f.layout.staging_dir()));
  CHECK(!fs::exists(f.layout.component_dir("a") / ".current.tmp-1-0"));
  auto u = s.store()->upgrade(id);
  REQUIRE((u && *u));
  CHECK((*u)->status == store::UpgradeStatus::rolled_back);
  CHECK((*u)->error.find("interrupted") != std::string::npos);
  CHECK(s.store()->unfinished()->empty());
}

TEST_CASE("engine::recover records as completed an upgrade whose operations all completed", "[engine]")
{
  RecoverRoot f;
  std::int64_t id = 0;
  {
    auto s = f.open();
    f.add_version(s, "a", "1.0.0");
    f.add_version(s, "a", "2.0.0");
    f.point_at("a", "1.0.0");
    id = interrupted_upgrade(s, {{"a", "2.0.0"}}, "1.0.0", 1);
    f.point_at("a", "2.0.0");
  }
  auto s = f.open();
  REQUIRE(s.recovery().upgrades.size() == 1);
  CHECK(s.recovery().upgrades[0].outcome == "completed");
  CHECK(f.current("a") == "versions/2.0.0");
  CHECK((*s.store()->upgrade(id))->status == store::UpgradeStatus::completed);
}

TEST_CASE("engine::recover refuses to go back to a version that no longer matches its record", "[engine]")
{
  RecoverRoot f;
  {
    auto s = f.open();
    f.add_version(s, "a", "1.0.0");
    f.add_version(s, "a", "2.0.0");
    f.point_at("a", "1.0.0");
    interrupted_upgrade(s, {{"a", "2.0.0"}, {"a", "3.0.0"}}, "1.0.0", 0);
    f.point_at("a", "2.0.0");
    std::ofstream(f.layout.version_dir("a", "1.0.0") / "bin" / "a") << "damaged\n";
  }
  auto s = engine::Session::open_for_change(f.layout, std::chrono::milliseconds(0), engine::Actor::current("test"),
                                            [&] { return f.now; });
  REQUIRE(!s);
  CHECK(s.error().code == ErrorCode::integrity);
  CHECK(f.current("a") == "versions/2.0.0");
}

TEST_CASE("engine::collect_garbage removes expired points and versions nothing needs, keeps the rest", "[engine]")
{
  RecoverRoot f;
  auto s = f.open();
  for (const char* v : {"1.0.0", "2.0.0", "3.0.0", "4.0.0"}) {
    f.add_version(s, "a", v);
  }
  f.point_at("a", "1.0.0");
  auto old_point = engine::take_point(s, "a", "snapshot", std::nullopt, 1000); // expires in 1 s
  REQUIRE(old_point);
  f.point_at("a", "2.0.0");
  auto live_point = engine::take_point(s, "a", "snapshot", std::nullopt, 3'600'000);
  REQUIRE(live_point);
  f.point_at("a", "3.0.0");
  f.now += std::chrono::seconds(10);

  auto report = engine::collect_garbage(s, 0);
  REQUIRE(report);
  CHECK(report->removed_points == std::vector<std::int64_t>{*old_point});
  CHECK(!fs::exists(f.layout.point_dir(*old_point)));
  // 3.0.0 is current, 2.0.0 a live point's target; 1.0.0 and 4.0.0 go.
  CHECK(fs::exists(f.layout.version_dir("a", "3.0.0")));
  CHECK(fs::exists(f.layout.version_dir("a", "2.0.0")));
  CHECK(!fs::exists(f.layout.version_dir("a", "1.0.0")));
  CHECK(!fs::exists(f.layout.version_dir("a", "4.0.0")));
  CHECK(!*s.store()->files("a", "4.0.0"));
  CHECK(*s.store()->files("a", "3.0.0"));

  // --keep 1 would have kept the newest (4.0.0) too.
  f.add_version(s, "a", "5.0.0");
  auto keep = engine::collect_garbage(s, 1);
  REQUIRE(keep);
  CHECK(fs::exists(f.layout.version_dir("a", "5.0.0")));
}

TEST_CASE("engine::recover records an undone upgrade whole or not at all", "[engine]")
{
  RecoverRoot f;
  const std::int64_t id = half_done_upgrade(f);
  // The audit trail refuses recover's entries, as a full disk would refuse the write.
  const auto db_path = f.layout.database();
  const auto exec = [&](const char* sql) {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db_path.c_str(), &raw) == SQLITE_OK);
    CHECK(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  };
  exec("CREATE TRIGGER refuse_recover BEFORE INSERT ON audit WHEN NEW.action = 'recover' "
       "BEGIN SELECT RAISE(ABORT, 'audit refused'); END");
  auto failed = engine::Session::open_for_change(f.layout, std::chrono::milliseconds(0),
                                                 engine::Actor::current("test"), [&f] { return f.now; });
  REQUIRE_FALSE(failed);
  CHECK_THAT(failed.error().message, Catch::Contains("audit refused"));
  // The links went back; the record did not change at all: the next recover does it.
  CHECK(f.current("a") == "versions/1.0.0");
  {
    auto store = store::StateStore::open(db_path, store::StateStore::Create::never);
    REQUIRE(store);
    auto u = store->upgrade(id);
    REQUIRE((u && *u));
    CHECK((*u)->status == store::UpgradeStatus::in_progress);
    auto ops = store->operations(id);
    REQUIRE(ops);
    REQUIRE(ops->size() == 2);
    CHECK((*ops)[0].status == store::OperationStatus::completed);
    CHECK((*ops)[1].status == store::OperationStatus::in_progress);
  }
  exec("DROP TRIGGER refuse_recover");
  auto s = f.open();
  REQUIRE(s.recovery().upgrades.size() == 1);
  auto u = s.store()->upgrade(id);
  REQUIRE((u && *u));
  CHECK((*u)->status == store::UpgradeStatus::rolled_back);
  auto ops = s.store()->operations(id);
  REQUIRE(ops);
  for (const auto& op : *ops) {
    CHECK(op.status == store::OperationStatus::rolled_back);
  }
}

TEST_CASE("engine::collect_garbage fails when it cannot audit a removal, and the next gc finishes it", "[engine]")
{
  RecoverRoot f;
  {
    auto s = f.open();
    f.add_version(s, "a", "1.0.0");
    f.add_version(s, "a", "2.0.0");
    f.point_at("a", "2.0.0");
  }
  const auto db_path = f.layout.database();
  const auto exec = [&](const char* sql) {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db_path.c_str(), &raw) == SQLITE_OK);
    CHECK(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  };
  exec("CREATE TRIGGER refuse_gc BEFORE INSERT ON audit WHEN NEW.action = 'gc' "
       "BEGIN SELECT RAISE(ABORT, 'audit refused'); END");
  {
    auto s = f.open();
    auto report = engine::collect_garbage(s, 0);
    REQUIRE_FALSE(report);
    CHECK_THAT(report.error().message, Catch::Contains("audit refused"));
    // The directory is gone, its record kept with the unwritten audit entry.
    CHECK(!fs::exists(f.layout.version_dir("a", "1.0.0")));
    CHECK(*s.store()->files("a", "1.0.0"));
  }
  exec("DROP TRIGGER refuse_gc");
  auto s = f.open();
  auto report = engine::collect_garbage(s, 0);
  REQUIRE(report);
  CHECK(report->removed_versions == std::vector<std::string>{"a@1.0.0"});
  CHECK(!*s.store()->files("a", "1.0.0"));
}
