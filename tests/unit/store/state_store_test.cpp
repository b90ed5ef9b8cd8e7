// SPDX-License-Identifier: Apache-2.0
#include <noodle/store/state_store.hpp>

#include "support/files.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <fcntl.h>
#include <sys/stat.h>

namespace fs = std::filesystem;
using noodle::ErrorCode;
using noodle::archive::TreeEntry;
using noodle::store::AuditEntry;
using noodle::store::OperationRecord;
using noodle::store::OperationStatus;
using noodle::store::RollbackPoint;
using noodle::store::StateStore;
using noodle::store::UpgradeFilter;
using noodle::store::UpgradeRecord;
using noodle::store::UpgradeStatus;
using noodle::test::TempDir;

namespace {

using noodle::test::read_file;

StateStore open_store(const fs::path& path, StateStore::Create create = StateStore::Create::if_missing)
{
  auto store = StateStore::open(path, create);
  if (!store) {
    FAIL("open failed: " << store.error().message);
  }
  return std::move(*store);
}

// A second, plain SQLite connection, to look at or tamper with the file
// behind the store's back.
class RawDb {
public:
  explicit RawDb(const fs::path& path)
  {
    if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
      FAIL("sqlite3_open_v2 failed");
    }
    sqlite3_busy_timeout(m_db, 2000);
  }
  ~RawDb() { sqlite3_close_v2(m_db); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // SQLITE_OK or the error code; the message lands in last_error.
  int exec(const std::string& sql)
  {
    char* message = nullptr;
    int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message);
    last_error = message != nullptr ? message : "";
    sqlite3_free(message);
    return rc;
  }

  std::string text(const std::string& sql)
  {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* t = sqlite3_column_text(stmt, 0);
      out = t != nullptr ? reinterpret_cast<const char*>(t) : "";
    }
    sqlite3_finalize(stmt);
    return out;
  }

  std::string last_error;

private:
  sqlite3* m_db = nullptr;
};

