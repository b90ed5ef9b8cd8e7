// SPDX-License-Identifier: Apache-2.0
#include <noodle/live/socket_runtime.hpp>
#include <noodle/util/text.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <thread>
#include <utility>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace noodle::live {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::size_t k_excerpt_bytes = 80;
constexpr std::size_t k_runtime_text_bytes = 512; // of a refusal's code and message
constexpr std::size_t k_instance_name_bytes = 128;
constexpr std::size_t k_read_chunk = 64 * 1024;
constexpr std::chrono::milliseconds k_connect_retry{10};

// Bytes of an unparsable reply, safe to show anywhere: a bounded excerpt,
// escaped (util::escape_text; a cut UTF-8 sequence shows as \xNN).
std::string excerpt(std::string_view bytes)
{
  std::string out = util::escape_text(bytes.substr(0, k_excerpt_bytes));
  if (bytes.size() > k_excerpt_bytes) {
    out += "...";
  }
  return out;
}

// A string the runtime sent (valid UTF-8, the parser checked): bounded, cut
// at a character boundary, and escaped so it cannot drive a terminal.
std::string runtime_text(std::string_view text)
{
  std::size_t n = text.size();
  if (n > k_runtime_text_bytes) {
    n = k_runtime_text_bytes;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xc0) == 0x80) {
      --n; // not inside a UTF-8 sequence
    }
  }
  std::string out = util::escape_text(text.substr(0, n));
  if (n < text.size()) {
    out += "...";
  }
  return out;
}

