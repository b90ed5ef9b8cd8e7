// SPDX-License-Identifier: Apache-2.0
// The control-protocol reply parsers on one reply line (request id 7):
// parse_reply, and the hello and health readers after it. Properties: an
// accepted reply's dump is accepted again; no error message or detail
// carries an ASCII control character (runtime text reaches a terminal).

#include "check.hpp"

#include <noodle/live/socket_runtime.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace noodle;

namespace {

constexpr long long k_id = 7;

bool printable(std::string_view text)
{
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) {
      return false;
    }
  }
  return true;
}

void check_error(const Error& e)
{
  NOODLE_FUZZ_CHECK(e.code == ErrorCode::runtime_protocol || e.code == ErrorCode::runtime_refused);
  NOODLE_FUZZ_CHECK(printable(e.message));
  for (const auto& line : e.details) {
    NOODLE_FUZZ_CHECK(printable(line));
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  auto reply = live::parse_reply(line, k_id, "activate");
  if (reply) {
    auto again = live::parse_reply(*reply, k_id, "activate");
    NOODLE_FUZZ_CHECK(again.has_value() && *again == *reply);
  } else {
    check_error(reply.error());
  }
  auto hello = live::parse_hello_reply(line, k_id);
  if (hello) {
    NOODLE_FUZZ_CHECK(hello->protocol == live::k_protocol_version);
    NOODLE_FUZZ_CHECK(reply.has_value());
  } else {
    check_error(hello.error());
  }
  auto health = live::parse_health_reply(line, k_id);
  if (health) {
    NOODLE_FUZZ_CHECK(reply.has_value());
  } else {
    check_error(health.error());
  }
  return 0;
}
