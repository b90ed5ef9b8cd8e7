// SPDX-License-Identifier: Apache-2.0
// The real probes (probe::ManifestProber) against a real HTTP server and TCP
// listener on 127.0.0.1 and real commands, on the real clock, with periods
// of 20 ms.
#include "support/http_server.hpp"
#include "support/temp_dir.hpp"

#include <noodle/live/strategy.hpp>
#include <noodle/probe/runner.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;
using noodle::live::ProbeVerdict;
using noodle::manifest::Probe;
using noodle::manifest::ProbeKind;
using noodle::test::HttpServer;
using Clock = std::chrono::steady_clock;

namespace {

Probe fast(ProbeKind kind)
{
  Probe p;
  p.kind = kind;
  p.name = "p";
  p.period_ms = 20;
  p.timeout_ms = 1000;
  p.success_threshold = 1;
  p.failure_threshold = 3;
  return p;
}

Probe http_probe(const std::string& url)
{
  Probe p = fast(ProbeKind::http);
  p.url = url;
  return p;
}

Probe tcp_probe(int port)
{
  Probe p = fast(ProbeKind::tcp);
  p.address = "127.0.0.1:" + std::to_string(port);
  return p;
}

Probe exec_probe(std::vector<std::string> command)
{
  Probe p = fast(ProbeKind::exec);
  p.command = std::move(command);
  return p;
}

struct ProbeRan {
  ProbeVerdict verdict;
  std::chrono::milliseconds took{};
};

ProbeRan run(const std::vector<Probe>& probes, const std::vector<std::string>& instances = {"i0"},
        const std::function<bool()>& wake = {})
{
  noodle::probe::ManifestProber prober(probes, "svc", "1.1.0");
  const auto start = Clock::now();
  ProbeRan ran;
  ran.verdict = prober.run(instances, noodle::live::system_timer(), wake);
  ran.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return ran;
}

HttpServer::Script always(int status, std::string body = "ok")
{
  return [status, body](int, const std::string&) { return HttpServer::Reply{status, body}; };
}

HttpServer::Script statuses(std::vector<int> list)
{
  return [list](int nth, const std::string&) {
    return HttpServer::Reply{nth < static_cast<int>(list.size()) ? list[static_cast<std::size_t>(nth)] : 200, "ok"};
  };
}

} // namespace

TEST_CASE("probe http passes on an expected status and names it", "[probe]")
{
  HttpServer server(always(204));
  const auto ran = run({http_probe(server.url("/health"))});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  const auto& o = ran.verdict.outcomes[0];
  CHECK(ran.verdict.passed());
  CHECK(o.attempts == 1);
  CHECK(o.detail == "status 204 (1 pass in a row reach success_threshold 1)");
  CHECK(server.paths() == std::vector<std::string>{"/health"});
}

TEST_CASE("probe http fails exactly at failure_threshold consecutive failures", "[probe]")
{
  HttpServer server(always(503));
  Probe p = http_probe(server.url("/health"));
  p.failure_threshold = 3;
  const auto ran = run({p});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  const auto& o = ran.verdict.outcomes[0];
  CHECK_FALSE(ran.verdict.passed());
  CHECK(o.attempts == 3);
  CHECK(server.paths().size() == 3);
  CHECK(o.detail == "status 503, expected 200-399 (3 failures in a row reach failure_threshold 3)");
  // Two periods between three attempts.
  CHECK(ran.took >= 35ms);
}

TEST_CASE("probe http needs success_threshold passes in a row, a failure starting the count again", "[probe]")
{
  HttpServer server(statuses({200, 500, 200, 200, 200}));
  Probe p = http_probe(server.url("/ready"));
  p.success_threshold = 3;
  p.failure_threshold = 2;
  const auto ran = run({p});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.passed());
  CHECK(ran.verdict.outcomes[0].attempts == 5);
  CHECK(ran.verdict.outcomes[0].detail == "status 200 (3 passes in a row reach success_threshold 3)");
}

TEST_CASE("probe http checks the expected status range and the body's text", "[probe]")
{
  HttpServer server(always(200, "state: starting"));
  Probe body = http_probe(server.url("/health"));
  body.body_contains = "ready";
  body.failure_threshold = 1;
  auto ran = run({body});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.outcomes[0].detail
        == "status 200 but the body lacks 'ready' (1 failure in a row reach failure_threshold 1)");

  Probe exact = http_probe(server.url("/health"));
  exact.expect_status_min = 201;
  exact.expect_status_max = 201;
  exact.failure_threshold = 1;
  ran = run({exact});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.outcomes[0].detail.starts_with("status 200, expected 201 "));
}

