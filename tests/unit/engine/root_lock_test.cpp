// SPDX-License-Identifier: Apache-2.0
#include <noodle/engine/root_lock.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using noodle::ErrorCode;
using noodle::engine::LockHolder;
using noodle::engine::RootLock;
using noodle::test::TempDir;

namespace {

constexpr std::int64_t k_since_ms = 1764201600000; // 2025-11-27 00:00:00 UTC

// A root laid out as the engine lays it out: <root>/.noodle-upgrade/lock.
struct LockedRoot {
  TempDir dir;
  fs::path lock_file;
  LockedRoot()
  {
    fs::create_directories(dir / ".noodle-upgrade");
    lock_file = dir / ".noodle-upgrade/lock";
  }
};

LockHolder holder(std::int64_t pid, const std::string& command)
{
  return LockHolder{pid, "tester", command, k_since_ms};
}

// RootLock::acquire of <root>/.noodle-upgrade/lock, the root opened as the
// engine opens it.
noodle::Result<RootLock> acquire(const fs::path& lock_file, std::chrono::milliseconds timeout, const LockHolder& me,
                                 const std::function<void(const std::optional<LockHolder>&)>& on_wait = {})
{
  const fs::path root = lock_file.parent_path().parent_path();
  auto dir = noodle::engine::RootDir::open(root);
  if (!dir) {
    return noodle::fail(dir.error());
  }
  return RootLock::acquire(*dir, lock_file.lexically_relative(root), timeout, me, on_wait);
}

// A second process holding the lock: it takes it, says so on one pipe, then
// holds it until the other pipe is closed (release()) or it is killed.
class LockingChild {
public:
  explicit LockingChild(const fs::path& lock_file)
  {
    int ready[2];
    int release[2];
    REQUIRE(::pipe(ready) == 0);
    REQUIRE(::pipe(release) == 0);
    m_pid = ::fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
      ::close(ready[0]);
      ::close(release[1]);
      auto lock = acquire(lock_file, 0ms, holder(::getpid(), "noodle-upgrade upgrade demo"));
      const char byte = lock ? 'y' : 'n';
      (void)!::write(ready[1], &byte, 1);
      char ignored = 0;
      while (::read(release[0], &ignored, 1) > 0) {
      }
      ::_exit(0); // never back into the test runner; the kernel drops the lock
    }
    ::close(ready[1]);
    ::close(release[0]);
    m_release = release[1];
    char byte = 0;
    const auto n = ::read(ready[0], &byte, 1);
    ::close(ready[0]);
    REQUIRE(n == 1);
    REQUIRE(byte == 'y');
  }
  ~LockingChild()
  {
    release();
    if (m_pid > 0) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
  }
  LockingChild(const LockingChild&) = delete;
  LockingChild& operator=(const LockingChild&) = delete;

  pid_t pid() const { return m_pid; }
  // Lets the child finish (it exits, and its lock goes with it).
  void release()
  {
    if (m_release >= 0) {
      ::close(m_release);
      m_release = -1;
    }
  }
  void kill_and_reap()
  {
    REQUIRE(::kill(m_pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(m_pid, &status, 0) == m_pid);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    m_pid = -1;
  }

private:
  pid_t m_pid = -1;
  int m_release = -1;
};

} // namespace

TEST_CASE("engine::LockHolder serializes to one line and parses back")
{
  const LockHolder me{4242, "ops", "noodle-upgrade upgrade --batch b.yaml", k_since_ms};
  const auto line = me.serialize();
  CHECK(line == "pid=4242 user=ops since=1764201600000 command=noodle-upgrade upgrade --batch b.yaml");
  const auto parsed = LockHolder::parse(line + "\n");
  REQUIRE(parsed);
  CHECK(parsed->pid == 4242);
  CHECK(parsed->user == "ops");
  CHECK(parsed->since_ms == k_since_ms);
  CHECK(parsed->command == me.command);

  // Whatever the fields hold, the line stays one line and parses.
  const LockHolder odd{1, "two words", "a\nb", 0};
  const auto odd_line = odd.serialize();
  CHECK(odd_line == "pid=1 user=two_words since=0 command=a b");
  REQUIRE(LockHolder::parse(odd_line));
  CHECK(LockHolder::parse(odd_line)->command == "a b");

  CHECK_FALSE(LockHolder::parse(""));
  CHECK_FALSE(LockHolder::parse("pid=x user=a since=1 command=c"));
  CHECK_FALSE(LockHolder::parse("pid=1 user=a command=c"));
  CHECK_FALSE(LockHolder::parse("pid=-1 user=a since=1 command=c"));
}

TEST_CASE("engine::RootLock::acquire takes a free lock and records the holder")
{
  LockedRoot root;
  const auto me = holder(::getpid(), "noodle-upgrade apply plan.json");
  int waits = 0;
  auto lock = acquire(root.lock_file, 0ms, me, [&](const auto&) { ++waits; });
  REQUIRE(lock);
  CHECK(waits == 0);
  const auto recorded = RootLock::read_holder(root.lock_file);
  REQUIRE(recorded);
  CHECK(recorded->pid == ::getpid());
  CHECK(recorded->command == "noodle-upgrade apply plan.json");
  CHECK((fs::status(root.lock_file).permissions() & fs::perms::all) == fs::perms(0600));
}

