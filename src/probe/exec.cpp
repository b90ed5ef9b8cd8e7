// SPDX-License-Identifier: Apache-2.0
#include <noodle/probe/exec.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <string_view>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace noodle::probe {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The wait for the child: short first (most probes exit at once), then
// this, so a stop is seen in time.
constexpr milliseconds k_max_nap{20};

// `program` as it will run: itself when it names a directory, else the
// first executable file of that name on k_probe_path; "" when none.
std::string resolve(const std::string& program)
{
  if (program.find('/') != std::string::npos) {
    return program;
  }
  std::string_view path = k_probe_path;
  while (!path.empty()) {
    const auto colon = path.find(':');
    const auto dir = path.substr(0, colon);
    const std::string candidate = fmt::format("{}/{}", dir, program);
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    path = colon == std::string_view::npos ? std::string_view() : path.substr(colon + 1);
  }
  return {};
}

class SpawnSetup {
public:
  SpawnSetup()
  {
    posix_spawnattr_init(&m_attr);
    posix_spawn_file_actions_init(&m_actions);
  }
  ~SpawnSetup()
  {
    posix_spawnattr_destroy(&m_attr);
    posix_spawn_file_actions_destroy(&m_actions);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  posix_spawnattr_t m_attr;
  posix_spawn_file_actions_t m_actions;
};

std::string describe_status(int status)
{
  if (WIFEXITED(status)) {
    return fmt::format("exit code {}", WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return fmt::format("killed by signal {}", WTERMSIG(status));
  }
  return "stopped abnormally";
}

// Kills the whole process group of `pid` and reaps `pid`.
void kill_group(pid_t pid)
{
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

} // namespace

Attempt attempt_exec(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env,
                     milliseconds timeout, const StopAsk& stop)
{
  if (argv.empty()) {
    return {Attempt::Outcome::failed, "no command to run"};
  }
  const std::string program = resolve(argv.front());
  if (program.empty()) {
    return {Attempt::Outcome::failed, fmt::format("cannot run '{}': not found on {}", argv.front(), k_probe_path)};
  }
  std::vector<char*> args;
  for (const auto& word : argv) {
    args.push_back(const_cast<char*>(word.c_str()));
  }
  args.push_back(nullptr);
  std::vector<std::string> environment{fmt::format("PATH={}", k_probe_path), "LC_ALL=C"};
  for (const auto& [name, value] : env) {
    environment.push_back(fmt::format("{}={}", name, value));
  }
  std::vector<char*> envp;
  for (auto& entry : environment) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);

  SpawnSetup setup;
  // Its own process group, so a timeout kills what it started too; every
  // signal at its default and none blocked (the tool ignores SIGPIPE).
  sigset_t all;
  sigset_t none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setflags(&setup.m_attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&setup.m_attr, 0);
  posix_spawnattr_setsigdefault(&setup.m_attr, &all);
  posix_spawnattr_setsigmask(&setup.m_attr, &none);
  for (int fd = 0; fd <= 2; ++fd) {
    posix_spawn_file_actions_addopen(&setup.m_actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  }
  posix_spawn_file_actions_addchdir_np(&setup.m_actions, "/");
  pid_t pid = 0;
  if (const int rc = posix_spawn(&pid, program.c_str(), &setup.m_actions, &setup.m_attr, args.data(), envp.data());
      rc != 0) {
    return {Attempt::Outcome::failed, fmt::format("cannot run '{}': {}", program, os_reason(rc))};
  }
  const auto deadline = Clock::now() + timeout;
  milliseconds nap{1};
  for (;;) {
    // Seen without reaping: until it is reaped its id is no one else's, so
    // the group can be killed safely.
    siginfo_t info{};
    const int seen = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (seen == 0 && info.si_pid == pid) {
      // The probe is the program: anything it left running in its group goes too.
      ::kill(-pid, SIGKILL);
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return {Attempt::Outcome::passed, "exit code 0"};
      }
      return {Attempt::Outcome::failed, describe_status(status)};
    }
    if (seen < 0 && errno != EINTR) {
      return {Attempt::Outcome::failed, fmt::format("cannot wait for '{}': {}", program, os_reason(errno))};
    }
    if (stop && stop()) {
      kill_group(pid);
      return {Attempt::Outcome::interrupted, "stopped"};
    }
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left <= milliseconds{0}) {
      kill_group(pid);
      return {Attempt::Outcome::failed,
              fmt::format("timed out after {} ms (its process group was killed)", timeout.count())};
    }
    std::this_thread::sleep_for(std::min({nap, left, k_max_nap}));
    nap = std::min(nap * 2, k_max_nap);
  }
}

} // namespace noodle::probe
