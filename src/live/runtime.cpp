// SPDX-License-Identifier: Apache-2.0
#include <noodle/live/runtime.hpp>

#include <algorithm>

namespace noodle::live {

bool HelloInfo::can(std::string_view op) const
{
  return std::find(capabilities.begin(), capabilities.end(), op) != capabilities.end();
}

} // namespace noodle::live
