// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/signature.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

using namespace noodle;
using namespace noodle::archive;

namespace {

// RFC 8032, section 7.1, TEST 1: Ed25519 signatures are deterministic, so
// the whole file is fixed.
const char* const k_rfc8032_private = "-----BEGIN PRIVATE KEY-----\n"
                                          "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
                                          "-----END PRIVATE KEY-----\n";

const std::string k_digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

Statement statement()
{
  Statement s;
  s.component = "jit_compiler";
  s.version = semver::Version(2, 1, 0);
  s.sha256 = k_digest;
  s.size = 123456;
  s.signed_at = "2026-11-26T23:00:00Z";
  return s;
}

PrivateKey rfc_key()
{
  auto key = parse_private_key(k_rfc8032_private);
  REQUIRE(key);
  return *key;
}

std::string signed_text()
{
  auto file = sign(statement(), rfc_key());
  REQUIRE(file);
  return serialize(*file);
}

std::string replace(std::string text, const std::string& from, const std::string& to)
{
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

Error parse_error(const std::string& text)
{
  auto r = parse_signature(text, "jit.sig");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::signature_invalid);
  return r.error();
}

} // namespace

TEST_CASE("archive::sign writes the documented format, byte for byte")
{
  std::string text = signed_text();
  CHECK(text
        == "noodle-signature 1\n"
           "key-id: 06e3fd8fda29bb60\n"
           "component: jit_compiler\n"
           "version: 2.1.0\n"
           "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
           "size: 123456\n"
           "signed-at: 2026-11-26T23:00:00Z\n"
           "signature: "
           "xmBMqjbJD9IoiEJbPuZvqRe1iQnO+2CKzj39NGXM+8A+qPw+d7BR7Vz97xoIkdwqYEUCnlKOMvdvP3eVh402DQ==\n");
  // That signature is what `openssl pkeyutl -sign -rawin` gives over the statement lines.
}

TEST_CASE("archive::parse_signature reads back what sign wrote, and check_signature accepts it")
{
  std::string text = signed_text();
  auto file = parse_signature(text);
  REQUIRE(file);
  CHECK(file->key_id == "06e3fd8fda29bb60");
  CHECK(file->statement.component == "jit_compiler");
  CHECK(file->statement.version.to_string() == "2.1.0");
  CHECK(file->statement.sha256 == k_digest);
  CHECK(file->statement.size == 123456);
  CHECK(file->statement.signed_at == "2026-11-26T23:00:00Z");
  CHECK(file->signature.size() == 64);
  CHECK(serialize(*file) == text);
  CHECK(check_signature(*file, rfc_key().public_key()));
}

TEST_CASE("archive::parse_signature keeps prerelease and build metadata in the signed version")
{
  Statement s = statement();
  s.version = semver::Version::parse("2.1.0-rc.1+build.7").value();
  auto file = sign(s, rfc_key());
  REQUIRE(file);
  std::string text = serialize(*file);
  CHECK(text.find("\nversion: 2.1.0-rc.1+build.7\n") != std::string::npos);
  auto back = parse_signature(text);
  REQUIRE(back);
  CHECK(back->statement.version.to_string() == "2.1.0-rc.1+build.7");
  // Build metadata is bound too: 2.1.0-rc.1+build.8 has the same precedence but is another statement.
  auto relabelled = parse_signature(replace(text, "+build.7", "+build.8"));
  REQUIRE(relabelled);
  CHECK_FALSE(check_signature(*relabelled, rfc_key().public_key()));
}

TEST_CASE("archive::check_signature refuses every relabelled statement field")
{
  const std::string text = signed_text();
  const PublicKey key = rfc_key().public_key();
  const std::pair<std::string, std::string> edits[] = {
      {"component: jit_compiler", "component: jit_compilers"},
      {"version: 2.1.0", "version: 2.1.1"},
      {"sha256: 9f86", "sha256: 0f86"},
      {"size: 123456", "size: 123457"},
      {"signed-at: 2026-11-26T23:00:00Z", "signed-at: 2026-11-26T23:00:01Z"},
      {"key-id: 06e3fd8fda29bb60", "key-id: 16e3fd8fda29bb60"},
      {"signature: xmBM", "signature: xmBN"},
  };
  for (const auto& [from, to] : edits) {
    INFO(to);
    auto file = parse_signature(replace(text, from, to));
    REQUIRE(file);
    auto r = check_signature(*file, key);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::signature_invalid);
    CHECK(r.error().message == "signature does not verify with key '" + file->key_id + "'");
  }
}

