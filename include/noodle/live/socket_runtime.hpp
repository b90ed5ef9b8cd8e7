// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <noodle/live/runtime.hpp>

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

namespace noodle::live {

struct ConnectOptions {
  // Deadline of each request (send + reply).
  std::chrono::milliseconds request_timeout{5000};
  // The socket file's owner and the peer process's uid (SO_PEERCRED) must be
  // one of these (typically {0, owner of <root>}).
  std::vector<unsigned> trusted_uids;
};

// The protocol over a Unix stream socket: newline-delimited JSON, one
// request in flight, ids increasing from 1.
class SocketRuntime final : public Runtime {
public:
  // Connects and checks the peer (socket file owner via lstat, then the
  // connected peer's uid via SO_PEERCRED) before sending anything: an
  // untrusted one fails with runtime_untrusted naming both uids. A missing
  // socket or refused connection fails with runtime_unreachable ("no runtime
  // listens on '<path>'").
  static Result<std::unique_ptr<SocketRuntime>> connect(const std::filesystem::path& socket,
                                                        const ConnectOptions& options);

  // Later requests use this deadline (a rollback gets its own budget).
  void set_request_timeout(std::chrono::milliseconds timeout);

  Result<HelloInfo> hello() override;
  Result<void> prepare(const std::string& component, const std::string& version, const std::string& path) override;
  Result<void> activate(const ActivateRequest& request) override;
  Result<HealthReport> health(const std::string& component, const std::vector<std::string>& instances) override;
  Result<HealthReport> preview_health(const std::string& component, const std::string& version,
                                      const std::vector<std::string>& instances) override;
  Result<void> commit(const std::string& component, const std::string& version) override;
  Result<void> rollback(const std::string& component, const std::string& version) override;
  Result<void> abort(const std::string& component) override;
  Result<std::optional<std::string>> running(const std::string& component) override;

  ~SocketRuntime() override;
  SocketRuntime(const SocketRuntime&) = delete;
  SocketRuntime& operator=(const SocketRuntime&) = delete;

private:
  using Deadline = std::chrono::steady_clock::time_point;

  SocketRuntime(int fd, ConnectOptions options);
  // One round trip: sends `fields` plus id and op, returns the ok=true reply.
  Result<nlohmann::json> request(std::string_view op, nlohmann::json fields);
  // A health request with `fields` (the component, and for a preview its
  // version), limited to `instances` when some are named.
  Result<HealthReport> health_request(nlohmann::json fields, const std::vector<std::string>& instances);
  Result<void> expect_quiet(std::string_view op, long long id);
  Result<void> send_all(std::string_view op, const std::string& data, Deadline deadline);
  Result<std::string> read_line(std::string_view op, Deadline deadline);
  void close_connection();

  int m_fd = -1;
  ConnectOptions m_options;
  long long m_next_id = 1;
  std::string m_buffer; // bytes read past the last reply
  // Replies still owed for requests that timed out: the runtime answers in
  // order, so the next this many lines are late answers and are skipped.
  std::size_t m_stale_replies = 0;
  // The rest of an oversized line is still to be skipped.
  bool m_skipping_line = false;
};

// Parses one reply line (without its newline) of request `id`: the pure
// part of SocketRuntime, for tests and fuzzing. Fails with runtime_protocol
// or runtime_refused as above; on success returns the reply object's dump.
Result<std::string> parse_reply(std::string_view line, long long id, std::string_view op);

// parse_reply for a hello reply, then its fields as SocketRuntime::hello
// reads them (protocol 1, runtime, version, instances, capabilities).
Result<HelloInfo> parse_hello_reply(std::string_view line, long long id);

// parse_reply for a health reply, then its fields as SocketRuntime::health
// reads them (healthy, details of string values).
Result<HealthReport> parse_health_reply(std::string_view line, long long id);

} // namespace noodle::live
