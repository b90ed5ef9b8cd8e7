// SPDX-License-Identifier: Apache-2.0
// The repository index and its signature file, as a mirror serves them.
// Properties: an accepted signature file is canonical (serialize(parse(x)) ==
// x); an accepted index serializes to a text that parses back to the same
// serialization, and every path it holds stays inside the repository.

#include "check.hpp"

#include <noodle/repo/index.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace noodle;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto sig = repo::parse_index_signature(text)) {
    NOODLE_FUZZ_CHECK(repo::serialize_index_signature(*sig) == text);
    NOODLE_FUZZ_CHECK(sig->signature.size() == 64);
  } else {
    NOODLE_FUZZ_CHECK(sig.error().code == ErrorCode::repo_invalid);
  }
  if (auto index = repo::parse_index(text)) {
    const std::string once = repo::serialize_index(*index);
    auto again = repo::parse_index(once);
    NOODLE_FUZZ_CHECK(again.has_value());
    NOODLE_FUZZ_CHECK(repo::serialize_index(*again) == once);
    for (const auto& m : index->manifests) {
      NOODLE_FUZZ_CHECK(repo::is_safe_relative_path(m.path));
    }
    for (const auto& a : index->archives) {
      NOODLE_FUZZ_CHECK(repo::is_safe_relative_path(a.archive.path));
      NOODLE_FUZZ_CHECK(repo::is_safe_relative_path(a.signature.path));
    }
  } else {
    NOODLE_FUZZ_CHECK(index.error().code == ErrorCode::repo_invalid);
  }
  return 0;
}