// Deepest nesting of arrays and objects, counted before parsing so a hostile
// reply never reaches the parser's stack. Exact for valid JSON; stops
// counting once past the limit.
std::size_t nesting_depth(std::string_view text)
{
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > k_max_json_depth) {
        return deepest;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

tl::unexpected<Error> protocol_error(std::string_view op, std::string what)
{
  return fail(ErrorCode::runtime_protocol, fmt::format("{}: {}", op, what));
}

Result<json> parse_reply_object(std::string_view line, long long id, std::string_view op)
{
  if (nesting_depth(line) > k_max_json_depth) {
    return protocol_error(op, fmt::format("reply nested deeper than {}", k_max_json_depth));
  }
  json reply = json::parse(line.begin(), line.end(), nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) {
    return protocol_error(op, fmt::format("reply is not one JSON object: '{}'", excerpt(line)));
  }
  const auto id_it = reply.find("id");
  if (id_it == reply.end() || !id_it->is_number_integer()) {
    return protocol_error(op, fmt::format("reply to request {} lacks an integer 'id'", id));
  }
  const bool same_id = id_it->is_number_unsigned() ? id_it->get<unsigned long long>() == static_cast<unsigned long long>(id)
                                                   : id_it->get<long long>() == id;
  if (!same_id) {
    return protocol_error(op, fmt::format("reply to request {} carries id {}", id, id_it->dump()));
  }
  const auto ok_it = reply.find("ok");
  if (ok_it == reply.end() || !ok_it->is_boolean()) {
    return protocol_error(op, fmt::format("reply to request {} lacks a boolean 'ok'", id));
  }
  if (ok_it->get<bool>()) {
    return reply;
  }
  const auto error_it = reply.find("error");
  if (error_it == reply.end() || !error_it->is_object()) {
    return protocol_error(op, fmt::format("refusal of request {} lacks an 'error' object", id));
  }
  const auto code_it = error_it->find("code");
  const auto message_it = error_it->find("message");
  if (code_it == error_it->end() || !code_it->is_string() || message_it == error_it->end() ||
      !message_it->is_string()) {
    return protocol_error(op, fmt::format("refusal of request {} lacks a string 'code' and 'message'", id));
  }
  const std::string code = runtime_text(code_it->get_ref<const std::string&>());
  Error error(ErrorCode::runtime_refused, fmt::format("runtime refused {}: {}: {}", op, code,
                                                      runtime_text(message_it->get_ref<const std::string&>())));
  error.details.push_back(code);
  return fail(std::move(error));
}

Result<std::string> string_field(const json& reply, const char* key, std::string_view op)
{
  const auto it = reply.find(key);
  if (it == reply.end() || !it->is_string()) {
    return protocol_error(op, fmt::format("reply field '{}' is missing or not a string", key));
  }
  return it->get<std::string>();
}

Result<std::vector<std::string>> string_array_field(const json& reply, const char* key, std::string_view op)
{
  const auto it = reply.find(key);
  if (it == reply.end() || !it->is_array()) {
    return protocol_error(op, fmt::format("reply field '{}' is missing or not an array", key));
  }
  std::vector<std::string> out;
  out.reserve(it->size());
  for (const auto& item : *it) {
    if (!item.is_string()) {
      return protocol_error(op, fmt::format("reply field '{}' holds a non-string: {}", key, excerpt(item.dump())));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

// The fields of an ok=true hello reply.
Result<HelloInfo> hello_from(const json& reply)
{
  constexpr std::string_view op = "hello";
  HelloInfo info;
  const auto protocol = reply.find("protocol");
  if (protocol == reply.end() || !protocol->is_number_integer()) {
    return protocol_error(op, "reply field 'protocol' is missing or not an integer");
  }
  const bool same = protocol->is_number_unsigned()
                        ? protocol->get<unsigned long long>() == static_cast<unsigned long long>(k_protocol_version)
                        : protocol->get<long long>() == k_protocol_version;
  if (!same) {
    return protocol_error(op, fmt::format("runtime speaks protocol {}; this tool speaks {}", protocol->dump(),
                                          k_protocol_version));
  }
  info.protocol = k_protocol_version;
  auto runtime = string_field(reply, "runtime", op);
  if (!runtime) {
    return fail(std::move(runtime.error()));
  }
  auto version = string_field(reply, "version", op);
  if (!version) {
    return fail(std::move(version.error()));
  }
  auto instances = string_array_field(reply, "instances", op);
  if (!instances) {
    return fail(std::move(instances.error()));
  }
  // Instance names go back to the runtime as they are and are shown to the
  // operator: they must need no escaping.
  for (const auto& name : *instances) {
    if (name.empty() || name.size() > k_instance_name_bytes || runtime_text(name) != name) {
      return protocol_error(op, fmt::format("instance name '{}' is empty, longer than {} bytes or holds control "
                                            "characters",
                                            runtime_text(name), k_instance_name_bytes));
    }
  }
  auto capabilities = string_array_field(reply, "capabilities", op);
  if (!capabilities) {
    return fail(std::move(capabilities.error()));
  }
  info.runtime = runtime_text(*runtime);
  info.version = runtime_text(*version);
  info.instances = std::move(*instances);
  info.capabilities = std::move(*capabilities);
  return info;
}

// The fields of an ok=true health reply.
Result<HealthReport> health_from(const json& reply)
{
  constexpr std::string_view op = "health";
  const auto healthy = reply.find("healthy");
  if (healthy == reply.end() || !healthy->is_boolean()) {
    return protocol_error(op, "reply field 'healthy' is missing or not a boolean");
  }
  const auto details = reply.find("details");
  if (details == reply.end() || !details->is_object()) {
    return protocol_error(op, "reply field 'details' is missing or not an object");
  }
  HealthReport report;
  report.healthy = healthy->get<bool>();
  for (const auto& [instance, state] : details->items()) {
    if (!state.is_string()) {
      return protocol_error(op, fmt::format("reply field 'details' holds a non-string for instance '{}'",
                                            runtime_text(instance)));
    }
    // Shown to the operator: escaped and bounded like a refusal's message.
    report.details.emplace(runtime_text(instance), runtime_text(state.get_ref<const std::string&>()));
  }
  return report;
}

std::string trusted_list(const std::vector<unsigned>& uids)
{
  if (uids.empty()) {
    return "none";
  }
  return fmt::format("{}", fmt::join(uids, ", "));
}

bool is_trusted(const std::vector<unsigned>& uids, unsigned uid)
{
  return std::find(uids.begin(), uids.end(), uid) != uids.end();
}

tl::unexpected<Error> no_runtime(const std::string& path, std::string why)
{
  Error error(ErrorCode::runtime_unreachable, fmt::format("no runtime listens on '{}'", path));
  error.details.push_back(std::move(why));
  error.details.push_back("start the runtime, or pass --offline to change the files without it");
  return fail(std::move(error));
}

enum class Wait { ready, timed_out, failed };

// Waits for `events` on `fd` until `deadline`; EINTR restarts the wait.
Wait wait_for(int fd, short events, Clock::time_point deadline)
{
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return Wait::timed_out;
    }
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), INT_MAX)));
    if (rc > 0) {
      return Wait::ready; // including POLLHUP/POLLERR: the next call reports them
    }
    if (rc == 0) {
      continue; // re-check the clock: poll may wake a little early
    }
    if (errno != EINTR) {
      return Wait::failed;
    }
  }
}

