// SPDX-License-Identifier: Apache-2.0
// The output fuzz target (fuzz/output_fuzz.cpp) run over random inputs in
// every test run: a property violation aborts the test binary.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

// Bytes that break output when let through, and pieces of UTF-8 around them.
const std::vector<std::vector<std::uint8_t>> k_pieces = {
    {'\n'}, {'\r'}, {'\t'}, {0x00}, {0x1b, '['}, {0x1b, ']'}, {0x07}, {0x7f}, {0xff}, {0x80}, {0xc3},
    {0xc2, 0x85}, {0xc2, 0x9b}, {0xe2, 0x80, 0xae}, {0xe2, 0x81, 0xa6}, {0xe2, 0x80, 0xa8}, {0xd8, 0x9c},
    {0xc3, 0xa9}, {0xe2, 0x94, 0x94}, {0xf0, 0x9f, 0x93, 0xa6}, {0xed, 0xa0, 0x80}, {'x'}, {' '}, {'\\'},
};

} // namespace

TEST_CASE("text and JSON output of random outside strings hold no control character and add no line")
{
  std::mt19937 random(20261203);
  std::uniform_int_distribution<std::size_t> fields(0, 80);
  std::uniform_int_distribution<std::size_t> length(0, 24);
  std::uniform_int_distribution<std::size_t> piece(0, k_pieces.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 1500; ++round) {
    std::vector<std::uint8_t> input;
    const std::size_t n = fields(random);
    for (std::size_t f = 0; f < n; ++f) {
      std::vector<std::uint8_t> value;
      const std::size_t parts = length(random);
      for (std::size_t p = 0; p < parts; ++p) {
        if (random() % 4 == 0) {
          value.push_back(static_cast<std::uint8_t>(byte(random)));
        } else {
          const auto& bytes = k_pieces[piece(random)];
          value.insert(value.end(), bytes.begin(), bytes.end());
        }
      }
      input.push_back(static_cast<std::uint8_t>(value.size()));
      input.insert(input.end(), value.begin(), value.end());
    }
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  SUCCEED("1500 random inputs rendered");
}