TEST_CASE("probe http says connection refused when nothing listens", "[probe]")
{
  Probe p = http_probe("http://127.0.0.1:" + std::to_string(noodle::test::closed_port()) + "/health");
  p.failure_threshold = 2;
  const auto ran = run({p});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.outcomes[0].attempts == 2);
  CHECK(ran.verdict.outcomes[0].detail == "connection refused (2 failures in a row reach failure_threshold 2)");
}

TEST_CASE("probe http against a server that accepts and never answers is bounded by its timeout", "[probe]")
{
  HttpServer server([](int, const std::string&) { return std::optional<HttpServer::Reply>(); });
  Probe p = http_probe(server.url("/health"));
  p.timeout_ms = 100;
  p.failure_threshold = 2;
  const auto ran = run({p});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.outcomes[0].detail == "timed out after 100 ms (2 failures in a row reach failure_threshold 2)");
  CHECK(ran.took >= 200ms);
  CHECK(ran.took < 1500ms);
}

TEST_CASE("probe http that hangs ends within 100 ms of a stop, with no verdict", "[probe]")
{
  HttpServer server([](int, const std::string&) { return std::optional<HttpServer::Reply>(); });
  Probe p = http_probe(server.url("/health"));
  p.timeout_ms = 10000;
  const auto start = Clock::now();
  const auto ran = run({p}, {"i0"}, [start] { return Clock::now() - start > 100ms; });
  CHECK(ran.verdict.interrupted);
  CHECK_FALSE(ran.verdict.passed());
  CHECK(ran.verdict.outcomes.empty());
  CHECK(ran.took < 200ms + 100ms);
}

TEST_CASE("probe http fills {instance} and {version} and runs once per instance", "[probe]")
{
  HttpServer server(always(200));
  const auto ran = run({http_probe(server.url("/{instance}/{version}/health"))}, {"i0", "i1"});
  CHECK(ran.verdict.passed());
  REQUIRE(ran.verdict.outcomes.size() == 2);
  CHECK(ran.verdict.outcomes[0].instance == "i0");
  CHECK(ran.verdict.outcomes[1].target == server.url("/i1/1.1.0/health"));
  CHECK(server.paths() == std::vector<std::string>{"/i0/1.1.0/health", "/i1/1.1.0/health"});
}

TEST_CASE("probe tcp passes when a listener takes the connection", "[probe]")
{
  noodle::test::TcpListener listener;
  const auto ran = run({tcp_probe(listener.port())});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.passed());
  CHECK(ran.verdict.outcomes[0].detail == "connected (1 pass in a row reach success_threshold 1)");
}

TEST_CASE("probe tcp fails at failure_threshold when the connection is refused, and needs success_threshold passes",
          "[probe]")
{
  Probe refused = tcp_probe(noodle::test::closed_port());
  refused.failure_threshold = 2;
  auto ran = run({refused});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.outcomes[0].attempts == 2);
  CHECK(ran.verdict.outcomes[0].detail == "connection refused (2 failures in a row reach failure_threshold 2)");

  noodle::test::TcpListener listener;
  Probe twice = tcp_probe(listener.port());
  twice.success_threshold = 2;
  ran = run({twice});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.passed());
  CHECK(ran.verdict.outcomes[0].attempts == 2);
}

TEST_CASE("probe tcp to a listener whose backlog is full hangs until its timeout", "[probe]")
{
  // A backlog of 0 holds one connection nobody accepts; with it taken, the
  // kernel drops further handshakes and a connect waits.
  noodle::test::TcpListener listener(0);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(listener.port()));
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fillers.push_back(fd);
  }
  std::this_thread::sleep_for(50ms);
  Probe p = tcp_probe(listener.port());
  p.timeout_ms = 150;
  p.failure_threshold = 1;
  const auto ran = run({p});
  for (const int fd : fillers) {
    ::close(fd);
  }
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.outcomes[0].detail == "timed out after 150 ms (1 failure in a row reach failure_threshold 1)");
  CHECK(ran.took >= 140ms);
  CHECK(ran.took < 1000ms);
}

