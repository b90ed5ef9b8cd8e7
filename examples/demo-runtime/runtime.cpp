// SPDX-License-Identifier: Apache-2.0
#include "runtime.hpp"

#include <fmt/core.h>
#include <yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <system_error>

namespace demo {

namespace {

constexpr long long k_max_lease_ms = INT_MAX;   // a longer lease is a mistake, not a plan
constexpr long long k_max_serve_requests = 1000000;

// An op refused with one of the protocol's error codes.
struct Refusal {
  std::string code;
  std::string message;
};

Refusal bad_request(std::string message)
{
  return {"bad_request", std::move(message)};
}

// How deep objects and arrays nest in a JSON text (strings skipped). Checked
// before parsing so that a hostile line cannot make the parser recurse.
int json_depth(std::string_view text)
{
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '{' || ch == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (ch == '}' || ch == ']') {
      --depth;
    }
  }
  return deepest;
}

std::string string_field(const Json& request, const char* key)
{
  auto it = request.find(key);
  if (it == request.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    throw bad_request(fmt::format("'{}' must be a non-empty string", key));
  }
  return it->get<std::string>();
}

// An optional integer field within [low, high].
std::optional<long long> int_field(const Json& request, const char* key, long long low, long long high)
{
  auto it = request.find(key);
  if (it == request.end()) {
    return std::nullopt;
  }
  bool fits = it->is_number_integer() && !(it->is_number_unsigned() && it->get<unsigned long long>() > LLONG_MAX);
  if (!fits || it->get<long long>() < low || it->get<long long>() > high) {
    throw bad_request(fmt::format("'{}' must be an integer from {} to {}", key, low, high));
  }
  return it->get<long long>();
}

// The N of "<prefix>N" (e.g. slow_300), or nullopt.
std::optional<long long> suffix_number(const std::string& mode, std::string_view prefix)
{
  if (mode.size() <= prefix.size() || mode.compare(0, prefix.size(), prefix) != 0) {
    return std::nullopt;
  }
  long long n = 0;
  const char* first = mode.data() + prefix.size();
  const char* last = mode.data() + mode.size();
  auto [end, ec] = std::from_chars(first, last, n);
  if (ec != std::errc() || end != last || n < 0) {
    return std::nullopt;
  }
  return n;
}

// demo_health: slow_MS delays every reply about the component while that
// version is prepared.
std::chrono::milliseconds slowness(const Component& c)
{
  if (!c.prepared) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::milliseconds(suffix_number(c.prepared->demo_health, "slow_").value_or(0));
}

// The first document's top-level `name` and `version` and
// `metadata.demo_health` scalars, read with libyaml's event parser; returns
// why not when the file cannot be read or parsed.
std::string read_fields(const std::filesystem::path& file, std::string& name, std::string& version,
                        std::string& demo_health)
{
  std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!in) {
    return std::strerror(errno);
  }
  yaml_parser_t parser;
  if (yaml_parser_initialize(&parser) == 0) {
    return "out of memory";
  }
  std::unique_ptr<yaml_parser_t, void (*)(yaml_parser_t*)> guard(&parser, &yaml_parser_delete);
  yaml_parser_set_input_file(&parser, in.get());
  // One frame per open collection: whether a mapping's next node is a key,
  // the last key read, and the key under which the collection itself sits.
  struct Frame {
    bool mapping;
    bool at_key;
    std::string key;
    std::string under;
  };
  std::vector<Frame> frames;
  // A node ended in the innermost collection: a mapping's key and value take turns.
  const auto ended = [&] {
    if (!frames.empty() && frames.back().mapping) {
      frames.back().at_key = !frames.back().at_key;
    }
  };
  while (true) {
    yaml_event_t event;
    if (yaml_parser_parse(&parser, &event) == 0) {
      return fmt::format("{} at line {}", parser.problem != nullptr ? parser.problem : "invalid YAML",
                         parser.problem_mark.line + 1);
    }
    std::unique_ptr<yaml_event_t, void (*)(yaml_event_t*)> owned(&event, &yaml_event_delete);
    switch (event.type) {
    case YAML_DOCUMENT_END_EVENT:
    case YAML_STREAM_END_EVENT: return {};
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT: {
      std::string under = !frames.empty() && frames.back().mapping && !frames.back().at_key ? frames.back().key : "";
      frames.push_back(Frame{event.type == YAML_MAPPING_START_EVENT, true, "", std::move(under)});
      break;
    }
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
      frames.pop_back();
      ended();
      break;
    case YAML_SCALAR_EVENT: {
      const std::string value(reinterpret_cast<const char*>(event.data.scalar.value), event.data.scalar.length);
      if (!frames.empty() && frames.back().mapping) {
        Frame& f = frames.back();
        if (f.at_key) {
          f.key = value;
        } else if (frames.size() == 1 && f.key == "name") {
          name = value;
        } else if (frames.size() == 1 && f.key == "version") {
          version = value;
        } else if (frames.size() == 2 && f.under == "metadata" && f.key == "demo_health") {
          demo_health = value;
        }
      }
      ended();
      break;
    }
    case YAML_ALIAS_EVENT: ended(); break;
    default: break;
    }
  }
}

} // namespace

