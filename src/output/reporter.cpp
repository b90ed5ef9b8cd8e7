// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/reporter.hpp>

#include <fmt/format.h>

#include <ostream>

namespace noodle::output {

namespace {

constexpr std::string_view k_program = "noodle-upgrade";

// The caret line under a source line: tabs are kept so the caret lines up.
std::string caret_line(std::string_view source, std::uint32_t column)
{
  std::string out;
  for (std::uint32_t i = 1; i < column && i - 1 < source.size(); ++i) {
    out += source[i - 1] == '\t' ? '\t' : ' ';
  }
  out += '^';
  return out;
}

nlohmann::ordered_json location_json(const SourceLocation& where)
{
  nlohmann::ordered_json j = {{"file", where.file}};
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
    m_out << s;
  }
}

void Reporter::note(std::string_view s)
{
  if (!json() && m_style.verbosity != Verbosity::quiet) {
    m_err << s;
  }
}

void Reporter::detail(std::string_view s)
{
  if (!json() && m_style.verbosity == Verbosity::verbose) {
    m_err << k_program << ": " << s;
  }
}

void Reporter::warning(std::string_view message)
{
  if (json()) {
    m_warnings.push_back({{"message", message}});
    return;
  }
  if (m_style.verbosity != Verbosity::quiet) {
    m_err << label("warning") << ' ' << message << '\n';
  }
}

void Reporter::event(const nlohmann::ordered_json& j, std::string_view text_line)
{
  if (m_events != nullptr) {
    *m_events << j.dump() << '\n' << std::flush;
    if (json()) {
      return;
    }
  } else if (json()) {
    m_err << j.dump() << '\n' << std::flush;
    return;
  }
  if (m_style.verbosity != Verbosity::quiet) {
    m_err << text_line << std::flush;
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
    m_err << d.where.to_string() << ": ";
  }
  m_err << d.message << '\n';
  if (!d.source_line.empty() && d.where.column != 0) {
    m_err << "  " << d.source_line << "\n  " << caret_line(d.source_line, d.where.column) << '\n';
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

ExitCode Reporter::success(nlohmann::ordered_json body, ExitCode code)
{
  if (json()) {
    nlohmann::ordered_json j = {{"api_version", k_api_version}, {"ok", true}};
    j.update(body);
    if (!m_warnings.empty()) {
      j["diagnostics"] = m_warnings;
    }
    m_out << j.dump() << '\n';
  }
  return code;
}

ExitCode Reporter::refusal(const Error& error, nlohmann::ordered_json body, ExitCode code)
{
  if (json()) {
    nlohmann::ordered_json j = {{"api_version", k_api_version}, {"ok", false}};
    j.update(body);
    j["error"] = error_json(error);
    if (!m_warnings.empty()) {
      j["diagnostics"] = m_warnings;
    }
    m_out << j.dump() << '\n';
    return code;
  }
  m_err << label("error") << ' ';
  if (error.where && error.where->known()) {
    m_err << error.where->to_string() << ": ";
  }
  m_err << error.message << '\n';
  for (const auto& line : error.details) {
    m_err << "  " << line << '\n';
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
