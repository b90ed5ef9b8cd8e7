// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/probe.hpp>
#include <noodle/util/text.hpp>

#include <fmt/format.h>

#include <charconv>

namespace noodle::manifest {

namespace {

constexpr std::string_view k_instance = "{instance}";
constexpr std::string_view k_version = "{version}";

std::optional<int> parse_status(std::string_view text)
{
  int value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.size() != 3 || value < 100 || value > 599) {
    return std::nullopt;
  }
  return value;
}

} // namespace

std::string_view to_string(ProbeKind kind)
{
  switch (kind) {
  case ProbeKind::http: return "http";
  case ProbeKind::tcp: return "tcp";
  case ProbeKind::exec: return "exec";
  }
  return "http";
}

std::string probe_target(const Probe& probe)
{
  switch (probe.kind) {
  case ProbeKind::http: return probe.url;
  case ProbeKind::tcp: return probe.address;
  case ProbeKind::exec: {
    std::string line;
    for (const auto& word : probe.command) {
      if (!line.empty()) {
        line += ' ';
      }
      line += util::shell_quote(word);
    }
    return line;
  }
  }
  return {};
}

std::string describe_probe(const Probe& probe)
{
  std::string what;
  switch (probe.kind) {
  case ProbeKind::http:
    what = fmt::format("GET {} expecting {}", probe.url,
                       probe.expect_status_min == probe.expect_status_max
                           ? fmt::format("{}", probe.expect_status_min)
                           : fmt::format("{}-{}", probe.expect_status_min, probe.expect_status_max));
    if (!probe.body_contains.empty()) {
      what += fmt::format(" and a body containing '{}'", probe.body_contains);
    }
    break;
  case ProbeKind::tcp: what = fmt::format("connect {}", probe.address); break;
  case ProbeKind::exec: what = fmt::format("run {} expecting exit 0", probe_target(probe)); break;
  }
  return fmt::format(
      "{} ({}): {}; {}every {} ms, timeout {} ms, {} pass{} / {} failure{}", probe.name, to_string(probe.kind), what,
      probe.initial_delay_ms > 0 ? fmt::format("after {} ms, ", probe.initial_delay_ms) : "", probe.period_ms,
      probe.timeout_ms, probe.success_threshold, probe.success_threshold == 1 ? "" : "es", probe.failure_threshold,
      probe.failure_threshold == 1 ? "" : "s");
}

bool names_instance(std::string_view text)
{
  return text.find(k_instance) != std::string_view::npos;
}

bool probe_per_instance(const Probe& probe)
{
  if (names_instance(probe.url) || names_instance(probe.address)) {
    return true;
  }
  for (const auto& word : probe.command) {
    if (names_instance(word)) {
      return true;
    }
  }
  return false;
}

std::string expand_placeholders(std::string_view text, std::string_view instance, std::string_view version)
{
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    if (text.substr(at).starts_with(k_instance)) {
      out += instance;
      at += k_instance.size();
    } else if (text.substr(at).starts_with(k_version)) {
      out += version;
      at += k_version.size();
    } else {
      out += text[at++];
    }
  }
  return out;
}

std::optional<std::string> placeholder_problem(std::string_view text)
{
  for (std::size_t at = text.find('{'); at != std::string_view::npos; at = text.find('{', at + 1)) {
    const auto close = text.find('}', at);
    if (close == std::string_view::npos) {
      return fmt::format("an unclosed '{{' at offset {} (the placeholders are {{instance}} and {{version}})", at);
    }
    const auto name = text.substr(at, close - at + 1);
    if (name != k_instance && name != k_version) {
      return fmt::format("unknown placeholder '{}' (the placeholders are {{instance}} and {{version}})", name);
    }
    at = close;
  }
  return std::nullopt;
}

std::optional<std::pair<int, int>> parse_expect_status(std::string_view text)
{
  if (text.size() == 3 && text[0] >= '1' && text[0] <= '5' && (text.substr(1) == "xx" || text.substr(1) == "XX")) {
    const int base = (text[0] - '0') * 100;
    return std::pair{base, base + 99};
  }
  if (const auto dash = text.find('-'); dash != std::string_view::npos) {
    const auto low = parse_status(text.substr(0, dash));
    const auto high = parse_status(text.substr(dash + 1));
    if (!low || !high || *low > *high) {
      return std::nullopt;
    }
    return std::pair{*low, *high};
  }
  if (const auto one = parse_status(text)) {
    return std::pair{*one, *one};
  }
  return std::nullopt;
}

} // namespace noodle::manifest
