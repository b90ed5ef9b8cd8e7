// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace noodle::util {

// An immutable string whose copies share one buffer: one pointer wide, and a
// copy allocates nothing. For a text repeated in many objects kept together,
// such as the file of every location read from one manifest file. It reads
// as a const std::string.
class SharedString {
public:
  SharedString() = default;
  SharedString(std::string text) // NOLINT(google-explicit-constructor): stands for a std::string
    : m_block(text.empty() ? nullptr : new Block{std::move(text)})
  {
  }
  SharedString(std::string_view text) : SharedString(std::string(text)) {} // NOLINT(google-explicit-constructor)
  SharedString(const char* text) : SharedString(std::string(text)) {}      // NOLINT(google-explicit-constructor)
  SharedString(const SharedString& other) noexcept : m_block(other.m_block) { retain(); }
  SharedString(SharedString&& other) noexcept : m_block(other.m_block) { other.m_block = nullptr; }
  SharedString& operator=(const SharedString& other) noexcept
  {
    if (m_block != other.m_block) {
      release();
      m_block = other.m_block;
      retain();
    }
    return *this;
  }
  SharedString& operator=(SharedString&& other) noexcept
  {
    if (this != &other) {
      release();
      m_block = other.m_block;
      other.m_block = nullptr;
    }
    return *this;
  }
  ~SharedString() { release(); }

  const std::string& str() const { return m_block != nullptr ? m_block->text : empty_text(); }
  operator const std::string&() const { return str(); } // NOLINT(google-explicit-constructor)
  operator std::string_view() const { return str(); }   // NOLINT(google-explicit-constructor)
  bool empty() const { return m_block == nullptr; }
  std::size_t size() const { return str().size(); }
  const char* c_str() const { return str().c_str(); }
  const char* data() const { return str().data(); }

  friend bool operator==(const SharedString& a, const SharedString& b)
  {
    return a.m_block == b.m_block || a.str() == b.str();
  }
  friend bool operator==(const SharedString& a, const std::string& b) { return a.str() == b; }
  friend bool operator==(const SharedString& a, std::string_view b) { return a.str() == b; }
  friend bool operator==(const SharedString& a, const char* b) { return a.str() == b; }
  friend auto operator<=>(const SharedString& a, const SharedString& b) { return a.str() <=> b.str(); }
  friend std::ostream& operator<<(std::ostream& out, const SharedString& s) { return out << s.str(); }

private:
  struct Block {
    std::string text;
    std::atomic<std::uint32_t> refs{1};
  };

  static const std::string& empty_text()
  {
    static const std::string empty;
    return empty;
  }
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

  Block* m_block = nullptr;
};

} // namespace noodle::util

template <>
struct fmt::formatter<noodle::util::SharedString> : fmt::formatter<std::string_view> {
  auto format(const noodle::util::SharedString& s, format_context& ctx) const
  {
    return fmt::formatter<std::string_view>::format(std::string_view(s.str()), ctx);
  }
};