unsigned file_mode(const fs::path& path)
{
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

UpgradeRecord make_upgrade(std::string kind, noodle::store::Millis started_at,
                           UpgradeStatus status = UpgradeStatus::pending)
{
  UpgradeRecord r;
  r.kind = std::move(kind);
  r.status = status;
  r.started_at = started_at;
  r.requested_by = "ops";
  r.uid = 1000;
  r.user = "alice";
  r.command = "noodle-upgrade upgrade lib";
  r.pid = 4242;
  r.pid_start = "123456";
  r.strategy = "rolling";
  r.priority = 3;
  r.metadata_json = R"({"ticket":"OPS-1"})";
  r.offline = false;
  return r;
}

OperationRecord make_operation(std::int64_t upgrade_id, int seq, std::string component,
                               std::optional<std::string> from, std::string to)
{
  OperationRecord op;
  op.upgrade_id = upgrade_id;
  op.seq = seq;
  op.component = std::move(component);
  op.from_version = std::move(from);
  op.to_version = std::move(to);
  return op;
}

// An upgrade of `status` with one operation per component.
std::int64_t add_upgrade(StateStore& store, UpgradeStatus status, noodle::store::Millis started_at,
                         const std::vector<std::string>& components)
{
  auto id = store.begin_upgrade(make_upgrade("upgrade", started_at, status));
  REQUIRE(id);
  int seq = 0;
  for (const auto& c : components) {
    REQUIRE(store.add_operation(make_operation(*id, seq++, c, "1.0.0", "2.0.0")));
  }
  return *id;
}

std::vector<std::int64_t> ids_of(const std::vector<UpgradeRecord>& upgrades)
{
  std::vector<std::int64_t> ids;
  for (const auto& u : upgrades) {
    ids.push_back(u.id);
  }
  return ids;
}

std::vector<TreeEntry> make_tree(std::size_t n, const std::string& digest_seed)
{
  std::vector<TreeEntry> tree;
  tree.push_back({"bin", TreeEntry::Type::directory, 0755, 0, ""});
  tree.push_back({"bin/tool", TreeEntry::Type::symlink, 0777, 0, "../lib/tool-1"});
  for (std::size_t i = 0; tree.size() < n; ++i) {
    tree.push_back({fmt::format("lib/file-{:05}.so", i), TreeEntry::Type::file, i % 2 == 0 ? 0644u : 0755u,
                    1000 + i, fmt::format("{:064}", i) + digest_seed});
  }
  std::sort(tree.begin(), tree.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return tree;
}

} // namespace

TEST_CASE("store::StateStore::open creates a private WAL database and a reopen keeps its data", "[store]")
{
  TempDir dir;
  const auto path = dir / "state.db";
  std::int64_t id = 0;
  {
    auto store = open_store(path);
    CHECK(file_mode(path) == 0600);
    auto added = store.begin_upgrade(make_upgrade("upgrade", 1000));
    REQUIRE(added);
    id = *added;
    // The WAL file takes the database's mode.
    REQUIRE(fs::exists(dir / "state.db-wal"));
    CHECK(file_mode(dir / "state.db-wal") == 0600);
  }
  {
    RawDb raw(path);
    CHECK(raw.text("PRAGMA journal_mode") == "wal");
    CHECK(raw.text("PRAGMA user_version") == "4");
  }
  auto store = open_store(path, StateStore::Create::never);
  auto again = store.upgrade(id);
  REQUIRE(again);
  REQUIRE(again->has_value());
  CHECK((*again)->kind == "upgrade");
  CHECK((*again)->started_at == 1000);
  CHECK(file_mode(path) == 0600);
}

TEST_CASE("store::StateStore::open with Create::never fails with not_found on a missing file", "[store]")
{
  TempDir dir;
  const auto path = dir / "state.db";
  auto store = StateStore::open(path, StateStore::Create::never);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::not_found);
  CHECK(store.error().message == fmt::format("state database '{}' does not exist", path.string()));
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("store::StateStore::open with Access::read_only reads, writes nothing and refuses changes", "[store]")
{
  TempDir dir;
  const auto path = dir / "state.db";
  std::int64_t id = 0;
  {
    auto store = open_store(path);
    auto added = store.begin_upgrade(make_upgrade("upgrade", 1000));
    REQUIRE(added);
    id = *added;
  }
  {
    // A read-write open would switch it back to WAL: a reader must not.
    RawDb raw(path);
    REQUIRE(raw.text("PRAGMA journal_mode = DELETE") == "delete");
  }
  const auto before = read_file(path);
  {
    auto store = StateStore::open(path, StateStore::Create::never, StateStore::Access::read_only);
    REQUIRE(store);
    auto again = store->upgrade(id);
    REQUIRE(again);
    REQUIRE(again->has_value());
    CHECK((*again)->started_at == 1000);
    auto refused = store->begin_upgrade(make_upgrade("upgrade", 2000));
    REQUIRE_FALSE(refused);
  }
  CHECK(read_file(path) == before);
  {
    RawDb raw(path);
    CHECK(raw.text("PRAGMA journal_mode") == "delete");
  }
  auto missing = StateStore::open(dir / "none.db", StateStore::Create::if_missing, StateStore::Access::read_only);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK_FALSE(fs::exists(dir / "none.db"));
}

TEST_CASE("store::StateStore::open fails with io when the directory is missing or the path is a symlink", "[store]")
{
  TempDir dir;
  auto missing_dir = StateStore::open(dir / "no-such-dir" / "state.db", StateStore::Create::if_missing);
  REQUIRE_FALSE(missing_dir);
  CHECK(missing_dir.error().code == ErrorCode::io);

  { auto real = open_store(dir / "real.db"); }
  fs::create_symlink(dir / "real.db", dir / "link.db");
  auto through_link = StateStore::open(dir / "link.db", StateStore::Create::never);
  REQUIRE_FALSE(through_link);
  CHECK(through_link.error().code == ErrorCode::io);
}

TEST_CASE("store::StateStore::open refuses a file of garbage bytes as corrupt_state and leaves it alone", "[store]")
{
  TempDir dir;
  std::string garbage;
  for (int i = 0; i < 8192; ++i) {
    garbage += static_cast<char>((i * 37 + 11) % 251);
  }
  const auto path = dir.write("state.db", garbage);
  for (auto create : {StateStore::Create::never, StateStore::Create::if_missing}) {
    auto store = StateStore::open(path, create);
    REQUIRE_FALSE(store);
    CHECK(store.error().code == ErrorCode::corrupt_state);
    CHECK_THAT(store.error().message,
               Catch::StartsWith(fmt::format("state database '{}' is corrupt: ", path.string())));
    REQUIRE(store.error().details.size() == 2);
    CHECK_THAT(store.error().details[0], Catch::Contains("do not delete it blindly"));
    CHECK_THAT(store.error().details[1], Catch::Contains("backup"));
  }
  CHECK(read_file(path) == garbage);
}

TEST_CASE("store::StateStore::open refuses a database with damaged pages as corrupt_state", "[store]")
{
  TempDir dir;
  const auto path = dir / "state.db";
  {
    auto store = open_store(path);
    REQUIRE(store.record_files("lib", "1.0.0", make_tree(500, "a")));
  }
  std::string bytes = read_file(path);
  REQUIRE(bytes.size() > 3 * 4096);
  // Keep page 1 (the header and the schema), scribble over every other page.
  for (std::size_t i = 4096; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(0x5a ^ (i & 0xff));
  }
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  auto store = StateStore::open(path, StateStore::Create::never);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::corrupt_state);
  CHECK_THAT(store.error().message, Catch::Contains("is corrupt"));
}

