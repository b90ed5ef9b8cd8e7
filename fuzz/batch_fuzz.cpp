// SPDX-License-Identifier: Apache-2.0
// The batch file parser. Properties: a failure comes with an error
// diagnostic; an accepted batch is non-empty, names each component once,
// and uses only the documented strategies.

#include "check.hpp"

#include <noodle/manifest/batch.hpp>
#include <noodle/manifest/diagnostic.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace noodle;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<manifest::Diagnostic> diagnostics;
  auto batch = manifest::parse_batch(text, "fuzz-batch.yaml", diagnostics);
  for (const auto& d : diagnostics) {
    (void)manifest::to_string(d);
  }
  if (!batch) {
    NOODLE_FUZZ_CHECK(manifest::has_errors(diagnostics));
    return 0;
  }
  NOODLE_FUZZ_CHECK(!manifest::has_errors(diagnostics));
  NOODLE_FUZZ_CHECK(!batch->items.empty());
  std::set<std::string> seen;
  const auto& strategies = manifest::batch_strategies();
  for (const auto& item : batch->items) {
    NOODLE_FUZZ_CHECK(seen.insert(item.component).second);
    if (item.strategy) {
      NOODLE_FUZZ_CHECK(std::find(strategies.begin(), strategies.end(), *item.strategy) != strategies.end());
    }
  }
  return 0;
}
