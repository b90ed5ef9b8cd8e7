// SPDX-License-Identifier: Apache-2.0
#include "cache_codec.hpp"

namespace noodle::manifest::detail {

namespace {

constexpr auto k_last_code = static_cast<std::uint32_t>(ErrorCode::hangup);

void write_probe(Writer& w, const Probe& p)
{
  w.u8(static_cast<std::uint8_t>(p.kind));
  w.str(p.name);
  w.str(p.url);
  w.u32(static_cast<std::uint32_t>(p.expect_status_min));
  w.u32(static_cast<std::uint32_t>(p.expect_status_max));
  w.str(p.body_contains);
  w.str(p.address);
  w.u32(static_cast<std::uint32_t>(p.command.size()));
  for (const std::string& word : p.command) {
    w.str(word);
  }
  w.u64(p.timeout_ms);
  w.u64(p.period_ms);
  w.u64(p.initial_delay_ms);
  w.u32(p.success_threshold);
  w.u32(p.failure_threshold);
  w.where(p.where);
}

Probe read_probe(Reader& r, const util::SharedPath& file)
{
  Probe p;
  const std::uint8_t kind = r.u8();
  if (kind > static_cast<std::uint8_t>(ProbeKind::exec)) {
    throw Damaged("an unknown probe kind");
  }
  p.kind = static_cast<ProbeKind>(kind);
  p.name = r.str();
  p.url = r.str();
  p.expect_status_min = static_cast<int>(r.u32());
  p.expect_status_max = static_cast<int>(r.u32());
  p.body_contains = r.str();
  p.address = r.str();
  const std::uint32_t words = r.count(4);
  for (std::uint32_t i = 0; i < words; ++i) {
    p.command.push_back(r.str());
  }
  p.timeout_ms = r.u64();
  p.period_ms = r.u64();
  p.initial_delay_ms = r.u64();
  p.success_threshold = r.u32();
  p.failure_threshold = r.u32();
  p.where = r.where(file);
  return p;
}

semver::Range decode_range(Reader& r, RangeMemo& memo)
{
  const std::string_view text = r.view();
  if (auto it = memo.find(text); it != memo.end()) {
    return it->second;
  }
  auto range = semver::Range::parse(text);
  if (!range) {
    throw Damaged("a range that does not parse");
  }
  return memo.emplace(text, std::move(*range)).first->second;
}

nlohmann::json decode_json(Reader& r)
{
  const std::string_view text = r.view();
  if (text.empty()) {
    return nullptr;
  }
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    throw Damaged("JSON that does not parse");
  }
  return j;
}

} // namespace

void encode_manifest(Writer& w, const Manifest& m)
{
  w.str(m.name);
  w.str(m.version.to_string());
  w.str(m.description);
  w.u8(static_cast<std::uint8_t>(m.type));
  w.u32(static_cast<std::uint32_t>(m.dependencies.size()));
  for (const Dependency& d : m.dependencies) {
    w.str(d.name);
    w.str(d.range.raw());
    w.u32(d.line);
    w.u32(d.column);
  }
  w.u32(static_cast<std::uint32_t>(m.upgrade_from.size()));
  for (const semver::Range& r : m.upgrade_from) {
    w.str(r.raw());
  }
  w.u8(m.required_stop ? 1 : 0);
  w.u8(m.hot_swappable ? 1 : 0);
  const ManifestExtras& x = *m.extras;
  w.u32(static_cast<std::uint32_t>(x.compatibility.size()));
  for (const CompatibilityRule& rule : x.compatibility) {
    w.str(rule.component);
    w.u32(static_cast<std::uint32_t>(rule.ranges.size()));
    for (const semver::Range& r : rule.ranges) {
      w.str(r.raw());
    }
    w.where(rule.where);
  }
  w.u64(m.resources.memory_mb);
  w.f64(m.resources.cpu_cores);
  w.u64(m.resources.disk_mb);
  w.u64(x.health_check.timeout_ms);
  w.u32(x.health_check.retries);
  w.str(x.health_check.endpoint);
  w.u32(static_cast<std::uint32_t>(x.health_check.probes.size()));
  for (const Probe& p : x.health_check.probes) {
    write_probe(w, p);
  }
  w.str(x.entry_point);
  w.str(x.location);
  w.str(x.configuration_schema.is_null() ? std::string() : x.configuration_schema.dump());
  w.str(x.metadata.is_null() ? std::string() : x.metadata.dump());
  w.u8(x.archive ? 1 : 0);
  if (x.archive) {
    w.str(x.archive->file.string());
    w.str(x.archive->sha256);
    w.u64(x.archive->size);
  }
  w.where(m.where);
  w.str(m.field_where.packed());
}