TEST_CASE("store::StateStore::open skips its quick_check while the files are as a read-write connection left them",
          "[store]")
{
  TempDir dir;
  const auto path = dir / "state.db";
  const fs::path record(path.string() + "-checked");
  {
    auto store = open_store(path);
    CHECK(store.checked_on_open());
    REQUIRE(store.record_files("lib", "1.0.0", make_tree(20, "a")));
  }
  {
    auto store = open_store(path, StateStore::Create::never);
    CHECK_FALSE(store.checked_on_open());
    REQUIRE(store.record_files("lib", "2.0.0", make_tree(20, "b")));
  }
  {
    // Its own writes and its log's checkpoint at close are recorded too.
    auto store = open_store(path, StateStore::Create::never);
    CHECK_FALSE(store.checked_on_open());
    auto files = store.files("lib", "2.0.0");
    REQUIRE(files);
    REQUIRE(*files);
    CHECK((*files)->size() == 20);
  }
  // A connection that only read left the record as it was, and it holds.
  CHECK_FALSE(open_store(path, StateStore::Create::never).checked_on_open());
  {
    // Another program's write: checked again, and again, since a connection
    // that only reads records nothing.
    RawDb raw(path);
    REQUIRE(raw.exec("CREATE TABLE notes (body TEXT)") == SQLITE_OK);
  }
  struct stat record_before {};
  REQUIRE(::stat(record.c_str(), &record_before) == 0);
  const std::string record_text = read_file(record);
  CHECK(open_store(path, StateStore::Create::never).checked_on_open());
  struct stat record_read {};
  REQUIRE(::stat(record.c_str(), &record_read) == 0);
  CHECK(read_file(record) == record_text);
  CHECK(record_read.st_mtim.tv_nsec == record_before.st_mtim.tv_nsec);
  CHECK(record_read.st_mtim.tv_sec == record_before.st_mtim.tv_sec);
  {
    auto store = open_store(path, StateStore::Create::never);
    CHECK(store.checked_on_open());
    REQUIRE(store.record_files("lib", "3.0.0", make_tree(2, "c")));
  }
  CHECK(read_file(record) != record_text);
  CHECK_FALSE(open_store(path, StateStore::Create::never).checked_on_open());
  // A damaged record of the files: checked.
  noodle::test::write_file(record, "noodle-upgrade state database files 1\n");
  {
    auto store = open_store(path, StateStore::Create::never);
    CHECK(store.checked_on_open());
  }
  // A read-only connection checks but records nothing.
  {
    RawDb raw(path);
    REQUIRE(raw.exec("DROP TABLE notes") == SQLITE_OK);
  }
  const std::string recorded = read_file(record);
  {
    auto store = StateStore::open(path, StateStore::Create::never, StateStore::Access::read_only);
    REQUIRE(store);
    CHECK(store->checked_on_open());
  }
  CHECK(read_file(record) == recorded);
  CHECK(StateStore::open(path, StateStore::Create::never, StateStore::Access::read_only)->checked_on_open());
}

TEST_CASE("store::StateStore::open finds pages damaged in place with the modification time set back", "[store]")
{
  TempDir dir;
  const auto path = dir / "state.db";
  {
    auto store = open_store(path);
    REQUIRE(store.record_files("lib", "1.0.0", make_tree(500, "a")));
  }
  CHECK_FALSE(open_store(path, StateStore::Create::never).checked_on_open());
  struct stat before {};
  REQUIRE(::stat(path.c_str(), &before) == 0);
  {
    // Same size, same inode: every page but the first scribbled over.
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(before.st_size > 3 * 4096);
    file.seekp(4096);
    file << std::string(static_cast<std::size_t>(before.st_size) - 4096, '\x5a');
  }
  const struct timespec times[2] = {before.st_atim, before.st_mtim};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
  auto store = StateStore::open(path, StateStore::Create::never);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::corrupt_state);
  CHECK_THAT(store.error().message, Catch::Contains("is corrupt"));
}

TEST_CASE("store::StateStore::open refuses an unknown schema version as corrupt_state", "[store]")
{
  TempDir dir;
  const auto path = dir / "state.db";
  {
    RawDb raw(path);
    REQUIRE(raw.exec("CREATE TABLE future (x); PRAGMA user_version = 7") == SQLITE_OK);
  }
  auto store = StateStore::open(path, StateStore::Create::if_missing);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::corrupt_state);
  CHECK(store.error().message ==
        fmt::format("state database '{}' has schema version 7; this build knows 4", path.string()));
}

