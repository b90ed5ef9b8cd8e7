// SPDX-License-Identifier: Apache-2.0
// Closes extracted files on a thread of its own, starting their writeback
// first (sync_file_range). On a virtual disk, submitting a file's writes
// costs about as much CPU as copying it into the page cache; here it runs
// beside the extraction of the next entries instead of after each file.
// The one syncfs after extraction then mostly waits for writes under way.
#pragma once

#include <noodle/util/error.hpp>
#include <noodle/util/unique_fd.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace noodle::archive::detail {

class Writeback {
public:
  // Without `threaded`, each file is handled in close_later itself: for a
  // few small files a thread costs more than it saves.
  explicit Writeback(bool threaded);
  ~Writeback(); // closes whatever is still queued
  Writeback(const Writeback&) = delete;
  Writeback& operator=(const Writeback&) = delete;

  // Hands `fd` over, to be closed after its writeback has started; `shown`
  // names the entry in a close error. Waits while many files are queued.
  // Without a thread (not asked for, or none to be had), does it right here.
  void close_later(util::UniqueFd fd, std::string shown);

  // Waits until every file handed over is closed: the first close error
  // ("entry 'x': cannot close file: ..."), if any.
  Result<void> finish();

private:
  static constexpr std::size_t k_queue = 64;
  struct Item {
    int fd;
    std::string shown;
  };

  void run();
  void close_one(Item& item); // records the first error

  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<Item> m_queue;
  bool m_done = false;
  std::optional<Error> m_error;
  std::thread m_thread;
};

} // namespace noodle::archive::detail