Manifest decode_manifest(Reader& r, const util::SharedPath& file, RangeMemo& memo)
{
  Manifest m;
  m.name = util::SharedString(r.view());
  auto version = semver::Version::parse(r.view());
  if (!version) {
    throw Damaged("a version that does not parse");
  }
  m.version = std::move(*version);
  m.description = util::SharedString(r.view());
  const std::uint8_t type = r.u8();
  if (type > static_cast<std::uint8_t>(ComponentType::system)) {
    throw Damaged("an unknown component type");
  }
  m.type = static_cast<ComponentType>(type);
  const std::uint32_t deps = r.count(4 + 4 + 8);
  m.dependencies.reserve(deps);
  for (std::uint32_t i = 0; i < deps; ++i) {
    util::SharedString name(r.view());
    semver::Range range = decode_range(r, memo);
    const std::uint32_t line = r.u32();
    m.dependencies.push_back(Dependency{std::move(name), std::move(range), line, r.u32()});
  }
  const std::uint32_t upgrades = r.count(4);
  m.upgrade_from.reserve(upgrades);
  for (std::uint32_t i = 0; i < upgrades; ++i) {
    m.upgrade_from.push_back(decode_range(r, memo));
  }
  m.required_stop = r.u8() != 0;
  m.hot_swappable = r.u8() != 0;
  ManifestExtras extras; // kept only when something in it is set
  const std::uint32_t rules = r.count(4 + 4 + 8);
  for (std::uint32_t i = 0; i < rules; ++i) {
    CompatibilityRule rule;
    rule.component = r.str();
    const std::uint32_t ranges = r.count(4);
    for (std::uint32_t j = 0; j < ranges; ++j) {
      rule.ranges.push_back(decode_range(r, memo));
    }
    rule.where = r.where(file);
    extras.compatibility.push_back(std::move(rule));
  }
  m.resources.memory_mb = r.u64();
  m.resources.cpu_cores = r.f64();
  m.resources.disk_mb = r.u64();
  HealthCheck& health = extras.health_check;
  health.timeout_ms = r.u64();
  health.retries = r.u32();
  health.endpoint = r.str();
  const std::uint32_t probes = r.count(8);
  for (std::uint32_t i = 0; i < probes; ++i) {
    health.probes.push_back(read_probe(r, file));
  }
  extras.entry_point = r.str();
  extras.location = r.str();
  extras.configuration_schema = decode_json(r);
  extras.metadata = decode_json(r);
  if (r.u8() != 0) {
    ArchiveRef archive;
    archive.file = r.str();
    archive.sha256 = r.str();
    archive.size = r.u64();
    extras.archive = std::move(archive);
  }
  if (!extras.empty()) {
    m.extras = std::move(extras);
  }
  m.where = r.where(file);
  auto fields = FieldLocations::from_packed(r.view());
  if (!fields) {
    throw Damaged("field locations that do not parse");
  }
  m.field_where = std::move(*fields);
  return m;
}

void encode_diagnostic(Writer& w, const Diagnostic& d)
{
  w.u8(static_cast<std::uint8_t>(d.severity));
  w.u32(static_cast<std::uint32_t>(d.code));
  w.str(d.message);
  w.str(d.where.file.string());
  w.where(d.where);
  w.str(d.source_line);
  w.str(d.field);
}

Diagnostic decode_diagnostic(Reader& r)
{
  Diagnostic d;
  const std::uint8_t severity = r.u8();
  const std::uint32_t code = r.u32();
  if (severity > static_cast<std::uint8_t>(Diagnostic::Severity::error) || code > k_last_code) {
    throw Damaged("an unknown severity or error code");
  }
  d.severity = static_cast<Diagnostic::Severity>(severity);
  d.code = static_cast<ErrorCode>(code);
  d.message = r.str();
  d.where = r.where(r.str());
  d.source_line = r.str();
  d.field = r.str();
  return d;
}

} // namespace noodle::manifest::detail