TEST_CASE("archive::check_signature refuses a valid signature checked with another key")
{
  auto other = generate_key();
  REQUIRE(other);
  auto file = parse_signature(signed_text());
  REQUIRE(file);
  auto r = check_signature(*file, other->public_key);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "signature does not verify with key '06e3fd8fda29bb60'");
}

TEST_CASE("archive::parse_signature calls every cut-short file truncated")
{
  const std::string text = signed_text();
  CHECK(parse_error("").message == "signature file is empty");
  for (std::size_t length = 1; length < text.size(); ++length) {
    INFO(length);
    auto r = parse_signature(std::string_view(text).substr(0, length));
    REQUIRE_FALSE(r);
    CHECK(r.error().message.rfind("signature file is truncated: ", 0) == 0);
  }
  std::string without_signature = text.substr(0, text.find("signature: "));
  Error e = parse_error(without_signature);
  CHECK(e.message == "signature file is truncated: it ends before the 'signature' line");
  REQUIRE(e.where);
  CHECK(e.where->file == "jit.sig");
  CHECK(e.where->line == 7);
  CHECK(parse_error(text.substr(0, text.size() - 1)).message
        == "signature file is truncated: the last line has no line feed");
  CHECK(parse_error("noodle-signature 1\n").message == "signature file is truncated: it ends before the 'key-id' line");
}

TEST_CASE("archive::parse_signature refuses a file over 4096 bytes before reading it")
{
  std::string big = signed_text();
  big.resize(4097, 'x');
  CHECK(parse_error(big).message == "signature file is 4097 bytes, over the 4096-byte limit");
  std::string huge(1 << 20, '\n');
  CHECK(parse_error(huge).message == "signature file is 1048576 bytes, over the 4096-byte limit");
}