TEST_CASE("store::StateStore::open never lays a schema over a foreign database", "[store]")
{
  TempDir dir;
  const auto path = dir / "state.db";
  {
    RawDb raw(path);
    REQUIRE(raw.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')") == SQLITE_OK);
  }
  auto store = StateStore::open(path, StateStore::Create::if_missing);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::corrupt_state);
  CHECK_THAT(store.error().message, Catch::Contains("no schema version"));
  RawDb raw(path);
  CHECK(raw.text("SELECT body FROM notes") == "mine");
  CHECK(raw.text("SELECT count(*) FROM sqlite_master WHERE name = 'upgrades'") == "0");
  CHECK(raw.text("PRAGMA user_version") == "0");
}

TEST_CASE("store::StateStore::open refuses a version-1 database that another program wrote", "[store]")
{
  TempDir dir;
  const auto path = dir / "state.db";
  {
    RawDb raw(path);
    REQUIRE(raw.exec("CREATE TABLE upgrades (x); PRAGMA user_version = 1") == SQLITE_OK);
  }
  auto store = StateStore::open(path, StateStore::Create::never);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::corrupt_state);
  CHECK_THAT(store.error().message, Catch::Contains("not written by noodle-upgrade"));
}

TEST_CASE("store::StateStore::open treats an empty file as a new database", "[store]")
{
  TempDir dir;
  const auto path = dir.write("state.db", "");
  auto store = open_store(path, StateStore::Create::never);
  auto listed = store.upgrades({});
  REQUIRE(listed);
  CHECK(listed->empty());
  auto check = store.integrity_check();
  REQUIRE(check);
  CHECK(*check == "ok");
}

TEST_CASE("store::StateStore keeps upgrades and operations with their status changes", "[store]")
{
  TempDir dir;
  auto store = open_store(dir / "state.db");
  UpgradeRecord in = make_upgrade("apply", 5000);
  in.finished_at = std::nullopt;
  in.error = "";
  auto id = store.begin_upgrade(in);
  REQUIRE(id);
  CHECK(*id > 0);

  auto out = store.upgrade(*id);
  REQUIRE(out);
  REQUIRE(out->has_value());
  const UpgradeRecord& u = **out;
  CHECK(u.id == *id);
  CHECK(u.kind == "apply");
  CHECK(u.status == UpgradeStatus::pending);
  CHECK(u.started_at == 5000);
  CHECK_FALSE(u.finished_at);
  CHECK(u.requested_by == "ops");
  CHECK(u.uid == 1000);
  CHECK(u.user == "alice");
  CHECK(u.command == "noodle-upgrade upgrade lib");
  CHECK(u.pid == 4242);
  CHECK(u.pid_start == "123456");
  CHECK(u.strategy == "rolling");
  CHECK(u.priority == 3);
  CHECK(u.metadata_json == R"({"ticket":"OPS-1"})");
  CHECK_FALSE(u.cancel_requested);
  CHECK_FALSE(u.offline);

  REQUIRE(store.request_cancel(*id, "alice"));
  REQUIRE(store.set_upgrade_status(*id, UpgradeStatus::cancelled, "cancelled by 'bob'", 9000));
  out = store.upgrade(*id);
  REQUIRE(out);
  CHECK((*out)->cancel_requested);
  CHECK((*out)->status == UpgradeStatus::cancelled);
  CHECK((*out)->error == "cancelled by 'bob'");
  CHECK((*out)->finished_at == 9000);

  // Operations come back in seq order, whatever the insertion order.
  auto second = store.add_operation(make_operation(*id, 1, "app", "1.0.0", "1.1.0"));
  auto first = store.add_operation(make_operation(*id, 0, "lib", std::nullopt, "2.0.0"));
  REQUIRE(second);
  REQUIRE(first);
  REQUIRE(store.set_operation_status(*first, OperationStatus::failed, "disk full"));
  REQUIRE(store.set_operation_point(*first, 77));
  auto ops = store.operations(*id);
  REQUIRE(ops);
  REQUIRE(ops->size() == 2);
  CHECK((*ops)[0].id == *first);
  CHECK((*ops)[0].component == "lib");
  CHECK_FALSE((*ops)[0].from_version);
  CHECK((*ops)[0].to_version == "2.0.0");
  CHECK((*ops)[0].status == OperationStatus::failed);
  CHECK((*ops)[0].error == "disk full");
  CHECK((*ops)[0].point_id == 77);
  CHECK((*ops)[1].id == *second);
  CHECK((*ops)[1].from_version == "1.0.0");
  CHECK((*ops)[1].status == OperationStatus::pending);
  CHECK_FALSE((*ops)[1].point_id);
  CHECK_FALSE((*ops)[1].restores_config);

  auto none = store.upgrade(*id + 100);
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
}

