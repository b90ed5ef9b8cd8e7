// SPDX-License-Identifier: Apache-2.0
#include <noodle/live/socket_runtime.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace fs = std::filesystem;
namespace live = noodle::live;
using json = nlohmann::json;
using noodle::ErrorCode;
using noodle::test::TempDir;
using namespace std::chrono_literals;

namespace {

constexpr auto k_server_patience = 2000ms; // a test never hangs longer than this

int listen_on(const fs::path& path)
{
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.native().size() < sizeof(address.sun_path));
  std::memcpy(address.sun_path, path.c_str(), path.native().size() + 1);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  return fd;
}

bool readable(int fd)
{
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(k_server_patience.count())) > 0;
}

// The server's end of one connection.
class Peer {
public:
  explicit Peer(int fd) : m_fd(fd) {}

  // The next request line, parsed; nothing on end of file or after waiting too long.
  std::optional<json> next_request()
  {
    for (;;) {
      const auto newline = m_pending.find('\n');
      if (newline != std::string::npos) {
        auto request = json::parse(m_pending.substr(0, newline), nullptr, false);
        m_pending.erase(0, newline + 1);
        return request;
      }
      char chunk[4096];
      if (!readable(m_fd)) {
        return std::nullopt;
      }
      const ssize_t n = ::recv(m_fd, chunk, sizeof(chunk), 0);
      if (n <= 0) {
        return std::nullopt;
      }
      m_pending.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Writes everything, ignoring a client that went away.
  void send(std::string_view data)
  {
    while (!data.empty()) {
      const ssize_t n = ::send(m_fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // Holds the connection open until the client closes it.
  void wait_for_close()
  {
    char chunk[4096];
    while (readable(m_fd) && ::recv(m_fd, chunk, sizeof(chunk), 0) > 0) {
    }
  }

private:
  int m_fd;
  std::string m_pending;
};

// What the server does with one request; false stops serving (closing the connection).
using Step = std::function<bool(Peer&, const json& request)>;

// A runtime stand-in on a real Unix socket: accepts one connection and
// answers each request with the next step of its script.
class ScriptedServer {
public:
  ScriptedServer(const fs::path& path, std::vector<Step> script)
    : m_listen(listen_on(path)), m_thread([this, script = std::move(script)] { serve(script); })
  {
  }
  ~ScriptedServer()
  {
    join();
    ::close(m_listen);
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  // The requests that arrived (waits for the script to end).
  const std::vector<json>& requests()
  {
    join();
    return m_requests;
  }

private:
  void join()
  {
    if (m_thread.joinable()) {
      m_thread.join();
    }
  }

  void serve(const std::vector<Step>& script)
  {
    if (!readable(m_listen)) {
      return;
    }
    const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      return;
    }
    Peer peer(fd);
    for (const auto& step : script) {
      auto request = peer.next_request();
      if (!request) {
        break;
      }
      m_requests.push_back(*request);
      if (!step(peer, *request)) {
        break;
      }
    }
    ::close(fd);
  }

  int m_listen;
  std::vector<json> m_requests;
  std::thread m_thread;
};

json ok_reply(const json& request, json fields = json::object())
{
  fields["id"] = request.value("id", 0);
  fields["ok"] = true;
  return fields;
}

Step reply(json fields = json::object())
{
  return [fields](Peer& peer, const json& request) {
    peer.send(ok_reply(request, fields).dump() + "\n");
    return true;
  };
}

Step raw(std::string line)
{
  return [line](Peer& peer, const json&) {
    peer.send(line);
    return true;
  };
}

Step refuse(std::string code, std::string message)
{
  return [code, message](Peer& peer, const json& request) {
    json r{{"id", request.value("id", 0)}, {"ok", false}, {"error", {{"code", code}, {"message", message}}}};
    peer.send(r.dump() + "\n");
    return true;
  };
}

Step hang()
{
  return [](Peer& peer, const json&) {
    peer.wait_for_close();
    return false;
  };
}

Step close_connection()
{
  return [](Peer&, const json&) { return false; };
}

json hello_fields()
{
  return {{"protocol", 1},
          {"runtime", "demo"},
          {"version", "1.0.0"},
          {"instances", {"i0", "i1"}},
          {"capabilities", {"hello", "prepare", "activate", "health", "commit", "rollback", "abort"}}};
}

live::ConnectOptions options(std::chrono::milliseconds timeout = 1000ms)
{
  live::ConnectOptions o;
  o.request_timeout = timeout;
  o.trusted_uids = {0, static_cast<unsigned>(::geteuid())};
  return o;
}

std::unique_ptr<live::SocketRuntime> connect_to(const fs::path& socket, std::chrono::milliseconds timeout = 1000ms)
{
  auto runtime = live::SocketRuntime::connect(socket, options(timeout));
  REQUIRE(runtime.has_value());
  return std::move(*runtime);
}

std::string nested(int levels)
{
  return std::string(static_cast<std::size_t>(levels), '[') + std::string(static_cast<std::size_t>(levels), ']');
}

} // namespace

TEST_CASE("live::HelloInfo::can answers from the capabilities")
{
  live::HelloInfo info;
  info.capabilities = {"hello", "prepare", "serve"};
  CHECK(info.can("serve"));
  CHECK(info.can("prepare"));
  CHECK_FALSE(info.can("activate"));
  CHECK_FALSE(info.can(""));
}

TEST_CASE("live::parse_reply returns the ok reply of the same id")
{
  auto reply = live::parse_reply(R"({"id": 7, "ok": true, "active": {"i0": "2.0.0"}})", 7, "activate");
  REQUIRE(reply.has_value());
  const auto parsed = json::parse(*reply);
  CHECK(parsed["active"]["i0"] == "2.0.0");
  CHECK(parsed["ok"] == true);
}

TEST_CASE("live::parse_reply turns ok=false into runtime_refused with the runtime's code first in details")
{
  auto reply = live::parse_reply(R"({"id":3,"ok":false,"error":{"code":"busy","message":"upgrade of db running"}})", 3,
                                 "prepare");
  REQUIRE_FALSE(reply.has_value());
  CHECK(reply.error().code == ErrorCode::runtime_refused);
  CHECK(reply.error().message == "runtime refused prepare: busy: upgrade of db running");
  REQUIRE(reply.error().details.size() == 1);
  CHECK(reply.error().details[0] == "busy");
}

TEST_CASE("live::parse_reply escapes control characters in a refusal")
{
  auto reply =
      live::parse_reply(R"({"id":1,"ok":false,"error":{"code":"internal","message":"a\u001b[31mb\nc"}})", 1, "commit");
  REQUIRE_FALSE(reply.has_value());
  CHECK(reply.error().message == "runtime refused commit: internal: a\\x1b[31mb\\nc");
}

TEST_CASE("live::parse_reply rejects replies that break the protocol")
{
  auto check = [](std::string_view line, const std::string& message) {
    auto reply = live::parse_reply(line, 4, "health");
    REQUIRE_FALSE(reply.has_value());
    CHECK(reply.error().code == ErrorCode::runtime_protocol);
    CHECK(reply.error().message == message);
  };
  check(R"({"id":5,"ok":true})", "health: reply to request 4 carries id 5");
  check(R"({"id":-4,"ok":true})", "health: reply to request 4 carries id -4");
  check(R"({"id":"4","ok":true})", "health: reply to request 4 lacks an integer 'id'");
  check(R"({"id":4.0,"ok":true})", "health: reply to request 4 lacks an integer 'id'");
  check(R"({"ok":true})", "health: reply to request 4 lacks an integer 'id'");
  check(R"({"id":4})", "health: reply to request 4 lacks a boolean 'ok'");
  check(R"({"id":4,"ok":"yes"})", "health: reply to request 4 lacks a boolean 'ok'");
  check(R"({"id":4,"ok":false})", "health: refusal of request 4 lacks an 'error' object");
  check(R"({"id":4,"ok":false,"error":{"code":"busy"}})",
        "health: refusal of request 4 lacks a string 'code' and 'message'");
  check(R"({"id":4,"ok":false,"error":{"code":7,"message":"x"}})",
        "health: refusal of request 4 lacks a string 'code' and 'message'");
  check("[1,2]", "health: reply is not one JSON object: '[1,2]'");
  check("", "health: reply is not one JSON object: ''");
  check(R"({"id":4,"ok":true} {})", "health: reply is not one JSON object: '{\"id\":4,\"ok\":true} {}'");
  check("{\"id\":4,\"ok\":true,\"s\":\"\xff\"}", "health: reply is not one JSON object: '{\"id\":4,\"ok\":true,\"s\":\"\\xff\"}'");
}

TEST_CASE("live::parse_reply shows at most 80 bytes of garbage with control characters escaped")
{
  const std::string garbage = "oops\t\x1b[2J\r" + std::string(200, 'x');
  auto reply = live::parse_reply(garbage, 1, "health");
  REQUIRE_FALSE(reply.has_value());
  CHECK(reply.error().code == ErrorCode::runtime_protocol);
  CHECK(reply.error().message ==
        "health: reply is not one JSON object: 'oops\\t\\x1b[2J\\r" + std::string(80 - 10, 'x') + "...'");
}

TEST_CASE("live::parse_reply allows 32 levels of nesting and no more, not counting brackets in strings")
{
  const std::string ok31 = R"({"id":1,"ok":true,"x":)" + nested(31) + "}";
  CHECK(live::parse_reply(ok31, 1, "health").has_value());
  const std::string deep33 = R"({"id":1,"ok":true,"x":)" + nested(32) + "}";
  auto deep = live::parse_reply(deep33, 1, "health");
  REQUIRE_FALSE(deep.has_value());
  CHECK(deep.error().code == ErrorCode::runtime_protocol);
  CHECK(deep.error().message == "health: reply nested deeper than 32");
  const std::string in_string = R"({"id":1,"ok":true,"x":")" + std::string(100, '[') + R"(\"[["})";
  CHECK(live::parse_reply(in_string, 1, "health").has_value());
  auto hostile = live::parse_reply(std::string(100000, '['), 1, "health");
  REQUIRE_FALSE(hostile.has_value());
  CHECK(hostile.error().message == "health: reply nested deeper than 32");
}

TEST_CASE("live::parse_hello_reply reads the runtime, its instances and capabilities")
{
  auto hello = live::parse_hello_reply(
      R"({"id":1,"ok":true,"protocol":1,"runtime":"demo","version":"1.0.0","instances":["i0","i1"],"capabilities":["prepare","activate"]})",
      1);
  REQUIRE(hello.has_value());
  CHECK(hello->protocol == 1);
  CHECK(hello->runtime == "demo");
  CHECK(hello->version == "1.0.0");
  CHECK(hello->instances == std::vector<std::string>{"i0", "i1"});
  CHECK(hello->can("activate"));
  CHECK_FALSE(hello->can("commit"));
}

TEST_CASE("live::parse_hello_reply rejects another protocol and fields of the wrong type")
{
  for (const char* line :
       {R"({"id":1,"ok":true,"protocol":2,"runtime":"r","version":"v","instances":[],"capabilities":[]})",
        R"({"id":1,"ok":true,"protocol":1,"runtime":7,"version":"v","instances":[],"capabilities":[]})",
        R"({"id":1,"ok":true,"protocol":1,"runtime":"r","version":"v","instances":["i0",1],"capabilities":[]})",
        R"({"id":1,"ok":true,"protocol":1,"runtime":"r","version":"v","instances":[]})",
        R"({"id":2,"ok":true,"protocol":1,"runtime":"r","version":"v","instances":[],"capabilities":[]})"}) {
    CAPTURE(line);
    auto hello = live::parse_hello_reply(line, 1);
    REQUIRE_FALSE(hello.has_value());
    CHECK(hello.error().code == ErrorCode::runtime_protocol);
    CHECK(hello.error().message.rfind("hello: ", 0) == 0);
  }
}

TEST_CASE("live::parse_hello_reply refuses instance names that are empty, too long or hold controls")
{
  const std::string too_long(129, 'i');
  for (const std::string& name : {std::string(), too_long, std::string("i0\\u001b[2J"), std::string("i\\u009b0"),
                                  std::string("i\\u202e0")}) {
    CAPTURE(name);
    auto hello = live::parse_hello_reply(
        R"({"id":1,"ok":true,"protocol":1,"runtime":"r","version":"v","instances":["i0",")" + name +
            R"("],"capabilities":[]})",
        1);
    REQUIRE_FALSE(hello.has_value());
    CHECK(hello.error().code == ErrorCode::runtime_protocol);
    CHECK(hello.error().message.find("instance name") != std::string::npos);
    CHECK(hello.error().message.find('\x1b') == std::string::npos);
  }
  // A name of 128 bytes, and one in another script, are fine; the runtime's
  // own name is shown escaped.
  auto ok = live::parse_hello_reply(
      R"({"id":1,"ok":true,"protocol":1,"runtime":"r\u001b","version":"v","instances":[")" + std::string(128, 'i') +
          R"(","web-é"],"capabilities":[]})",
      1);
  REQUIRE(ok.has_value());
  CHECK(ok->instances.size() == 2);
  CHECK(ok->runtime == "r\\x1b");
}

