// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace noodle::util {

// A growable array one pointer wide, for a list field of a type kept by the
// hundred thousand where most lists are short or empty (a std::vector is
// three pointers). Its size and capacity sit in front of the elements in one
// allocation; an empty list holds none. The elements are contiguous, so it
// converts to a std::span<const T> (a contiguous, sized range). Copies
// share the elements until one of them is changed through a non-const
// member, which first gives it elements of its own (copy on write): a
// catalog's versions of one component often hold equal lists, and then
// keep one.
template <typename T> class CompactVector {
  static_assert(alignof(T) <= alignof(std::max_align_t));
  static_assert(std::is_nothrow_move_constructible_v<T>, "growth moves the elements");

public:
  using value_type = T;
  using size_type = std::size_t;
  using iterator = T*;
  using const_iterator = const T*;

  CompactVector() = default;
  CompactVector(std::initializer_list<T> list)
    : m_block(list.size() == 0 ? nullptr : copied(list.begin(), list.size(), list.size()))
  {
  }
  CompactVector(const CompactVector& other) noexcept : m_block(other.m_block)
  {
    if (m_block != nullptr) {
      m_block->refs.fetch_add(1, std::memory_order_relaxed);
    }
  }
  CompactVector(CompactVector&& other) noexcept : m_block(std::exchange(other.m_block, nullptr)) {}
  CompactVector& operator=(const CompactVector& other)
  {
    if (this != &other) {
      CompactVector copy(other);
      swap(copy);
    }
    return *this;
  }
  CompactVector& operator=(CompactVector&& other) noexcept
  {
    if (this != &other) {
      CompactVector gone(std::move(other));
      swap(gone);
    }
    return *this;
  }
  ~CompactVector() { release(); }

  void swap(CompactVector& other) noexcept { std::swap(m_block, other.m_block); }

  std::size_t size() const { return m_block != nullptr ? m_block->size : 0; }
  std::size_t capacity() const { return m_block != nullptr ? m_block->capacity : 0; }
  bool empty() const { return size() == 0; }

  T* data()
  {
    detach();
    return m_block != nullptr ? items(m_block) : nullptr;
  }
  const T* data() const { return m_block != nullptr ? items(m_block) : nullptr; }
  T* begin() { return data(); }
  T* end() { return data() + size(); } // data() first: it may give this list elements of its own
  const T* begin() const { return data(); }
  const T* end() const { return data() + size(); }

  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  const T& at(std::size_t i) const
  {
    if (i >= size()) {
      throw std::out_of_range("CompactVector::at");
    }
    return data()[i];
  }
  T& front() { return data()[0]; }
  const T& front() const { return data()[0]; }
  T& back() { return data()[size() - 1]; }
  const T& back() const { return data()[size() - 1]; }

  void reserve(std::size_t n)
  {
    if (n > capacity()) {
      regrow(n);
    }
  }

  template <typename... Args> T& emplace_back(Args&&... args)
  {
    detach();
    if (size() == capacity()) {
      regrow(capacity() == 0 ? 1 : 2 * capacity());
    }
    T* slot = items(m_block) + m_block->size;
    ::new (static_cast<void*>(slot)) T(std::forward<Args>(args)...);
    ++m_block->size;
    return *slot;
  }
  void push_back(const T& value) { emplace_back(value); }
  void push_back(T&& value) { emplace_back(std::move(value)); }
  // Copies `n` elements from `first`, which must not point into this list.
  void append(const T* first, std::size_t n)
  {
    if (n == 0) {
      return;
    }
    detach();
    if (size() + n > capacity()) {
      regrow(std::max(size() + n, 2 * capacity()));
    }
    std::uninitialized_copy_n(first, n, items(m_block) + m_block->size);
    m_block->size += static_cast<std::uint32_t>(n);
  }

  // Gives back the room kept for more elements.
  void shrink_to_fit()
  {
    if (size() == 0) {
      release();
    } else if (capacity() > size()) {
      regrow(size());
    }
  }

  void clear() { release(); }

  friend bool operator==(const CompactVector& a, const CompactVector& b)
  {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

  // Whether both are copies of one list (two empty lists share none).
  bool shares(const CompactVector& other) const { return m_block != nullptr && m_block == other.m_block; }

private:
  struct alignas(alignof(T) > 8 ? alignof(T) : 8) Header {
    std::uint32_t size;
    std::uint32_t capacity;
    std::atomic<std::uint32_t> refs; // the lists holding this block
  };

  static T* items(Header* block) { return reinterpret_cast<T*>(block + 1); }
  static const T* items(const Header* block) { return reinterpret_cast<const T*>(block + 1); }

  static Header* allocate(std::size_t capacity)
  {
    if (capacity > std::numeric_limits<std::uint32_t>::max()) {
      throw std::length_error("CompactVector: too many elements");
    }
    void* memory = ::operator new(sizeof(Header) + capacity * sizeof(T));
    return ::new (memory) Header{0, static_cast<std::uint32_t>(capacity), 1};
  }

  // A new block of `capacity` holding copies of the `n` elements from
  // `first`; nothing is left behind when a copy throws.
  static Header* copied(const T* first, std::size_t n, std::size_t capacity)
  {
    Header* block = allocate(capacity);
    try {
      std::uninitialized_copy_n(first, n, items(block));
    } catch (...) {
      ::operator delete(block);
      throw;
    }
    block->size = static_cast<std::uint32_t>(n);
    return block;
  }

  // Moves the elements into a block of `capacity`; a block shared with
  // another list is copied from and left to it.
  void regrow(std::size_t capacity)
  {
    if (m_block != nullptr && m_block->refs.load(std::memory_order_acquire) > 1) {
      Header* block = copied(items(m_block), m_block->size, capacity);
      release();
      m_block = block;
      return;
    }
    Header* block = allocate(capacity);
    if (m_block != nullptr) {
      std::uninitialized_move(items(m_block), items(m_block) + m_block->size, items(block));
      block->size = m_block->size;
      destroy(m_block);
    }
    m_block = block;
  }

  // Elements of this list's own, before it changes any.
  void detach()
  {
    if (m_block != nullptr && m_block->refs.load(std::memory_order_acquire) > 1) {
      regrow(m_block->capacity);
    }
  }

  static void destroy(Header* block)
  {
    std::destroy(items(block), items(block) + block->size);
    block->~Header();
    ::operator delete(block);
  }

  void release()
  {
    if (Header* block = std::exchange(m_block, nullptr);
        block != nullptr && block->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      destroy(block);
    }
  }

  Header* m_block = nullptr;
};

} // namespace noodle::util