std::optional<Loaded> load_version(const std::filesystem::path& dir, const std::string& name,
                                   const std::string& version, std::string& why)
{
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    why = fmt::format("'{}' is not a directory", dir.string());
    return std::nullopt;
  }
  const auto file = dir / "manifest.yaml";
  // Only the top-level name and version, and metadata.demo_health, matter here.
  std::string found_name;
  std::string found_version;
  Loaded loaded{version, dir, ""};
  if (std::string error = read_fields(file, found_name, found_version, loaded.demo_health); !error.empty()) {
    why = fmt::format("cannot read '{}': {}", file.string(), error);
    return std::nullopt;
  }
  if (found_name.empty() || found_version.empty()) {
    why = fmt::format("'{}' lacks a name or a version", file.string());
    return std::nullopt;
  }
  if (found_name != name || found_version != version) {
    why = fmt::format("'{}' describes {} {}, not {} {}", file.string(), found_name, found_version, name, version);
    return std::nullopt;
  }
  return loaded;
}

Runtime::Runtime(Options options) : m_options(std::move(options))
{
  for (int i = 0; i < m_options.instances; ++i) {
    m_instance_names.push_back(fmt::format("i{}", i));
  }
}

std::string Runtime::load_root(const std::filesystem::path& root)
{
  std::error_code ec;
  const auto components = root / "components";
  if (!std::filesystem::is_directory(components, ec)) {
    return ""; // nothing installed yet
  }
  for (const auto& entry : std::filesystem::directory_iterator(components, ec)) {
    const auto current = entry.path() / "current";
    if (!std::filesystem::is_symlink(current, ec)) {
      continue; // not installed
    }
    const std::string name = entry.path().filename().string();
    const auto target = std::filesystem::read_symlink(current, ec);
    std::string why;
    auto loaded = load_version(entry.path() / target, name, target.filename().string(), why);
    if (!loaded) {
      return fmt::format("cannot load '{}': {}", name, why);
    }
    Component c;
    c.active = *loaded;
    for (const auto& i : m_instance_names) {
      c.instances[i] = loaded->version;
    }
    m_components[name] = std::move(c);
  }
  if (ec) {
    return fmt::format("cannot list '{}': {}", components.string(), ec.message());
  }
  return "";
}