TEST_CASE("live::parse_health_reply reads the verdict and each instance's detail")
{
  auto health = live::parse_health_reply(R"({"id":4,"ok":true,"healthy":false,"details":{"i0":"ok","i1":"slow"}})", 4);
  REQUIRE(health.has_value());
  CHECK_FALSE(health->healthy);
  CHECK(health->details.at("i1") == "slow");
  auto bad = live::parse_health_reply(R"({"id":4,"ok":true,"healthy":true,"details":{"i0":1}})", 4);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == ErrorCode::runtime_protocol);
  auto refused = live::parse_health_reply(R"({"id":4,"ok":false,"error":{"code":"busy","message":"m"}})", 4);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::runtime_refused);
}

TEST_CASE("live::parse_health_reply escapes terminal controls, C1 controls and bidi overrides in what it shows")
{
  // ESC [ 2 J (clear screen), U+009B (CSI), U+202E (right-to-left override), U+2066 (isolate).
  auto health = live::parse_health_reply(
      R"({"id":4,"ok":true,"healthy":false,"details":{"i0\u001b":"bad\u001b[2J \u009b31m \u202eevil\u2066 ok"}})", 4);
  REQUIRE(health.has_value());
  REQUIRE(health->details.size() == 1);
  const auto& [instance, detail] = *health->details.begin();
  CHECK(instance == "i0\\x1b");
  CHECK(detail == "bad\\x1b[2J \\u{009b}31m \\u{202e}evil\\u{2066} ok");
  // Other non-ASCII text is kept as it is.
  auto plain = live::parse_health_reply(R"({"id":4,"ok":true,"healthy":false,"details":{"i0":"café ☕"}})", 4);
  REQUIRE(plain.has_value());
  CHECK(plain->details.at("i0") == "café ☕");
}

TEST_CASE("live::SocketRuntime::connect reports a missing socket as runtime_unreachable suggesting --offline")
{
  TempDir dir;
  auto runtime = live::SocketRuntime::connect(dir / "control.sock", options());
  REQUIRE_FALSE(runtime.has_value());
  CHECK(runtime.error().code == ErrorCode::runtime_unreachable);
  CHECK(runtime.error().message == "no runtime listens on '" + (dir / "control.sock").string() + "'");
  REQUIRE(runtime.error().details.size() == 2);
  CHECK(runtime.error().details[1].find("--offline") != std::string::npos);
}

TEST_CASE("live::SocketRuntime::connect reports a socket nobody listens on as runtime_unreachable")
{
  TempDir dir;
  const auto path = dir / "control.sock";
  ::close(listen_on(path)); // the file stays, the listener is gone
  auto runtime = live::SocketRuntime::connect(path, options());
  REQUIRE_FALSE(runtime.has_value());
  CHECK(runtime.error().code == ErrorCode::runtime_unreachable);
  CHECK(runtime.error().message == "no runtime listens on '" + path.string() + "'");
}

TEST_CASE("live::SocketRuntime::connect refuses a path that is not a socket or too long for one")
{
  TempDir dir;
  SECTION("a regular file")
  {
    const auto path = dir.write("control.sock", "not a socket");
    auto runtime = live::SocketRuntime::connect(path, options());
    REQUIRE_FALSE(runtime.has_value());
    CHECK(runtime.error().code == ErrorCode::runtime_unreachable);
    CHECK(runtime.error().message == "control socket '" + path.string() + "' is not a socket");
  }
  SECTION("a symbolic link to a live socket")
  {
    const int listener = listen_on(dir / "real.sock");
    fs::create_symlink(dir / "real.sock", dir / "control.sock");
    auto runtime = live::SocketRuntime::connect(dir / "control.sock", options());
    ::close(listener);
    REQUIRE_FALSE(runtime.has_value());
    CHECK(runtime.error().code == ErrorCode::runtime_unreachable);
  }
  SECTION("a path longer than sun_path")
  {
    const auto path = dir / std::string(120, 'a');
    auto runtime = live::SocketRuntime::connect(path, options());
    REQUIRE_FALSE(runtime.has_value());
    CHECK(runtime.error().code == ErrorCode::runtime_unreachable);
    CHECK(runtime.error().message.find("a unix socket path holds 1 to 107 bytes") != std::string::npos);
  }
}

TEST_CASE("live::SocketRuntime::connect refuses a socket owned by an untrusted uid")
{
  TempDir dir;
  const auto path = dir / "control.sock";
  const int listener = listen_on(path);
  auto o = options();
  o.trusted_uids = {4242, 4243};
  auto runtime = live::SocketRuntime::connect(path, o);
  ::close(listener);
  REQUIRE_FALSE(runtime.has_value());
  CHECK(runtime.error().code == ErrorCode::runtime_untrusted);
  CHECK(runtime.error().message == "control socket '" + path.string() + "' belongs to uid " +
                                       std::to_string(::geteuid()) + "; trusted: 4242, 4243");
}

TEST_CASE("live::SocketRuntime::connect refuses a peer process running as an untrusted uid")
{
  if (::geteuid() != 0) {
    WARN("needs root to give the socket file another owner");
    return;
  }
  TempDir dir;
  const auto path = dir / "control.sock";
  const int listener = listen_on(path);
  REQUIRE(::chown(path.c_str(), 4242, 4242) == 0); // the file is trusted, the process (root here) is not
  auto o = options();
  o.trusted_uids = {4242};
  auto runtime = live::SocketRuntime::connect(path, o);
  ::close(listener);
  REQUIRE_FALSE(runtime.has_value());
  CHECK(runtime.error().code == ErrorCode::runtime_untrusted);
  CHECK(runtime.error().message == "the process serving '" + path.string() + "' (pid " + std::to_string(::getpid()) +
                                       ") runs as uid 0; trusted: 4242");
}

TEST_CASE("live::SocketRuntime sends each op with increasing ids and reads the replies")
{
  TempDir dir;
  const auto path = dir / "control.sock";
  ScriptedServer server(path, {reply(hello_fields()), reply(), reply({{"active", {{"i0", "2.0.0"}}}, {"weight", 25}}),
                               reply({{"active", {{"i1", "2.0.0"}}}, {"weight", 0}}),
                               reply({{"healthy", false}, {"details", {{"i0", "ok"}, {"i1", "slow replies"}}}}),
                               reply(), reply(), reply()});
  {
    auto runtime = connect_to(path);
    auto hello = runtime->hello();
    REQUIRE(hello.has_value());
    CHECK(hello->protocol == 1);
    CHECK(hello->runtime == "demo");
    CHECK(hello->version == "1.0.0");
    CHECK(hello->instances == std::vector<std::string>{"i0", "i1"});
    CHECK(hello->can("rollback"));
    CHECK(runtime->prepare("db", "2.0.0", "/r/components/db/versions/2.0.0").has_value());

    live::ActivateRequest by_weight{"db", "2.0.0", {}, 25, 30000ms};
    CHECK(runtime->activate(by_weight).has_value());
    live::ActivateRequest by_instance{"db", "2.0.0", {"i1"}, std::nullopt, 500ms};
    CHECK(runtime->activate(by_instance).has_value());

    auto health = runtime->health("db", {});
    REQUIRE(health.has_value());
    CHECK_FALSE(health->healthy);
    CHECK(health->details == std::map<std::string, std::string>{{"i0", "ok"}, {"i1", "slow replies"}});

    CHECK(runtime->commit("db", "2.0.0").has_value());
    CHECK(runtime->rollback("db", "1.0.0").has_value());
    CHECK(runtime->abort("db").has_value());
  }
  const auto& requests = server.requests();
  REQUIRE(requests.size() == 8);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    CHECK(requests[i]["id"] == i + 1);
  }
  CHECK(requests[0] == json{{"id", 1}, {"op", "hello"}, {"protocol", 1}});
  CHECK(requests[1] == json{{"id", 2},
                            {"op", "prepare"},
                            {"component", "db"},
                            {"version", "2.0.0"},
                            {"path", "/r/components/db/versions/2.0.0"}});
  CHECK(requests[2] ==
        json{{"id", 3}, {"op", "activate"}, {"component", "db"}, {"version", "2.0.0"}, {"weight", 25}, {"lease_ms", 30000}});
  CHECK(requests[3] == json{{"id", 4},
                            {"op", "activate"},
                            {"component", "db"},
                            {"version", "2.0.0"},
                            {"instances", {"i1"}},
                            {"lease_ms", 500}});
  CHECK(requests[4] == json{{"id", 5}, {"op", "health"}, {"component", "db"}});
  CHECK(requests[5] == json{{"id", 6}, {"op", "commit"}, {"component", "db"}, {"version", "2.0.0"}});
  CHECK(requests[6] == json{{"id", 7}, {"op", "rollback"}, {"component", "db"}, {"version", "1.0.0"}});
  CHECK(requests[7] == json{{"id", 8}, {"op", "abort"}, {"component", "db"}});
}

