// SPDX-License-Identifier: Apache-2.0
// noodle-demo-runtime: a small reference implementation of the runtime side
// of the noodle-upgrade control protocol (noodle-upgrade-protocol(7)).
//
// One thread, one poll loop: it accepts connections on a Unix socket, reads
// newline-delimited JSON requests, answers each with one line, and wakes up
// on its own when a lease ends so that an unconfirmed activate is reverted
// even when no client talks to it. runtime.cpp holds the state machine.
#include "runtime.hpp"

#include <fmt/core.h>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <string>
#include <vector>

#ifndef NOODLE_DEMO_VERSION
#define NOODLE_DEMO_VERSION "0.0.0"
#endif

namespace {

namespace fs = std::filesystem;
using demo::Clock;

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int)
{
  stop_requested = 1;
}

template <typename... Args>
void log(fmt::format_string<Args...> format, Args&&... args)
{
  fmt::print(stderr, "noodle-demo-runtime: {}\n", fmt::format(format, std::forward<Args>(args)...));
}

struct Args {
  fs::path root;
  fs::path socket;
  demo::Options options;
};

constexpr const char* k_usage =
    "usage: noodle-demo-runtime --root ROOT [--socket PATH] [--instances N] [--name NAME]\n"
    "                          [--commit-reply-delay MS]\n"
    "  --root ROOT      the runtime root: ROOT/components/NAME/current is loaded at start\n"
    "  --socket PATH    the control socket (default ROOT/control.sock)\n"
    "  --instances N    instances i0..i(N-1) (default 3)\n"
"  --name NAME      the runtime name hello reports (default noodle-demo-runtime)\n"
    "  --commit-reply-delay MS  answer a commit that took effect only after MS ms (default 0)\n";

// Returns nullopt after printing why (exit code in `status`).
std::optional<Args> parse_args(int argc, char** argv, int& status)
{
  Args args;
  args.options.version = NOODLE_DEMO_VERSION;
  status = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(k_usage, stdout);
      status = 0;
      return std::nullopt;
    }
    if (i + 1 >= argc) {
      fmt::print(stderr, "noodle-demo-runtime: '{}' needs a value\n{}", flag, k_usage);
      return std::nullopt;
    }
    const std::string value = argv[++i];
    if (flag == "--root") {
      args.root = value;
    } else if (flag == "--socket") {
      args.socket = value;
    } else if (flag == "--name") {
      args.options.name = value;
    } else if (flag == "--commit-reply-delay") {
      char* end = nullptr;
      const long ms = std::strtol(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || ms < 0 || ms > 600000) {
        fmt::print(stderr, "noodle-demo-runtime: invalid commit reply delay '{}': expected 0 to 600000 ms\n", value);
        return std::nullopt;
      }
      args.options.commit_reply_delay = std::chrono::milliseconds(ms);
    } else if (flag == "--instances") {
      char* end = nullptr;
      const long n = std::strtol(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || n < 1 || n > 1000) {
        fmt::print(stderr, "noodle-demo-runtime: invalid instance count '{}': expected 1 to 1000\n", value);
        return std::nullopt;
      }
      args.options.instances = static_cast<int>(n);
    } else {
      fmt::print(stderr, "noodle-demo-runtime: unknown option '{}'\n{}", flag, k_usage);
      return std::nullopt;
    }
  }
  if (args.root.empty()) {
    fmt::print(stderr, "noodle-demo-runtime: --root is required\n{}", k_usage);
    return std::nullopt;
  }
  if (args.socket.empty()) {
    args.socket = args.root / "control.sock";
  }
  return args;
}

bool fill_address(const fs::path& path, sockaddr_un& address)
{
  std::memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof address.sun_path) {
    return false;
  }
  std::memcpy(address.sun_path, path.c_str(), path.string().size());
  return true;
}

// The listening socket, owner-only (0600): the tool checks who owns it, and
// nobody else should be able to drive an upgrade. Returns -1 after logging.
int listen_on(const fs::path& path)
{
  sockaddr_un address{};
  if (!fill_address(path, address)) {
    log("socket path '{}' is too long", path.string());
    return -1;
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      log("'{}' exists and is not a socket", path.string());
      return -1;
    }
    // A socket file is left behind by a runtime that died; a live one answers.
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool live = probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    if (probe >= 0) {
      ::close(probe);
    }
    if (live) {
      log("another runtime listens on '{}'", path.string());
      return -1;
    }
    ::unlink(path.c_str());
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    log("socket: {}", std::strerror(errno));
    return -1;
  }
  const mode_t old_mask = ::umask(0077); // no window in which the socket is open to others
  const int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::umask(old_mask);
  if (bound != 0 || ::chmod(path.c_str(), 0600) != 0 || ::listen(fd, 16) != 0) {
    log("cannot listen on '{}': {}", path.string(), std::strerror(errno));
    ::close(fd);
    return -1;
  }
  return fd;
}

struct Connection {
  int fd = -1;
  demo::Session session;
  std::string in;                         // bytes received, not yet handled
  std::string out;                        // reply bytes not yet sent
  std::string held;                       // a delayed reply (demo_health slow_MS)...
  Clock::time_point send_at;              // ...sent from this time on
  bool closing = false;
};

