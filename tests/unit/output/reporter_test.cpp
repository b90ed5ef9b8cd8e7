// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/exit_code.hpp>
#include <noodle/output/reporter.hpp>
#include <noodle/output/text.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>
#include <sstream>
#include <vector>

using noodle::Error;
using noodle::ErrorCode;
using noodle::output::ExitCode;

TEST_CASE("output::exit_code_for maps every error code, each with its own stable name")
{
  std::set<std::string> names;
  for (int c = 0; c <= static_cast<int>(ErrorCode::hangup); ++c) {
    const auto code = static_cast<ErrorCode>(c);
    const std::string name(noodle::error_code_name(code));
    INFO(name);
    CHECK((name != "internal" || code == ErrorCode::internal));
    names.insert(name);
  }
  CHECK(names.size() == static_cast<std::size_t>(ErrorCode::hangup) + 1);
  CHECK(noodle::output::exit_code_for(ErrorCode::hangup) == ExitCode::hangup);
  CHECK(noodle::output::to_int(ExitCode::hangup) == 129);
  CHECK(noodle::output::exit_code_for(ErrorCode::usage) == ExitCode::usage);
  CHECK(noodle::output::exit_code_for(ErrorCode::dependency_cycle) == ExitCode::refused);
  CHECK(noodle::output::exit_code_for(ErrorCode::signature_invalid) == ExitCode::integrity);
  CHECK(noodle::output::exit_code_for(ErrorCode::io) == ExitCode::failed);
}

TEST_CASE("output::Reporter in JSON mode writes one object with api_version and ok first and gathers warnings")
{
  std::ostringstream out;
  std::ostringstream err;
  noodle::output::Reporter r(out, err, {noodle::output::Format::json});
  r.warning("careful");
  r.text("never shown in JSON");
  CHECK(r.success({{"answer", 42}}) == ExitCode::ok);
  CHECK(out.str() ==
        "{\"api_version\":1,\"ok\":true,\"answer\":42,\"diagnostics\":[{\"message\":\"careful\"}]}\n");
  CHECK(err.str().empty());
}

TEST_CASE("output::Reporter writes an array made as text with the same bytes as the array in the body")
{
  using json = nlohmann::ordered_json;
  const std::vector<json> items = {{{"name", "a"}, {"versions", {"1.0.0", "2.0.0"}}},
                                   {{"name", "b\xff\n\"q\""}, {"installed", nullptr}},
                                   json::array(),
                                   42};
  for (bool warned : {false, true}) {
    for (std::size_t count : {std::size_t{0}, std::size_t{1}, items.size()}) {
      CAPTURE(warned, count);
      std::ostringstream tree_out;
      std::ostringstream text_out;
      std::ostringstream err;
      noodle::output::Reporter tree(tree_out, err, {noodle::output::Format::json});
      noodle::output::Reporter text(text_out, err, {noodle::output::Format::json});
      if (warned) {
        tree.warning("careful \xfe");
        text.warning("careful \xfe");
      }
      json body = {{"first", "x"}, {"components", json::array()}};
      for (std::size_t i = 0; i < count; ++i) {
        body["components"].push_back(items[i]);
      }
      CHECK(tree.success(body) == ExitCode::ok);
      std::size_t pushed = 0;
      CHECK(text.success({{"first", "x"}}, "components",
                         [&](noodle::output::JsonArray& array) {
                           for (std::size_t i = 0; i < count; ++i) {
                             array.push(items[i]);
                           }
                           pushed = array.size();
                         })
            == ExitCode::ok);
      CHECK(pushed == count);
      CHECK(text_out.str() == tree_out.str());
      CHECK(nlohmann::json::parse(text_out.str())["components"].size() == count);
    }
  }
  std::ostringstream out;
  std::ostringstream err;
  noodle::output::Reporter quiet(out, err, {noodle::output::Format::text});
  bool filled = false;
  CHECK(quiet.success({}, "components", [&filled](noodle::output::JsonArray&) { filled = true; }) == ExitCode::ok);
  CHECK_FALSE(filled);
  CHECK(out.str().empty());
}

TEST_CASE("output::Reporter writes a long array in pieces as it is made, the same bytes as one tree")
{
  using json = nlohmann::ordered_json;
  // Far more than one piece (64 KiB) of text, so that the array reaches the
  // output before it ends.
  std::vector<json> items;
  for (int i = 0; i < 20000; ++i) {
    items.push_back(json{{"name", "component-" + std::to_string(i)}, {"n", i}});
  }
  std::ostringstream tree_out;
  std::ostringstream piece_out;
  std::ostringstream err;
  noodle::output::Reporter tree(tree_out, err, {noodle::output::Format::json});
  noodle::output::Reporter pieces(piece_out, err, {noodle::output::Format::json});
  CHECK(tree.success({{"first", "x"}, {"components", items}}) == ExitCode::ok);
  std::size_t written_before_end = 0;
  CHECK(pieces.success({{"first", "x"}}, "components",
                       [&](noodle::output::JsonArray& array) {
                         for (const auto& item : items) {
                           array.push(item);
                         }
                         written_before_end = piece_out.str().size();
                       })
        == ExitCode::ok);
  CHECK(written_before_end > 64 * 1024);
  CHECK(written_before_end < piece_out.str().size());
  CHECK(piece_out.str() == tree_out.str());
}