TEST_CASE("live::SocketRuntime::hello rejects another protocol version and malformed fields")
{
  TempDir dir;
  const auto path = dir / "control.sock";
  auto fields = hello_fields();
  fields["protocol"] = 2;
  auto bad_instances = hello_fields();
  bad_instances["instances"] = {"i0", 1};
  auto no_runtime = hello_fields();
  no_runtime.erase("runtime");
  ScriptedServer server(path, {reply(fields), reply(bad_instances), reply(no_runtime), reply({{"protocol", 1}}),
                               refuse("unsupported_protocol", "speaks 2")});
  auto runtime = connect_to(path);

  auto other = runtime->hello();
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().code == ErrorCode::runtime_protocol);
  CHECK(other.error().message == "hello: runtime speaks protocol 2; this tool speaks 1");

  auto mixed = runtime->hello();
  REQUIRE_FALSE(mixed.has_value());
  CHECK(mixed.error().message == "hello: reply field 'instances' holds a non-string: 1");

  auto nameless = runtime->hello();
  REQUIRE_FALSE(nameless.has_value());
  CHECK(nameless.error().message == "hello: reply field 'runtime' is missing or not a string");

  auto bare = runtime->hello();
  REQUIRE_FALSE(bare.has_value());
  CHECK(bare.error().code == ErrorCode::runtime_protocol);

  auto refused = runtime->hello();
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::runtime_refused);
  CHECK(refused.error().message == "runtime refused hello: unsupported_protocol: speaks 2");
}

