// SPDX-License-Identifier: Apache-2.0
#pragma once

// The non-cryptographic checksum of the catalog cache: of its payload, of
// its name's key, and of each scanned file's path and key (FileId).
// Private to manifest/.

#include <cstdint>
#include <cstring>
#include <string_view>

namespace noodle::manifest::detail {

// A 64-bit checksum: eight bytes per step, each mixed in by a
// multiplication and a shift. It finds damage, not forgery: the cache is
// trusted only when its owner is the user who runs the tool. Fed in pieces
// of any size, it gives what one call over the whole would. Another
// multiplier and shift give an independent lane (see FileId).
template <std::uint64_t k_mul, int k_shift> class BasicChecksum {
public:
  explicit BasicChecksum(std::uint64_t size) : m_h(0xCBF29CE484222325ULL ^ size) {}

  void update(std::string_view data)
  {
    if (data.empty()) {
      return;
    }
    if (m_pending > 0) {
      const std::size_t n = std::min(data.size(), 8 - m_pending);
      std::memcpy(m_word + m_pending, data.data(), n);
      m_pending += n;
      data.remove_prefix(n);
      if (m_pending < 8) {
        return;
      }
      mix(m_word);
      m_pending = 0;
    }
    std::size_t i = 0;
    for (; i + 8 <= data.size(); i += 8) {
      mix(data.data() + i);
    }
    m_pending = data.size() - i;
    if (m_pending > 0) {
      std::memcpy(m_word, data.data() + i, m_pending);
    }
  }

  std::uint64_t finish() const
  {
    std::uint64_t tail = 0;
    std::memcpy(&tail, m_word, m_pending);
    std::uint64_t h = (m_h ^ tail) * k_mul;
    h ^= h >> 32;
    return h;
  }

private:
  void mix(const char* bytes)
  {
    std::uint64_t w = 0;
    std::memcpy(&w, bytes, 8);
    m_h = (m_h ^ w) * k_mul;
    m_h ^= m_h >> k_shift;
  }

  std::uint64_t m_h;
  char m_word[8] = {};
  std::size_t m_pending = 0;
};

using Checksum = BasicChecksum<0x9E3779B97F4A7C15ULL, 29>;
// The second lane of a FileId.
using OtherChecksum = BasicChecksum<0xC2B2AE3D27D4EB4FULL, 31>;

inline std::uint64_t checksum(std::string_view data)
{
  Checksum sum(data.size());
  sum.update(data);
  return sum.finish();
}

} // namespace noodle::manifest::detail
