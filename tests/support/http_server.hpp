// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace noodle::test {

// A real HTTP/1.0 server on 127.0.0.1, on a port the kernel picks, in a
// thread of the test: it reads each request's head and answers with what
// `reply` returns for the n-th request (0-based), or, for nullopt, keeps the
// connection open and never answers (a server that hangs). Stopped and
// joined on destruction.
class HttpServer {
public:
  struct Reply {
    int status = 200;
    std::string body;
  };
  using Script = std::function<std::optional<Reply>(int nth, const std::string& path)>;

  explicit HttpServer(Script reply);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return m_port; }
  std::string url(const std::string& path) const;
  // The paths requested so far, in order.
  std::vector<std::string> paths() const;

private:
  void serve();

  Script m_reply;
  int m_listener = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  mutable std::mutex m_mutex;
  std::vector<std::string> m_paths;
  std::vector<int> m_held; // connections left unanswered
  std::thread m_thread;
};

// A TCP listener on 127.0.0.1 that never accepts (the kernel completes the
// handshakes); closed on destruction.
class TcpListener {
public:
  explicit TcpListener(int backlog = 16);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  int port() const { return m_port; }

private:
  int m_fd = -1;
  int m_port = 0;
};

// A loopback port nothing listens on (bound, then closed).
int closed_port();

} // namespace noodle::test