TEST_CASE("live::SocketRuntime reports a refusal as runtime_refused and keeps the connection")
{
  TempDir dir;
  const auto path = dir / "control.sock";
  ScriptedServer server(path, {refuse("not_prepared", "no prepared version of db"), reply()});
  auto runtime = connect_to(path);
  auto activate = runtime->activate({"db", "2.0.0", {}, std::nullopt, 1000ms});
  REQUIRE_FALSE(activate.has_value());
  CHECK(activate.error().code == ErrorCode::runtime_refused);
  CHECK(activate.error().message == "runtime refused activate: not_prepared: no prepared version of db");
  CHECK(activate.error().details.at(0) == "not_prepared");
  CHECK(runtime->abort("db").has_value());
}

TEST_CASE("live::SocketRuntime reports garbage, wrong ids and deep nesting as runtime_protocol and carries on")
{
  TempDir dir;
  const auto path = dir / "control.sock";
  ScriptedServer server(path, {raw("this is not json\n"), raw(R"({"id":99,"ok":true})" "\n"),
                               raw(R"({"id":3,"ok":true,"healthy":true,"details":)" + nested(100) + "}\n"),
                               reply({{"healthy", true}, {"details", {{"i0", 1}}}}),
                               reply({{"healthy", true}, {"details", {{"i0", "ok"}}}})});
  auto runtime = connect_to(path);

  auto garbage = runtime->health("db", {"i0"});
  REQUIRE_FALSE(garbage.has_value());
  CHECK(garbage.error().code == ErrorCode::runtime_protocol);
  CHECK(garbage.error().message == "health: reply is not one JSON object: 'this is not json'");

  auto wrong_id = runtime->commit("db", "2.0.0");
  REQUIRE_FALSE(wrong_id.has_value());
  CHECK(wrong_id.error().code == ErrorCode::runtime_protocol);
  CHECK(wrong_id.error().message == "commit: reply to request 2 carries id 99");

  auto deep = runtime->health("db", {});
  REQUIRE_FALSE(deep.has_value());
  CHECK(deep.error().message == "health: reply nested deeper than 32");

  auto numeric = runtime->health("db", {});
  REQUIRE_FALSE(numeric.has_value());
  CHECK(numeric.error().message == "health: reply field 'details' holds a non-string for instance 'i0'");

  auto healthy = runtime->health("db", {});
  REQUIRE(healthy.has_value());
  CHECK(healthy->healthy);
  CHECK(server.requests().at(0)["instances"] == json{"i0"});
}