TEST_CASE("store::StateStore fails with not_found when a change names no row", "[store]")
{
  TempDir dir;
  auto store = open_store(dir / "state.db");
  auto status = store.set_upgrade_status(41, UpgradeStatus::failed, "", std::nullopt);
  REQUIRE_FALSE(status);
  CHECK(status.error().code == ErrorCode::not_found);
  CHECK(store.request_cancel(41, "alice").error().code == ErrorCode::not_found);
  CHECK(store.set_operation_status(41, OperationStatus::failed, "").error().code == ErrorCode::not_found);
  CHECK(store.set_operation_point(41, 1).error().code == ErrorCode::not_found);
  CHECK(store.remove_point(41).error().code == ErrorCode::not_found);
  auto orphan = store.add_operation(make_operation(41, 0, "lib", std::nullopt, "1.0.0"));
  REQUIRE_FALSE(orphan);
  CHECK(orphan.error().code == ErrorCode::not_found);
  CHECK(orphan.error().message == "no upgrade with id 41 in the state database");
}

TEST_CASE("store::StateStore::upgrades filters by component and status, newest first, with a limit", "[store]")
{
  TempDir dir;
  auto store = open_store(dir / "state.db");
  auto a = add_upgrade(store, UpgradeStatus::completed, 100, {"lib"});
  auto b = add_upgrade(store, UpgradeStatus::failed, 200, {"app"});
  auto c = add_upgrade(store, UpgradeStatus::completed, 300, {"lib", "app"});
  auto d = add_upgrade(store, UpgradeStatus::in_progress, 400, {"db"});

  auto all = store.upgrades({});
  REQUIRE(all);
  CHECK(ids_of(*all) == std::vector<std::int64_t>{d, c, b, a});

  UpgradeFilter by_lib;
  by_lib.component = "lib";
  CHECK(ids_of(store.upgrades(by_lib).value()) == std::vector<std::int64_t>{c, a});

  UpgradeFilter by_status;
  by_status.statuses = {UpgradeStatus::failed, UpgradeStatus::in_progress};
  CHECK(ids_of(store.upgrades(by_status).value()) == std::vector<std::int64_t>{d, b});

  UpgradeFilter app_completed;
  app_completed.component = "app";
  app_completed.statuses = {UpgradeStatus::completed};
  CHECK(ids_of(store.upgrades(app_completed).value()) == std::vector<std::int64_t>{c});

  UpgradeFilter limited;
  limited.limit = 2;
  CHECK(ids_of(store.upgrades(limited).value()) == std::vector<std::int64_t>{d, c});
  limited.limit = 0;
  CHECK(store.upgrades(limited).value().empty());

  UpgradeFilter nobody;
  nobody.component = "nothing";
  CHECK(store.upgrades(nobody).value().empty());
}

TEST_CASE("store::StateStore::unfinished lists pending and in_progress upgrades, oldest first", "[store]")
{
  TempDir dir;
  auto store = open_store(dir / "state.db");
  auto a = add_upgrade(store, UpgradeStatus::in_progress, 100, {"lib"});
  add_upgrade(store, UpgradeStatus::completed, 200, {"lib"});
  auto c = add_upgrade(store, UpgradeStatus::pending, 300, {"app"});
  add_upgrade(store, UpgradeStatus::rolled_back, 400, {"app"});
  auto unfinished = store.unfinished();
  REQUIRE(unfinished);
  CHECK(ids_of(*unfinished) == std::vector<std::int64_t>{a, c});

  REQUIRE(store.set_upgrade_status(a, UpgradeStatus::failed, "crashed", 500));
  CHECK(ids_of(store.unfinished().value()) == std::vector<std::int64_t>{c});
}

