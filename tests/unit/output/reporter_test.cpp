// SPDX-License-Identifier: Apache-2.0
#include <noodle/output/exit_code.hpp>
#include <noodle/output/reporter.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

using noodle::Error;
using noodle::ErrorCode;
using noodle::output::ExitCode;

TEST_CASE("output::exit_code_for maps every error code, each with its own stable name")
{
  std::set<std::string> names;
  for (int c = 0; c <= static_cast<int>(ErrorCode::unsafe_path); ++c) {
    const auto code = static_cast<ErrorCode>(c);
    const std::string name(noodle::error_code_name(code));
    INFO(name);
    CHECK((name != "internal" || code == ErrorCode::internal));
    names.insert(name);
  }
  CHECK(names.size() == static_cast<std::size_t>(ErrorCode::unsafe_path) + 1);
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
