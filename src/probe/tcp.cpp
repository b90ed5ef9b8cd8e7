// SPDX-License-Identifier: Apache-2.0
#include <noodle/probe/tcp.hpp>
#include <noodle/util/unique_fd.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace noodle::probe {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds k_poll{20};

struct AddrFree {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

} // namespace

Attempt attempt_tcp(const std::string& address, milliseconds timeout, const StopAsk& stop)
{
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return {Attempt::Outcome::failed, fmt::format("'{}' is not host:port", address)};
  }
  std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return {Attempt::Outcome::failed, fmt::format("cannot resolve '{}': {}", host, gai_strerror(rc))};
  }
  std::unique_ptr<addrinfo, AddrFree> list(found);
  const auto deadline = Clock::now() + timeout;
  std::string last = "no address to connect to";
  for (const addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
    util::UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd.valid()) {
      last = os_reason(errno);
      continue;
    }
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) {
      return {Attempt::Outcome::passed, "connected"};
    }
    if (errno != EINPROGRESS) {
      last = os_reason(errno);
      continue;
    }
    for (;;) {
      if (stop && stop()) {
        return {Attempt::Outcome::interrupted, "stopped"};
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left <= milliseconds{0}) {
        return {Attempt::Outcome::failed, fmt::format("timed out after {} ms", timeout.count())};
      }
      pollfd p{fd.get(), POLLOUT, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(std::min(left, k_poll).count()) + 1);
      if (ready < 0 && errno != EINTR) {
        last = os_reason(errno);
        break;
      }
      if (ready <= 0) {
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) {
        return {Attempt::Outcome::passed, "connected"};
      }
      last = os_reason(err);
      break;
    }
  }
  return {Attempt::Outcome::failed, last};
}

} // namespace noodle::probe
