// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/digest.hpp>
#include <noodle/archive/keys.hpp>

#include "support/files.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

using namespace noodle;
using namespace noodle::archive;
namespace fs = std::filesystem;

namespace {

using noodle::test::mode_of;
using noodle::test::read_file;

// RFC 8032, section 7.1, TEST 1.
const char* const k_rfc8032_private_pem = "-----BEGIN PRIVATE KEY-----\n"
                                          "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
                                          "-----END PRIVATE KEY-----\n";
const char* const k_rfc8032_public_pem = "-----BEGIN PUBLIC KEY-----\n"
                                         "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                                         "-----END PUBLIC KEY-----\n";
const char* const k_rfc8032_empty_signature = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb88215"
                                              "90a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
// sha256(302a300506032b6570032100 || d75a9801...511a), the SubjectPublicKeyInfo DER.
const char* const k_rfc8032_key_id = "06e3fd8fda29bb60";

const char* const k_p256_public_pem = "-----BEGIN PUBLIC KEY-----\n"
                                      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEDv4xdeoS8fhizzsrSs+nAFeGKEuZ\n"
                                      "bQeQkaLdFA5ndCBa2+2TbqIv2Am1Z+ZeJsH6NOTd98rk57x7aJWzwJ7EQQ==\n"
                                      "-----END PUBLIC KEY-----\n";

class UmaskGuard {
public:
  explicit UmaskGuard(mode_t mask) : m_old(::umask(mask)) {}
  ~UmaskGuard() { ::umask(m_old); }
  UmaskGuard(const UmaskGuard&) = delete;
  UmaskGuard& operator=(const UmaskGuard&) = delete;

private:
  mode_t m_old;
};

} // namespace

TEST_CASE("archive::generate_key makes distinct Ed25519 keys with 16-hex-digit ids")
{
  auto a = generate_key();
  auto b = generate_key();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(is_lower_hex(a->public_key.id(), k_key_id_length));
  CHECK(a->private_key.id() == a->public_key.id());
  CHECK(a->public_key.id() != b->public_key.id());
}

TEST_CASE("archive::key_id is the first 8 bytes of SHA-256 of the SubjectPublicKeyInfo DER")
{
  auto pub = parse_public_key(k_rfc8032_public_pem);
  REQUIRE(pub);
  CHECK(pub->id() == k_rfc8032_key_id);
  CHECK(key_id(*pub) == k_rfc8032_key_id);
  auto priv = parse_private_key(k_rfc8032_private_pem);
  REQUIRE(priv);
  CHECK(priv->id() == k_rfc8032_key_id);
}

