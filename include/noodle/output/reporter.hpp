// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/manifest/loader.hpp>
#include <noodle/output/exit_code.hpp>
#include <noodle/util/error.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace noodle::output {

enum class Format { text, json };
enum class Verbosity { quiet, normal, verbose };
enum class Color { no, yes };

struct Style {
  Format format = Format::text;
  Verbosity verbosity = Verbosity::normal;
  Color color = Color::no;
};

// The version of the JSON output contract (the `api_version` of every
// document; the schemas in schemas/). Raised only for a change that can break
// a reader: a removed or renamed field, a changed type or meaning.
inline constexpr int k_api_version = 1;

// A JSON array written as text one element at a time, by the Reporter's own
// rules, to the output in pieces as it is made: for a listing too large to
// hold whole (a catalog of 100,000 components lists a million values, 17 MB
// of text). Only Reporter::success makes one.
class JsonArray {
public:
  JsonArray(const JsonArray&) = delete;
  JsonArray& operator=(const JsonArray&) = delete;
  ~JsonArray() = default;

  void push(const nlohmann::ordered_json& value);
  std::size_t size() const { return m_count; }

private:
  friend class Reporter;
  explicit JsonArray(std::ostream& out) : m_out(out) { m_text.reserve(k_piece + k_piece / 4); }
  // Writes what is buffered, then the closing bracket.
  void finish();

  static constexpr std::size_t k_piece = 64 * 1024; // written once this much is buffered

  std::ostream& m_out;
  std::string m_text = "[";
  std::size_t m_count = 0;
};

// The one place where results, warnings and errors become bytes. Data goes to
// `out`, diagnostics to `err`. In JSON mode exactly one object is written to
// `out` per command (`{"api_version": 1, "ok": true, ...}` or
// `{"api_version": 1, "ok": false, "error": ...}`), with warnings gathered
// into it instead of printed. Progress events of a live rollout never go to
// `out`: they are JSON lines on the event stream (--events FILE), else on
// `err` in JSON mode, else text lines on `err`.
class Reporter {
public:
  Reporter(std::ostream& out, std::ostream& err, Style style);

  Format format() const { return m_style.format; }
  bool json() const { return m_style.format == Format::json; }
  const Style& style() const { return m_style; }

  // Text mode only: writes to stdout.
  void text(std::string_view s);
  // Text mode only, suppressed by -q: informational lines to stderr.
  void note(std::string_view s);
  // Text mode only, shown with -v: detail lines to stderr.
  void detail(std::string_view s);

  void warning(std::string_view message);

  // Where event() writes JSON lines; null (the default) means `err` in JSON
  // mode and text lines on `err` otherwise.
  void set_event_stream(std::ostream* events) { m_events = events; }
  // One progress event: `j` as one JSON line (event stream, or `err` in JSON
  // mode), else `text_line` on `err` (suppressed by -q). Flushed at once.
  void event(const nlohmann::ordered_json& j, std::string_view text_line);
  void diagnostic(const manifest::Diagnostic& d);
  void diagnostics(const std::vector<manifest::Diagnostic>& ds);

  // Runs `hook` once, when the command ends (success, refusal or failure),
  // before its result is written: what it warns about still goes into the
  // JSON document.
  void before_end(std::function<void()> hook) { m_before_end = std::move(hook); }

  // Ends a successful command: JSON mode prints {"ok": true, ...body}.
  ExitCode success(nlohmann::ordered_json body = nlohmann::ordered_json::object(), ExitCode code = ExitCode::ok);
  // The same with one more member after the body's, `key`: an array whose
  // items `fill` pushes (the body must not hold `key`), written as they
  // come. The same bytes as the array put in `body`. In text mode `fill` is
  // not called.
  ExitCode success(nlohmann::ordered_json body, std::string_view key, const std::function<void(JsonArray&)>& fill,
                   ExitCode code = ExitCode::ok);
  // Ends a command whose result is a refusal or failure but still carries a
  // body (a plan that is not feasible): {"ok": false, "error": ..., ...body}.
  ExitCode refusal(const Error& error, nlohmann::ordered_json body, ExitCode code);
  // Ends a failed command.
  ExitCode failure(const Error& error);
  ExitCode failure(const Error& error, ExitCode code);

  static nlohmann::ordered_json error_json(const Error& error);

private:
  std::string label(std::string_view severity) const;

  std::ostream& m_out;
  std::ostream& m_err;
  std::ostream* m_events = nullptr;
  Style m_style;
  nlohmann::ordered_json m_warnings = nlohmann::ordered_json::array();
  std::function<void()> m_before_end;
  void run_before_end();
  // Writes `j` to `out` with the warnings gathered, as "diagnostics", last.
  void write_document(nlohmann::ordered_json& j);
};

} // namespace noodle::output
