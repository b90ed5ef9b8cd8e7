// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

namespace noodle::util::detail {

// A pointer to a block shared by its copies: the block counts its holders
// (`refs`, its first member) and the last one gives it to
// `Traits::free(Block*)`. One pointer wide; the count is atomic, as copies
// are made and dropped on several threads. SharedString and Shared are made
// of it.
template <typename Traits> class CountedRef {
public:
  using Block = typename Traits::Block;

  CountedRef() = default;
  // Takes over a block made with a count of one (or null).
  explicit CountedRef(Block* block) noexcept : m_block(block) {}
  CountedRef(const CountedRef& other) noexcept : m_block(other.m_block) { retain(); }
  CountedRef(CountedRef&& other) noexcept : m_block(std::exchange(other.m_block, nullptr)) {}
  CountedRef& operator=(const CountedRef& other) noexcept
  {
    if (m_block != other.m_block) {
      release();
      m_block = other.m_block;
      retain();
    }
    return *this;
  }
  CountedRef& operator=(CountedRef&& other) noexcept
  {
    if (this != &other) {
      release();
      m_block = std::exchange(other.m_block, nullptr);
    }
    return *this;
  }
  ~CountedRef() { release(); }

  Block* get() const { return m_block; }

private:
  void retain() const
  {
    if (m_block != nullptr) {
      m_block->refs.fetch_add(1, std::memory_order_relaxed);
    }
  }
  void release()
  {
    if (m_block != nullptr && m_block->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      Traits::free(m_block);
    }
    m_block = nullptr;
  }

  Block* m_block = nullptr;
};

} // namespace noodle::util::detail