TEST_CASE("probe exec passes on exit 0 and fails at failure_threshold with the exit code", "[probe]")
{
  auto ran = run({exec_probe({"true"})});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.passed());
  CHECK(ran.verdict.outcomes[0].detail == "exit code 0 (1 pass in a row reach success_threshold 1)");

  Probe failing = exec_probe({"sh", "-c", "exit 3"});
  failing.failure_threshold = 2;
  ran = run({failing});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.outcomes[0].attempts == 2);
  CHECK(ran.verdict.outcomes[0].detail == "exit code 3 (2 failures in a row reach failure_threshold 2)");

  Probe missing = exec_probe({"no-such-probe-program"});
  missing.failure_threshold = 1;
  ran = run({missing});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.outcomes[0].detail.starts_with("cannot run 'no-such-probe-program': not found on "));
}

TEST_CASE("probe exec needs success_threshold passes in a row", "[probe]")
{
  noodle::test::TempDir dir;
  const auto count = dir / "count";
  // Fails on its second run only: pass, fail, pass, pass.
  Probe p = exec_probe({"sh", "-c", "echo x >> \"$1\"; test $(wc -l < \"$1\") -ne 2", "sh", count.string()});
  p.success_threshold = 2;
  const auto ran = run({p});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.passed());
  CHECK(ran.verdict.outcomes[0].attempts == 4);
}

TEST_CASE("probe exec that sleeps is killed with its whole process group at its timeout", "[probe]")
{
  noodle::test::TempDir dir;
  const auto pid_file = dir / "child.pid";
  Probe p = exec_probe({"sh", "-c", "sleep 30 & echo $! > \"$1\"; wait", "sh", pid_file.string()});
  p.timeout_ms = 150;
  p.failure_threshold = 1;
  const auto ran = run({p});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.outcomes[0].detail
        == "timed out after 150 ms (its process group was killed) (1 failure in a row reach failure_threshold 1)");
  CHECK(ran.took < 1000ms);
  std::ifstream in(pid_file);
  pid_t child = 0;
  in >> child;
  REQUIRE(child > 0);
  // The background sleep was in the group: it is gone (or a zombie of init's).
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string pid_text, comm, state;
    gone = !(stat >> pid_text >> comm >> state) || state == "Z";
    if (!gone) {
      std::this_thread::sleep_for(10ms);
    }
  }
  CHECK(gone);
}

TEST_CASE("probe exec that sleeps ends within 100 ms of a stop", "[probe]")
{
  Probe p = exec_probe({"sleep", "30"});
  p.timeout_ms = 10000;
  const auto start = Clock::now();
  const auto ran = run({p}, {"i0"}, [start] { return Clock::now() - start > 100ms; });
  CHECK(ran.verdict.interrupted);
  CHECK(ran.took < 300ms);
}

TEST_CASE("probe exec runs with a clean environment: PATH, LC_ALL and the NOODLE_ names only", "[probe]")
{
  noodle::test::TempDir dir;
  const auto env_file = dir / "env";
  ::setenv("NOODLE_PROBE_TEST_SECRET", "leaked", 1);
  Probe p = exec_probe({"sh", "-c", "env > \"$1\"", "sh", env_file.string()});
  const auto ran = run({p}, {"i7"});
  ::unsetenv("NOODLE_PROBE_TEST_SECRET");
  CHECK(ran.verdict.passed());
  std::ifstream in(env_file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  auto has = [&](const std::string& line) { return std::find(lines.begin(), lines.end(), line) != lines.end(); };
  CHECK(has("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  CHECK(has("LC_ALL=C"));
  CHECK(has("NOODLE_COMPONENT=svc"));
  CHECK(has("NOODLE_VERSION=1.1.0"));
  CHECK(has("NOODLE_INSTANCE="));
  for (const auto& line : lines) {
    CHECK(line.find("NOODLE_PROBE_TEST_SECRET") == std::string::npos);
    CHECK(line.find("HOME=") != 0);
  }
}

TEST_CASE("probe runs wait initial_delay_ms before the first attempt and stop at the first failure", "[probe]")
{
  HttpServer server(always(500));
  Probe slow = http_probe(server.url("/slow"));
  slow.initial_delay_ms = 200;
  Probe failing = http_probe(server.url("/fail"));
  failing.failure_threshold = 1;
  const auto ran = run({slow, failing});
  REQUIRE(ran.verdict.outcomes.size() == 1);
  CHECK(ran.verdict.outcomes[0].probe == "p");
  CHECK_FALSE(ran.verdict.passed());
  CHECK(server.paths() == std::vector<std::string>{"/fail"});
}
