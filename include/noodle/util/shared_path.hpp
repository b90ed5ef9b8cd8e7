// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/counted_ref.hpp>
#include <noodle/util/shared_string.hpp>

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace noodle::util {

// An immutable file path whose copies share one buffer, like SharedString,
// and whose directory part ("a/b/", up to and including the last '/') is a
// SharedString that paths made with `in_dir_of` share: a catalog of 400,000
// manifest files in a deep directory keeps each file's name once and each
// directory's path once, so its size does not grow with the directory's
// path. One pointer wide. It is read in two parts (dir(), name()) or whole
// (string(), or formatted).
class SharedPath {
public:
  SharedPath() = default;
  SharedPath(std::string_view path)
    : m_ref(make(SharedString(dir_part(path)), name_part(path))) {}           // NOLINT(google-explicit-constructor)
  SharedPath(const std::string& path) : SharedPath(std::string_view(path)) {} // NOLINT(google-explicit-constructor)
  SharedPath(const char* path) : SharedPath(std::string_view(path)) {}        // NOLINT(google-explicit-constructor)

  // `path`, sharing `sibling`'s directory buffer when both are in one
  // directory (as spelled).
  static SharedPath in_dir_of(const SharedPath& sibling, std::string_view path)
  {
    const std::string_view dir = dir_part(path);
    const Block* other = sibling.m_ref.get();
    SharedPath out;
    out.m_ref =
        Ref(make(other != nullptr && other->dir.str() == dir ? other->dir : SharedString(dir), name_part(path)));
    return out;
  }

  // Everything up to and including the last '/', or "".
  std::string_view dir() const
  {
    const Block* block = m_ref.get();
    return block != nullptr ? block->dir.str() : std::string_view();
  }
  // What follows the last '/'.
  std::string_view name() const
  {
    const Block* block = m_ref.get();
    return block != nullptr ? std::string_view(name_of(block), block->name_size) : std::string_view();
  }
  std::string string() const
  {
    std::string out;
    out.reserve(size());
    out.append(dir()).append(name());
    return out;
  }
  bool empty() const { return m_ref.get() == nullptr; }
  std::size_t size() const { return dir().size() + name().size(); }
  // Whether both share one directory buffer (two paths without one share none).
  bool same_dir_buffer(const SharedPath& other) const
  {
    const Block* a = m_ref.get();
    const Block* b = other.m_ref.get();
    return a != nullptr && b != nullptr && a->dir.same_buffer(b->dir);
  }

  // The split is canonical (at the last '/'), so parts compare as the whole.
  friend bool operator==(const SharedPath& a, const SharedPath& b)
  {
    return a.m_ref.get() == b.m_ref.get() || (a.dir() == b.dir() && a.name() == b.name());
  }
  friend bool operator==(const SharedPath& a, std::string_view b)
  {
    const std::string_view dir = a.dir();
    return b.size() == a.size() && b.substr(0, dir.size()) == dir && b.substr(dir.size()) == a.name();
  }
  friend bool operator==(const SharedPath& a, const std::string& b) { return a == std::string_view(b); }
  friend bool operator==(const SharedPath& a, const char* b) { return a == std::string_view(b); }
  friend std::ostream& operator<<(std::ostream& out, const SharedPath& p) { return out << p.dir() << p.name(); }

private:
  // Followed in the same allocation by `name_size` bytes of name and a NUL.
  struct Block {
    std::atomic<std::uint32_t> refs;
    std::uint32_t name_size;
    SharedString dir;
  };
  using Ref = detail::CountedRef<detail::TextBlockTraits<Block>>;

  static std::string_view dir_part(std::string_view path)
  {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash + 1);
  }
  static std::string_view name_part(std::string_view path) { return path.substr(dir_part(path).size()); }
  static const char* name_of(const Block* block) { return detail::text_after(block); }

  static Block* make(SharedString dir, std::string_view name)
  {
    if (dir.empty() && name.empty()) {
      return nullptr;
    }
    return detail::make_with_text<Block>(name, 1U, static_cast<std::uint32_t>(name.size()), std::move(dir));
  }

  Ref m_ref;
};

} // namespace noodle::util

template <> struct fmt::formatter<noodle::util::SharedPath> : fmt::formatter<std::string_view> {
  auto format(const noodle::util::SharedPath& p, format_context& ctx) const
  {
    return fmt::formatter<std::string_view>::format(p.string(), ctx);
  }
};
