// SPDX-License-Identifier: Apache-2.0
// A small fixed pseudo-random generator (SplitMix64), so that the generated
// catalogs of the tests and of bench/graph are the same on every platform.
#pragma once

#include <cstddef>
#include <cstdint>

namespace noodle::test {

class SplitMix {
public:
  explicit SplitMix(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next()
  {
    std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

private:
  std::uint64_t m_state;
};

} // namespace noodle::test