class FdGuard {
public:
  explicit FdGuard(int fd) : m_fd(fd) {}
  ~FdGuard()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return m_fd; }
  int release() { return std::exchange(m_fd, -1); }

private:
  int m_fd;
};

} // namespace

namespace {

// Parses a reply line and reads it with `read`; a stray exception of the
// JSON library becomes the op's protocol error.
template <typename Read>
auto read_reply(std::string_view line, long long id, std::string_view op, const Read& read)
    -> decltype(read(std::declval<const json&>()))
{
  try {
    auto reply = parse_reply_object(line, id, op);
    if (!reply) {
      return fail(std::move(reply.error()));
    }
    return read(*reply);
  } catch (const std::exception& e) {
    return protocol_error(op, fmt::format("reply could not be read: {}", e.what()));
  }
}

} // namespace

Result<std::string> parse_reply(std::string_view line, long long id, std::string_view op)
{
  return read_reply(line, id, op, [](const json& reply) -> Result<std::string> {
    return reply.dump(-1, ' ', false, json::error_handler_t::replace);
  });
}

Result<HelloInfo> parse_hello_reply(std::string_view line, long long id)
{
  return read_reply(line, id, "hello", hello_from);
}

Result<HealthReport> parse_health_reply(std::string_view line, long long id)
{
  return read_reply(line, id, "health", health_from);
}

