// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/beside.hpp>

#include <system_error>
#include <utility>

namespace noodle::util {

Beside::Beside(std::function<void()> work) : m_work(std::move(work))
{
  try {
    m_thread = std::thread([this] {
      try {
        m_work();
      } catch (...) {
        m_failed = std::current_exception();
      }
    });
  } catch (const std::system_error&) {
    m_pending = true;
  }
}

Beside::~Beside()
{
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void Beside::join()
{
  if (m_thread.joinable()) {
    m_thread.join();
  } else if (m_pending) {
    m_pending = false;
    m_work();
  }
  if (m_failed) {
    std::rethrow_exception(std::exchange(m_failed, nullptr));
  }
}

} // namespace noodle::util