TEST_CASE("archive::parse_public_key reads a key file's own layout and any other PEM layout to the same key")
{
  auto canonical = parse_public_key(k_rfc8032_public_pem);
  REQUIRE(canonical);
  auto priv = parse_private_key(k_rfc8032_private_pem);
  REQUIRE(priv);
  auto sig = sign_message(*priv, "component: jit_compiler\n");
  REQUIRE(sig);
  const std::string pem = k_rfc8032_public_pem;
  std::string crlf;
  for (char c : pem) {
    crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  }
  // Layouts the short path leaves to OpenSSL's PEM reader.
  for (const std::string& text : {pem + "\n", "comment\n" + pem, crlf, pem.substr(0, pem.size() - 1)}) {
    CAPTURE(text);
    auto other = parse_public_key(text);
    REQUIRE(other);
    CHECK(other->id() == canonical->id());
    CHECK(*other->to_pem() == *canonical->to_pem());
    CHECK(verify_message(*other, "component: jit_compiler\n", *sig));
  }
  CHECK(*canonical->to_pem() == pem);
  // Same length and layout, another algorithm (X25519): OpenSSL's reader names it.
  auto x25519 = parse_public_key("-----BEGIN PUBLIC KEY-----\n"
                                 "MCowBQYDK2VuAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                                 "-----END PUBLIC KEY-----\n");
  REQUIRE_FALSE(x25519);
  CHECK(x25519.error().message == "public key is a X25519 key: only Ed25519 keys are supported");
  // A damaged body is refused whichever path reads it.
  std::string damaged = pem;
  damaged[30] = '!';
  CHECK_FALSE(parse_public_key(damaged));
}

TEST_CASE("archive::sign_message is plain Ed25519 (RFC 8032 test vector)")
{
  auto priv = parse_private_key(k_rfc8032_private_pem);
  REQUIRE(priv);
  auto sig = sign_message(*priv, "");
  REQUIRE(sig);
  CHECK(to_hex(std::span(reinterpret_cast<const std::uint8_t*>(sig->data()), sig->size()))
        == k_rfc8032_empty_signature);
  auto pub = parse_public_key(k_rfc8032_public_pem);
  REQUIRE(pub);
  CHECK(verify_message(*pub, "", *sig));
}

TEST_CASE("archive::verify_message refuses a changed message, a changed signature and another key")
{
  auto keys = generate_key();
  auto other = generate_key();
  REQUIRE(keys);
  REQUIRE(other);
  std::string message = "component: jit_compiler\n";
  auto sig = sign_message(keys->private_key, message);
  REQUIRE(sig);
  CHECK(verify_message(keys->public_key, message, *sig));
  CHECK_FALSE(verify_message(other->public_key, message, *sig));
  std::string changed_message = message;
  changed_message[0] = 'C';
  CHECK_FALSE(verify_message(keys->public_key, changed_message, *sig));
  std::string changed_sig = *sig;
  changed_sig[10] = static_cast<char>(changed_sig[10] ^ 1);
  CHECK_FALSE(verify_message(keys->public_key, message, changed_sig));
  CHECK_FALSE(verify_message(keys->public_key, message, sig->substr(1)));
  CHECK_FALSE(verify_message(PublicKey(), message, *sig));
}

TEST_CASE("archive::write_key_pair writes PREFIX.key 0600 and PREFIX.pub 0644 whatever the umask")
{
  test::TempDir dir;
  for (mode_t mask : {mode_t{0}, mode_t{022}, mode_t{077}}) {
    UmaskGuard guard(mask);
    fs::path prefix = dir / ("release-" + std::to_string(mask));
    auto files = write_key_pair(prefix);
    REQUIRE(files);
    CHECK(files->private_file == fs::path(prefix.string() + ".key"));
    CHECK(files->public_file == fs::path(prefix.string() + ".pub"));
    CHECK(mode_of(files->private_file) == 0600);
    CHECK(mode_of(files->public_file) == 0644);
    CHECK(read_file(files->private_file).rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
    CHECK(read_file(files->public_file).rfind("-----BEGIN PUBLIC KEY-----\n", 0) == 0);
    CHECK(is_lower_hex(files->key_id, k_key_id_length));
  }
}

TEST_CASE("archive::write_key_pair keys load back with the same id")
{
  test::TempDir dir;
  auto keys = generate_key();
  REQUIRE(keys);
  auto files = write_key_pair(*keys, dir / "a");
  REQUIRE(files);
  CHECK(files->key_id == keys->public_key.id());
  auto priv = load_private_key(files->private_file);
  auto pub = load_public_key(files->public_file);
  REQUIRE(priv);
  REQUIRE(pub);
  CHECK(priv->id() == keys->public_key.id());
  CHECK(pub->id() == keys->public_key.id());
  // The same key written elsewhere has the same id: it comes from the key, not the file.
  auto again = write_key_pair(*keys, dir / "b");
  REQUIRE(again);
  CHECK(load_public_key(again->public_file)->id() == keys->public_key.id());
  // A loaded private key signs what the loaded public key verifies.
  auto sig = sign_message(*priv, "statement");
  REQUIRE(sig);
  CHECK(verify_message(*pub, "statement", *sig));
}

TEST_CASE("archive::write_key_pair refuses to overwrite either file and leaves both untouched")
{
  test::TempDir dir;
  auto first = write_key_pair(dir / "release");
  REQUIRE(first);
  std::string old_key = read_file(first->private_file);
  std::string old_pub = read_file(first->public_file);

  auto second = write_key_pair(dir / "release");
  REQUIRE_FALSE(second);
  CHECK(second.error().code == ErrorCode::key_exists);
  CHECK(second.error().message
        == "key file '" + first->private_file.string() + "' already exists, refusing to overwrite it");
  CHECK(read_file(first->private_file) == old_key);
  CHECK(read_file(first->public_file) == old_pub);

  SECTION("only the public key exists: no private key is created")
  {
    dir.write("lonely.pub", "keep me");
    auto r = write_key_pair(dir / "lonely");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::key_exists);
    CHECK(r.error().message.find("lonely.pub") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "lonely.key"));
    CHECK(read_file(dir / "lonely.pub") == "keep me");
  }
  SECTION("a symlink in place of the private key is not written through")
  {
    auto target = dir.write("target", "victim");
    fs::create_symlink(target, dir / "linked.key");
    auto r = write_key_pair(dir / "linked");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::key_exists);
    CHECK(read_file(target) == "victim");
    CHECK_FALSE(fs::exists(dir / "linked.pub"));
  }
}