Result<std::unique_ptr<SocketRuntime>> SocketRuntime::connect(const std::filesystem::path& socket,
                                                             const ConnectOptions& options)
{
  const std::string& path = socket.native();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    Error error(ErrorCode::runtime_unreachable,
                fmt::format("control socket path '{}' is {} bytes long; a unix socket path holds 1 to {} bytes", path,
                            path.size(), sizeof(address.sun_path) - 1));
    error.details.push_back("use a root with a shorter path");
    return fail(std::move(error));
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);

  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return no_runtime(path, "the control socket does not exist");
    }
    return fail(ErrorCode::runtime_unreachable,
                fmt::format("cannot inspect control socket '{}': {}", path, std::strerror(errno)));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return fail(ErrorCode::runtime_unreachable, fmt::format("control socket '{}' is not a socket", path));
  }
  if (!is_trusted(options.trusted_uids, st.st_uid)) {
    return fail(ErrorCode::runtime_untrusted, fmt::format("control socket '{}' belongs to uid {}; trusted: {}", path,
                                                          st.st_uid, trusted_list(options.trusted_uids)));
  }

  FdGuard fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) {
    return fail(ErrorCode::runtime_unreachable, fmt::format("cannot create a unix socket: {}", std::strerror(errno)));
  }
  // Non-blocking: a runtime whose backlog is full makes connect fail with
  // EAGAIN instead of hanging; retry until the request deadline.
  const auto deadline = Clock::now() + options.request_timeout;
  for (;;) {
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) {
      break;
    }
    const int err = errno;
    if (err == EINTR) {
      continue;
    }
    if (err == EAGAIN && Clock::now() < deadline) {
      std::this_thread::sleep_for(k_connect_retry);
      continue;
    }
    if (err == EAGAIN) {
      return fail(ErrorCode::timeout, fmt::format("the runtime did not accept a connection on '{}' within {} ms", path,
                                                  options.request_timeout.count()));
    }
    if (err == ECONNREFUSED || err == ENOENT) {
      return no_runtime(path, "the control socket exists but nothing accepts connections on it");
    }
    return fail(ErrorCode::runtime_unreachable, fmt::format("cannot connect to '{}': {}", path, std::strerror(err)));
  }

  ucred peer{};
  socklen_t length = sizeof(peer);
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || length != sizeof(peer)) {
    return fail(ErrorCode::runtime_unreachable,
                fmt::format("cannot learn who serves '{}': {}", path, std::strerror(errno)));
  }
  if (!is_trusted(options.trusted_uids, peer.uid)) {
    return fail(ErrorCode::runtime_untrusted,
                fmt::format("the process serving '{}' (pid {}) runs as uid {}; trusted: {}", path, peer.pid, peer.uid,
                            trusted_list(options.trusted_uids)));
  }
  return std::unique_ptr<SocketRuntime>(new SocketRuntime(fd.release(), options));
}

SocketRuntime::SocketRuntime(int fd, ConnectOptions options) : m_fd(fd), m_options(std::move(options)) {}

SocketRuntime::~SocketRuntime()
{
  close_connection();
}

void SocketRuntime::set_request_timeout(std::chrono::milliseconds timeout)
{
  m_options.request_timeout = timeout;
}

void SocketRuntime::close_connection()
{
  if (m_fd >= 0) {
    ::close(m_fd);
    m_fd = -1;
  }
  m_buffer.clear();
  m_stale_replies = 0;
  m_skipping_line = false;
}

// Nothing may arrive between a reply and the next request: data there means
// the runtime answered twice or out of turn, and the stream cannot be trusted.
Result<void> SocketRuntime::expect_quiet(std::string_view op, long long id)
{
  char byte = 0;
  const ssize_t n = m_buffer.empty() ? ::recv(m_fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK) : 1;
  if (n > 0) {
    close_connection();
    return protocol_error(op, fmt::format("unexpected data after the reply to request {}", id - 1));
  }
  if (n == 0) {
    close_connection();
    return fail(ErrorCode::runtime_unreachable, fmt::format("the runtime closed the connection before {}", op));
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    return {};
  }
  const int err = errno;
  close_connection();
  return fail(ErrorCode::runtime_unreachable,
              fmt::format("the connection to the runtime failed before {}: {}", op, std::strerror(err)));
}

Result<void> SocketRuntime::send_all(std::string_view op, const std::string& data, Deadline deadline)
{
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(m_fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    const int err = errno;
    if (err == EINTR) {
      continue;
    }
    if (err == EAGAIN || err == EWOULDBLOCK) {
      const Wait w = wait_for(m_fd, POLLOUT, deadline);
      if (w == Wait::ready) {
        continue;
      }
      const int wait_err = errno;
      if (sent > 0) {
        close_connection(); // half a request is on the wire
      }
      if (w == Wait::timed_out) {
        return fail(ErrorCode::timeout, fmt::format("the runtime did not take {} within {} ms", op,
                                                    m_options.request_timeout.count()));
      }
      return fail(ErrorCode::runtime_unreachable, fmt::format("cannot send {}: {}", op, std::strerror(wait_err)));
    }
    close_connection();
    if (err == EPIPE || err == ECONNRESET) {
      return fail(ErrorCode::runtime_unreachable, fmt::format("the runtime closed the connection during {}", op));
    }
    return fail(ErrorCode::runtime_unreachable, fmt::format("cannot send {}: {}", op, std::strerror(err)));
  }
  return {};
}

