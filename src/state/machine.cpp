// SPDX-License-Identifier: Apache-2.0
#include <noodle/state/machine.hpp>

#include <sys/statvfs.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace noodle::state {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t k_mib = std::uint64_t{1024} * 1024;

std::uint64_t probe_memory_mb()
{
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    if (line.rfind("MemTotal:", 0) == 0) {
      std::istringstream fields(line.substr(9));
      std::uint64_t kib = 0;
      if (fields >> kib) {
        return kib / 1024;
      }
      break;
    }
  }
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) {
    return 0;
  }
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) / k_mib;
}

std::uint64_t probe_disk_free_mb(const fs::path& root)
{
  // The root may not exist yet (first install); its volume is the nearest
  // existing parent's.
  std::error_code ec;
  fs::path probe = root.empty() ? fs::path(".") : root;
  while (!fs::exists(probe, ec)) {
    if (!probe.has_parent_path() || probe.parent_path() == probe) {
      probe = probe.is_absolute() ? probe.root_path() : fs::path(".");
      break;
    }
    probe = probe.parent_path();
  }
  struct statvfs info {};
  if (statvfs(probe.c_str(), &info) != 0) {
    return 0;
  }
  return static_cast<std::uint64_t>(info.f_bavail) * static_cast<std::uint64_t>(info.f_frsize) / k_mib;
}

} // namespace

MachineInfo probe_machine(const fs::path& root)
{
  MachineInfo info;
  info.memory_mb = probe_memory_mb();
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  info.cpu_cores = cores > 0 ? static_cast<double>(cores) : 0.0;
  info.disk_free_mb = probe_disk_free_mb(root);
  return info;
}

} // namespace noodle::state
