// SPDX-License-Identifier: Apache-2.0
#pragma once

// The state machine of the demo runtime: what a runtime keeps per component
// and how it answers each op of the control protocol
// (noodle-upgrade-protocol(7)). No I/O here apart from reading manifests:
// main.cpp owns the socket and the clock and passes `now` in.

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace demo {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json; // replies keep "id" first, for people reading traces

inline constexpr int k_protocol_version = 1;
inline constexpr std::size_t k_max_line_bytes = 1024 * 1024; // newline included
inline constexpr int k_max_depth = 32;

// One loaded version: what its manifest.yaml says.
struct Loaded {
  std::string version;
  std::filesystem::path path;
  std::string demo_health; // metadata.demo_health, "" when absent
};

struct Component {
  Loaded active;                     // what runs for good
  std::optional<Loaded> prepared;    // loaded beside it, maybe activated
  bool activated = false;            // the prepared version took traffic since prepare
  std::map<std::string, std::string> instances; // instance -> version it runs
  int weight = 0;                    // percent of traffic routed to the prepared version
  std::optional<Clock::time_point> lease_deadline; // set while an activate is provisional
  bool committed = false;            // `active` came from a commit (a repeated commit is fine)
  std::optional<std::string> expired; // the version the lease reverted (commit -> lease_expired)
  int health_checks = 0;             // since the first activate, for unhealthy_after_N
};

// Per connection: the protocol's ordering rules.
struct Session {
  bool greeted = false;
  long long last_id = 0;
};

// What the event loop must do with a request.
struct Outcome {
  enum class Action { reply, close, crash };
  Action action = Action::reply;
  std::string line;                     // the reply, newline included (garbage: not JSON)
  std::chrono::milliseconds delay{0};   // send the reply no sooner than this
};

struct Options {
  std::string name = "noodle-demo-runtime";
  std::string version = "0.0.0";
  int instances = 3;
  // The reply to a commit that took effect waits this long: a test kills the
  // tool in that window, after the runtime committed and before the tool knows.
  std::chrono::milliseconds commit_reply_delay{0};
};

class Runtime {
public:
  explicit Runtime(Options options);

  // Loads <root>/components/<name>/current of every component. Returns an
  // error message, or "" on success.
  std::string load_root(const std::filesystem::path& root);

  // One request line (without its newline, at most k_max_line_bytes - 1).
  Outcome handle_line(Session& session, const std::string& line, Clock::time_point now);

  // Reverts every component whose lease ended by `now`; logs to stderr.
  void expire_leases(Clock::time_point now);
  // The earliest lease deadline, for the poll timeout.
  std::optional<Clock::time_point> next_deadline() const;

  const std::map<std::string, Component>& components() const { return m_components; }

private:
  Json dispatch(const std::string& op, const Json& request, Outcome& outcome,
                          Clock::time_point now);
  Json op_hello(const Json& request);
  Json op_prepare(const Json& request);
  Json op_activate(const Json& request, Outcome& outcome, Clock::time_point now);
  Json op_health(const Json& request, Outcome& outcome);
  Json op_commit(const Json& request);
  Json op_rollback(const Json& request);
  Json op_abort(const Json& request);
  Json op_running(const Json& request);
  Json op_serve(const Json& request);
  Json op_status(Clock::time_point now);

  Component& component_of(const Json& request);
  std::vector<std::string> instances_of(const Json& request);
  void revert(Component& c);

  Options m_options;
  std::vector<std::string> m_instance_names;
  std::map<std::string, Component> m_components;
};

// Reads <dir>/manifest.yaml. Fails (returns nullopt, `why` set) when the
// file is missing or unreadable, or its name/version differ from the ones
// given.
std::optional<Loaded> load_version(const std::filesystem::path& dir, const std::string& name,
                                   const std::string& version, std::string& why);

} // namespace demo