TEST_CASE("live::SocketRuntime rejects a 2 MiB reply and skips the rest of it")
{
  TempDir dir;
  const auto path = dir / "control.sock";
  const std::string huge = R"({"id":1,"ok":true,"pad":")" + std::string(2 * 1024 * 1024, 'x') + "\"}\n";
  ScriptedServer server(path, {raw(huge), reply()});
  auto runtime = connect_to(path);
  auto big = runtime->prepare("db", "2.0.0", "/p");
  REQUIRE_FALSE(big.has_value());
  CHECK(big.error().code == ErrorCode::runtime_protocol);
  CHECK(big.error().message == "prepare: reply larger than 1 MiB");
  CHECK(runtime->abort("db").has_value());
}

TEST_CASE("live::SocketRuntime accepts a reply of exactly 1 MiB with its newline")
{
  TempDir dir;
  const auto path = dir / "control.sock";
  const std::string head = R"({"id":1,"ok":true,"pad":")";
  const std::string line = head + std::string(live::k_max_message_bytes - head.size() - 3, 'x') + "\"}\n";
  REQUIRE(line.size() == live::k_max_message_bytes);
  ScriptedServer server(path, {raw(line)});
  auto runtime = connect_to(path);
  CHECK(runtime->abort("db").has_value());
}

