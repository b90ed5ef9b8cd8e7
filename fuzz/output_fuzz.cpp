// SPDX-License-Identifier: Apache-2.0
// Every outside string of the text and JSON views: the bytes are cut into
// fields (each a length byte, then that many bytes) that fill the history,
// status, audit trail, a plan, a transaction, diagnostics with source lines
// and an error. Properties: text output holds no C0 control character but
// the newlines the renderers write, no DEL, C1 or bidirectional control, no
// line or paragraph separator and no byte that is not UTF-8; the same views
// with every field replaced by "x" (or left empty) print as many lines, so
// no value starts a line; JSON output is exactly one document on one line.

#include "check.hpp"

#include <noodle/output/engine_view.hpp>
#include <noodle/output/graph_view.hpp>
#include <noodle/output/reporter.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

using namespace noodle;

namespace {

// The fields of one input, in order; past the end, empty strings. In
// `benign` mode each field is "x" (or "" when empty), so both renderings take
// the same branches.
class Fields {
public:
  Fields(std::string_view data, bool benign) : m_data(data), m_benign(benign) {}

  std::string next()
  {
    if (m_at >= m_data.size()) {
      return {};
    }
    const std::size_t n = std::min<std::size_t>(static_cast<unsigned char>(m_data[m_at]), m_data.size() - m_at - 1);
    std::string field(m_data.substr(m_at + 1, n));
    m_at += 1 + n;
    if (m_benign) {
      return field.empty() ? std::string() : std::string("x");
    }
    return field;
  }

  std::optional<std::string> maybe()
  {
    std::string s = next();
    return s.empty() ? std::nullopt : std::optional<std::string>(std::move(s));
  }

private:
  std::string_view m_data;
  bool m_benign;
  std::size_t m_at = 0;
};

store::UpgradeRecord upgrade_record(Fields& f)
{
  store::UpgradeRecord u;
  u.id = 13;
  u.kind = f.next();
  u.status = store::UpgradeStatus::failed;
  u.started_at = 1'790'000'000'000;
  u.finished_at = u.started_at + 1500;
  u.requested_by = f.next();
  u.user = f.next();
  u.command = f.next();
  u.strategy = f.next();
  u.metadata_json = nlohmann::json({{f.next(), f.next()}}).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  u.error = f.next();
  return u;
}

std::vector<store::OperationRecord> operations(Fields& f)
{
  std::vector<store::OperationRecord> ops(2);
  for (auto& op : ops) {
    op.component = f.next();
    op.from_version = f.maybe();
    op.to_version = f.next();
    op.error = f.next();
  }
  return ops;
}

graph::Plan plan(Fields& f)
{
  graph::Plan p;
  p.feasible = false;
  graph::PlanStep step{};
  step.name = f.next();
  step.from = semver::Version::parse("1.0.0").value();
  step.to = semver::Version::parse("2.0.0").value();
  step.hops = {step.to};
  step.strategy = f.next();
  step.explanation = f.next();
  step.breaking = true;
  step.breaking_reason = f.next();
  p.steps.push_back(step);
  graph::Check check;
  check.name = f.next();
  check.status = graph::Check::Status::fail;
  check.message = f.next();
  check.details = {f.next(), f.next()};
  check.code = ErrorCode::incompatible;
  p.checks.push_back(check);
  p.notes = {f.next()};
  return p;
}

engine::TransactionReport transaction(Fields& f)
{
  engine::TransactionReport t;
  t.upgrade_id = 7;
  t.kind = f.next();
  engine::StepReport s;
  s.component = f.next();
  s.from = f.maybe();
  s.to = f.next();
  s.outcome = engine::StepReport::Outcome::completed;
  s.message = f.next();
  t.steps.push_back(s);
  t.warnings = {f.next()};
  t.status = store::UpgradeStatus::rolled_back;
  t.error = Error(ErrorCode::unhealthy, f.next());
  return t;
}

manifest::Diagnostic diagnostic(Fields& f)
{
  manifest::Diagnostic d;
  d.message = f.next();
  d.where = SourceLocation{f.next(), 3, 7};
  d.source_line = f.next();
  d.field = f.next();
  return d;
}

struct Rendered {
  std::string out;
  std::string err;
};

// Everything rendered once, in `format`.
Rendered render_all(std::string_view data, bool benign, output::Format format)
{
  Fields f(data, benign);
  std::ostringstream out;
  std::ostringstream err;
  const auto record = upgrade_record(f);
  const auto ops = operations(f);
  const auto run = [&](const auto& render) {
    output::Reporter r(out, err, {format, output::Verbosity::verbose, output::Color::no});
    render(r);
  };
  run([&](output::Reporter& r) { output::render_history({{record, ops}}, r); });
  engine::StatusReport status;
  status.components.push_back({f.next(), f.next(), record.started_at, f.maybe(), f.maybe(), true});
  status.runtime_asked = f.maybe().has_value();
  status.runtime_note = f.next();
  status.running.push_back({record, ops, false, std::nullopt, std::nullopt});
  run([&](output::Reporter& r) { output::render_status(status, record.started_at + 60'000, r); });
  store::AuditEntry audit;
  audit.user = f.next();
  audit.command = f.next();
  audit.action = f.next();
  audit.component = f.next();
  audit.from_version = f.maybe();
  audit.to_version = f.maybe();
  audit.outcome = f.next();
  audit.detail = f.next();
  run([&](output::Reporter& r) { output::render_audit({audit}, r); });
  const auto p = plan(f);
  const std::string title = f.next();
  run([&](output::Reporter& r) { output::render_plan(p, title, r); });
  const auto t = transaction(f);
  run([&](output::Reporter& r) { output::render_transaction(t, f.next(), r); });
  const auto d = diagnostic(f);
  Error e;
  e.code = ErrorCode::not_found;
  e.message = f.next();
  e.where = SourceLocation{f.next(), 1, 2};
  e.details = {f.next(), f.next()};
  run([&](output::Reporter& r) {
    r.diagnostics({d, d});
    r.warning(f.next());
    r.note(f.next() + "\n");
    r.detail(f.next() + "\n");
    r.failure(e);
  });
  return {out.str(), err.str()};
}

// The next code point of `s` at `at` (advancing it), or -1 for a byte that
// is not well-formed UTF-8. Written apart from util's decoder on purpose.
long next_code_point(std::string_view s, std::size_t& at)
{
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[at + k]); };
  const unsigned char c = b(0);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || at + n > s.size()) {
    ++at;
    return -1;
  }
  long cp = n == 1 ? c : c & (0x7f >> n);
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xc0) != 0x80) {
      ++at;
      return -1;
    }
    cp = (cp << 6) | (b(k) & 0x3f);
  }
  static constexpr long k_min[] = {0, 0, 0x80, 0x800, 0x10000};
  at += n;
  if (cp < k_min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return -1;
  }
  return cp;
}

