// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <exception>
#include <functional>
#include <thread>

namespace noodle::util {

// Work run on a thread of its own, beside the caller's, until join(). When
// no thread can be had the work runs on the caller's thread, in join(). An
// exception the work throws is rethrown by join(). The destructor waits for
// the work (and drops any exception), so that no thread outlives what the
// work refers to.
class Beside {
public:
  explicit Beside(std::function<void()> work);
  Beside(const Beside&) = delete;
  Beside& operator=(const Beside&) = delete;
  ~Beside();

  // Waits for the work; rethrows what it threw. Once only has effect.
  void join();

private:
  std::function<void()> m_work;
  std::thread m_thread;
  std::exception_ptr m_failed;
  bool m_pending = false; // no thread: the work waits for join()
};

} // namespace noodle::util
