// SPDX-License-Identifier: Apache-2.0
#include <noodle/probe/attempt.hpp>

#include <cctype>
#include <cstring>

namespace noodle::probe {

std::string os_reason(int err)
{
  std::string reason = std::strerror(err);
  if (!reason.empty()) {
    reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
  }
  return reason;
}

} // namespace noodle::probe
