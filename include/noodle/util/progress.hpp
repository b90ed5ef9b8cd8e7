// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string_view>

namespace noodle::util {

// Where long work reports how far it got. The core only calls it; whoever
// implements it decides whether and how to show anything (the command line
// draws one line on a terminal). Implementations must not fail or throw.
class ProgressSink {
public:
  virtual ~ProgressSink() = default;
  // `done` of `total` units (bytes) of `phase` ("verify", "extract"); may be
  // called very often: throttling is the sink's business. `total` may be 0
  // when unknown.
  virtual void update(std::string_view phase, std::uint64_t done, std::uint64_t total) = 0;
  // The phase ended (successfully or not): whatever was drawn goes away.
  virtual void finish() = 0;
};

// Calls finish() on `sink` (may be null) when leaving a scope.
class ProgressScope {
public:
  explicit ProgressScope(ProgressSink* sink) : m_sink(sink) {}
  ~ProgressScope()
  {
    if (m_sink != nullptr) {
      m_sink->finish();
    }
  }
  ProgressScope(const ProgressScope&) = delete;
  ProgressScope& operator=(const ProgressScope&) = delete;

private:
  ProgressSink* m_sink;
};

} // namespace noodle::util