Result<std::string> SocketRuntime::read_line(std::string_view op, Deadline deadline)
{
  std::size_t scanned = 0; // bytes of m_buffer known to hold no newline
  char chunk[k_read_chunk];
  for (;;) {
    const std::size_t newline = m_buffer.find('\n', scanned);
    if (m_skipping_line) {
      if (newline == std::string::npos) {
        m_buffer.clear();
        scanned = 0;
      } else {
        m_buffer.erase(0, newline + 1);
        m_skipping_line = false;
        scanned = 0;
        continue;
      }
    } else if (newline != std::string::npos) {
      if (newline + 1 > k_max_message_bytes) {
        m_buffer.erase(0, newline + 1);
        return protocol_error(op, "reply larger than 1 MiB");
      }
      std::string line = m_buffer.substr(0, newline);
      m_buffer.erase(0, newline + 1);
      return line;
    } else if (m_buffer.size() >= k_max_message_bytes) {
      m_buffer.clear();
      m_skipping_line = true;
      return protocol_error(op, "reply larger than 1 MiB");
    } else {
      scanned = m_buffer.size();
    }

    const Wait w = wait_for(m_fd, POLLIN, deadline);
    if (w == Wait::timed_out) {
      return fail(ErrorCode::timeout, fmt::format("the runtime did not answer {} within {} ms", op,
                                                  m_options.request_timeout.count()));
    }
    if (w == Wait::failed) {
      const int err = errno;
      close_connection();
      return fail(ErrorCode::runtime_unreachable,
                  fmt::format("waiting for the reply to {} failed: {}", op, std::strerror(err)));
    }
    const ssize_t n = ::recv(m_fd, chunk, sizeof(chunk), MSG_DONTWAIT);
    if (n > 0) {
      m_buffer.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    const int err = errno;
    if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK || err == EINTR)) {
      continue;
    }
    close_connection();
    if (n == 0 || err == ECONNRESET) {
      return fail(ErrorCode::runtime_unreachable, fmt::format("the runtime closed the connection during {}", op));
    }
    return fail(ErrorCode::runtime_unreachable, fmt::format("cannot read the reply to {}: {}", op, std::strerror(err)));
  }
}

Result<json> SocketRuntime::request(std::string_view op, json fields)
{
  const Deadline deadline = Clock::now() + m_options.request_timeout;
  const long long id = m_next_id++;
  if (m_fd < 0) {
    return fail(ErrorCode::runtime_unreachable,
                fmt::format("cannot send {}: the connection to the runtime is closed", op));
  }
  fields["id"] = id;
  fields["op"] = op;
  std::string line;
  try {
    line = fields.dump(-1, ' ', false, json::error_handler_t::strict);
  } catch (const json::exception&) {
    return protocol_error(op, "a request field is not valid UTF-8");
  }
  line += '\n';
  if (line.size() > k_max_message_bytes) {
    return protocol_error(op, "request larger than 1 MiB");
  }
  if (m_stale_replies == 0 && !m_skipping_line) {
    if (auto quiet = expect_quiet(op, id); !quiet) {
      return fail(std::move(quiet.error()));
    }
  }
  if (auto sent = send_all(op, line, deadline); !sent) {
    return fail(std::move(sent.error()));
  }
  // Late answers to requests that timed out come first; skip them.
  while (m_stale_replies > 0) {
    auto stale = read_line(op, deadline);
    if (!stale && stale.error().code != ErrorCode::runtime_protocol) {
      if (stale.error().code == ErrorCode::timeout) {
        ++m_stale_replies; // this request's answer is owed too
      }
      return fail(std::move(stale.error()));
    }
    --m_stale_replies;
  }
  auto reply = read_line(op, deadline);
  if (!reply) {
    if (reply.error().code == ErrorCode::timeout) {
      ++m_stale_replies;
    }
    return fail(std::move(reply.error()));
  }
  return parse_reply_object(*reply, id, op);
}

