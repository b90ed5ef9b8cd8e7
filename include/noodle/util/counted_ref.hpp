// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

namespace noodle::util::detail {

// A pointer to a block shared by its copies: the block counts its holders
// (`refs`, its first member) and the last one gives it to
// `Traits::free(Block*)`. One pointer wide; the count is atomic, as copies
// are made and dropped on several threads. SharedString, SharedPath and
// Shared are made of it.
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

// A block followed in the same allocation by a text and its NUL (as
// SharedString's and SharedPath's are): made by make_with_text, freed by
// these traits, its text read by text_after.
template <typename B> struct TextBlockTraits {
  using Block = B;
  static void free(Block* block)
  {
    block->~Block();
    ::operator delete(block);
  }
};

// A Block made of `fields` (its count first, one), with `text` and a NUL
// after it in one allocation.
template <typename Block, typename... Fields> Block* make_with_text(std::string_view text, Fields&&... fields)
{
  void* memory = ::operator new(sizeof(Block) + text.size() + 1);
  Block* block = ::new (memory) Block{std::forward<Fields>(fields)...};
  char* out = reinterpret_cast<char*>(block + 1);
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return block;
}

template <typename Block> const char* text_after(const Block* block)
{
  return reinterpret_cast<const char*>(block + 1);
}

} // namespace noodle::util::detail
