// SPDX-License-Identifier: Apache-2.0
#include "writeback.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace noodle::archive::detail {

Writeback::Writeback(bool threaded)
{
  if (threaded) {
    try {
      m_thread = std::thread(&Writeback::run, this);
    } catch (const std::system_error&) {
      // No thread: m_thread stays empty and every file is closed in close_later.
    }
  }
}

Writeback::~Writeback()
{
  (void)finish();
}

void Writeback::close_one(Item& item)
{
  ::sync_file_range(item.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  const int err = ::close(item.fd) != 0 ? errno : 0;
  if (err != 0) {
    const std::lock_guard lock(m_mutex);
    if (!m_error) {
      m_error = Error(ErrorCode::io, fmt::format("entry '{}': cannot close file: {}", item.shown, std::strerror(err)));
    }
  }
}

void Writeback::close_later(util::UniqueFd fd, std::string shown)
{
  Item item{fd.release(), std::move(shown)};
  if (!m_thread.joinable()) {
    close_one(item);
    return;
  }
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [&] { return m_queue.size() < k_queue; });
  m_queue.push_back(std::move(item));
  lock.unlock();
  m_changed.notify_all();
}

void Writeback::run()
{
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_changed.wait(lock, [&] { return m_done || !m_queue.empty(); });
    if (m_queue.empty()) {
      return; // done, and nothing left
    }
    Item item = std::move(m_queue.front());
    m_queue.pop_front();
    lock.unlock();
    m_changed.notify_all();
    close_one(item);
    lock.lock();
  }
}

Result<void> Writeback::finish()
{
  if (m_thread.joinable()) {
    {
      const std::lock_guard lock(m_mutex);
      m_done = true;
    }
    m_changed.notify_all();
    m_thread.join();
  }
  const std::lock_guard lock(m_mutex);
  if (m_error) {
    return fail(*m_error);
  }
  return {};
}

} // namespace noodle::archive::detail
