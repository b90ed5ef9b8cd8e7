// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::manifest {

enum class ProbeKind { http, tcp, exec };

std::string_view to_string(ProbeKind kind);

// Limits the loader holds every probe to (noodle-manifest(5)).
inline constexpr std::uint64_t k_probe_max_ms = 600'000;    // timeout, period, initial delay
inline constexpr std::uint32_t k_probe_max_threshold = 100; // success and failure thresholds

// One independent health probe of `health_check.probes`, after Kubernetes'
// probes: the tool runs it itself at every health gate of a live rollout.
// Texts may hold the placeholders {instance} and {version}; the loader
// refuses any other "{...}".
struct Probe {
  ProbeKind kind = ProbeKind::http;
  std::string name;            // as written, or the default: "<kind> <target>"
  std::string url;             // http: the URL to GET (http:// only)
  int expect_status_min = 200; // http: the statuses that pass, inclusive
  int expect_status_max = 399;
  std::string body_contains;        // http: "" = any body
  std::string address;              // tcp: host:port
  std::vector<std::string> command; // exec: program and arguments, no shell
  std::uint64_t timeout_ms = 5000;  // one attempt
  std::uint64_t period_ms = 1000;   // between attempts
  std::uint64_t initial_delay_ms = 0;
  std::uint32_t success_threshold = 1; // consecutive passes that pass the probe
  std::uint32_t failure_threshold = 3; // consecutive failures that fail it
  SourceLocation where;

  friend bool operator==(const Probe&, const Probe&) = default;
};

// The probe's target as one text: the URL, the address, or the command
// line (each argument shell-quoted when needed).
std::string probe_target(const Probe& probe);

// One line for plans and events: "http GET http://127.0.0.1:8080/health
// expecting 200-399, every 1000 ms, timeout 5000 ms, 1 pass / 3 failures".
std::string describe_probe(const Probe& probe);

// Whether `text` names {instance}.
bool names_instance(std::string_view text);
// Whether any of the probe's texts names {instance}: it runs once per instance.
bool probe_per_instance(const Probe& probe);

// `text` with {instance} and {version} replaced.
std::string expand_placeholders(std::string_view text, std::string_view instance, std::string_view version);

// The first "{...}" in `text` that is not {instance} or {version}, or an
// unclosed "{", as a message; nullopt when there is none.
std::optional<std::string> placeholder_problem(std::string_view text);

// "2xx" (200-299), "200" or "200-399"; nullopt for anything else or a
// status outside 100-599.
std::optional<std::pair<int, int>> parse_expect_status(std::string_view text);

} // namespace noodle::manifest
