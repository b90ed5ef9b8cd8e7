// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace noodle::probe {

// What one attempt of a probe found.
struct Attempt {
  enum class Outcome { passed, failed, interrupted };
  Outcome outcome = Outcome::failed;
  std::string detail; // "status 200", "connection refused", "timed out after 50 ms", "exit code 3"

  bool passed() const { return outcome == Outcome::passed; }
};

// Asked at least every 20 ms while an attempt waits: true ends it
// (Outcome::interrupted). May be empty.
using StopAsk = std::function<bool()>;

// "connection refused": strerror(err) in lowercase, as the attempts word it.
std::string os_reason(int err);

} // namespace noodle::probe