TEST_CASE("output::Reporter in text mode prints errors with their location and detail lines to stderr")
{
  std::ostringstream out;
  std::ostringstream err;
  noodle::output::Reporter r(out, err, {});
  Error e(ErrorCode::unsatisfiable, "no version fits", noodle::SourceLocation{"m.yaml", 3, 5});
  e.details = {"required by a@1.0.0"};
  CHECK(r.failure(e) == ExitCode::refused);
  CHECK(out.str().empty());
  CHECK(err.str() == "noodle-upgrade: error: m.yaml:3:5: no version fits\n  required by a@1.0.0\n");
}

TEST_CASE("output::Reporter writes events as JSON lines to stderr or the events stream, never to stdout")
{
  const nlohmann::ordered_json event = {{"event", "activate"}, {"upgrade_id", 3}};
  {
    std::ostringstream out;
    std::ostringstream err;
    noodle::output::Reporter r(out, err, {noodle::output::Format::json});
    r.event(event, "  activate\n");
    CHECK(err.str() == "{\"event\":\"activate\",\"upgrade_id\":3}\n");
    CHECK(out.str().empty());
  }
  {
    std::ostringstream out;
    std::ostringstream err;
    std::ostringstream events;
    noodle::output::Reporter r(out, err, {noodle::output::Format::json});
    r.set_event_stream(&events);
    r.event(event, "  activate\n");
    CHECK(events.str() == "{\"event\":\"activate\",\"upgrade_id\":3}\n");
    CHECK(err.str().empty());
    CHECK(out.str().empty());
  }
  {
    // Text: a line for people on stderr, and the JSON line in the events file too.
    std::ostringstream out;
    std::ostringstream err;
    std::ostringstream events;
    noodle::output::Reporter r(out, err, {});
    r.set_event_stream(&events);
    r.event(event, "  activate\n");
    CHECK(err.str() == "  activate\n");
    CHECK(events.str() == "{\"event\":\"activate\",\"upgrade_id\":3}\n");
    CHECK(out.str().empty());
  }
}

TEST_CASE("output::Reporter escapes outside text in errors, warnings, notes and diagnostics, one line each")
{
  std::ostringstream out;
  std::ostringstream err;
  noodle::output::Reporter r(out, err, {noodle::output::Format::text, noodle::output::Verbosity::verbose});
  r.warning("name 'x\n  13  2026-01-01 upgrade completed' \x1b[2J");
  r.note("held by 'a\rb'\n");
  r.detail("root '\xe2\x80\xae/srv'\n");
  Error e(ErrorCode::not_found, "unknown component 'evil\xff\xc2\x9b'", noodle::SourceLocation{"dir\n/x.yaml", 2, 0});
  e.details = {"did you\tmean\n'good'?"};
  r.failure(e);
  CHECK(err.str() == "noodle-upgrade: warning: name 'x\\n  13  2026-01-01 upgrade completed' \\x1b[2J\n"
                     "held by 'a\\rb'\n"
                     "noodle-upgrade: root '\\u{202e}/srv'\n"
                     "noodle-upgrade: error: dir\\n/x.yaml:2: unknown component 'evil\\xff\\u{009b}'\n"
                     "  did you\\tmean\\n'good'?\n");
}

TEST_CASE("output::Reporter shows a diagnostic's source line escaped, the caret under its column")
{
  std::ostringstream out;
  std::ostringstream err;
  noodle::output::Reporter r(out, err, {});
  noodle::manifest::Diagnostic d;
  d.message = "invalid version 'two'";
  d.where = noodle::SourceLocation{"b.yaml", 3, 14};
  d.source_line = "\t\x1b[8m: x\xc3\xa9version: two";
  r.diagnostic(d);
  CHECK(err.str() == "noodle-upgrade: error: b.yaml:3:14: invalid version 'two'\n"
                     "  \\t\\x1b[8m: x\xc3\xa9version: two\n"
                     "                  ^\n"); // under the 's' of "version", the 14th byte
}

TEST_CASE("output::Reporter text output keeps its own newlines and escapes every other control character")
{
  std::ostringstream out;
  std::ostringstream err;
  noodle::output::Reporter r(out, err, {});
  r.text("line one \x1b]0;title\x07\nline two \xc2\x9b\xff\n");
  CHECK(out.str() == "line one \\x1b]0;title\\x07\nline two \\u{009b}\\xff\n");
}

TEST_CASE("output::Reporter JSON never fails on bytes that are not UTF-8: each becomes U+FFFD")
{
  std::ostringstream out;
  std::ostringstream err;
  noodle::output::Reporter r(out, err, {noodle::output::Format::json});
  r.warning("warned \xff");
  CHECK(r.success({{"requested_by", "evil\xff"}}) == ExitCode::ok);
  const auto j = nlohmann::json::parse(out.str());
  CHECK(j["requested_by"] == "evil\xef\xbf\xbd");
  CHECK(j["diagnostics"][0]["message"] == "warned \xef\xbf\xbd");

  std::ostringstream out2;
  noodle::output::Reporter failing(out2, err, {noodle::output::Format::json});
  failing.failure(Error(ErrorCode::io, "cannot read '\xc3('"));
  CHECK(nlohmann::json::parse(out2.str())["error"]["message"] == "cannot read '\xef\xbf\xbd('");
}

TEST_CASE("output::format_text escapes every string argument and formats numbers as fmt does")
{
  const std::string name = "a\nb";
  CHECK(noodle::output::format_text("{:<6}|{} {:.1f} {}\n", name, 42, 1.25, "x\x1b") == "a\\nb  |42 1.2 x\\x1b\n");
  CHECK(noodle::output::shown_width("a\tb") == 4);
}