TEST_CASE("live::SocketRuntime times out a silent runtime at the request deadline")
{
  TempDir dir;
  const auto path = dir / "control.sock";
  ScriptedServer server(path, {hang()});
  auto runtime = connect_to(path, 200ms);
  const auto start = std::chrono::steady_clock::now();
  auto health = runtime->health("db", {});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(health.has_value());
  CHECK(health.error().code == ErrorCode::timeout);
  CHECK(health.error().message == "the runtime did not answer health within 200 ms");
  CHECK(elapsed >= 200ms);
  CHECK(elapsed < 1000ms);
}

TEST_CASE("live::SocketRuntime skips the late answer to a request that timed out")
{
  TempDir dir;
  const auto path = dir / "control.sock";
  auto late = [](Peer& peer, const json& request) {
    std::this_thread::sleep_for(300ms);
    peer.send(ok_reply(request, {{"healthy", true}, {"details", json::object()}}).dump() + "\n");
    return true;
  };
  ScriptedServer server(path, {late, reply()});
  auto runtime = connect_to(path, 200ms);
  auto health = runtime->health("db", {});
  REQUIRE_FALSE(health.has_value());
  CHECK(health.error().code == ErrorCode::timeout);
  runtime->set_request_timeout(1000ms);
  CHECK(runtime->rollback("db", "1.0.0").has_value());
  CHECK(server.requests().size() == 2);
}