TEST_CASE("archive::parse_signature refuses malformed lines with their location")
{
  const std::string text = signed_text();
  struct Case {
    std::string text;
    std::string message;
    std::uint32_t line;
    std::uint32_t column;
  };
  const Case cases[] = {
      {replace(text, "\n", "\r\n"), "line ends with a carriage return: only LF line endings are accepted", 1, 19},
      {replace(text, "jit_compiler", "jit\tcompiler"), "unexpected byte 0x09: a signature file is printable ASCII", 3,
       15},
      {replace(text, "jit_compiler", "jit_comp\xc3\xa9"), "unexpected byte 0xc3: a signature file is printable ASCII",
       3, 20},
      {replace(text, "noodle-signature 1", "minisign 1"),
       "not a noodle signature file: the first line must be 'noodle-signature 1'", 1, 1},
      {replace(text, "noodle-signature 1", "noodle-signature 2"),
       "unsupported signature format 'noodle-signature 2': this version reads format 1", 1, 1},
      {replace(text, "size: 123456\n", "size: 123456\ncomment: hi\n"), "unknown field 'comment'", 7, 1},
      {replace(text, "size: 123456\n", "size: 123456\nsize: 123456\n"), "duplicate field 'size'", 7, 1},
      {replace(text, "component: jit_compiler\n", ""), "missing field 'component' before 'version'", 3, 1},
      {replace(text, "component: jit_compiler\nversion: 2.1.0\n", ""), "missing field 'component' before 'sha256'", 3,
       1},
      {replace(text, "component: jit_compiler\nversion: 2.1.0\n", "version: 2.1.0\ncomponent: jit_compiler\n"),
       "missing field 'component' before 'version'", 3, 1},
      {text + "\n", "unexpected line after the 'signature' line", 9, 1},
      {text + "signature: x\n", "unexpected line after the 'signature' line", 9, 1},
      {replace(text, "size: 123456", "size 123456"), "expected 'FIELD: VALUE', found 'size 123456'", 6, 1},
      {replace(text, "size: 123456", "size:123456"),
       "field 'size' must be written 'size: VALUE' with one space after the colon", 6, 6},
      {replace(text, "size: 123456", "size:  123456"),
       "field 'size' must be written 'size: VALUE' with one space after the colon", 6, 6},
      {replace(text, "size: 123456", "size: 123456 "),
       "field 'size' must be written 'size: VALUE' with one space after the colon", 6, 6},
      {replace(text, "size: 123456", "size: "),
       "field 'size' must be written 'size: VALUE' with one space after the colon", 6, 6},
      {replace(text, "key-id: 06e3fd8fda29bb60", "key-id: 06E3FD8FDA29BB60"),
       "invalid key id '06E3FD8FDA29BB60': expected 16 lowercase hexadecimal digits", 2, 9},
      {replace(text, "key-id: 06e3fd8fda29bb60", "key-id: 06e3fd8fda29bb6"),
       "invalid key id '06e3fd8fda29bb6': expected 16 lowercase hexadecimal digits", 2, 9},
      {replace(text, "jit_compiler", "Jit_compiler"),
       "invalid component name 'Jit_compiler': use 1 to 128 lowercase letters, digits, '_', '.' and '-', starting "
       "with a letter or digit",
       3, 12},
      {replace(text, "jit_compiler", "../etc"),
       "invalid component name '../etc': use 1 to 128 lowercase letters, digits, '_', '.' and '-', starting with a "
       "letter or digit",
       3, 12},
      {replace(text, "version: 2.1.0", "version: v2.1.0"), "version 'v2.1.0' is not in canonical form '2.1.0'", 4, 10},
      {replace(text, "version: 2.1.0", "version: 2.1"), "invalid version '2.1': expected MAJOR.MINOR.PATCH", 4, 10},
      {replace(text, "sha256: 9f86", "sha256: 9F86"),
       "invalid sha256 '9F86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08': expected 64 lowercase "
       "hexadecimal digits",
       5, 9},
      {replace(text, "size: 123456", "size: 0123456"),
       "invalid size '0123456': expected a decimal number of bytes without leading zeros", 6, 7},
      {replace(text, "size: 123456", "size: -1"), "invalid size '-1': expected a decimal number of bytes", 6, 7},
      {replace(text, "size: 123456", "size: 18446744073709551616"),
       "invalid size '18446744073709551616': over 18446744073709551615", 6, 7},
      {replace(text, "2026-11-26T23:00:00Z", "2026-11-26 23:00:00"),
       "invalid signed-at time '2026-11-26 23:00:00': expected UTC as YYYY-MM-DDTHH:MM:SSZ", 7, 12},
      {replace(text, "2026-11-26T23:00:00Z", "2026-11-26T23:00:00+01:00"),
       "invalid signed-at time '2026-11-26T23:00:00+01:00': expected UTC as YYYY-MM-DDTHH:MM:SSZ", 7, 12},
      {replace(text, "2026-11-26T23:00:00Z", "2026-02-29T23:00:00Z"),
       "invalid signed-at time '2026-02-29T23:00:00Z': no such date", 7, 12},
      {replace(text, "2026-11-26T23:00:00Z", "2026-11-26T24:00:00Z"),
       "invalid signed-at time '2026-11-26T24:00:00Z': no such time of day", 7, 12},
      {replace(text, "signature: xmBM", "signature: xmB"),
       "invalid signature 'xmBqjbJD9IoiEJbPuZvqRe1iQnO+2CKzj39NGXM+8A+qPw+d7BR7Vz97xoIkdwqY...': expected 88 "
       "base64 characters encoding 64 bytes",
       8, 12},
      {replace(text, "DQ==", "DR=="),
       "invalid signature 'xmBMqjbJD9IoiEJbPuZvqRe1iQnO+2CKzj39NGXM+8A+qPw+d7BR7Vz97xoIkdwq...': expected 88 "
       "base64 characters encoding 64 bytes",
       8, 12},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    Error e = parse_error(c.text);
    CHECK(e.message == c.message);
    REQUIRE(e.where);
    CHECK(e.where->file == "jit.sig");
    CHECK(e.where->line == c.line);
    CHECK(e.where->column == c.column);
  }
  // A leap day is a date.
  auto leap = parse_signature(replace(text, "2026-11-26", "2028-02-29"));
  CHECK(leap);
}

