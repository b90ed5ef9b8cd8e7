// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/text.hpp>

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <type_traits>

namespace noodle::output {

namespace detail {

template <typename T>
inline constexpr bool is_text_v = std::is_convertible_v<const T&, std::string_view>;

// A string argument escaped (util::escape_text, newlines too); any other
// argument as it is.
template <typename T>
decltype(auto) shown(const T& value)
{
  if constexpr (is_text_v<T>) {
    return util::escape_text(std::string_view(value));
  } else {
    return (value);
  }
}

template <typename T>
using shown_t = std::remove_cv_t<std::remove_reference_t<decltype(shown(std::declval<const T&>()))>>;

} // namespace detail

// fmt::format for a line of text output: the format string is the
// renderer's own (its newlines are the only ones), and every string argument
// is a value that may come from outside (a name, a path, a message), so it
// is escaped and can neither start a line nor drive the terminal. Numbers
// and other arguments are formatted as fmt does.
template <typename... T>
std::string format_text(fmt::format_string<detail::shown_t<T>...> format, const T&... args)
{
  return fmt::vformat(format, fmt::make_format_args(detail::shown(args)...));
}

// The width a text takes once escaped, for aligning columns.
inline std::size_t shown_width(std::string_view s)
{
  return util::escape_text(s).size();
}

} // namespace noodle::output