TEST_CASE("store::StateStore keeps rollback points, lists them newest first and never reuses an id", "[store]")
{
  TempDir dir;
  auto store = open_store(dir / "state.db");
  auto upgrade = add_upgrade(store, UpgradeStatus::in_progress, 100, {"lib"});
  RollbackPoint p1{0, "lib", "1.0.0", 1000, 2000, upgrade, "upgrade"};
  RollbackPoint p2{0, "app", std::nullopt, 1100, 2100, std::nullopt, "snapshot"};
  RollbackPoint p3{0, "lib", "1.1.0", 1200, 2200, upgrade, "rollback"};
  auto id1 = store.add_point(p1);
  auto id2 = store.add_point(p2);
  auto id3 = store.add_point(p3);
  REQUIRE(id1);
  REQUIRE(id2);
  REQUIRE(id3);

  auto got = store.point(*id2);
  REQUIRE(got);
  REQUIRE(got->has_value());
  CHECK((*got)->id == *id2);
  CHECK((*got)->component == "app");
  CHECK_FALSE((*got)->version);
  CHECK((*got)->created_at == 1100);
  CHECK((*got)->expires_at == 2100);
  CHECK_FALSE((*got)->upgrade_id);
  CHECK((*got)->reason == "snapshot");

  auto all = store.points(std::nullopt);
  REQUIRE(all);
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].id == *id3);
  CHECK((*all)[2].id == *id1);
  auto lib = store.points("lib");
  REQUIRE(lib);
  REQUIRE(lib->size() == 2);
  CHECK((*lib)[0].id == *id3);
  CHECK((*lib)[0].version == "1.1.0");
  CHECK((*lib)[0].upgrade_id == upgrade);
  CHECK((*lib)[1].id == *id1);

  REQUIRE(store.remove_point(*id3));
  auto gone = store.point(*id3);
  REQUIRE(gone);
  CHECK_FALSE(gone->has_value());
  // A point id names a directory: the removed newest one is not handed out again.
  auto id4 = store.add_point(p3);
  REQUIRE(id4);
  CHECK(*id4 > *id3);
  CHECK(store.points("lib").value().size() == 2);
}

TEST_CASE("store::StateStore::audit reads newest first, a limit keeps the newest and before pages back", "[store]")
{
  TempDir dir;
  const auto path = dir / "state.db";
  auto store = open_store(path);
  for (int i = 0; i < 6; ++i) {
    AuditEntry e;
    e.time = 1000 + i;
    e.uid = 0;
    e.user = "root";
    e.command = "noodle-upgrade upgrade";
    e.action = "upgrade";
    e.component = i % 2 == 0 ? "lib" : "app";
    e.from_version = i == 0 ? std::nullopt : std::optional<std::string>("1.0." + std::to_string(i - 1));
    e.to_version = "1.0." + std::to_string(i);
    e.outcome = "completed";
    e.upgrade_id = i == 3 ? std::optional<std::int64_t>(99) : std::nullopt;
    e.detail = i == 1 ? "unsigned archive" : "";
    REQUIRE(store.append_audit(e));
  }
  auto all = store.audit(std::nullopt, std::nullopt);
  REQUIRE(all);
  REQUIRE(all->size() == 6);
  CHECK((*all)[5].time == 1000);
  CHECK_FALSE((*all)[5].from_version);
  CHECK((*all)[4].detail == "unsigned archive");
  CHECK((*all)[2].upgrade_id == 99);
  CHECK((*all)[0].time == 1005);
  CHECK((*all)[0].to_version == "1.0.5");

  auto last_two = store.audit(std::nullopt, 2);
  REQUIRE(last_two);
  REQUIRE(last_two->size() == 2);
  CHECK((*last_two)[0].time == 1005);
  CHECK((*last_two)[1].time == 1004);

  // The next page: older than the oldest shown.
  auto page = store.audit(std::nullopt, 2, (*last_two)[1].id);
  REQUIRE(page);
  REQUIRE(page->size() == 2);
  CHECK((*page)[0].time == 1003);
  CHECK((*page)[1].time == 1002);

  auto lib = store.audit("lib", 2);
  REQUIRE(lib);
  REQUIRE(lib->size() == 2);
  CHECK((*lib)[0].time == 1004);
  CHECK((*lib)[1].time == 1002);
  CHECK(store.audit("app", std::nullopt).value().size() == 3);

  RawDb raw(path);
  CHECK(raw.exec("UPDATE audit SET outcome = 'failed'") != SQLITE_OK);
  CHECK_THAT(raw.last_error, Catch::Contains("append-only"));
  CHECK(raw.exec("DELETE FROM audit WHERE id = 1") != SQLITE_OK);
  CHECK_THAT(raw.last_error, Catch::Contains("append-only"));
  CHECK(raw.text("SELECT count(*) FROM audit WHERE outcome = 'completed'") == "6");
}

TEST_CASE("store::StateStore keeps one version floor per component", "[store]")
{
  TempDir dir;
  auto store = open_store(dir / "state.db");
  auto none = store.floor("lib");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  REQUIRE(store.set_floor("lib", "1.2.0"));
  REQUIRE(store.set_floor("app", "0.9.0"));
  REQUIRE(store.set_floor("lib", "2.0.0"));
  CHECK(store.floor("lib").value() == "2.0.0");
  CHECK(store.floor("app").value() == "0.9.0");
}