TEST_CASE("archive::write_key_pair fails with io in a missing directory and leaves nothing")
{
  test::TempDir dir;
  auto r = write_key_pair(dir / "missing" / "release");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::io);
}

TEST_CASE("archive::load_private_key refuses a key file accessible by group or others")
{
  test::TempDir dir;
  auto files = write_key_pair(dir / "release");
  REQUIRE(files);
  for (mode_t mode : {mode_t{0640}, mode_t{0604}, mode_t{0644}, mode_t{0610}}) {
    fs::permissions(files->private_file, static_cast<fs::perms>(mode), fs::perm_options::replace);
    auto key = load_private_key(files->private_file);
    REQUIRE_FALSE(key);
    CHECK(key.error().code == ErrorCode::io);
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    CHECK(key.error().message
          == "private key file '" + files->private_file.string() + "' has mode " + octal
                 + ": it must not be accessible by group or others (run chmod 600 '" + files->private_file.string()
                 + "')");
  }
  fs::permissions(files->private_file, static_cast<fs::perms>(0400), fs::perm_options::replace);
  CHECK(load_private_key(files->private_file));
}

TEST_CASE("archive key loaders refuse other key types, garbage, encrypted and missing files")
{
  test::TempDir dir;
  auto ec = parse_public_key(k_p256_public_pem, "public key file 'ec.pub'");
  REQUIRE_FALSE(ec);
  CHECK(ec.error().code == ErrorCode::io);
  CHECK(ec.error().message == "public key file 'ec.pub' is a EC key: only Ed25519 keys are supported");

  auto garbage = dir.write("garbage.pub", "hello\n");
  auto g = load_public_key(garbage);
  REQUIRE_FALSE(g);
  CHECK(g.error().code == ErrorCode::io);
  CHECK(g.error().message.rfind("public key file '" + garbage.string() + "' is not a PEM public key", 0) == 0);

  // A private key is not a public key file.
  CHECK_FALSE(parse_public_key(k_rfc8032_private_pem));

  auto enc = parse_private_key("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
  REQUIRE_FALSE(enc);
  CHECK(enc.error().message == "private key is encrypted: only unencrypted PKCS#8 keys are read");

  auto missing = load_public_key(dir / "nope.pub");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::io);
  CHECK(missing.error().message.rfind("cannot open key file '", 0) == 0);

  auto big = dir.write("big.pub", std::string(k_max_key_file_bytes + 1, 'A'));
  auto b = load_public_key(big);
  REQUIRE_FALSE(b);
  CHECK(b.error().message.find("over the 65536-byte limit") != std::string::npos);

  auto d = load_public_key(dir.path());
  REQUIRE_FALSE(d);
  CHECK(d.error().message.find("is not a regular file") != std::string::npos);
}
