// SPDX-License-Identifier: Apache-2.0
// The explanations' text, built into a reused buffer.
#pragma once

#include "resolver_state.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace noodle::graph::detail {

// A reused buffer for explanations, which are built for every change: room()
// is checked once for a group of pieces, which are then copied unchecked.
class TextBuffer {
public:
  std::string_view view() const { return {m_data.get(), m_size}; }
  std::size_t size() const { return m_size; }
  void clear() { m_size = 0; }

  void room(std::size_t n)
  {
    if (m_size + n > m_capacity) {
      grow(m_size + n);
    }
  }
  void put(std::string_view text)
  {
    char* to = m_data.get() + m_size;
    const char* from = text.data();
    const std::size_t n = text.size();
    // Most pieces are short: two overlapping fixed-size copies instead of a
    // call.
    if (n >= 8 && n <= 16) {
      std::memcpy(to, from, 8);
      std::memcpy(to + n - 8, from + n - 8, 8);
    } else if (n >= 4 && n < 8) {
      std::memcpy(to, from, 4);
      std::memcpy(to + n - 4, from + n - 4, 4);
    } else if (n != 0) {
      std::memcpy(to, from, n);
    }
    m_size += n;
  }
  void put(char c) { m_data[m_size++] = c; }
  // Needs room for 20 characters.
  void put_number(std::uint64_t value)
  {
    if (value < 10) {
      put(static_cast<char>('0' + value));
      return;
    }
    if (value < 100) {
      put(static_cast<char>('0' + value / 10));
      put(static_cast<char>('0' + value % 10));
      return;
    }
    m_size = static_cast<std::size_t>(std::to_chars(m_data.get() + m_size, m_data.get() + m_size + 20, value).ptr
                                      - m_data.get());
  }

private:
  void grow(std::size_t need)
  {
    const std::size_t capacity = std::max<std::size_t>(need, m_capacity * 2 + 256);
    auto data = std::make_unique_for_overwrite<char[]>(capacity);
    if (m_size != 0) {
      std::memcpy(data.get(), m_data.get(), m_size);
    }
    m_data = std::move(data);
    m_capacity = capacity;
  }

  std::unique_ptr<char[]> m_data;
  std::size_t m_size = 0;
  std::size_t m_capacity = 0;
};

constexpr std::size_t k_number_room = 20;

// The identifiers of a prerelease or build part, each with its separator.
inline std::size_t identifiers_room(const semver::Version& v)
{
  std::size_t n = 0;
  for (const auto& id : v.prerelease()) {
    n += id.text.size() + 1 + k_number_room;
  }
  for (const auto& b : v.build()) {
    n += b.size() + 1;
  }
  return n;
}

enum class NumericText { as_written, canonical };

// Room put_version() needs.
inline std::size_t version_room(const semver::Version& v)
{
  return 3 * k_number_room + 2 + (v.prerelease().empty() && v.build().empty() ? 0 : identifiers_room(v));
}

// NumericText::canonical is Version::to_string() (a numeric identifier with
// no text is written from its number); as_written writes the text alone.
// Needs version_room(v).
inline void put_version(TextBuffer& out, const semver::Version& v, NumericText numeric)
{
  out.put_number(v.major);
  out.put('.');
  out.put_number(v.minor);
  out.put('.');
  out.put_number(v.patch);
  for (std::size_t i = 0; i < v.prerelease().size(); ++i) {
    out.put(i == 0 ? '-' : '.');
    const auto& id = v.prerelease()[i];
    if (numeric == NumericText::canonical && id.text.empty() && id.numeric) {
      out.put_number(id.number);
    } else {
      out.put(id.text);
    }
  }
  for (std::size_t i = 0; i < v.build().size(); ++i) {
    out.put(i == 0 ? '+' : '.');
    out.put(v.build()[i]);
  }
}

// `prefix` and SourceLocation{file, line, column}.to_string(). Needs
// location_room().
inline void put_location(TextBuffer& out, std::string_view prefix, const util::SharedPath& file, std::uint32_t line,
                         std::uint32_t column)
{
  out.put(prefix);
  out.put(file.dir());
  out.put(file.name());
  if (line != 0) {
    out.put(':');
    out.put_number(line);
    if (column != 0) {
      out.put(':');
      out.put_number(column);
    }
  }
}

