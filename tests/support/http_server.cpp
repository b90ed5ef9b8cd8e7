// SPDX-License-Identifier: Apache-2.0
#include "http_server.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace noodle::test {

namespace {

// A socket bound to 127.0.0.1 on a port the kernel picks; its port in `port`.
int bound_socket(int& port)
{
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw std::runtime_error("socket failed");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

const char* reason(int status)
{
  switch (status) {
  case 200: return "OK";
  case 204: return "No Content";
  case 302: return "Found";
  case 404: return "Not Found";
  case 500: return "Internal Server Error";
  case 503: return "Service Unavailable";
  default: return "Status";
  }
}

} // namespace

HttpServer::HttpServer(Script reply) : m_reply(std::move(reply))
{
  m_listener = bound_socket(m_port);
  ::listen(m_listener, 16);
  m_thread = std::thread([this] { serve(); });
}

HttpServer::~HttpServer()
{
  m_stop = true;
  m_thread.join();
  for (const int fd : m_held) {
    ::close(fd);
  }
  ::close(m_listener);
}

std::string HttpServer::url(const std::string& path) const
{
  return fmt::format("http://127.0.0.1:{}{}", m_port, path);
}

std::vector<std::string> HttpServer::paths() const
{
  std::lock_guard lock(m_mutex);
  return m_paths;
}

void HttpServer::serve()
{
  int nth = 0;
  while (!m_stop) {
    pollfd p{m_listener, POLLIN, 0};
    if (::poll(&p, 1, 10) <= 0) {
      continue;
    }
    const int conn = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) {
      continue;
    }
    std::string head;
    char buf[1024];
    while (head.find("\r\n\r\n") == std::string::npos && !m_stop) {
      pollfd c{conn, POLLIN, 0};
      if (::poll(&c, 1, 10) <= 0) {
        continue;
      }
      const ssize_t n = ::read(conn, buf, sizeof buf);
      if (n <= 0) {
        break;
      }
      head.append(buf, static_cast<std::size_t>(n));
    }
    const auto first_space = head.find(' ');
    const auto second_space = head.find(' ', first_space + 1);
    const std::string path = first_space == std::string::npos || second_space == std::string::npos
                                 ? std::string()
                                 : head.substr(first_space + 1, second_space - first_space - 1);
    {
      std::lock_guard lock(m_mutex);
      m_paths.push_back(path);
    }
    const auto reply = m_reply(nth++, path);
    if (!reply) {
      m_held.push_back(conn); // accepted, never answered
      continue;
    }
    const std::string text = fmt::format("HTTP/1.0 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n"
                                         "Connection: close\r\n\r\n{}",
                                         reply->status, reason(reply->status), reply->body.size(), reply->body);
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t w = ::write(conn, text.data() + done, text.size() - done);
      if (w <= 0) {
        break;
      }
      done += static_cast<std::size_t>(w);
    }
    ::close(conn);
  }
}

TcpListener::TcpListener(int backlog)
{
  m_fd = bound_socket(m_port);
  ::listen(m_fd, backlog);
}

TcpListener::~TcpListener()
{
  ::close(m_fd);
}

int closed_port()
{
  int port = 0;
  ::close(bound_socket(port));
  return port;
}

} // namespace noodle::test
