// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <utility>

namespace noodle::util {

// A T kept on the heap, one pointer wide while nothing was set: for a field
// that is rarely set, of a type kept by the hundred thousand. Reads see T{}
// until a value is given; edit() makes the value to change in place (there
// is no non-const operator->, so that no read makes one). Copies are deep.
template <typename T>
class Boxed {
public:
  Boxed() = default;
  Boxed(T value) : m_value(std::make_unique<T>(std::move(value))) {} // NOLINT(google-explicit-constructor)
  Boxed(const Boxed& other) : m_value(other.m_value ? std::make_unique<T>(*other.m_value) : nullptr) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(const Boxed& other)
  {
    if (this != &other) {
      m_value = other.m_value ? std::make_unique<T>(*other.m_value) : nullptr;
    }
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  Boxed& operator=(T value)
  {
    m_value = std::make_unique<T>(std::move(value));
    return *this;
  }
  ~Boxed() = default;

  const T& operator*() const { return m_value ? *m_value : fallback(); }
  const T* operator->() const { return &**this; }
  // Holds `value`, on the heap only when it differs from T{}: for a value
  // read from outside, which is mostly the default.
  void set(T value)
  {
    if (value == T{}) {
      m_value.reset();
    } else {
      m_value = std::make_unique<T>(std::move(value));
    }
  }
  // The value, made (as T{}) when none was set.
  T& edit()
  {
    if (!m_value) {
      m_value = std::make_unique<T>();
    }
    return *m_value;
  }
  // Whether a value was given or made, even one equal to T{}.
  bool is_set() const { return m_value != nullptr; }

  friend bool operator==(const Boxed& a, const Boxed& b) { return *a == *b; }

private:
  static const T& fallback()
  {
    static const T value{};
    return value;
  }

  std::unique_ptr<T> m_value;
};

} // namespace noodle::util