Outcome Runtime::handle_line(Session& session, const std::string& line, Clock::time_point now)
{
  expire_leases(now); // a request right at the deadline sees the revert
  Outcome outcome;
  Json id = nullptr; // null when the request has no usable id
  Json reply;
  std::chrono::milliseconds delay{0};
  try {
    if (json_depth(line) > k_max_depth) {
      throw bad_request(fmt::format("nesting deeper than {}", k_max_depth));
    }
    Json request = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!request.is_object()) {
      throw bad_request("a request must be one JSON object");
    }
    const long long n = int_field(request, "id", 1, LLONG_MAX).value_or(0);
    if (n == 0) {
      throw bad_request("'id' must be an integer from 1");
    }
    id = n;
    if (n <= session.last_id) {
      throw bad_request(fmt::format("id {} does not follow id {}", n, session.last_id));
    }
    session.last_id = n;
    auto op = request.find("op");
    if (op == request.end() || !op->is_string()) {
      throw bad_request("'op' must be a string");
    }
    if (!session.greeted && *op != "hello") {
      throw bad_request("the first request of a connection must be hello");
    }
    // slow_MS: delay replies about a slow prepared version, from its
    // prepare through its commit, rollback or abort.
    auto named = request.find("component");
    const Component* c = nullptr;
    if (named != request.end() && named->is_string() && m_components.count(named->get<std::string>()) != 0) {
      c = &m_components.at(named->get<std::string>());
      delay = slowness(*c);
    }
    reply = dispatch(op->get<std::string>(), request, outcome, now);
    if (*op == "hello") {
      session.greeted = true;
    }
    if (c != nullptr) {
      delay = std::max(delay, slowness(*c));
    }
    if (*op == "commit") {
      delay = std::max(delay, m_options.commit_reply_delay);
    }
  } catch (const Refusal& refusal) {
    reply = Json{{"ok", false}, {"error", {{"code", refusal.code}, {"message", refusal.message}}}};
  }
  outcome.delay = delay;
  if (outcome.action == Outcome::Action::reply && outcome.line.empty()) {
    Json full = {{"id", id}};
    if (!reply.contains("ok")) {
      full["ok"] = true;
    }
    full.update(reply);
    outcome.line = full.dump() + "\n";
  }
  return outcome;
}

Json Runtime::dispatch(const std::string& op, const Json& request, Outcome& outcome, Clock::time_point now)
{
  if (op == "hello") {
    return op_hello(request);
  }
  if (op == "prepare") {
    return op_prepare(request);
  }
  if (op == "activate") {
    return op_activate(request, outcome, now);
  }
  if (op == "health") {
    return op_health(request, outcome);
  }
  if (op == "commit") {
    return op_commit(request);
  }
  if (op == "rollback") {
    return op_rollback(request);
  }
  if (op == "abort") {
    return op_abort(request);
  }
  if (op == "running") {
    return op_running(request);
  }
  if (op == "serve") {
    return op_serve(request);
  }
  if (op == "status") {
    return op_status(now);
  }
  throw Refusal{"unknown_op", fmt::format("unknown op '{}'", op)};
}

Json Runtime::op_hello(const Json& request)
{
  auto protocol = request.find("protocol");
  if (protocol == request.end() || !protocol->is_number_integer()) {
    throw bad_request("'protocol' must be an integer");
  }
  if (*protocol != k_protocol_version) {
    throw Refusal{"unsupported_protocol",
                  fmt::format("protocol {} is not supported: this runtime speaks {}", protocol->dump(),
                              k_protocol_version)};
  }
  return {{"protocol", k_protocol_version},
          {"runtime", m_options.name},
          {"version", m_options.version},
          {"instances", m_instance_names},
          // serve and status are the demo's own, for tests.
          {"capabilities",
           {"hello", "prepare", "activate", "health", "commit", "rollback", "abort", "running", "serve", "status"}}};
}

Json Runtime::op_prepare(const Json& request)
{
  Component& c = component_of(request);
  const std::string name = request["component"];
  const std::string version = string_field(request, "version");
  const std::filesystem::path path = string_field(request, "path");
  if (!path.is_absolute()) {
    throw bad_request(fmt::format("'path' must be absolute, not '{}'", path.string()));
  }
  if (c.prepared) {
    if (c.prepared->version == version && c.prepared->path == path && !c.activated) {
      return Json::object(); // a repeated prepare (the reply was lost): nothing to do
    }
    throw Refusal{"busy", fmt::format("{} {} is already prepared: commit, roll back or abort it first", name,
                                      c.prepared->version)};
  }
  if (version == c.active.version) {
    throw bad_request(fmt::format("{} {} is already active", name, version));
  }
  std::string why;
  auto loaded = load_version(path, name, version, why);
  if (!loaded) {
    throw Refusal{"load_failed", why};
  }
  c.prepared = *loaded;
  c.activated = false;
  c.weight = 0;
  c.health_checks = 0;
  c.committed = false;
  c.expired.reset();
  return Json::object();
}

