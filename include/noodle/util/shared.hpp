// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <new>
#include <utility>

namespace noodle::util {

// An immutable value whose copies share it: one pointer wide (a
// std::shared_ptr is two), the count of copies and the value in one
// allocation. For a value repeated in many objects kept together, such as
// the parsed range of every dependency that spells it alike. The count is
// atomic: copies may be made and dropped on several threads.
template <typename T> class Shared {
public:
  // Holds `value`.
  explicit Shared(T value) : m_block(new Block{{1}, std::move(value)}) {}
  Shared(const Shared& other) noexcept : m_block(other.m_block) { retain(); }
  Shared(Shared&& other) noexcept : m_block(std::exchange(other.m_block, nullptr)) {}
  Shared& operator=(const Shared& other) noexcept
  {
    if (m_block != other.m_block) {
      release();
      m_block = other.m_block;
      retain();
    }
    return *this;
  }
  Shared& operator=(Shared&& other) noexcept
  {
    if (this != &other) {
      release();
      m_block = std::exchange(other.m_block, nullptr);
    }
    return *this;
  }
  ~Shared() { release(); }

  // A moved-from Shared holds nothing and may only be assigned or dropped.
  const T& operator*() const { return m_block->value; }
  const T* operator->() const { return &m_block->value; }

private:
  struct Block {
    std::atomic<std::uint32_t> refs;
    T value;
  };

  void retain() const
  {
    if (m_block != nullptr) {
      m_block->refs.fetch_add(1, std::memory_order_relaxed);
    }
  }
  void release()
  {
    if (m_block != nullptr && m_block->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      delete m_block;
    }
    m_block = nullptr;
  }

  Block* m_block;
};

} // namespace noodle::util
