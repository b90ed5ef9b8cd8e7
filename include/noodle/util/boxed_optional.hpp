// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace noodle::util {

// std::optional's interface with the value on the heap: one pointer wide
// when empty. For a rarely set field of a type kept by the hundred
// thousand, where std::optional would hold the value's whole size in every
// instance. Copies are deep; a moved-from box is empty.
template <typename T>
class BoxedOptional {
public:
  BoxedOptional() = default;
  BoxedOptional(std::nullopt_t) {} // NOLINT(google-explicit-constructor): as std::optional
  BoxedOptional(T value) : m_value(std::make_unique<T>(std::move(value))) {} // NOLINT(google-explicit-constructor)
  BoxedOptional(const BoxedOptional& other) : m_value(other ? std::make_unique<T>(*other) : nullptr) {}
  BoxedOptional(BoxedOptional&&) noexcept = default;
  BoxedOptional& operator=(const BoxedOptional& other)
  {
    if (this != &other) {
      m_value = other ? std::make_unique<T>(*other) : nullptr;
    }
    return *this;
  }
  BoxedOptional& operator=(BoxedOptional&&) noexcept = default;
  BoxedOptional& operator=(std::nullopt_t)
  {
    m_value.reset();
    return *this;
  }
  BoxedOptional& operator=(T value)
  {
    m_value = std::make_unique<T>(std::move(value));
    return *this;
  }
  ~BoxedOptional() = default;

  bool has_value() const { return m_value != nullptr; }
  explicit operator bool() const { return has_value(); }
  // Like std::optional's, these require a value.
  T& operator*() { return *m_value; }
  const T& operator*() const { return *m_value; }
  T* operator->() { return m_value.get(); }
  const T* operator->() const { return m_value.get(); }
  template <typename... Args>
  T& emplace(Args&&... args)
  {
    m_value = std::make_unique<T>(std::forward<Args>(args)...);
    return *m_value;
  }
  void reset() { m_value.reset(); }

  friend bool operator==(const BoxedOptional& a, const BoxedOptional& b)
  {
    return a.has_value() == b.has_value() && (!a.has_value() || *a == *b);
  }
  friend bool operator==(const BoxedOptional& a, std::nullopt_t) { return !a.has_value(); }

private:
  std::unique_ptr<T> m_value;
};

} // namespace noodle::util