Json Runtime::op_activate(const Json& request, Outcome& outcome, Clock::time_point now)
{
  Component& c = component_of(request);
  const std::string version = string_field(request, "version");
  const auto lease = int_field(request, "lease_ms", 1, k_max_lease_ms);
  if (!lease) {
    throw bad_request("'lease_ms' is required");
  }
  const auto weight = int_field(request, "weight", 0, 100);
  const auto instances = instances_of(request);
  if (!c.prepared || c.prepared->version != version) {
    throw Refusal{"not_prepared", fmt::format("{} {} is not prepared", request["component"].get<std::string>(),
                                              version)};
  }
  if (c.prepared->demo_health == "crash") {
    outcome.action = Outcome::Action::crash;
    return Json::object();
  }
  if (instances.empty() && !weight) {
    for (auto& [instance, running] : c.instances) {
      running = version;
    }
    c.weight = 100;
  } else {
    for (const auto& instance : instances) {
      c.instances[instance] = version;
    }
    if (weight) {
      c.weight = static_cast<int>(*weight);
    }
  }
  c.activated = true;
  c.lease_deadline = now + std::chrono::milliseconds(*lease); // every activate renews the lease
  return {{"active", c.instances}, {"weight", c.weight}};
}

Json Runtime::op_health(const Json& request, Outcome& outcome)
{
  Component& c = component_of(request);
  auto instances = instances_of(request);
  if (instances.empty()) {
    instances = m_instance_names;
  }
  // The preview: the prepared version's own health, before any traffic.
  // Honest about a version its manifest makes unhealthy.
  if (request.contains("preview") && request["preview"].is_boolean() && request["preview"].get<bool>()) {
    const std::string version = string_field(request, "version");
    if (!c.prepared || c.prepared->version != version) {
      throw Refusal{"not_prepared", fmt::format("{} {} is not prepared", string_field(request, "component"), version)};
    }
    const bool sick = c.prepared->demo_health == "unhealthy";
    Json details = Json::object();
    for (const auto& instance : instances) {
      details[instance] = sick ? fmt::format("{} is unhealthy in preview (demo_health: unhealthy)", version) : "ok";
    }
    return {{"healthy", !sick}, {"details", details}};
  }
  // Failure injection starts with the first activate of the prepared version.
  const std::string mode = c.activated ? c.prepared->demo_health : "";
  if (mode == "reset") {
    outcome.action = Outcome::Action::close;
    return Json::object();
  }
  if (mode == "garbage") {
    outcome.line = "this is not JSON {\n";
    return Json::object();
  }
  const auto after = suffix_number(mode, "unhealthy_after_");
  const bool sick = mode == "unhealthy" || (after && c.health_checks >= *after);
  if (c.activated) {
    ++c.health_checks;
  }
  Json details = Json::object();
  bool healthy = true;
  for (const auto& instance : instances) {
    // Only an instance serving the new version suffers from it.
    const bool serves_new = c.activated && (c.instances[instance] == c.prepared->version || c.weight > 0);
    if (sick && serves_new) {
      details[instance] = fmt::format("{} is unhealthy (demo_health: {})", c.prepared->version, mode);
      healthy = false;
    } else {
      details[instance] = "ok";
    }
  }
  return {{"healthy", healthy}, {"details", details}};
}

Json Runtime::op_commit(const Json& request)
{
  Component& c = component_of(request);
  const std::string name = request["component"];
  const std::string version = string_field(request, "version");
  if (c.prepared && c.prepared->version == version) {
    c.active = *c.prepared; // the old version is unloaded here
    for (auto& [instance, running] : c.instances) {
      running = version;
    }
    c.prepared.reset();
    c.activated = false;
    c.weight = 0;
    c.lease_deadline.reset();
    c.committed = true;
    fmt::print(stderr, "noodle-demo-runtime: committed {} {}\n", name, version);
    return Json::object();
  }
  if (c.expired == version) {
    throw Refusal{"lease_expired", fmt::format("the lease of {} {} ended: the runtime went back to {}", name,
                                               version, c.active.version)};
  }
  if (c.committed && c.active.version == version) {
    return Json::object(); // a repeated commit (the reply was lost)
  }
  throw Refusal{"not_prepared", fmt::format("{} {} is not prepared", name, version)};
}

Json Runtime::op_rollback(const Json& request)
{
  Component& c = component_of(request);
  const std::string version = string_field(request, "version");
  if (version != c.active.version) {
    throw bad_request(fmt::format("cannot roll back to '{}': the old version is '{}'", version, c.active.version));
  }
  revert(c); // also fine with nothing prepared: the runtime already runs `version`
  return Json::object();
}

