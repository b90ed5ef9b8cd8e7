// SPDX-License-Identifier: Apache-2.0
#include "fields.hpp"

#include <noodle/manifest/batch.hpp>
#include <noodle/manifest/model.hpp>
#include <noodle/manifest/names.hpp>
#include <noodle/util/spellcheck.hpp>

#include <fmt/format.h>

#include <limits>

namespace noodle::manifest::detail {

std::string got(const Node& n)
{
  std::string out = fmt::format("got {}", describe(n));
  if (n.kind == NodeKind::scalar && n.quoted) {
    Node plain = n;
    plain.quoted = false;
    ScalarType type = scalar_type(plain);
    if (type != ScalarType::string && type != ScalarType::null) {
      out += " (a quoted string)";
    }
  }
  return out;
}

std::optional<std::string> read_string(const Node& n, Sink& sink, const std::string& field)
{
  if (n.kind != NodeKind::scalar || scalar_type(n) != ScalarType::string) {
    sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}' must be a string, {}", field, got(n)), n, field);
    return std::nullopt;
  }
  return n.text;
}

std::optional<bool> read_bool(const Node& n, Sink& sink, const std::string& field)
{
  if (auto b = as_bool(n)) {
    return b;
  }
  sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}' must be true or false, {}", field, got(n)), n,
             field);
  return std::nullopt;
}

std::optional<std::uint64_t> read_unsigned(const Node& n, Sink& sink, const std::string& field, Sign sign,
                                           std::uint64_t max)
{
  const char* what = sign == Sign::positive ? "a positive integer" : "a non-negative integer";
  auto i = as_integer(n);
  if (!i || i->negative || (sign == Sign::positive && i->magnitude == 0)) {
    sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}' must be {}, {}", field, what, got(n)), n, field);
    return std::nullopt;
  }
  if (i->magnitude > max) {
    sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}' must be at most {}, {}", field, max, got(n)), n,
               field);
    return std::nullopt;
  }
  return i->magnitude;
}

std::optional<std::int64_t> read_signed(const Node& n, Sink& sink, const std::string& field, std::int64_t min,
                                        std::int64_t max)
{
  auto i = as_integer(n);
  if (!i) {
    sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}' must be an integer, {}", field, got(n)), n,
               field);
    return std::nullopt;
  }
  // Compare magnitudes so no value overflows on the way.
  // A positive `min` (priorities: 1 to 10) refuses every negative value.
  bool fits = i->negative ? min < 0 && i->magnitude <= static_cast<std::uint64_t>(-(min + 1)) + 1
                          : i->magnitude <= static_cast<std::uint64_t>(max) &&
                                (min <= 0 || i->magnitude >= static_cast<std::uint64_t>(min));
  if (!fits) {
    sink.error(ErrorCode::manifest_invalid,
               fmt::format("field '{}' must be an integer from {} to {}, {}", field, min, max, got(n)), n, field);
    return std::nullopt;
  }
  if (i->negative) {
    return static_cast<std::int64_t>(0 - i->magnitude);
  }
  return static_cast<std::int64_t>(i->magnitude);
}

std::optional<std::string> read_scalar_text(const Node& n, Sink& sink, const std::string& field,
                                            std::string_view expected)
{
  if (n.kind != NodeKind::scalar || scalar_type(n) == ScalarType::null) {
    sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}' must be {}, {}", field, expected, got(n)), n,
               field);
    return std::nullopt;
  }
  return n.text;
}

std::optional<semver::Version> read_version(const Node& n, Sink& sink, const std::string& field)
{
  auto text = read_scalar_text(n, sink, field, "a version string");
  if (!text) {
    return std::nullopt;
  }
  auto v = semver::Version::parse(*text);
  if (!v) {
    const std::string& msg = v.error().message;
    std::string message = msg.rfind("invalid version", 0) == 0
                            ? msg
                            : fmt::format("invalid version '{}': {}", *text, msg);
    sink.error(ErrorCode::invalid_version, std::move(message), n, field);
    return std::nullopt;
  }
  // Every version may end up naming a directory under a root.
  if (auto why = manifest::version_problem(v->to_string())) {
    sink.error(ErrorCode::invalid_version,
               fmt::format("invalid version '{}': {}", manifest::shown_value(*text), *why), n, field);
    return std::nullopt;
  }
  return std::move(*v);
}