TEST_CASE("live::SocketRuntime reports a connection closed mid-request as runtime_unreachable")
{
  TempDir dir;
  const auto path = dir / "control.sock";
  ScriptedServer server(path, {close_connection()});
  auto runtime = connect_to(path);
  auto activate = runtime->activate({"db", "2.0.0", {}, 50, 1000ms});
  REQUIRE_FALSE(activate.has_value());
  CHECK(activate.error().code == ErrorCode::runtime_unreachable);
  CHECK(activate.error().message == "the runtime closed the connection during activate");
  auto rollback = runtime->rollback("db", "1.0.0");
  REQUIRE_FALSE(rollback.has_value());
  CHECK(rollback.error().code == ErrorCode::runtime_unreachable);
  CHECK(rollback.error().message == "cannot send rollback: the connection to the runtime is closed");
}

TEST_CASE("live::SocketRuntime reassembles a reply split across several writes")
{
  TempDir dir;
  const auto path = dir / "control.sock";
  auto split = [](Peer& peer, const json& request) {
    const std::string line = ok_reply(request, {{"healthy", true}, {"details", {{"i0", "ok"}}}}).dump() + "\n";
    const std::size_t third = line.size() / 3;
    peer.send(line.substr(0, third));
    std::this_thread::sleep_for(30ms);
    peer.send(line.substr(third, third));
    std::this_thread::sleep_for(30ms);
    peer.send(line.substr(2 * third));
    return true;
  };
  ScriptedServer server(path, {split});
  auto runtime = connect_to(path, 500ms);
  auto health = runtime->health("db", {});
  REQUIRE(health.has_value());
  CHECK(health->healthy);
  CHECK(health->details.at("i0") == "ok");
}

TEST_CASE("live::SocketRuntime treats data after a reply as a protocol error before sending more")
{
  TempDir dir;
  const auto path = dir / "control.sock";
  auto twice = [](Peer& peer, const json& request) {
    peer.send(ok_reply(request).dump() + "\n" + ok_reply(request).dump() + "\n");
    return true;
  };
  ScriptedServer server(path, {twice, reply()});
  auto runtime = connect_to(path);
  REQUIRE(runtime->prepare("db", "2.0.0", "/p").has_value());
  auto commit = runtime->commit("db", "2.0.0");
  REQUIRE_FALSE(commit.has_value());
  CHECK(commit.error().code == ErrorCode::runtime_protocol);
  CHECK(commit.error().message == "commit: unexpected data after the reply to request 1");
  runtime.reset();
  CHECK(server.requests().size() == 1); // the commit never reached the runtime
}