Json Runtime::op_abort(const Json& request)
{
  Component& c = component_of(request);
  const std::string name = request["component"];
  if (!c.prepared) {
    if (c.expired) {
      return Json::object(); // the lease already dropped it
    }
    throw Refusal{"not_prepared", fmt::format("nothing is prepared for '{}'", name)};
  }
  if (c.activated) {
    throw bad_request(fmt::format("{} {} was activated: roll it back instead", name, c.prepared->version));
  }
  c.prepared.reset();
  return Json::object();
}

// The version that runs for good: a provisional activation does not count,
// since its lease may still take it back. An unknown component runs none.
Json Runtime::op_running(const Json& request)
{
  const std::string name = string_field(request, "component");
  const auto it = m_components.find(name);
  if (it == m_components.end()) {
    return {{"version", nullptr}};
  }
  return {{"version", it->second.active.version}};
}

Json Runtime::op_serve(const Json& request)
{
  Component& c = component_of(request);
  const long long n = int_field(request, "requests", 0, k_max_serve_requests).value_or(-1);
  if (n < 0) {
    throw bad_request("'requests' is required");
  }
  std::map<std::string, long long> served;
  const auto count = static_cast<long long>(m_instance_names.size());
  for (long long k = 0; k < n; ++k) {
    // The weight routes a share of the traffic first; the rest goes
    // round-robin to the instances, each running its own version.
    if (c.prepared && c.weight > 0 && k * 100 / n < c.weight) {
      ++served[c.prepared->version];
    } else {
      ++served[c.instances[m_instance_names[static_cast<std::size_t>(k % count)]]];
    }
  }
  return {{"served", served}};
}

Json Runtime::op_status(Clock::time_point now)
{
  Json components = Json::object();
  for (const auto& [name, c] : m_components) {
    Json lease_left = nullptr;
    if (c.lease_deadline) {
      lease_left = std::max<long long>(
          0, std::chrono::ceil<std::chrono::milliseconds>(*c.lease_deadline - now).count());
    }
    components[name] = {{"active", c.active.version},
                        {"prepared", c.prepared ? Json(c.prepared->version) : Json(nullptr)},
                        {"weight", c.weight},
                        {"instances", c.instances},
                        {"lease_ms_left", lease_left}};
  }
  return {{"components", components}};
}

Component& Runtime::component_of(const Json& request)
{
  const std::string name = string_field(request, "component");
  auto it = m_components.find(name);
  if (it == m_components.end()) {
    throw Refusal{"unknown_component", fmt::format("unknown component '{}'", name)};
  }
  return it->second;
}

// The optional `instances` field: known instance names; empty when absent.
std::vector<std::string> Runtime::instances_of(const Json& request)
{
  auto it = request.find("instances");
  if (it == request.end()) {
    return {};
  }
  if (!it->is_array()) {
    throw bad_request("'instances' must be an array of instance names");
  }
  std::vector<std::string> names;
  for (const auto& item : *it) {
    if (!item.is_string() ||
        std::find(m_instance_names.begin(), m_instance_names.end(), item.get<std::string>()) == m_instance_names.end()) {
      throw bad_request(fmt::format("unknown instance {}", item.dump()));
    }
    names.push_back(item.get<std::string>());
  }
  return names;
}

void Runtime::revert(Component& c)
{
  for (auto& [instance, running] : c.instances) {
    running = c.active.version;
  }
  c.prepared.reset();
  c.activated = false;
  c.weight = 0;
  c.lease_deadline.reset();
}

void Runtime::expire_leases(Clock::time_point now)
{
  for (auto& [name, c] : m_components) {
    if (c.lease_deadline && *c.lease_deadline <= now) {
      fmt::print(stderr, "noodle-demo-runtime: the lease of {} {} ended without a commit: back to {}\n", name,
                 c.prepared->version, c.active.version);
      c.expired = c.prepared->version;
      revert(c);
    }
  }
}

std::optional<Clock::time_point> Runtime::next_deadline() const
{
  std::optional<Clock::time_point> next;
  for (const auto& [name, c] : m_components) {
    if (c.lease_deadline && (!next || *c.lease_deadline < *next)) {
      next = c.lease_deadline;
    }
  }
  return next;
}

} // namespace demo
