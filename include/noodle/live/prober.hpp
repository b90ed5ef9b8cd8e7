// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace noodle::live {

class Timer;

// What one probe concluded at a gate, for one instance (or for the
// component, when the probe does not name {instance}).
struct ProbeOutcome {
  std::string probe;    // its name
  std::string kind;     // "http", "tcp", "exec"
  std::string target;   // the URL, address or command line, placeholders filled
  std::string instance; // "" when it ran once for all instances
  bool passed = false;
  int attempts = 0;
  // Why, in words: "status 200", "status 503, expected 200-399",
  // "connection refused", "timed out after 50 ms", "exit code 3", and how
  // the thresholds were met ("2 consecutive failures reach failure_threshold 2").
  std::string detail;
};

struct ProbeVerdict {
  // The probes ended early because `wake` asked: no verdict; the gate
  // probes again from the start once the rollout runs on.
  bool interrupted = false;
  std::vector<ProbeOutcome> outcomes; // those that reached a verdict, in the order they did

  bool passed() const;
};

// The seam through which every health gate of a strategy runs the
// independent probes (the manifest's health_check.probes) beside the
// runtime's own health answer. probe::ManifestProber runs the real ones;
// tests of the strategies pass a double.
class Prober {
public:
  virtual ~Prober() = default;
  // Runs every probe at `instances` (of the version being rolled out) until
  // each passes or one fails: a failure ends the run at once. Every wait
  // goes through `timer.wait_for(..., wake)` and no attempt outlasts its
  // timeout; when `wake` returns true the run ends within
  // k_steering_poll with `interrupted` set.
  virtual ProbeVerdict run(const std::vector<std::string>& instances, Timer& timer,
                           const std::function<bool()>& wake) = 0;
  // One line per probe, as the plan shows them.
  virtual std::vector<std::string> describe() const = 0;
};

} // namespace noodle::live