// Handles the complete lines in `conn.in`, in order, until a reply has to
// wait. Returns false when the process must exit 3 (demo_health crash).
bool handle_input(demo::Runtime& runtime, Connection& conn)
{
  while (!conn.closing && conn.held.empty()) {
    const auto newline = conn.in.find('\n');
    if (newline == std::string::npos) {
      if (conn.in.size() >= demo::k_max_line_bytes) {
        log("closing a connection: a line longer than {} bytes", demo::k_max_line_bytes);
        conn.closing = true;
      }
      return true;
    }
    if (newline + 1 > demo::k_max_line_bytes) {
      log("closing a connection: a line longer than {} bytes", demo::k_max_line_bytes);
      conn.closing = true;
      return true;
    }
    const std::string line = conn.in.substr(0, newline);
    conn.in.erase(0, newline + 1);
    const auto now = Clock::now();
    demo::Outcome outcome = runtime.handle_line(conn.session, line, now);
    switch (outcome.action) {
    case demo::Outcome::Action::crash:
      log("crashing on purpose (demo_health: crash)");
      return false;
    case demo::Outcome::Action::close:
      log("closing a connection on purpose (demo_health: reset)");
      conn.closing = true;
      return true;
    case demo::Outcome::Action::reply:
      if (outcome.delay.count() > 0) {
        conn.held = std::move(outcome.line);
        conn.send_at = now + outcome.delay;
      } else {
        conn.out += outcome.line;
      }
      break;
    }
  }
  return true;
}

// Reads what is there (one recv, so that one busy client cannot starve the
// others or grow the buffer without bound).
void read_from(Connection& conn)
{
  char buffer[65536];
  const ssize_t n = ::recv(conn.fd, buffer, sizeof buffer, 0);
  if (n > 0) {
    conn.in.append(buffer, static_cast<std::size_t>(n));
  } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    conn.closing = true; // the client hung up
  }
}

void write_to(Connection& conn)
{
  const ssize_t n = ::send(conn.fd, conn.out.data(), conn.out.size(), MSG_NOSIGNAL);
  if (n > 0) {
    conn.out.erase(0, static_cast<std::size_t>(n));
  } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    conn.closing = true;
  }
}

// ppoll's timeout: until the next lease deadline or delayed reply; none when idle.
std::optional<timespec> wait_time(const demo::Runtime& runtime, const std::list<Connection>& connections)
{
  auto next = runtime.next_deadline();
  for (const auto& conn : connections) {
    if (!conn.held.empty() && (!next || conn.send_at < *next)) {
      next = conn.send_at;
    }
  }
  if (!next) {
    return std::nullopt;
  }
  const auto left = std::max(Clock::duration::zero(), *next - Clock::now());
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
  return timespec{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
}

} // namespace

int main(int argc, char** argv)
{
  int status = 0;
  auto args = parse_args(argc, argv, status);
  if (!args) {
    return status;
  }
  demo::Runtime runtime(args->options);
  if (auto why = runtime.load_root(args->root); !why.empty()) {
    log("{}", why);
    return 1;
  }
  for (const auto& [name, c] : runtime.components()) {
    log("loaded {} {}", name, c.active.version);
  }

  // SIGTERM and SIGINT are blocked except inside ppoll, so a signal can only
  // interrupt the wait, never slip in between the check and the wait.
  sigset_t blocked;
  sigset_t wait_mask;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGINT);
  sigprocmask(SIG_BLOCK, &blocked, &wait_mask);
  sigdelset(&wait_mask, SIGTERM);
  sigdelset(&wait_mask, SIGINT);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  const int listener = listen_on(args->socket);
  if (listener < 0) {
    return 1;
  }
  fmt::print("listening on {}\n", args->socket.string());
  std::fflush(stdout); // tests wait for this line

  std::list<Connection> connections;
  while (stop_requested == 0) {
    const auto now = Clock::now();
    runtime.expire_leases(now);
    for (auto& conn : connections) {
      if (!conn.held.empty() && conn.send_at <= now) {
        conn.out += conn.held;
        conn.held.clear();
      }
      if (!handle_input(runtime, conn)) {
        std::exit(3); // demo_health: crash; the socket file stays, as after a real crash
      }
    }
    connections.remove_if([](const Connection& conn) {
      if (conn.closing) {
        ::close(conn.fd);
      }
      return conn.closing;
    });

    std::vector<pollfd> fds{{listener, POLLIN, 0}};
    for (const auto& conn : connections) {
      // Read the next request only once the previous reply is out.
      short events = 0;
      if (!conn.out.empty()) {
        events = POLLOUT;
      } else if (conn.held.empty()) {
        events = POLLIN;
      }
      fds.push_back({conn.fd, events, 0});
    }
    const auto timeout = wait_time(runtime, connections);
    if (::ppoll(fds.data(), fds.size(), timeout ? &*timeout : nullptr, &wait_mask) < 0) {
      if (errno == EINTR) {
        continue;
      }
      log("poll: {}", std::strerror(errno));
      break;
    }

    std::size_t i = 1;
    for (auto& conn : connections) {
      const short revents = fds[i++].revents;
      if ((revents & POLLOUT) != 0) {
        write_to(conn);
      } else if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        read_from(conn);
      }
    }
    if ((fds[0].revents & POLLIN) != 0) {
      const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        connections.emplace_back().fd = fd;
      }
    }
  }

  for (const auto& conn : connections) {
    ::close(conn.fd);
  }
  ::close(listener);
  ::unlink(args->socket.c_str());
  log("stopped");
  return 0;
}