TEST_CASE("archive::sign refuses a statement the format cannot carry")
{
  Statement s = statement();
  s.component = "Bad Name";
  auto r = sign(s, rfc_key());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::signature_invalid);
  CHECK(r.error().message.rfind("invalid component name 'Bad Name'", 0) == 0);

  s = statement();
  s.sha256 = "abc";
  CHECK_FALSE(sign(s, rfc_key()));
  s = statement();
  s.signed_at = "yesterday";
  CHECK_FALSE(sign(s, rfc_key()));
  CHECK_FALSE(sign(statement(), PrivateKey()));
}

TEST_CASE("archive::format_signed_at writes UTC to the second")
{
  using namespace std::chrono;
  CHECK(format_signed_at(system_clock::time_point(seconds(0))) == "1970-01-01T00:00:00Z");
  CHECK(format_signed_at(system_clock::time_point(seconds(1795734000) + milliseconds(999))) == "2026-11-26T23:00:00Z");
}

TEST_CASE("archive::base64_encode and base64_decode follow RFC 4648 strictly")
{
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
      {std::string("\xff\xfe\x00", 3), "//4A"},
  };
  for (const auto& [raw, encoded] : vectors) {
    CHECK(base64_encode(raw) == encoded);
    CHECK(base64_decode(encoded) == raw);
  }
  CHECK_FALSE(base64_decode("Zg="));
  CHECK_FALSE(base64_decode("Zh=="));   // unused bits set
  CHECK_FALSE(base64_decode("Zm9=="));  // padding too long
  CHECK_FALSE(base64_decode("Z=9v"));   // padding inside
  CHECK_FALSE(base64_decode("Zm9v\n")); // whitespace
  CHECK_FALSE(base64_decode("Zm-_"));   // URL alphabet
}

TEST_CASE("archive::parse_signature either refuses a mutated file with a location or reads it back byte for byte")
{
  const std::string text = signed_text();
  std::uint32_t state = 12345; // a fixed LCG: the same mutations on every run
  auto next = [&state](std::uint32_t bound) {
    state = state * 1103515245u + 12345u;
    return (state >> 8) % bound;
  };
  const std::string alphabet = "0123456789abcdefABCDEF:-+.= \n\r\t#/_xyz\x80\x00";
  const PublicKey key = rfc_key().public_key();
  std::size_t accepted = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string mutated = text;
    for (std::uint32_t edits = 1 + next(3); edits > 0; --edits) {
      auto at = next(static_cast<std::uint32_t>(mutated.size()));
      char c = alphabet[next(static_cast<std::uint32_t>(alphabet.size()))];
      switch (next(3)) {
      case 0: mutated[at] = c; break;
      case 1: mutated.insert(mutated.begin() + at, c); break;
      default: mutated.erase(at, 1); break;
      }
    }
    auto r = parse_signature(mutated, "fuzz.sig");
    if (r) {
      CHECK(serialize(*r) == mutated);
      if (mutated != text) {
        ++accepted;
        CHECK_FALSE(check_signature(*r, key));
      }
    } else {
      CHECK(r.error().code == ErrorCode::signature_invalid);
      REQUIRE(r.error().where);
      CHECK(r.error().where->file == "fuzz.sig");
      CHECK_FALSE(r.error().message.empty());
    }
  }
  // Some edits keep the file well formed (a digit of the digest); none of those verifies.
  CHECK(accepted > 0);
}

TEST_CASE("noodle-signature(5) renders without groff warnings and its example file verifies")
{
  const std::string page = std::string(NOODLE_SOURCE_DIR) + "/man/noodle-signature.5";
  FILE* p = ::popen(("groff -ww -z -man '" + page + "' 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::string warnings;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, p) != nullptr) {
    warnings += buffer;
  }
  ::pclose(p);
  CHECK(warnings.empty());

  std::ifstream in(page);
  std::string line;
  std::string example;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line == "noodle\\-signature 1") {
      inside = true;
    }
    if (inside && line == ".fi") {
      break;
    }
    if (inside) {
      for (std::size_t at; (at = line.find("\\-")) != std::string::npos;) {
        line.replace(at, 2, "-");
      }
      example += line + "\n";
    }
  }
  auto file = parse_signature(example, "noodle-signature.5");
  REQUIRE(file);
  CHECK(example == signed_text());
  CHECK(check_signature(*file, rfc_key().public_key()));
}
