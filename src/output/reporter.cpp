// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/reporter.hpp>
#include <noodle/util/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

namespace noodle::output {

namespace {

constexpr std::string_view k_program = "noodle-upgrade";

using util::escape_text;

// Characters (not bytes) of a text, UTF-8 continuation bytes not counted.
std::size_t characters(std::string_view text)
{
  std::size_t n = 0;
  for (const char c : text) {
    n += (static_cast<unsigned char>(c) & 0xc0u) != 0x80u ? 1 : 0;
  }
  return n;
}

// The caret line under a source line as shown (escaped, so a tab is the two
// characters "\t"): the caret stands under the column's character.
std::string caret_line(std::string_view source, std::uint32_t column)
{
  const std::size_t before = std::min<std::size_t>(column - 1, source.size());
  return std::string(characters(escape_text(source.substr(0, before))), ' ') + '^';
}

// A message, warning or note is one line: every control character in it is
// escaped, except the one newline that may end it.
std::string one_line(std::string_view s)
{
  if (!s.empty() && s.back() == '\n') {
    return escape_text(s.substr(0, s.size() - 1)) + '\n';
  }
  return escape_text(s);
}

// update() without the copy: a body may hold a whole catalog's listing.
void merge_into(nlohmann::ordered_json& j, nlohmann::ordered_json&& body)
{
  for (auto it = body.begin(); it != body.end(); ++it) {
    j[it.key()] = std::move(it.value());
  }
}

// {"api_version": 1, "ok": ok, ...body}: how every result document starts.
nlohmann::ordered_json document_start(bool ok, nlohmann::ordered_json&& body)
{
  nlohmann::ordered_json j = {{"api_version", k_api_version}, {"ok", ok}};
  merge_into(j, std::move(body));
  return j;
}

// The one place JSON becomes bytes. Strings that are not UTF-8 (a name on
// disk, an old database row) have each bad byte replaced by U+FFFD rather
// than failing the command.
std::string dump(const nlohmann::ordered_json& j)
{
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

nlohmann::ordered_json location_json(const SourceLocation& where)
{
  nlohmann::ordered_json j = {{"file", where.file.string()}};
  if (where.line != 0) {
    j["line"] = where.line;
  }
  if (where.column != 0) {
    j["column"] = where.column;
  }
  return j;
}

} // namespace

Reporter::Reporter(std::ostream& out, std::ostream& err, Style style) : m_out(out), m_err(err), m_style(style) {}

std::string Reporter::label(std::string_view severity) const
{
  if (m_style.color == Color::no) {
    return fmt::format("{}: {}:", k_program, severity);
  }
  const char* code = severity == "error" ? "\033[1;31m" : "\033[1;35m";
  return fmt::format("{}: {}{}:\033[0m", k_program, code, severity);
}

void Reporter::text(std::string_view s)
{
  if (!json()) {
    m_out << escape_text(s, util::Newlines::keep);
  }
}

void Reporter::note(std::string_view s)
{
  if (!json() && m_style.verbosity != Verbosity::quiet) {
    m_err << one_line(s);
  }
}

void Reporter::detail(std::string_view s)
{
  if (!json() && m_style.verbosity == Verbosity::verbose) {
    m_err << k_program << ": " << one_line(s);
  }
}

void Reporter::warning(std::string_view message)
{
  if (json()) {
    m_warnings.push_back({{"message", message}});
    return;
  }
  if (m_style.verbosity != Verbosity::quiet) {
    m_err << label("warning") << ' ' << escape_text(message) << '\n';
  }
}

void Reporter::event(const nlohmann::ordered_json& j, std::string_view text_line)
{
  if (m_events != nullptr) {
    *m_events << dump(j) << '\n' << std::flush;
    if (json()) {
      return;
    }
  } else if (json()) {
    m_err << dump(j) << '\n' << std::flush;
    return;
  }
  if (m_style.verbosity != Verbosity::quiet) {
    m_err << one_line(text_line) << std::flush;
  }
}

void Reporter::diagnostic(const manifest::Diagnostic& d)
{
  const bool is_error = d.severity == manifest::Diagnostic::Severity::error;
  if (json()) {
    nlohmann::ordered_json j = {
        {"severity", is_error ? "error" : "warning"}, {"code", error_code_name(d.code)}, {"message", d.message}};
    if (d.where.known()) {
      j["location"] = location_json(d.where);
    }
    if (!d.field.empty()) {
      j["field"] = d.field;
    }
    m_warnings.push_back(std::move(j));
    return;
  }
  if (!is_error && m_style.verbosity == Verbosity::quiet) {
    return;
  }
  m_err << label(is_error ? "error" : "warning") << ' ';
  if (d.where.known()) {
    m_err << escape_text(d.where.to_string()) << ": ";
  }
  m_err << escape_text(d.message) << '\n';
  if (!d.source_line.empty() && d.where.column != 0) {
    m_err << "  " << escape_text(d.source_line) << "\n  " << caret_line(d.source_line, d.where.column) << '\n';
  }
}

void Reporter::diagnostics(const std::vector<manifest::Diagnostic>& ds)
{
  for (const auto& d : ds) {
    diagnostic(d);
  }
}

nlohmann::ordered_json Reporter::error_json(const Error& error)
{
  nlohmann::ordered_json j = {{"code", error_code_name(error.code)}, {"message", error.message}};
  if (error.where && error.where->known()) {
    j["location"] = location_json(*error.where);
  }
  if (!error.details.empty()) {
    j["details"] = error.details;
  }
  return j;
}

void Reporter::run_before_end()
{
  if (m_before_end) {
    auto hook = std::move(m_before_end);
    m_before_end = nullptr;
    hook();
  }
}

void Reporter::write_document(nlohmann::ordered_json& j)
{
  if (!m_warnings.empty()) {
    j["diagnostics"] = m_warnings;
  }
  m_out << dump(j) << '\n';
}

ExitCode Reporter::success(nlohmann::ordered_json body, ExitCode code)
{
  run_before_end();
  if (json()) {
    nlohmann::ordered_json j = document_start(true, std::move(body));
    write_document(j);
  }
  return code;
}

void JsonArray::push(const nlohmann::ordered_json& value)
{
  if (m_count++ > 0) {
    m_text += ',';
  }
  m_text += dump(value);
  if (m_text.size() >= k_piece) {
    m_out << m_text;
    m_text.clear();
  }
}

void JsonArray::finish()
{
  m_text += ']';
  m_out << m_text;
  m_text.clear();
}

ExitCode Reporter::success(nlohmann::ordered_json body, std::string_view key,
                           const std::function<void(JsonArray&)>& fill, ExitCode code)
{
  run_before_end();
  if (json()) {
    const nlohmann::ordered_json j = document_start(true, std::move(body));
    // j's text with `key` added last, then the array as it is made: it is
    // most of the document, and is never held whole.
    std::string head = dump(j);
    head.pop_back(); // its closing brace
    head += ',';
    head += dump(nlohmann::ordered_json(std::string(key)));
    head += ':';
    m_out << head;
    JsonArray array(m_out);
    fill(array);
    array.finish();
    if (!m_warnings.empty()) {
      m_out << ",\"diagnostics\":" << dump(m_warnings);
    }
    m_out << "}\n";
  }
  return code;
}

ExitCode Reporter::refusal(const Error& error, nlohmann::ordered_json body, ExitCode code)
{
  run_before_end();
  if (json()) {
    nlohmann::ordered_json j = document_start(false, std::move(body));
    j["error"] = error_json(error);
    write_document(j);
    return code;
  }
  m_err << label("error") << ' ';
  if (error.where && error.where->known()) {
    m_err << escape_text(error.where->to_string()) << ": ";
  }
  m_err << escape_text(error.message) << '\n';
  for (const auto& line : error.details) {
    m_err << "  " << escape_text(line) << '\n';
  }
  return code;
}

ExitCode Reporter::failure(const Error& error)
{
  return failure(error, exit_code_for(error.code));
}

ExitCode Reporter::failure(const Error& error, ExitCode code)
{
  return refusal(error, nlohmann::ordered_json::object(), code);
}

} // namespace noodle::output
