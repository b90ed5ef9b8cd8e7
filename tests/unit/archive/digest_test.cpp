// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/digest.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <string>

using namespace noodle;
using namespace noodle::archive;

TEST_CASE("archive::sha256 matches the FIPS 180-2 test vectors")
{
  CHECK(sha256(std::string_view()).value().hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256(std::string_view("abc")).value().hex()
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).value().hex()
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("archive::Sha256 streamed in pieces equals the one-shot digest and counts the bytes")
{
  std::string text;
  for (int i = 0; i < 10000; ++i) {
    text += std::to_string(i);
  }
  Sha256 h;
  REQUIRE(h.ok());
  for (std::size_t at = 0; at < text.size(); at += 777) {
    h.update(std::string_view(text).substr(at, 777));
  }
  auto streamed = h.final();
  REQUIRE(streamed);
  CHECK(streamed->size == text.size());
  CHECK(streamed->hex() == sha256(text).value().hex());
}

TEST_CASE("archive::Sha256::hex_final gives 64 lowercase hex digits once, then nothing")
{
  Sha256 h;
  h.update(std::string_view("abc"));
  std::string hex = h.hex_final();
  CHECK(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(is_lower_hex(hex, 64));
  CHECK_FALSE(h.ok());
  CHECK(h.hex_final().empty());
}

TEST_CASE("archive::sha256_file hashes the whole file from offset 0 without moving the descriptor")
{
  test::TempDir dir;
  std::string content(300 * 1024, 'x'); // several read blocks
  content[123456] = 'y';
  auto path = dir.write("blob", content);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(::lseek(fd, 1000, SEEK_SET) == 1000);
  auto d = sha256_file(fd);
  CHECK(::lseek(fd, 0, SEEK_CUR) == 1000);
  ::close(fd);
  REQUIRE(d);
  CHECK(d->size == content.size());
  CHECK(d->hex() == sha256(content).value().hex());
}

TEST_CASE("archive::sha256_file fails with io on a descriptor that cannot be read")
{
  auto d = sha256_file(-1);
  REQUIRE_FALSE(d);
  CHECK(d.error().code == ErrorCode::io);
}

TEST_CASE("archive::to_hex and is_lower_hex")
{
  const std::uint8_t bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  CHECK(to_hex(bytes) == "000fa0ff");
  CHECK(is_lower_hex("000fa0ff", 8));
  CHECK_FALSE(is_lower_hex("000FA0FF", 8));
  CHECK_FALSE(is_lower_hex("000fa0f", 8));
  CHECK_FALSE(is_lower_hex("000fa0fg", 8));
}
