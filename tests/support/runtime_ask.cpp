// SPDX-License-Identifier: Apache-2.0
#include "runtime_ask.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace noodle::test {

nlohmann::json ask(const std::filesystem::path& socket, nlohmann::json request)
{
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket.c_str());
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  request["id"] = 2;
  const std::string lines = nlohmann::json({{"id", 1}, {"op", "hello"}, {"protocol", 1}}).dump() + "\n" +
                            request.dump() + "\n";
  REQUIRE(::write(fd, lines.data(), lines.size()) == static_cast<ssize_t>(lines.size()));
  std::string in;
  char buf[4096];
  while (std::count(in.begin(), in.end(), '\n') < 2) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    in.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto first = in.find('\n');
  REQUIRE(first != std::string::npos);
  return nlohmann::json::parse(in.substr(first + 1, in.find('\n', first + 1) - first - 1));
}

} // namespace noodle::test