bool safe_for_a_terminal(std::string_view text)
{
  std::size_t at = 0;
  while (at < text.size()) {
    const long cp = next_code_point(text, at);
    const bool bad = cp < 0 || (cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
                     cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
                     (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
    if (bad) {
      return false;
    }
  }
  return true;
}

std::size_t lines(std::string_view text)
{
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const Rendered text = render_all(bytes, false, output::Format::text);
  NOODLE_FUZZ_CHECK(safe_for_a_terminal(text.out));
  NOODLE_FUZZ_CHECK(safe_for_a_terminal(text.err));
  const Rendered benign = render_all(bytes, true, output::Format::text);
  NOODLE_FUZZ_CHECK(lines(text.out) == lines(benign.out));
  NOODLE_FUZZ_CHECK(lines(text.err) == lines(benign.err));

  const Rendered json = render_all(bytes, false, output::Format::json);
  NOODLE_FUZZ_CHECK(json.err.empty());
  // One document per command, each on its own line.
  std::size_t start = 0;
  std::size_t documents = 0;
  while (start < json.out.size()) {
    const std::size_t end = json.out.find('\n', start);
    NOODLE_FUZZ_CHECK(end != std::string::npos);
    const auto doc = nlohmann::json::parse(json.out.begin() + static_cast<std::ptrdiff_t>(start),
                                           json.out.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
    NOODLE_FUZZ_CHECK(!doc.is_discarded() && doc.is_object());
    ++documents;
    start = end + 1;
  }
  NOODLE_FUZZ_CHECK(documents == 6);
  return 0;
}
