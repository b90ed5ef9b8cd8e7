// SPDX-License-Identifier: Apache-2.0
#include "probe_reader.hpp"

#include "fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace noodle::manifest::detail {

namespace {

const std::vector<std::string> k_kinds = {"http", "tcp", "exec"};
const std::vector<std::string> k_probe_fields = {
    "kind",    "name",       "url",       "expect_status",    "body_contains",     "address",
    "command", "timeout_ms", "period_ms", "initial_delay_ms", "success_threshold", "failure_threshold",
};
// The fields only one kind takes.
const std::vector<std::pair<std::string, ProbeKind>> k_kind_fields = {
    {"url", ProbeKind::http},    {"expect_status", ProbeKind::http}, {"body_contains", ProbeKind::http},
    {"address", ProbeKind::tcp}, {"command", ProbeKind::exec},
};

// The shortest period: a probe is no busy loop.
constexpr std::int64_t k_min_period_ms = 10;

bool check_placeholders(const std::string& text, const Node& at, Sink& sink, const std::string& field)
{
  if (auto problem = placeholder_problem(text)) {
    sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}': {}", field, *problem), at, field);
    return false;
  }
  return true;
}

bool check_url(const std::string& url, const Node& at, Sink& sink, const std::string& field)
{
  if (!url.starts_with("http://") || url.size() == 7) {
    sink.error(ErrorCode::manifest_invalid,
               fmt::format("field '{}' must be an http:// URL (a probe speaks plain HTTP), got '{}'", field, url), at,
               field);
    return false;
  }
  return check_placeholders(url, at, sink, field);
}

// host:port, [v6]:port; the port a number from 1 to 65535 unless a
// placeholder names it.
bool check_address(const std::string& address, const Node& at, Sink& sink, const std::string& field)
{
  const auto colon = address.rfind(':');
  bool ok = colon != std::string::npos && colon > 0 && colon + 1 < address.size();
  if (ok) {
    const std::string_view port = std::string_view(address).substr(colon + 1);
    int value = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    const bool numeric = ec == std::errc() && ptr == port.data() + port.size() && value >= 1 && value <= 65535;
    ok = numeric || port.front() == '{';
  }
  if (!ok) {
    sink.error(ErrorCode::manifest_invalid,
               fmt::format("field '{}' must be host:port with a port from 1 to 65535, got '{}'", field, address), at,
               field);
    return false;
  }
  return check_placeholders(address, at, sink, field);
}

class ProbeReader {
public:
  ProbeReader(Sink& sink, const ProbeDefaults& defaults, Diagnostic::Severity unknown)
    : m_sink(sink), m_defaults(defaults), m_unknown(unknown)
  {
  }

  std::optional<Probe> read(const Node& v, const std::string& field, std::size_t index)
  {
    if (!expect_mapping(v, m_sink, field)) {
      return std::nullopt;
    }
    const std::size_t errors_before = m_sink.errors();
    Probe probe;
    probe.where = m_sink.location(v);
    probe.timeout_ms = std::min(m_defaults.timeout_ms, k_probe_max_ms);
    probe.failure_threshold = m_defaults.failure_threshold;
    const auto entries = entries_of(v, m_sink, field);
    const auto kind_entry =
        std::find_if(entries.begin(), entries.end(), [](const Entry& e) { return e.key == "kind"; });
    if (kind_entry == entries.end()) {
      report_missing_field(v, m_sink, join_field(field, "kind"));
      return std::nullopt;
    }
    const auto kind = read_choice(*kind_entry->value, m_sink, join_field(field, "kind"), k_kinds);
    if (!kind) {
      return std::nullopt;
    }
    probe.kind = *kind == "http" ? ProbeKind::http : *kind == "tcp" ? ProbeKind::tcp : ProbeKind::exec;
    bool have_target = false;
    for (const Entry& e : entries) {
      const std::string f = join_field(field, e.key);
      const Node& value = *e.value;
      const auto only = std::find_if(k_kind_fields.begin(), k_kind_fields.end(),
                                     [&](const auto& pair) { return pair.first == e.key; });
      if (only != k_kind_fields.end() && only->second != probe.kind) {
        m_sink.error(ErrorCode::manifest_invalid,
                     fmt::format("field '{}' belongs to {} probes, not to {} probes", f, to_string(only->second),
                                 to_string(probe.kind)),
                     *e.key_node, f);
        continue;
      }
      if (e.key == "kind") {
        continue;
      }
      if (e.key == "name") {
        if (auto s = read_string(value, m_sink, f)) {
          probe.name = *s;
        }
      } else if (e.key == "url") {
        have_target = true;
        if (auto s = read_string(value, m_sink, f); s && check_url(*s, value, m_sink, f)) {
          probe.url = *s;
        }
      } else if (e.key == "expect_status") {
        read_expect_status(value, f, probe);
      } else if (e.key == "body_contains") {
        if (auto s = read_string(value, m_sink, f)) {
          probe.body_contains = *s;
        }
      } else if (e.key == "address") {
        have_target = true;
        if (auto s = read_string(value, m_sink, f); s && check_address(*s, value, m_sink, f)) {
          probe.address = *s;
        }
      } else if (e.key == "command") {
        have_target = true;
        read_command(value, f, probe);
      } else if (e.key == "timeout_ms") {
        read_ms(value, f, 1, probe.timeout_ms);
      } else if (e.key == "period_ms") {
        read_ms(value, f, k_min_period_ms, probe.period_ms);
      } else if (e.key == "initial_delay_ms") {
        read_ms(value, f, 0, probe.initial_delay_ms);
      } else if (e.key == "success_threshold") {
        read_threshold(value, f, probe.success_threshold);
      } else if (e.key == "failure_threshold") {
        read_threshold(value, f, probe.failure_threshold);
      } else {
        report_unknown_field(e, m_sink, field, k_probe_fields, m_unknown);
      }
    }
    if (!have_target) {
      const char* target = probe.kind == ProbeKind::http ? "url" : probe.kind == ProbeKind::tcp ? "address" : "command";
      report_missing_field(v, m_sink, join_field(field, target));
    }
    if (m_sink.errors() != errors_before) {
      return std::nullopt;
    }
    if (probe.name.empty()) {
      probe.name = fmt::format("probes[{}]", index);
    }
    return probe;
  }

private:
  void read_ms(const Node& v, const std::string& f, std::int64_t min, std::uint64_t& out)
  {
    if (auto n = read_signed(v, m_sink, f, min, static_cast<std::int64_t>(k_probe_max_ms))) {
      out = static_cast<std::uint64_t>(*n);
    }
  }

