// SPDX-License-Identifier: Apache-2.0
// Compiled into each executable that links noodle_allocator (CMakeLists.txt):
// the allocator's settings, made before main runs.
#if defined(NOODLE_WITH_MIMALLOC)
#include <mimalloc.h>

namespace {

// 2 MiB pages (transparent huge pages, where the kernel allows them) for
// the memory each thread takes from the system from now on, its first
// segment included: one page fault instead of 512 for the memory a large
// catalog fills.
const bool k_allocator_configured = [] {
  mi_option_enable(mi_option_large_os_pages);
  mi_option_set(mi_option_eager_commit_delay, 0);
  return true;
}();

} // namespace
#endif
