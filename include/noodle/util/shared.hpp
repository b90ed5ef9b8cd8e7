// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/counted_ref.hpp>

#include <atomic>
#include <cstdint>
#include <utility>

namespace noodle::util {

// An immutable value whose copies share it: one pointer wide (a
// std::shared_ptr is two), the count of copies and the value in one
// allocation. For a value repeated in many objects kept together, such as
// the parsed range of every dependency that spells it alike.
template <typename T> class Shared {
public:
  // Holds `value`.
  explicit Shared(T value) : m_ref(new Block{{1}, std::move(value)}) {}

  // A moved-from Shared holds nothing and may only be assigned or dropped.
  const T& operator*() const { return m_ref.get()->value; }
  const T* operator->() const { return &m_ref.get()->value; }

private:
  struct Block {
    std::atomic<std::uint32_t> refs;
    T value;
  };
  struct Traits {
    using Block = Shared::Block;
    static void free(Block* block) { delete block; }
  };

  detail::CountedRef<Traits> m_ref;
};

} // namespace noodle::util
