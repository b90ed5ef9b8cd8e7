// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/prefault.hpp>

#include <cstdint>

#include <sys/mman.h>
#include <unistd.h>

namespace noodle::util {

void prefault(void* data, std::size_t bytes)
{
#ifdef MADV_POPULATE_WRITE
  constexpr std::size_t k_worth_it = std::size_t{256} << 10;
  if (bytes < k_worth_it) {
    return;
  }
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + page - 1) & ~(page - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(page - 1);
  if (end > begin) {
    ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
  }
#else
  (void)data;
  (void)bytes;
#endif
}

} // namespace noodle::util
