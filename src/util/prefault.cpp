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
  // Advice for the whole `granule`-aligned stretch inside the buffer.
  const auto advise = [first = reinterpret_cast<std::uintptr_t>(data), bytes](std::uintptr_t granule, int advice) {
    const auto begin = (first + granule - 1) & ~(granule - 1);
    const auto end = (first + bytes) & ~(granule - 1);
    if (end > begin) {
      ::madvise(reinterpret_cast<void*>(begin), end - begin, advice);
    }
  };
  // 2 MiB pages for the part they fit: the allocator asks for them only
  // for blocks a whole number of 2 MiB long, so a large vector often gets
  // 4 KiB pages, and the first write to each of those costs microseconds on
  // a virtual machine (20 MB: 30 ms against 2 ms). A hint; refused is fine.
  advise(std::uintptr_t{2} << 20, MADV_HUGEPAGE);
  advise(static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE)), MADV_POPULATE_WRITE);
#else
  (void)data;
  (void)bytes;
#endif
}

} // namespace noodle::util
