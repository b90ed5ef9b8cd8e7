// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/util/error.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The runtime side of a live upgrade, as the tool sees it: the operations
// of the control protocol (noodle-upgrade-protocol(7)). `Runtime` is the
// seam: SocketRuntime speaks the protocol over a Unix socket; tests of the
// strategies pass a scripted one.
namespace noodle::live {

inline constexpr int k_protocol_version = 1;
inline constexpr std::size_t k_max_message_bytes = 1024 * 1024; // one line, newline included
inline constexpr std::size_t k_max_json_depth = 32;

struct HelloInfo {
  int protocol = 0;
  std::string runtime;
  std::string version;
  std::vector<std::string> instances;
  std::vector<std::string> capabilities;

  bool can(std::string_view op) const;
};

struct ActivateRequest {
  std::string component;
  std::string version;
  std::vector<std::string> instances; // empty: see weight
  std::optional<int> weight;          // 0-100; with no instances and no weight: everything
  std::chrono::milliseconds lease{0}; // > 0
};

struct HealthReport {
  bool healthy = false;
  std::map<std::string, std::string> details; // instance -> "ok" or why not
};

// Every call fails with:
//   runtime_unreachable  the connection is gone (refused, reset, closed)
//   timeout              no reply within the request's deadline
//   runtime_protocol     a reply that is not one line of JSON within the size
//                        and depth limits, has the wrong id, or lacks `ok`
//   runtime_refused      the runtime replied ok=false; message "runtime refused
//                        <op>: <code>: <message>", details[0] = the runtime's code
class Runtime {
public:
  virtual ~Runtime() = default;
  virtual Result<HelloInfo> hello() = 0;
  virtual Result<void> prepare(const std::string& component, const std::string& version,
                               const std::string& path) = 0;
  virtual Result<void> activate(const ActivateRequest& request) = 0;
  virtual Result<HealthReport> health(const std::string& component, const std::vector<std::string>& instances) = 0;
  // The health of `version`, prepared and not yet activated (the preview of
  // blue-green): the protocol's health op with "version" and "preview":
  // true. A runtime refuses it with not_prepared when `version` is not the
  // prepared one. The default asks plain health (for runtimes in tests that
  // stand for one whose health reports the prepared version).
  virtual Result<HealthReport> preview_health(const std::string& component, const std::string& version,
                                              const std::vector<std::string>& instances)
  {
    (void)version;
    return health(component, instances);
  }
  virtual Result<void> commit(const std::string& component, const std::string& version) = 0;
  virtual Result<void> rollback(const std::string& component, const std::string& version) = 0;
  virtual Result<void> abort(const std::string& component) = 0;
  // The version the runtime runs for good for `component` (its committed
  // one; a provisional activation does not count), or nullopt when it runs
  // none. A runtime without the op refuses it with code "unknown_op".
  virtual Result<std::optional<std::string>> running(const std::string& component) = 0;
};

} // namespace noodle::live
