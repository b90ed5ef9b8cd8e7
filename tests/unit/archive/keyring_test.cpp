// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/keyring.hpp>

#include "support/temp_dir.hpp"
#include "unit/archive/archive_builder.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace noodle;
using namespace noodle::archive;
namespace fs = std::filesystem;

namespace {

KeyPair new_key()
{
  auto keys = generate_key();
  REQUIRE(keys);
  return *keys;
}

void put_public_key(const test::TempDir& dir, const std::string& name, const KeyPair& keys)
{
  test::keyring_write(dir, name, keys.public_key.to_pem().value());
}

} // namespace

TEST_CASE("archive::default_keyring_dir is <root>/keys")
{
  CHECK(default_keyring_dir("/srv/noodle") == fs::path("/srv/noodle/keys"));
}

TEST_CASE("archive::load_keyring reads every *.pub file and finds keys by id, not by file name")
{
  test::TempDir dir;
  KeyPair a = new_key();
  KeyPair b = new_key();
  put_public_key(dir, "release-2026.pub", a);
  put_public_key(dir, "zz-" + a.public_key.id() + ".pub", b); // the name says nothing
  dir.write("README", "not a key");
  dir.write(".hidden.pub", "not a key either");
  dir.write("old.pub.bak", "ignored");

  auto ring = load_keyring(dir.path());
  REQUIRE(ring);
  CHECK(ring->size() == 2);
  CHECK(ring->dir() == dir.path());
  const KeyringEntry* entry = ring->find(a.public_key.id());
  REQUIRE(entry != nullptr);
  CHECK(entry->file == dir / "release-2026.pub");
  CHECK(ring->find(b.public_key.id())->file == dir / ("zz-" + a.public_key.id() + ".pub"));
  auto key = ring->key_for(a.public_key.id());
  REQUIRE(key);
  CHECK(key->id() == a.public_key.id());
}

TEST_CASE("archive::Keyring::key_for names an unknown key id and the keyring")
{
  test::TempDir dir;
  put_public_key(dir, "release.pub", new_key());
  auto ring = load_keyring(dir.path());
  REQUIRE(ring);
  auto r = ring->key_for("3f2a9c0d11e4b7a8");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::unknown_key);
  CHECK(r.error().message == "signing key '3f2a9c0d11e4b7a8' is not in the keyring '" + dir.path().string() + "'");
}

TEST_CASE("archive::Keyring::key_for refuses a revoked key, present or not")
{
  test::TempDir dir;
  KeyPair kept = new_key();
  KeyPair revoked = new_key();
  put_public_key(dir, "kept.pub", kept);
  put_public_key(dir, "revoked.pub", revoked);
  std::string gone = "00112233aabbccdd";
  test::keyring_write(dir, "revoked",
                      "# keys that must never verify again\n\n  " + revoked.public_key.id() + "   # leaked 2026-11\n"
                          + "00112233AABBCCDD\n");
  auto ring = load_keyring(dir.path());
  REQUIRE(ring);
  CHECK(ring->is_revoked(revoked.public_key.id()));
  CHECK(ring->is_revoked(gone));
  CHECK_FALSE(ring->is_revoked(kept.public_key.id()));
  CHECK(ring->key_for(kept.public_key.id()));

  auto r = ring->key_for(revoked.public_key.id());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::revoked_key);
  CHECK(r.error().message
        == "signing key '" + revoked.public_key.id() + "' is revoked (listed in '" + (dir / "revoked").string()
               + "' line 3)");
  auto g = ring->key_for(gone);
  REQUIRE_FALSE(g);
  CHECK(g.error().code == ErrorCode::revoked_key);
  CHECK(g.error().message.find("line 4") != std::string::npos);
}

TEST_CASE("archive::load_keyring fails closed on a malformed revoked list")
{
  test::TempDir dir;
  put_public_key(dir, "release.pub", new_key());
  test::keyring_write(dir, "revoked", "0011223344556677\n0011-2233\n");
  auto ring = load_keyring(dir.path());
  REQUIRE_FALSE(ring);
  CHECK(ring.error().code == ErrorCode::io);
  CHECK(ring.error().message == "invalid key id '0011-2233' in the revoked list: expected 16 hexadecimal digits");
  REQUIRE(ring.error().where);
  CHECK(ring.error().where->to_string() == (dir / "revoked").string() + ":2");
}

TEST_CASE("archive::load_keyring fails closed on a key file that is not an Ed25519 public key")
{
  test::TempDir dir;
  put_public_key(dir, "good.pub", new_key());
  auto bad = test::keyring_write(dir, "bad.pub", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  auto ring = load_keyring(dir.path());
  REQUIRE_FALSE(ring);
  CHECK(ring.error().code == ErrorCode::io);
  CHECK(ring.error().message.rfind("public key file '" + bad.string() + "' is not a PEM public key", 0) == 0);
}

TEST_CASE("archive::load_keyring fails on a missing directory and accepts an empty one")
{
  test::TempDir dir;
  auto missing = load_keyring(dir / "keys");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::io);
  CHECK(missing.error().message.rfind("cannot read keyring directory '" + (dir / "keys").string() + "': ", 0) == 0);

  auto empty = load_keyring(dir.path());
  REQUIRE(empty);
  CHECK(empty->size() == 0);
  CHECK(empty->key_for("0011223344556677").error().code == ErrorCode::unknown_key);
}

TEST_CASE("archive::Keyring::add keeps one entry for the same key in two files")
{
  test::TempDir dir;
  KeyPair k = new_key();
  put_public_key(dir, "a.pub", k);
  put_public_key(dir, "b.pub", k);
  auto ring = load_keyring(dir.path());
  REQUIRE(ring);
  CHECK(ring->size() == 1);
  CHECK(ring->find(k.public_key.id())->file == dir / "a.pub");
}

TEST_CASE("archive::load_keyring refuses a keyring that group or others may write")
{
  test::TempDir dir;
  auto pub = test::keyring_write(dir, "keys/release.pub", new_key().public_key.to_pem().value());
  auto revoked = test::keyring_write(dir, "keys/revoked", "# none\n");
  fs::path keys = dir / "keys";
  fs::permissions(keys, static_cast<fs::perms>(0755), fs::perm_options::replace);
  fs::permissions(pub, static_cast<fs::perms>(0644), fs::perm_options::replace);
  REQUIRE(load_keyring(keys));

  SECTION("a group-writable directory")
  {
    fs::permissions(keys, static_cast<fs::perms>(0775), fs::perm_options::replace);
    auto r = load_keyring(keys);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::io);
    CHECK(r.error().message
          == "keyring directory '" + keys.string()
                 + "' has mode 0775: it must not be writable by group or others, who could add or "
                   "replace a trusted key (run chmod go-w '"
                 + keys.string() + "')");
  }
  SECTION("a world-writable key file")
  {
    fs::permissions(pub, static_cast<fs::perms>(0646), fs::perm_options::replace);
    auto r = load_keyring(keys);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.rfind("public key file '" + pub.string() + "' has mode 0646: ", 0) == 0);
  }
  SECTION("a group-writable revoked list")
  {
    fs::permissions(revoked, static_cast<fs::perms>(0664), fs::perm_options::replace);
    auto r = load_keyring(keys);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.rfind("revoked list '" + revoked.string() + "' has mode 0664: ", 0) == 0);
  }
}
