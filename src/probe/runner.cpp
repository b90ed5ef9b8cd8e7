// SPDX-License-Identifier: Apache-2.0
#include <noodle/live/strategy.hpp>
#include <noodle/probe/exec.hpp>
#include <noodle/probe/http.hpp>
#include <noodle/probe/runner.hpp>
#include <noodle/probe/tcp.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace noodle::probe {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// One probe at one instance, on its own schedule.
struct Target {
  const manifest::Probe* probe = nullptr;
  std::string instance;
  Clock::time_point due;
  std::uint32_t passes = 0;   // in a row
  std::uint32_t failures = 0; // in a row
  int attempts = 0;
};

Attempt attempt(const manifest::Probe& p, const std::string& instance, const std::string& component,
                const std::string& version, const StopAsk& stop)
{
  const milliseconds timeout{p.timeout_ms};
  switch (p.kind) {
  case manifest::ProbeKind::http:
    return attempt_http(manifest::expand_placeholders(p.url, instance, version),
                        HttpExpect{p.expect_status_min, p.expect_status_max, p.body_contains}, timeout, stop);
  case manifest::ProbeKind::tcp:
    return attempt_tcp(manifest::expand_placeholders(p.address, instance, version), timeout, stop);
  case manifest::ProbeKind::exec: {
    std::vector<std::string> argv;
    for (const auto& word : p.command) {
      argv.push_back(manifest::expand_placeholders(word, instance, version));
    }
    return attempt_exec(argv,
                        {{"NOODLE_COMPONENT", component}, {"NOODLE_VERSION", version}, {"NOODLE_INSTANCE", instance}},
                        timeout, stop);
  }
  }
  return {Attempt::Outcome::failed, "unknown probe kind"};
}

std::string plural(std::uint32_t n, std::string_view one, std::string_view many)
{
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

} // namespace

ManifestProber::ManifestProber(std::vector<manifest::Probe> probes, std::string component, std::string version)
  : m_probes(std::move(probes)), m_component(std::move(component)), m_version(std::move(version))
{
}

std::vector<std::string> ManifestProber::describe() const
{
  std::vector<std::string> lines;
  for (const auto& p : m_probes) {
    lines.push_back(manifest::describe_probe(p));
  }
  return lines;
}

live::ProbeVerdict ManifestProber::run(const std::vector<std::string>& instances, live::Timer& timer,
                                       const std::function<bool()>& wake)
{
  live::ProbeVerdict verdict;
  const auto start = timer.now();
  std::vector<Target> targets;
  for (const auto& p : m_probes) {
    const auto due = start + milliseconds{p.initial_delay_ms};
    if (manifest::probe_per_instance(p) && !instances.empty()) {
      for (const auto& instance : instances) {
        targets.push_back(Target{&p, instance, due});
      }
    } else {
      targets.push_back(Target{&p, "", due});
    }
  }
  while (!targets.empty()) {
    // The next one due; ties in the manifest's order.
    const auto next = std::min_element(targets.begin(), targets.end(),
                                       [](const Target& a, const Target& b) { return a.due < b.due; });
    Target& t = *next;
    const auto now = timer.now();
    if (t.due > now && timer.wait_for(std::chrono::duration_cast<milliseconds>(t.due - now) + milliseconds{1}, wake)) {
      verdict.interrupted = true;
      return verdict;
    }
    if (wake && wake()) {
      verdict.interrupted = true;
      return verdict;
    }
    const manifest::Probe& p = *t.probe;
    const auto began = timer.now();
    const Attempt a = attempt(p, t.instance, m_component, m_version, wake);
    if (a.outcome == Attempt::Outcome::interrupted) {
      verdict.interrupted = true;
      return verdict;
    }
    ++t.attempts;
    if (a.passed()) {
      ++t.passes;
      t.failures = 0;
    } else {
      ++t.failures;
      t.passes = 0;
    }
    const auto flap_limit = static_cast<int>(2 * (p.success_threshold + p.failure_threshold));
    std::optional<std::string> concluded;
    bool passed = false;
    if (t.passes >= p.success_threshold) {
      passed = true;
      concluded = fmt::format("{} ({} in a row reach success_threshold {})", a.detail,
                              plural(t.passes, "pass", "passes"), p.success_threshold);
    } else if (t.failures >= p.failure_threshold) {
      concluded = fmt::format("{} ({} in a row reach failure_threshold {})", a.detail,
                              plural(t.failures, "failure", "failures"), p.failure_threshold);
    } else if (t.attempts >= flap_limit) {
      concluded = fmt::format("{} (no verdict after {} attempts: it flaps)", a.detail, t.attempts);
    }
    if (!concluded) {
      t.due = began + milliseconds{p.period_ms};
      continue;
    }
    live::ProbeOutcome outcome;
    outcome.probe = p.name;
    outcome.kind = std::string(manifest::to_string(p.kind));
    outcome.target = manifest::expand_placeholders(manifest::probe_target(p), t.instance, m_version);
    outcome.instance = t.instance;
    outcome.passed = passed;
    outcome.attempts = t.attempts;
    outcome.detail = std::move(*concluded);
    verdict.outcomes.push_back(std::move(outcome));
    if (!passed) {
      return verdict; // one failure fails the gate: the rest need not run
    }
    targets.erase(next);
  }
  return verdict;
}

std::shared_ptr<live::Prober> make_prober(const std::vector<manifest::Probe>& probes, const std::string& component,
                                          const std::string& version)
{
  if (probes.empty()) {
    return nullptr;
  }
  return std::make_shared<ManifestProber>(probes, component, version);
}

} // namespace noodle::probe
