// SPDX-License-Identifier: Apache-2.0
#include <noodle/util/prefault.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/mman.h>

namespace {

// The pattern byte at offset i: differs between neighbouring bytes and pages.
unsigned char pattern(std::size_t i)
{
  return static_cast<unsigned char>((i * 131U + (i >> 12)) & 0xffU);
}

// The sum of "AnonHugePages" in kB over the mappings of /proc/self/smaps
// that overlap [data, data + size): advice on part of a mapping splits it.
long anon_huge_kb(const void* data, std::size_t size)
{
  std::ifstream smaps("/proc/self/smaps");
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const auto end = begin + size;
  std::string line;
  bool overlaps = false;
  long total = 0;
  while (std::getline(smaps, line)) {
    std::uintptr_t low = 0;
    std::uintptr_t high = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> low >> dash >> high && dash == '-') {
      overlaps = low < end && begin < high;
      continue;
    }
    if (overlaps && line.rfind("AnonHugePages:", 0) == 0) {
      total += std::stol(line.substr(14));
    }
  }
  return total;
}

bool kernel_gives_huge_pages_on_request()
{
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  std::getline(in, modes);
  return !modes.empty() && modes.find("[never]") == std::string::npos;
}

} // namespace

TEST_CASE("util::prefault keeps the contents of any buffer, large or small, aligned or not")
{
  constexpr std::size_t k_size = (std::size_t{5} << 20) + 123;
  std::vector<unsigned char> storage(k_size + 64);
  for (const std::size_t offset : {std::size_t{0}, std::size_t{7}, std::size_t{4096 + 3}}) {
    unsigned char* data = storage.data() + offset;
    const std::size_t size = k_size - offset;
    for (std::size_t i = 0; i < size; ++i) {
      data[i] = pattern(i);
    }
    noodle::util::prefault(data, size);
    noodle::util::prefault(data, 100); // below the size it bothers with
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < size; ++i) {
      wrong += data[i] == pattern(i) ? 0 : 1;
    }
    CHECK(wrong == 0);
  }
  noodle::util::prefault(nullptr, 0);
}

TEST_CASE("util::prefault asks for 2 MiB pages for the whole 2 MiB stretches of a large buffer")
{
  if (!kernel_gives_huge_pages_on_request()) {
    WARN("transparent huge pages are off on this kernel; nothing to check");
    return;
  }
  // Fresh anonymous memory with room to start off a 2 MiB boundary, as a
  // large vector does inside the allocator's block.
  constexpr std::size_t k_map = std::size_t{12} << 20;
  void* map = ::mmap(nullptr, k_map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(map != MAP_FAILED);
  // No 2 MiB pages unless asked for, whatever the kernel's default.
  REQUIRE(::madvise(map, k_map, MADV_NOHUGEPAGE) == 0);
  const auto base = reinterpret_cast<std::uintptr_t>(map);
  constexpr std::uintptr_t k_huge = std::uintptr_t{2} << 20;
  auto* data = reinterpret_cast<unsigned char*>(((base + k_huge - 1) & ~(k_huge - 1)) + 0x10000);
  const std::size_t size = std::size_t{8} << 20; // holds three whole 2 MiB stretches
  REQUIRE(anon_huge_kb(data, size) == 0);

  noodle::util::prefault(data, size);
  for (std::size_t i = 0; i < size; i += 4096) {
    data[i] = 1;
  }
  const long huge = anon_huge_kb(data, size);
  ::munmap(map, k_map);
  CHECK(huge >= 2048);
  CHECK(huge <= 6144); // only the whole stretches inside the buffer
}