Result<HelloInfo> SocketRuntime::hello()
{
  constexpr std::string_view op = "hello";
  try {
    auto reply = request(op, json{{"protocol", k_protocol_version}});
    if (!reply) {
      return fail(std::move(reply.error()));
    }
    return hello_from(*reply);
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, fmt::format("{}: {}", op, e.what()));
  }
}

Result<void> SocketRuntime::prepare(const std::string& component, const std::string& version, const std::string& path)
{
  try {
    auto reply = request("prepare", json{{"component", component}, {"version", version}, {"path", path}});
    if (!reply) {
      return fail(std::move(reply.error()));
    }
    return {};
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, fmt::format("prepare: {}", e.what()));
  }
}

Result<void> SocketRuntime::activate(const ActivateRequest& request_fields)
{
  try {
    json fields{{"component", request_fields.component},
                {"version", request_fields.version},
                {"lease_ms", request_fields.lease.count()}};
    if (!request_fields.instances.empty()) {
      fields["instances"] = request_fields.instances;
    }
    if (request_fields.weight) {
      fields["weight"] = *request_fields.weight;
    }
    auto reply = request("activate", std::move(fields));
    if (!reply) {
      return fail(std::move(reply.error()));
    }
    return {};
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, fmt::format("activate: {}", e.what()));
  }
}

Result<HealthReport> SocketRuntime::health(const std::string& component, const std::vector<std::string>& instances)
{
  return health_request({{"component", component}}, instances);
}

Result<HealthReport> SocketRuntime::preview_health(const std::string& component, const std::string& version,
                                                   const std::vector<std::string>& instances)
{
  return health_request({{"component", component}, {"version", version}, {"preview", true}}, instances);
}

Result<HealthReport> SocketRuntime::health_request(json fields, const std::vector<std::string>& instances)
{
  constexpr std::string_view op = "health";
  try {
    if (!instances.empty()) {
      fields["instances"] = instances;
    }
    auto reply = request(op, std::move(fields));
    if (!reply) {
      return fail(std::move(reply.error()));
    }
    return health_from(*reply);
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, fmt::format("{}: {}", op, e.what()));
  }
}

Result<void> SocketRuntime::commit(const std::string& component, const std::string& version)
{
  try {
    auto reply = request("commit", json{{"component", component}, {"version", version}});
    if (!reply) {
      return fail(std::move(reply.error()));
    }
    return {};
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, fmt::format("commit: {}", e.what()));
  }
}

Result<void> SocketRuntime::rollback(const std::string& component, const std::string& version)
{
  try {
    auto reply = request("rollback", json{{"component", component}, {"version", version}});
    if (!reply) {
      return fail(std::move(reply.error()));
    }
    return {};
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, fmt::format("rollback: {}", e.what()));
  }
}

Result<void> SocketRuntime::abort(const std::string& component)
{
  try {
    auto reply = request("abort", json{{"component", component}});
    if (!reply) {
      return fail(std::move(reply.error()));
    }
    return {};
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, fmt::format("abort: {}", e.what()));
  }
}

Result<std::optional<std::string>> SocketRuntime::running(const std::string& component)
{
  constexpr std::string_view op = "running";
  try {
    auto reply = request(op, json{{"component", component}});
    if (!reply) {
      return fail(std::move(reply.error()));
    }
    const auto it = reply->find("version");
    if (it == reply->end() || !(it->is_string() || it->is_null())) {
      return protocol_error(op, "reply field 'version' is missing or neither a string nor null");
    }
    if (it->is_null()) {
      return std::optional<std::string>();
    }
    // Compared with recorded versions and shown: escaped and bounded.
    return std::optional<std::string>(runtime_text(it->get_ref<const std::string&>()));
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, fmt::format("{}: {}", op, e.what()));
  }
}

} // namespace noodle::live
