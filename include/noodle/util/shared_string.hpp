// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/counted_ref.hpp>

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace noodle::util {

// An immutable string whose copies share one buffer: one pointer wide, and a
// copy allocates nothing. For a text repeated in many objects kept together,
// such as the file of every location read from one manifest file. The count
// of copies, the length and the text (NUL-ended) are one allocation: a large
// catalog holds one per manifest file. It reads as a std::string_view.
class SharedString {
public:
  SharedString() = default;
  SharedString(std::string_view text) : m_ref(make(text)) {}                 // NOLINT(google-explicit-constructor)
  SharedString(const std::string& text) : SharedString(std::string_view(text)) {} // NOLINT(google-explicit-constructor)
  SharedString(const char* text) : SharedString(std::string_view(text)) {} // NOLINT(google-explicit-constructor)

  std::string_view str() const
  {
    const Block* block = m_ref.get();
    return block != nullptr ? std::string_view(text_of(block), block->size) : "";
  }
  operator std::string_view() const { return str(); } // NOLINT(google-explicit-constructor)
  std::string string() const { return std::string(str()); }
  bool empty() const { return m_ref.get() == nullptr; }
  std::size_t size() const { return str().size(); }
  const char* c_str() const { return m_ref.get() != nullptr ? text_of(m_ref.get()) : ""; }
  const char* data() const { return c_str(); }
  // Whether both are copies of one buffer (two empty strings share none).
  bool same_buffer(const SharedString& other) const
  {
    return m_ref.get() != nullptr && m_ref.get() == other.m_ref.get();
  }

  friend bool operator==(const SharedString& a, const SharedString& b)
  {
    return a.m_ref.get() == b.m_ref.get() || a.str() == b.str();
  }
  friend bool operator==(const SharedString& a, const std::string& b) { return a.str() == b; }
  friend bool operator==(const SharedString& a, std::string_view b) { return a.str() == b; }
  friend bool operator==(const SharedString& a, const char* b) { return a.str() == b; }
  friend auto operator<=>(const SharedString& a, const SharedString& b) { return a.str() <=> b.str(); }
  friend std::ostream& operator<<(std::ostream& out, const SharedString& s) { return out << s.str(); }

private:
  // Followed in the same allocation by `size` bytes of text and a NUL.
  struct Block {
    std::atomic<std::uint32_t> refs;
    std::uint32_t size;
  };
  using Traits = detail::TextBlockTraits<Block>;

  static const char* text_of(const Block* block) { return detail::text_after(block); }

  static Block* make(std::string_view text)
  {
    return text.empty() ? nullptr
                        : detail::make_with_text<Block>(text, 1U, static_cast<std::uint32_t>(text.size()));
  }

  detail::CountedRef<Traits> m_ref;
};

} // namespace noodle::util

template <>
struct fmt::formatter<noodle::util::SharedString> : fmt::formatter<std::string_view> {
  auto format(const noodle::util::SharedString& s, format_context& ctx) const
  {
    return fmt::formatter<std::string_view>::format(s.str(), ctx);
  }
};