// What a "required by" part shows, read out of the manifest and dependency.
struct DemandText {
  std::string_view name;
  const semver::Version* version;
  const util::SharedPath* file; // null when unknown
  std::uint32_t line;
  std::uint32_t column;
  std::string_view range;
};

// "required by {name}@{version} (range {range}{, where})"
inline void put_demand(TextBuffer& out, const DemandText& d)
{
  using namespace std::string_view_literals;
  out.room(12 + d.name.size() + 1 + version_room(*d.version) + 8 + d.range.size() + 2
           + (d.file != nullptr ? d.file->size() : 0) + 2 * k_number_room + 2 + 1);
  out.put("required by "sv);
  out.put(d.name);
  out.put('@');
  put_version(out, *d.version, NumericText::as_written);
  out.put(" (range "sv);
  out.put(d.range);
  if (d.file != nullptr) {
    put_location(out, ", "sv, *d.file, d.line, d.column);
  }
  out.put(')');
}

// `dep` is one of `by`'s dependencies.
inline std::string range_at(const manifest::Manifest& by, const manifest::Dependency& dep)
{
  const SourceLocation where = by.location_of(dep);
  return where.known() ? fmt::format("range {}, {}", dep.range.raw(), where.to_string())
                       : fmt::format("range {}", dep.range.raw());
}

// What a dependent's explanation shows: its trigger's new version and the
// range its installed manifest demands of it.
struct TriggerText {
  std::string_view trigger;
  const semver::Version* trigger_version = nullptr;
  std::string_view name;
  const semver::Version* installed_version = nullptr;
  const util::SharedPath* file = nullptr; // null when unknown
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string_view range;
};

// "{t} changes to {v}, but installed {n}@{v} requires {t} {range}{ (where)}"
inline void put_trigger(TextBuffer& out, const TriggerText& d)
{
  using namespace std::string_view_literals;
  out.room(d.trigger.size() + 12 + version_room(*d.trigger_version) + 16 + d.name.size() + 1
           + version_room(*d.installed_version) + 10 + d.trigger.size() + 1 + d.range.size() + 2
           + (d.file != nullptr ? d.file->size() : 0) + 2 * k_number_room + 2 + 1);
  out.put(d.trigger);
  out.put(" changes to "sv);
  put_version(out, *d.trigger_version, NumericText::canonical);
  out.put(", but installed "sv);
  out.put(d.name);
  out.put('@');
  put_version(out, *d.installed_version, NumericText::canonical);
  out.put(" requires "sv);
  out.put(d.trigger);
  out.put(' ');
  out.put(d.range);
  if (d.file != nullptr) {
    put_location(out, " ("sv, *d.file, d.line, d.column);
    out.put(')');
  }
}

inline DemandText demand_text(const DemandRef& d)
{
  const manifest::Dependency& dependency = d.by->dependencies[d.index];
  return DemandText{d.by->name,      &d.by->version,    d.by->file_of(dependency),
                    dependency.line, dependency.column, dependency.range.raw()};
}

// The words for `why`, of the change of `name` from `installed` (nullptr for
// a new install).
inline void put_why(TextBuffer& out, const ChangeWhy& why, std::string_view name, const semver::Version* installed)
{
  using namespace std::string_view_literals;
  using Kind = ChangeWhy::Kind;
  std::string_view fixed;
  switch (why.kind) {
  case Kind::requested: fixed = "requested"sv; break;
  case Kind::requested_newest: fixed = "requested (newest allowed version)"sv; break;
  case Kind::installed_dependent: fixed = "an installed dependent requires it"sv; break;
  case Kind::a_dependency: fixed = "required by a dependency"sv; break;
  case Kind::trigger: {
    const manifest::Manifest& by = *why.rejecting.by;
    const manifest::Dependency& dependency = by.dependencies[why.rejecting.index];
    put_trigger(out, TriggerText{why.trigger->name, &why.trigger->version, name, installed, by.file_of(dependency),
                                 dependency.line, dependency.column, dependency.range.raw()});
    return;
  }
  case Kind::demands:
    put_demand(out, demand_text(why.first));
    for (const DemandRef& d : why.more) {
      out.room(2);
      out.put("; "sv);
      put_demand(out, demand_text(d));
    }
    return;
  }
  out.room(fixed.size());
  out.put(fixed);
}

} // namespace noodle::graph::detail
