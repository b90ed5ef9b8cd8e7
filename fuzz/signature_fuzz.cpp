// SPDX-License-Identifier: Apache-2.0
// The signature file parser. Properties: serialize(parse(x)) == x for every
// accepted x (the parser accepts only the canonical form), the statement is
// the file up to the signature line, and strict base64 round-trips.

#include "check.hpp"

#include <noodle/archive/signature.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace noodle;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = archive::parse_signature(text, "fuzz.sig");
  if (parsed) {
    NOODLE_FUZZ_CHECK(archive::serialize(*parsed) == text);
    const auto statement = archive::statement_text(*parsed);
    NOODLE_FUZZ_CHECK(text.substr(0, statement.size()) == statement);
    NOODLE_FUZZ_CHECK(parsed->signature.size() == 64);
  } else {
    NOODLE_FUZZ_CHECK(parsed.error().code == ErrorCode::signature_invalid);
  }
  if (auto decoded = archive::base64_decode(text)) {
    NOODLE_FUZZ_CHECK(archive::base64_encode(*decoded) == text);
  }
  return 0;
}
