// SPDX-License-Identifier: Apache-2.0
// health_check.probes in manifests: what the loader reads, its defaults, and
// each refusal at its file:line:col.
#include <noodle/manifest/loader.hpp>

#include "unit/manifest/support.hpp"

#include <catch2/catch.hpp>

using manifest_test::lines;
using manifest_test::parse;
using noodle::manifest::ProbeKind;

namespace {

const std::string k_head = "name: svc\nversion: 1.0.0\n";

} // namespace

TEST_CASE("parse_manifests reads http, tcp and exec probes with their fields and defaults", "[probe]")
{
  auto p = parse(k_head + R"(health_check:
  timeout_ms: 2000
  retries: 1
  probes:
    - kind: http
      name: api
      url: http://127.0.0.1:8080/{instance}/health?v={version}
      expect_status: 2xx
      body_contains: ready
      period_ms: 50
      initial_delay_ms: 100
      success_threshold: 2
      failure_threshold: 5
      timeout_ms: 300
    - kind: tcp
      address: localhost:5432
    - kind: exec
      command: [/usr/bin/check, --instance, "{instance}"]
)");
  INFO(lines(p.diagnostics).size());
  REQUIRE(p.diagnostics.empty());
  REQUIRE(p.manifests.size() == 1);
  const auto& probes = p.manifests[0].extras->health_check.probes;
  REQUIRE(probes.size() == 3);
  CHECK(probes[0].kind == ProbeKind::http);
  CHECK(probes[0].name == "api");
  CHECK(probes[0].url == "http://127.0.0.1:8080/{instance}/health?v={version}");
  CHECK(probes[0].expect_status_min == 200);
  CHECK(probes[0].expect_status_max == 299);
  CHECK(probes[0].body_contains == "ready");
  CHECK(probes[0].period_ms == 50);
  CHECK(probes[0].initial_delay_ms == 100);
  CHECK(probes[0].success_threshold == 2);
  CHECK(probes[0].failure_threshold == 5);
  CHECK(probes[0].timeout_ms == 300);
  CHECK(probes[0].where.line == 7);
  // The others take health_check's timeout_ms, and retries + 1 failures.
  CHECK(probes[1].kind == ProbeKind::tcp);
  CHECK(probes[1].name == "probes[1]");
  CHECK(probes[1].address == "localhost:5432");
  CHECK(probes[1].timeout_ms == 2000);
  CHECK(probes[1].failure_threshold == 2);
  CHECK(probes[1].success_threshold == 1);
  CHECK(probes[1].period_ms == 1000);
  CHECK(probes[2].command == std::vector<std::string>{"/usr/bin/check", "--instance", "{instance}"});
  // Without expect_status, 200-399 as Kubernetes.
  auto plain = parse(k_head + "health_check:\n  probes: [{kind: http, url: 'http://h/'}]\n");
  REQUIRE(plain.manifests.size() == 1);
  CHECK(plain.manifests[0].extras->health_check.probes[0].expect_status_min == 200);
  CHECK(plain.manifests[0].extras->health_check.probes[0].expect_status_max == 399);
  CHECK(plain.manifests[0].extras->health_check.probes[0].failure_threshold == 4); // retries 3 by default
}

TEST_CASE("parse_manifests makes health_check_endpoint one http probe after the listed ones", "[probe]")
{
  auto p = parse(k_head + R"(health_check_endpoint: http://127.0.0.1:8080/{instance}/healthz
health_check:
  retries: 0
  probes: [{kind: tcp, address: "127.0.0.1:9"}]
)");
  REQUIRE(p.diagnostics.empty());
  REQUIRE(p.manifests.size() == 1);
  const auto& hc = p.manifests[0].extras->health_check;
  CHECK(hc.endpoint == "http://127.0.0.1:8080/{instance}/healthz");
  REQUIRE(hc.probes.size() == 2);
  CHECK(hc.probes[1].name == "health_check_endpoint");
  CHECK(hc.probes[1].kind == ProbeKind::http);
  CHECK(hc.probes[1].url == hc.endpoint);
  CHECK(hc.probes[1].failure_threshold == 1);
}

TEST_CASE("parse_manifests refuses bad probe values at their line and column", "[probe]")
{
  auto p = parse(k_head + R"(health_check:
  probes:
    - kind: http
      url: https://example.org/health
    - kind: http
      url: http://127.0.0.1/{host}/health
    - kind: tcp
      address: 127.0.0.1
    - kind: exec
      command: "check --all"
    - kind: http
      url: http://127.0.0.1/
      period_ms: 5
      failure_threshold: 0
      expect_status: 2yy
    - kind: grpc
    - kind: tcp
      address: "127.0.0.1:80"
      url: http://x/
    - kind: exec
      command: []
    - kind: http
      url: http://127.0.0.1/
      timeout_ms: 600001
      success_threshold: 101
)");
  CHECK(p.manifests.empty());
  CHECK(lines(p.diagnostics)
        == std::vector<std::string>{
            "6:12 error: field 'health_check.probes[0].url' must be an http:// URL (a probe "
            "speaks plain HTTP), got 'https://example.org/health'",
            "8:12 error: field 'health_check.probes[1].url': unknown placeholder '{host}' (the "
            "placeholders are {instance} and {version})",
            "10:16 error: field 'health_check.probes[2].address' must be host:port with a port "
            "from 1 to 65535, got '127.0.0.1'",
            "12:16 error: field 'health_check.probes[3].command' must be a non-empty list of "
            "strings, the program and its arguments (no shell runs it), got 'check --all'",
            "15:18 error: field 'health_check.probes[4].period_ms' must be an integer from 10 "
            "to 600000, got '5'",
            "16:26 error: field 'health_check.probes[4].failure_threshold' must be an integer "
            "from 1 to 100, got '0'",
            "17:22 error: field 'health_check.probes[4].expect_status' must be a status (200), a "
            "class (2xx) or a range (200-399) of statuses from 100 to 599, got '2yy'",
            "18:13 error: field 'health_check.probes[5].kind' must be one of http, tcp, exec, got "
            "'grpc'",
            "21:7 error: field 'health_check.probes[6].url' belongs to http probes, not to tcp "
            "probes",
            "23:16 error: field 'health_check.probes[7].command' must be a non-empty list of "
            "strings, the program and its arguments (no shell runs it), got an empty list",
            "26:19 error: field 'health_check.probes[8].timeout_ms' must be an integer from 1 to "
            "600000, got '600001'",
            "27:26 error: field 'health_check.probes[8].success_threshold' must be an integer "
            "from 1 to 100, got '101'",
        });
}

TEST_CASE("parse_manifests refuses an unknown placeholder in health_check_endpoint and in exec arguments", "[probe]")
{
  auto p = parse(k_head + "health_check_endpoint: http://h/{component}\n");
  CHECK(p.manifests.empty());
  CHECK(lines(p.diagnostics)
        == std::vector<std::string>{"3:24 error: field 'health_check_endpoint': unknown placeholder '{component}' (the "
                                    "placeholders are {instance} and {version})"});
  auto e = parse(k_head + "health_check:\n  probes:\n    - {kind: exec, command: [check, '{instance']}\n");
  CHECK(e.manifests.empty());
  REQUIRE(e.diagnostics.size() == 1);
  CHECK(
      e.diagnostics[0].message
      == "field 'health_check.probes[0].command[1]': an unclosed '{' at offset 0 (the placeholders are {instance} and "
         "{version})");
}