TEST_CASE("engine::RootLock::acquire fails with locked naming the holding process")
{
  LockedRoot root;
  LockingChild child(root.lock_file);
  int waits = 0;
  const auto lock = acquire(root.lock_file, 0ms, holder(::getpid(), "noodle-upgrade upgrade x"),
                                      [&](const auto&) { ++waits; });
  REQUIRE_FALSE(lock);
  CHECK(lock.error().code == ErrorCode::locked);
  CHECK(lock.error().message
        == "root '" + root.dir.path().string() + "' is locked by pid " + std::to_string(child.pid())
               + " (user tester, since 2025-11-27 00:00:00 UTC): noodle-upgrade upgrade demo");
  REQUIRE(lock.error().details.size() == 1);
  CHECK(lock.error().details[0] == "wait for it to finish, or raise --lock-timeout (now 0 s)");
  CHECK(waits == 0); // no time to wait, nothing to announce

  // The holder's record is not overwritten by a failed attempt.
  const auto recorded = RootLock::read_holder(root.lock_file);
  REQUIRE(recorded);
  CHECK(recorded->pid == child.pid());
}

TEST_CASE("engine::RootLock::acquire gives up after the timeout, having announced the wait once")
{
  LockedRoot root;
  LockingChild child(root.lock_file);
  std::vector<std::optional<LockHolder>> waits;
  const auto started = std::chrono::steady_clock::now();
  const auto lock =
      acquire(root.lock_file, 250ms, holder(::getpid(), "x"), [&](const auto& h) { waits.push_back(h); });
  const auto waited = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(lock);
  CHECK(lock.error().code == ErrorCode::locked);
  CHECK(lock.error().details.at(0) == "wait for it to finish, or raise --lock-timeout (now 0.25 s)");
  CHECK(waited >= 250ms);
  REQUIRE(waits.size() == 1);
  REQUIRE(waits[0]);
  CHECK(waits[0]->pid == child.pid());
}

TEST_CASE("engine::RootLock::acquire waits for a holder that finishes within the timeout")
{
  LockedRoot root;
  LockingChild child(root.lock_file);
  std::vector<std::optional<LockHolder>> waits;
  const auto me = holder(::getpid(), "noodle-upgrade rollback");
  // The holder finishes once we are waiting for it; the polling then gets in.
  const auto lock = acquire(root.lock_file, 10s, me, [&](const auto& h) {
    waits.push_back(h);
    child.release();
  });
  REQUIRE(lock);
  REQUIRE(waits.size() == 1);
  REQUIRE(waits[0]);
  CHECK(waits[0]->pid == child.pid());
  CHECK(waits[0]->since_ms == k_since_ms);
  const auto recorded = RootLock::read_holder(root.lock_file);
  REQUIRE(recorded);
  CHECK(recorded->pid == ::getpid());
  CHECK(recorded->command == "noodle-upgrade rollback");
}

TEST_CASE("engine::RootLock is released by the kernel when its holder is killed")
{
  LockedRoot root;
  LockingChild child(root.lock_file);
  REQUIRE_FALSE(acquire(root.lock_file, 0ms, holder(::getpid(), "x")));
  child.kill_and_reap();
  const auto lock = acquire(root.lock_file, 0ms, holder(::getpid(), "x"));
  REQUIRE(lock);
}

TEST_CASE("engine::RootLock releases on destruction, not when moved from")
{
  LockedRoot root;
  {
    auto first = acquire(root.lock_file, 0ms, holder(::getpid(), "first"));
    REQUIRE(first);
    RootLock moved = std::move(*first);
    // A second open file in this process conflicts with the first (flock is per open file).
    const auto second = acquire(root.lock_file, 0ms, holder(::getpid(), "second"));
    REQUIRE_FALSE(second);
    CHECK(second.error().code == ErrorCode::locked);
  }
  CHECK(acquire(root.lock_file, 0ms, holder(::getpid(), "third")));
}

TEST_CASE("engine::RootLock::acquire fails with io when the lock file cannot be opened")
{
  TempDir dir;
  auto root = noodle::engine::RootDir::open(dir.path());
  REQUIRE(root);
  const auto lock = RootLock::acquire(*root, "no-such-dir/lock", 0ms, holder(::getpid(), "x"));
  REQUIRE_FALSE(lock);
  CHECK(lock.error().code == ErrorCode::io);
  CHECK(lock.error().message
        == "cannot open lock file '" + (dir / "no-such-dir/lock").string() + "': No such file or directory");
  CHECK_FALSE(RootLock::read_holder(dir / "missing"));
}

TEST_CASE("engine::RootLock::acquire never opens or creates a lock file through a symlink")
{
  TempDir dir;
  auto root = noodle::engine::RootDir::open(dir.path());
  REQUIRE(root);
  fs::create_directory(dir / "real");
  fs::create_symlink(dir / "real/lock", dir / "link");
  fs::create_directory_symlink(dir / "real", dir / ".noodle-upgrade");
  for (const char* rel : {"link", ".noodle-upgrade/lock"}) {
    INFO(rel);
    const auto through_link = RootLock::acquire(*root, rel, 0ms, holder(::getpid(), "x"));
    REQUIRE_FALSE(through_link);
    CHECK(through_link.error().code == ErrorCode::unsafe_path);
    CHECK_FALSE(fs::exists(dir / "real/lock"));
  }
}

TEST_CASE("engine::RootLock::acquire leaves the holder out of the message when the file names none")
{
  LockedRoot root;
  LockingChild child(root.lock_file);
  // The holder's record wiped, as by a holder that died before writing it.
  REQUIRE(::truncate(root.lock_file.c_str(), 0) == 0);
  const auto lock = acquire(root.lock_file, 0ms, holder(::getpid(), "x"));
  REQUIRE_FALSE(lock);
  CHECK(lock.error().message == "root '" + root.dir.path().string() + "' is locked");
}