std::optional<semver::Range> read_range(const Node& n, Sink& sink, const std::string& field)
{
  auto text = read_scalar_text(n, sink, field, "a version range string");
  if (!text) {
    return std::nullopt;
  }
  auto r = semver::Range::parse(*text);
  if (!r) {
    // Name the field inside the parser's message: "invalid range 'x' in field 'f': why".
    const std::string& msg = r.error().message;
    std::string prefix = fmt::format("invalid range '{}'", *text);
    std::string message = msg.rfind(prefix, 0) == 0
                            ? fmt::format("{} in field '{}'{}", prefix, field, msg.substr(prefix.size()))
                            : fmt::format("{} in field '{}': {}", prefix, field, msg);
    sink.error(ErrorCode::invalid_range, std::move(message), n, field);
    return std::nullopt;
  }
  return std::move(*r);
}


bool check_component_name(const std::string& name, const Node& at, Sink& sink, const std::string& field)
{
  const auto why = manifest::name_problem(name);
  if (!why) {
    return true;
  }
  sink.error(ErrorCode::manifest_invalid,
             fmt::format("invalid component name '{}': {}", manifest::shown_value(name), *why), at, field);
  return false;
}

std::optional<std::string> read_component_name(const Node& n, Sink& sink, const std::string& field)
{
  // Digits-only names are valid, so numbers are taken as text; booleans and
  // null are not names.
  ScalarType type = scalar_type(n);
  if (n.kind != NodeKind::scalar || type == ScalarType::null || type == ScalarType::boolean) {
    sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}' must be a string, {}", field, got(n)), n, field);
    return std::nullopt;
  }
  if (!check_component_name(n.text, n, sink, field)) {
    return std::nullopt;
  }
  return n.text;
}

std::optional<std::string> read_choice(const Node& n, Sink& sink, const std::string& field,
                                       const std::vector<std::string>& allowed)
{
  if (n.kind == NodeKind::scalar && scalar_type(n) == ScalarType::string) {
    for (const std::string& a : allowed) {
      if (a == n.text) {
        return n.text;
      }
    }
  }
  std::string message = fmt::format("field '{}' must be one of {}, {}", field, fmt::join(allowed, ", "), got(n));
  if (n.kind == NodeKind::scalar) {
    if (auto suggestion = util::suggest(n.text, allowed)) {
      message += fmt::format(" (did you mean '{}'?)", *suggestion);
    }
  }
  sink.error(ErrorCode::manifest_invalid, std::move(message), n, field);
  return std::nullopt;
}

std::optional<std::string> read_strategy(const Node& n, Sink& sink, const std::string& field)
{
  if (n.kind == NodeKind::scalar && scalar_type(n) == ScalarType::string) {
    const std::string name = strategy_alias(n.text);
    if (name != n.text) {
      return name;
    }
  }
  return read_choice(n, sink, field, batch_strategies());
}

void report_unknown_field(const Entry& e, Sink& sink, const std::string& prefix,
                          const std::vector<std::string>& known, Diagnostic::Severity severity)
{
  std::string field = join_field(prefix, e.key);
  std::string message = fmt::format("unknown field '{}'", field);
  if (auto suggestion = util::suggest(e.key, known)) {
    message += fmt::format(" (did you mean '{}'?)", join_field(prefix, *suggestion));
  }
  sink.report(severity, ErrorCode::manifest_invalid, std::move(message), e.key_node->line, e.key_node->column,
              std::move(field));
}

void report_missing_field(const Node& at, Sink& sink, const std::string& field)
{
  sink.error(ErrorCode::manifest_invalid, fmt::format("missing required field '{}'", field), at, field);
}

bool expect_mapping(const Node& n, Sink& sink, const std::string& field)
{
  if (n.kind == NodeKind::mapping) {
    return true;
  }
  sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}' must be a mapping, {}", field, got(n)), n, field);
  return false;
}

} // namespace noodle::manifest::detail
