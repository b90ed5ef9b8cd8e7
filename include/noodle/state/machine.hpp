// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>

namespace noodle::state {

// What the machine offers; the plan compares resource needs against it.
// Callers may build one by hand (tests, dry runs for another machine).
struct MachineInfo {
  std::uint64_t memory_mb = 0;    // total physical memory
  double cpu_cores = 0;           // online processors
  std::uint64_t disk_free_mb = 0; // available to unprivileged users
};

// Probes the running machine: MemTotal from /proc/meminfo (sysconf when that
// is unreadable), sysconf(_SC_NPROCESSORS_ONLN), and statvfs of `root` or of
// its nearest existing parent. A value that cannot be probed is 0; never fails.
MachineInfo probe_machine(const std::filesystem::path& root);

} // namespace noodle::state
