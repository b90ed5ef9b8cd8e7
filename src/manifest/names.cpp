// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/names.hpp>
#include <noodle/semver/version.hpp>

#include <fmt/format.h>

namespace noodle::manifest {

std::optional<std::string> name_problem(std::string_view name)
{
  if (name.size() > k_max_name_length) {
    return fmt::format("longer than {} characters", k_max_name_length);
  }
  const auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  bool valid = !name.empty() && lower_or_digit(name.front());
  for (const char c : name) {
    valid = valid && (lower_or_digit(c) || c == '_' || c == '.' || c == '-');
  }
  if (!valid) {
    return std::string("use lowercase letters, digits, '_', '.' and '-', starting with a letter or digit");
  }
  return std::nullopt;
}

std::optional<std::string> version_problem(std::string_view version)
{
  if (version.size() > k_max_version_text) {
    return fmt::format("longer than {} characters", k_max_version_text);
  }
  auto parsed = semver::Version::parse(version);
  if (!parsed) {
    // "invalid version '<text>': <why>": the why alone.
    const std::string& message = parsed.error().message;
    const auto why = message.find("': ");
    return why == std::string::npos ? message : message.substr(why + 3);
  }
  if (parsed->to_string() != version) {
    return fmt::format("not written as '{}'", parsed->to_string());
  }
  return std::nullopt;
}

Result<void> check_name(std::string_view name)
{
  if (auto why = name_problem(name)) {
    return fail(ErrorCode::usage, fmt::format("invalid component name '{}': {}", shown_value(name), *why));
  }
  return {};
}

Result<void> check_version(std::string_view version)
{
  if (auto why = version_problem(version)) {
    return fail(ErrorCode::usage, fmt::format("invalid version '{}': {}", shown_value(version), *why));
  }
  return {};
}

std::string shown_value(std::string_view value)
{
  constexpr std::size_t k_shown = 60;
  return value.size() > k_shown ? std::string(value.substr(0, k_shown)) + "..." : std::string(value);
}

} // namespace noodle::manifest
