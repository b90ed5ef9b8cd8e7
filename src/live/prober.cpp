// SPDX-License-Identifier: Apache-2.0
#include <noodle/live/prober.hpp>

#include <algorithm>

namespace noodle::live {

bool ProbeVerdict::passed() const
{
  return !interrupted
         && std::all_of(outcomes.begin(), outcomes.end(), [](const ProbeOutcome& outcome) { return outcome.passed; });
}

} // namespace noodle::live