TEST_CASE("store::StateStore::record_files keeps 2,000 entries sorted and a re-record replaces them", "[store]")
{
  TempDir dir;
  const auto path = dir / "state.db";
  auto store = open_store(path);
  auto tree = make_tree(2000, "a");
  auto shuffled = tree;
  std::reverse(shuffled.begin(), shuffled.end());
  REQUIRE(store.record_files("lib", "1.0.0", shuffled));
  REQUIRE(store.record_files("lib", "1.1.0", make_tree(10, "b")));

  auto got = store.files("lib", "1.0.0");
  REQUIRE(got);
  REQUIRE(got->has_value());
  CHECK(**got == tree);

  auto smaller = make_tree(1500, "c");
  REQUIRE(store.record_files("lib", "1.0.0", smaller));
  CHECK(store.files("lib", "1.0.0").value() == smaller);
  CHECK(store.files("lib", "1.1.0").value() == make_tree(10, "b"));

  auto nothing = store.files("lib", "9.9.9");
  REQUIRE(nothing);
  CHECK_FALSE(nothing->has_value());

  // An empty tree recorded is not the same as nothing recorded.
  REQUIRE(store.record_files("empty", "1.0.0", {}));
  auto empty = store.files("empty", "1.0.0");
  REQUIRE(empty);
  REQUIRE(empty->has_value());
  CHECK((*empty)->empty());

  REQUIRE(store.forget_files("lib", "1.0.0"));
  CHECK_FALSE(store.files("lib", "1.0.0").value().has_value());
  RawDb raw(path);
  CHECK(raw.text("SELECT count(*) FROM files WHERE component = 'lib' AND version = '1.0.0'") == "0");
}

TEST_CASE("store::StateStore::record_files refuses a path listed twice and keeps the earlier record", "[store]")
{
  TempDir dir;
  auto store = open_store(dir / "state.db");
  auto tree = make_tree(5, "a");
  REQUIRE(store.record_files("lib", "1.0.0", tree));
  auto twice = make_tree(5, "b");
  twice.push_back(twice.back());
  auto r = store.record_files("lib", "1.0.0", twice);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::internal);
  CHECK(store.files("lib", "1.0.0").value() == tree);
}

TEST_CASE("store::StateStore::recorded_versions lists every record, empty ones included, and forgets with them",
          "[store]")
{
  TempDir dir;
  auto store = open_store(dir / "state.db");
  CHECK(store.recorded_versions().value().empty());
  REQUIRE(store.record_files("lib", "1.10.0", make_tree(3, "a")));
  REQUIRE(store.record_files("app", "2.0.0", {}));
  REQUIRE(store.record_files("lib", "1.2.0", make_tree(2, "b")));
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(store.recorded_versions().value() == Pairs{{"app", "2.0.0"}, {"lib", "1.10.0"}, {"lib", "1.2.0"}});
  REQUIRE(store.forget_files("lib", "1.10.0"));
  CHECK(store.recorded_versions().value() == Pairs{{"app", "2.0.0"}, {"lib", "1.2.0"}});
}

TEST_CASE("store::StateStore::counts and last_completed summarise upgrades per component", "[store]")
{
  TempDir dir;
  auto store = open_store(dir / "state.db");
  auto a = add_upgrade(store, UpgradeStatus::completed, 100, {"lib"});
  auto b = add_upgrade(store, UpgradeStatus::completed, 200, {"lib", "app"});
  add_upgrade(store, UpgradeStatus::failed, 300, {"lib"});
  add_upgrade(store, UpgradeStatus::cancelled, 400, {"app"});
  add_upgrade(store, UpgradeStatus::rolled_back, 500, {"app"});
  add_upgrade(store, UpgradeStatus::pending, 600, {"lib"});
  add_upgrade(store, UpgradeStatus::in_progress, 700, {"db"});
  REQUIRE(store.set_upgrade_status(a, UpgradeStatus::completed, "", 5000));
  REQUIRE(store.set_upgrade_status(b, UpgradeStatus::completed, "", 4000));

  auto all = store.counts(std::nullopt);
  REQUIRE(all);
  CHECK(all->completed == 2);
  CHECK(all->failed == 1);
  CHECK(all->cancelled == 1);
  CHECK(all->rolled_back == 1);
  CHECK(all->in_progress == 2);

  auto lib = store.counts("lib");
  REQUIRE(lib);
  CHECK(lib->completed == 2);
  CHECK(lib->failed == 1);
  CHECK(lib->cancelled == 0);
  CHECK(lib->rolled_back == 0);
  CHECK(lib->in_progress == 1);

  CHECK(store.last_completed("lib").value() == 5000);
  CHECK(store.last_completed("app").value() == 4000);
  CHECK_FALSE(store.last_completed("db").value().has_value());
  CHECK_FALSE(store.last_completed("nothing").value().has_value());
}

