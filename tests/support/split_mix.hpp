// SPDX-License-Identifier: Apache-2.0
// A small fixed pseudo-random generator (SplitMix64) and the dependency
// picks made with it, so that the generated catalogs of the tests and of
// bench/graph are the same on every platform.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

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

// `size` bytes from the generator seeded with `seed`: incompressible data,
// the same on every platform.
inline std::string noise_bytes(std::uint64_t seed, std::size_t size)
{
  SplitMix rng(seed);
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t v = rng.next();
    std::memcpy(out.data() + i, &v, std::min<std::size_t>(8, size - i));
  }
  return out;
}

// What component `i` of a generated catalog depends on: one of the ten
// components below it, and up to two more anywhere below it (none for 0).
inline std::vector<std::size_t> lower_dependencies(SplitMix& rng, std::size_t i)
{
  std::vector<std::size_t> deps;
  if (i > 0) {
    deps.push_back(i - 1 - rng.below(std::min<std::size_t>(i, 10)));
    const std::size_t extra = rng.below(3);
    for (std::size_t k = 0; k < extra; ++k) {
      const std::size_t d = rng.below(i);
      if (std::find(deps.begin(), deps.end(), d) == deps.end()) {
        deps.push_back(d);
      }
    }
  }
  return deps;
}

} // namespace noodle::test