  void read_threshold(const Node& v, const std::string& f, std::uint32_t& out)
  {
    if (auto n = read_signed(v, m_sink, f, 1, k_probe_max_threshold)) {
      out = static_cast<std::uint32_t>(*n);
    }
  }

  void read_expect_status(const Node& v, const std::string& f, Probe& probe)
  {
    const auto text = v.kind == NodeKind::scalar ? std::optional<std::string>(v.text) : std::nullopt;
    const auto range = text ? parse_expect_status(*text) : std::nullopt;
    if (!range) {
      m_sink.error(ErrorCode::manifest_invalid,
                   fmt::format("field '{}' must be a status (200), a class (2xx) or a range (200-399) of statuses "
                               "from 100 to 599, {}",
                               f, got(v)),
                   v, f);
      return;
    }
    probe.expect_status_min = range->first;
    probe.expect_status_max = range->second;
  }

  void read_command(const Node& v, const std::string& f, Probe& probe)
  {
    if (v.kind != NodeKind::sequence || v.items.empty()) {
      m_sink.error(ErrorCode::manifest_invalid,
                   fmt::format("field '{}' must be a non-empty list of strings, the program and its arguments (no "
                               "shell runs it), {}",
                               f, v.kind == NodeKind::sequence ? "got an empty list" : got(v)),
                   v, f);
      return;
    }
    std::vector<std::string> words;
    for (std::size_t i = 0; i < v.items.size(); ++i) {
      const Node& item = *v.items[i];
      const std::string item_field = fmt::format("{}[{}]", f, i);
      auto word = read_scalar_text(item, m_sink, item_field, "a string");
      if (!word || !check_placeholders(*word, item, m_sink, item_field)) {
        return;
      }
      if (i == 0 && word->empty()) {
        m_sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}' must name a program, got ''", item_field),
                     item, item_field);
        return;
      }
      words.push_back(std::move(*word));
    }
    probe.command = std::move(words);
  }

  Sink& m_sink;
  const ProbeDefaults& m_defaults;
  Diagnostic::Severity m_unknown;
};

} // namespace

void read_probes(const Node& v, Sink& sink, const std::string& field, const ProbeDefaults& defaults,
                 Diagnostic::Severity unknown, std::vector<Probe>& out)
{
  if (v.kind != NodeKind::sequence) {
    sink.error(ErrorCode::manifest_invalid, fmt::format("field '{}' must be a list of probes, {}", field, got(v)), v,
               field);
    return;
  }
  ProbeReader reader(sink, defaults, unknown);
  for (std::size_t i = 0; i < v.items.size(); ++i) {
    const std::string item_field = fmt::format("{}[{}]", field, i);
    auto probe = reader.read(*v.items[i], item_field, i);
    if (!probe) {
      continue;
    }
    const auto same = std::find_if(out.begin(), out.end(), [&](const Probe& p) { return p.name == probe->name; });
    if (same != out.end()) {
      sink.error(ErrorCode::manifest_invalid,
                 fmt::format("duplicate probe name '{}' (first at {})", probe->name, same->where.to_string()),
                 *v.items[i], item_field);
      continue;
    }
    out.push_back(std::move(*probe));
  }
}

std::optional<Probe> endpoint_probe(const Node& v, Sink& sink, const std::string& url, const ProbeDefaults& defaults)
{
  const std::string field = "health_check_endpoint";
  if (!check_url(url, v, sink, field)) {
    return std::nullopt;
  }
  Probe probe;
  probe.kind = ProbeKind::http;
  probe.name = field;
  probe.url = url;
  probe.timeout_ms = std::min(defaults.timeout_ms, k_probe_max_ms);
  probe.failure_threshold = defaults.failure_threshold;
  probe.where = sink.location(v);
  return probe;
}

} // namespace noodle::manifest::detail