TEST_CASE("store::StateStore::begin with rollback discards and with commit keeps", "[store]")
{
  TempDir dir;
  const auto path = dir / "state.db";
  auto store = open_store(path);

  REQUIRE(store.begin());
  auto discarded = store.begin_upgrade(make_upgrade("upgrade", 100));
  REQUIRE(discarded);
  // record_files nests as a savepoint inside the open transaction.
  REQUIRE(store.record_files("lib", "1.0.0", make_tree(20, "a")));
  REQUIRE(store.set_floor("lib", "1.0.0"));
  REQUIRE(store.rollback());
  CHECK_FALSE(store.upgrade(*discarded).value().has_value());
  CHECK_FALSE(store.files("lib", "1.0.0").value().has_value());
  CHECK_FALSE(store.floor("lib").value().has_value());

  REQUIRE(store.begin());
  auto kept = store.begin_upgrade(make_upgrade("upgrade", 200));
  REQUIRE(kept);
  REQUIRE(store.record_files("lib", "1.0.0", make_tree(20, "a")));
  // A failed nested call undoes only itself.
  auto twice = make_tree(3, "b");
  twice.push_back(twice.front());
  REQUIRE_FALSE(store.record_files("lib", "2.0.0", twice));
  {
    // Uncommitted work is invisible to another connection (WAL readers do not wait).
    RawDb raw(path);
    CHECK(raw.text("SELECT count(*) FROM upgrades") == "0");
  }
  REQUIRE(store.commit());
  CHECK(store.upgrade(*kept).value().has_value());
  CHECK(store.files("lib", "1.0.0").value().value().size() == 20);
  CHECK_FALSE(store.files("lib", "2.0.0").value().has_value());

  auto stray = store.commit();
  REQUIRE_FALSE(stray);
  CHECK(stray.error().code == ErrorCode::io);
  CHECK_THAT(stray.error().message, Catch::StartsWith("state database: commit a transaction: "));
}

TEST_CASE("store::StateStore::integrity_check reports ok on a sound database", "[store]")
{
  TempDir dir;
  auto store = open_store(dir / "state.db");
  add_upgrade(store, UpgradeStatus::completed, 100, {"lib"});
  auto check = store.integrity_check();
  REQUIRE(check);
  CHECK(*check == "ok");
}

TEST_CASE("store status names round-trip and unknown names are refused", "[store]")
{
  using noodle::store::parse_operation_status;
  using noodle::store::parse_upgrade_status;
  for (auto s : {UpgradeStatus::pending, UpgradeStatus::in_progress, UpgradeStatus::completed, UpgradeStatus::failed,
                 UpgradeStatus::cancelled, UpgradeStatus::rolled_back}) {
    CHECK(parse_upgrade_status(noodle::store::to_string(s)) == s);
  }
  for (auto s : {OperationStatus::pending, OperationStatus::in_progress, OperationStatus::completed,
                 OperationStatus::failed, OperationStatus::rolled_back}) {
    CHECK(parse_operation_status(noodle::store::to_string(s)) == s);
  }
  CHECK(noodle::store::to_string(UpgradeStatus::rolled_back) == "rolled_back");
  CHECK_FALSE(parse_upgrade_status("done"));
  CHECK_FALSE(parse_operation_status("cancelled"));
}

TEST_CASE("store::StateStore::recorded_archive gives the archive sha256 an extraction was recorded with", "[store]")
{
  TempDir dir;
  auto store = open_store(dir / "state.db");
  const std::string sha(64, 'a');
  REQUIRE(store.record_files("lib", "1.0.0", make_tree(3, "a"), sha));
  REQUIRE(store.record_files("lib", "1.1.0", make_tree(3, "b")));

  auto with = store.recorded_archive("lib", "1.0.0");
  REQUIRE(with);
  CHECK(*with == std::optional<std::string>(sha));
  // Recorded without one (as before schema 3): known to be unknown.
  auto without = store.recorded_archive("lib", "1.1.0");
  REQUIRE(without);
  CHECK(*without == std::optional<std::string>(""));
  auto none = store.recorded_archive("lib", "9.9.9");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());

  // A re-record replaces the digest with the new archive's.
  const std::string other(64, 'b');
  REQUIRE(store.record_files("lib", "1.0.0", make_tree(3, "c"), other));
  CHECK(store.recorded_archive("lib", "1.0.0").value() == std::optional<std::string>(other));
}
