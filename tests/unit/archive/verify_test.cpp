// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/digest.hpp>
#include <noodle/archive/verify.hpp>
#include <noodle/util/unique_fd.hpp>

#include "support/files.hpp"
#include "support/recording_progress.hpp"
#include "support/split_mix.hpp"
#include "support/temp_dir.hpp"
#include "unit/archive/archive_builder.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace noodle;
using namespace noodle::archive;
namespace fs = std::filesystem;

namespace {

using noodle::test::mode_of;
using noodle::test::read_file;

void spit(const fs::path& p, const std::string& content)
{
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
}

// Everything readable from `fd` with pread, from offset 0.
std::string read_fd(int fd)
{
  std::string out;
  char buffer[4096];
  off_t at = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buffer, sizeof buffer, at);
    REQUIRE(n >= 0);
    if (n == 0) {
      return out;
    }
    out.append(buffer, static_cast<std::size_t>(n));
    at += n;
  }
}

bool empty_dir(const fs::path& p)
{
  return fs::is_directory(p) && fs::directory_iterator(p) == fs::directory_iterator();
}

// A keyring holding one release key, a staging path, and archives signed with it.
struct Release {
  test::TempDir dir;
  KeyPair key = generate_key().value();
  fs::path staging = dir / "staging";
  Keyring keyring;
  Limits limits;

  Release()
  {
    test::keyring_write(dir, "keys/release.pub", key.public_key.to_pem().value());
    keyring = load_keyring(dir / "keys").value();
  }

  fs::path archive(const std::string& file, const std::string& name, const std::string& version,
                   const std::string& payload = "#!/bin/sh\necho hello\n") const
  {
    fs::path p = dir / file;
    test::write_tar_gz(p, {{"manifest.yaml", test::manifest_yaml(name, version)}, {"bin/" + name, payload}});
    return p;
  }

  // The statement for `archive` as a release pipeline would make it.
  static Statement statement_for(const fs::path& archive, const std::string& name, const std::string& version)
  {
    Statement s;
    s.component = name;
    s.version = semver::Version::parse(version).value();
    std::string bytes = read_file(archive);
    s.sha256 = sha256(bytes).value().hex();
    s.size = bytes.size();
    s.signed_at = "2026-11-26T23:00:00Z";
    return s;
  }

  fs::path sign_file(const fs::path& archive, const Statement& s, const PrivateKey& with) const
  {
    fs::path sig = archive;
    sig += ".sig";
    spit(sig, serialize(sign(s, with).value()));
    return sig;
  }

  fs::path sign_file(const fs::path& archive, const std::string& name, const std::string& version) const
  {
    return sign_file(archive, statement_for(archive, name, version), key.private_key);
  }

  Result<VerifiedArchive> verify(const fs::path& archive, const fs::path& sig) const
  {
    return verify_archive(archive, sig, keyring, staging, limits);
  }
};

Error verify_error(const Result<VerifiedArchive>& r)
{
  REQUIRE_FALSE(r);
  return r.error();
}

// jit_compiler 2.1.0 packed with `payload`, signed by `rel`'s key, and an
// empty tree to extract it into.
struct SignedExtraction {
  SignedExtraction(const Release& release, const std::string& payload) : rel(release)
  {
    archive = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0", payload);
    source = SignatureSource{rel.sign_file(archive, "jit_compiler", "2.1.0"), &rel.keyring};
    good = read_file(archive);
    signed_hex = sha256(good).value().hex();
    fs::create_directory(tree);
  }
  Result<VerifiedExtraction> run() const
  {
    util::UniqueFd fd(::open(tree.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    return verify_and_extract(archive, source, fd.get(), tree, rel.limits);
  }
  // The archive's file rewritten as `bytes`: refused, with nothing left.
  Error refused(const std::string& bytes) const
  {
    spit(archive, bytes);
    auto r = run();
    REQUIRE_FALSE(r);
    CHECK(empty_dir(tree));
    return r.error();
  }
  // The archive as signed: extracted, with its digest and size.
  VerifiedExtraction accepted() const
  {
    spit(archive, good);
    auto r = run();
    REQUIRE(r);
    CHECK(r->archive.sha256 == signed_hex);
    CHECK(r->archive.size == good.size());
    return std::move(*r);
  }

  const Release& rel;
  fs::path archive;
  SignatureSource source;
  std::string good; // the archive's bytes as signed
  std::string signed_hex;
  fs::path tree = rel.dir / "tree";
};

} // namespace

TEST_CASE("archive::verify_archive accepts a signed archive and hands over a private read-only copy")
{
  Release rel;
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0");
  fs::path sig = rel.sign_file(a, "jit_compiler", "2.1.0");
  const std::string original = read_file(a);

  auto v = rel.verify(a, sig);
  REQUIRE(v);
  CHECK(v->component == "jit_compiler");
  CHECK(v->version.to_string() == "2.1.0");
  CHECK(v->sha256 == sha256(original).value().hex());
  CHECK(v->size == original.size());
  CHECK(v->signature.key_id == rel.key.public_key.id());
  CHECK(v->manifest.name == "jit_compiler");
  CHECK(v->manifest.extras->entry_point == "bin/jit_compiler");
  CHECK(v->private_copy.parent_path() == rel.staging);
  CHECK(mode_of(rel.staging) == 0700);
  CHECK(mode_of(v->private_copy) == 0400);
  REQUIRE(v->fd >= 0);
  CHECK((::fcntl(v->fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
  CHECK(read_fd(v->fd) == original);
  CHECK(read_file(v->private_copy) == original);
}

TEST_CASE("archive::verify_archive result keeps reading the verified bytes after the original is rewritten")
{
  Release rel;
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0");
  fs::path sig = rel.sign_file(a, "jit_compiler", "2.1.0");
  const std::string signed_bytes = read_file(a);
  auto v = rel.verify(a, sig);
  REQUIRE(v);

  SECTION("rewritten in place, same size, same inode")
  {
    std::string evil = signed_bytes;
    for (char& c : evil) {
      c = static_cast<char>(c ^ 0x5a);
    }
    int fd = ::open(a.c_str(), O_WRONLY);
    REQUIRE(fd >= 0);
    REQUIRE(::pwrite(fd, evil.data(), evil.size(), 0) == static_cast<ssize_t>(evil.size()));
    ::close(fd);
    REQUIRE(read_file(a) == evil);
  }
  SECTION("replaced by another archive through rename")
  {
    fs::path other = rel.archive("other.tar.gz", "jit_compiler", "6.6.6", "malicious");
    fs::rename(other, a);
    REQUIRE(read_file(a) != signed_bytes);
  }
  CHECK(read_fd(v->fd) == signed_bytes);
  CHECK(sha256_file(v->fd).value().hex() == v->sha256);
  CHECK(read_file(v->private_copy) == signed_bytes);
}

TEST_CASE("archive::verify_archive names a signing key that is not in the keyring")
{
  Release rel;
  KeyPair stranger = generate_key().value();
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0");
  fs::path sig = rel.sign_file(a, Release::statement_for(a, "jit_compiler", "2.1.0"), stranger.private_key);
  Error e = verify_error(rel.verify(a, sig));
  CHECK(e.code == ErrorCode::unknown_key);
  CHECK(e.message
        == "signing key '" + stranger.public_key.id() + "' is not in the keyring '" + (rel.dir / "keys").string()
               + "'");
  CHECK_FALSE(fs::exists(rel.staging)); // refused before anything was copied
}

TEST_CASE("archive::verify_archive refuses a signature made by another key under a trusted key id")
{
  Release rel;
  KeyPair impostor = generate_key().value();
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0");

  SECTION("a well-formed file naming the trusted id, signed by the impostor")
  {
    SignatureFile forged;
    forged.key_id = rel.key.public_key.id();
    forged.statement = Release::statement_for(a, "jit_compiler", "2.1.0");
    forged.signature = sign_message(impostor.private_key, statement_text(forged)).value();
    spit(a.string() + ".sig", serialize(forged));
  }
  SECTION("the impostor's file with its key-id line edited")
  {
    fs::path sig = rel.sign_file(a, Release::statement_for(a, "jit_compiler", "2.1.0"), impostor.private_key);
    std::string text = read_file(sig);
    auto at = text.find(impostor.public_key.id());
    REQUIRE(at != std::string::npos);
    text.replace(at, k_key_id_length, rel.key.public_key.id());
    spit(sig, text);
  }
  SECTION("the impostor's public key put in the keyring under the trusted key's file name")
  {
    fs::path sig = rel.sign_file(a, Release::statement_for(a, "jit_compiler", "2.1.0"), impostor.private_key);
    std::string text = read_file(sig);
    text.replace(text.find(impostor.public_key.id()), k_key_id_length, rel.key.public_key.id());
    spit(sig, text);
    test::keyring_write(rel.dir, "keys/" + rel.key.public_key.id() + ".pub", impostor.public_key.to_pem().value());
    fs::remove(rel.dir / "keys/release.pub");
    test::keyring_write(rel.dir, "keys/release.pub", rel.key.public_key.to_pem().value());
    rel.keyring = load_keyring(rel.dir / "keys").value();
  }
  Error e = verify_error(rel.verify(a, a.string() + ".sig"));
  CHECK(e.code == ErrorCode::signature_invalid);
  CHECK(e.message == "signature does not verify with key '" + rel.key.public_key.id() + "'");
}

TEST_CASE("archive::verify_archive refuses a revoked key")
{
  Release rel;
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0");
  fs::path sig = rel.sign_file(a, "jit_compiler", "2.1.0");
  test::keyring_write(rel.dir, "keys/revoked", "# compromised\n" + rel.key.public_key.id() + "\n");
  rel.keyring = load_keyring(rel.dir / "keys").value();
  Error e = verify_error(rel.verify(a, sig));
  CHECK(e.code == ErrorCode::revoked_key);
  CHECK(e.message
        == "signing key '" + rel.key.public_key.id() + "' is revoked (listed in '" + (rel.dir / "keys/revoked").string()
               + "' line 2)");
}

TEST_CASE("archive::verify_archive catches a one-byte change anywhere in the archive")
{
  Release rel;
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0");
  fs::path sig = rel.sign_file(a, "jit_compiler", "2.1.0");
  const std::string good = read_file(a);
  const std::string signed_hex = sha256(good).value().hex();
  REQUIRE(good.size() > 100);
  for (std::size_t at = 0; at < good.size(); ++at) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    spit(a, bad);
    auto r = rel.verify(a, sig);
    REQUIRE_FALSE(r);
    INFO("byte " << at);
    CHECK(r.error().code == ErrorCode::integrity);
    CHECK(r.error().message
          == "archive sha256 " + sha256(bad).value().hex() + " does not match the signed " + signed_hex);
  }
  CHECK(empty_dir(rel.staging)); // every refused copy was removed

  spit(a, good + "x");
  Error appended = verify_error(rel.verify(a, sig));
  CHECK(appended.code == ErrorCode::integrity);
  REQUIRE(appended.details.size() == 1);
  CHECK(appended.details[0]
        == "the archive is " + std::to_string(good.size() + 1) + " bytes, the signed size is "
               + std::to_string(good.size()));
  spit(a, good);
  CHECK(rel.verify(a, sig));
}

TEST_CASE("archive::verify_archive binds the signature to one component name and version")
{
  Release rel;
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "1.0.0");

  SECTION("a relabelled statement no longer verifies")
  {
    fs::path sig = rel.sign_file(a, "jit_compiler", "1.0.0");
    std::string text = read_file(sig);
    text.replace(text.find("version: 1.0.0"), 14, "version: 2.1.0");
    spit(sig, text);
    Error e = verify_error(rel.verify(a, sig));
    CHECK(e.code == ErrorCode::signature_invalid);
    CHECK(e.message == "signature does not verify with key '" + rel.key.public_key.id() + "'");
  }
  SECTION("a validly signed statement naming another version than the archive holds")
  {
    fs::path sig = rel.sign_file(a, "jit_compiler", "2.1.0");
    Error e = verify_error(rel.verify(a, sig));
    CHECK(e.code == ErrorCode::integrity);
    CHECK(e.message == "archive holds jit_compiler@1.0.0 but the signature is for jit_compiler@2.1.0");
    CHECK(empty_dir(rel.staging));
  }
  SECTION("a validly signed statement naming another component")
  {
    fs::path sig = rel.sign_file(a, "gc_engine", "1.0.0");
    Error e = verify_error(rel.verify(a, sig));
    CHECK(e.code == ErrorCode::integrity);
    CHECK(e.message == "archive holds jit_compiler@1.0.0 but the signature is for gc_engine@1.0.0");
  }
  SECTION("build metadata is part of the version")
  {
    fs::path b = rel.archive("jit-b.tar.gz", "jit_compiler", "1.0.0+build.1");
    fs::path sig = rel.sign_file(b, "jit_compiler", "1.0.0+build.2");
    Error e = verify_error(rel.verify(b, sig));
    CHECK(e.code == ErrorCode::integrity);
    CHECK(e.message == "archive holds jit_compiler@1.0.0+build.1 but the signature is for jit_compiler@1.0.0+build.2");
  }
  SECTION("the signature of one signed archive does not cover another")
  {
    fs::path newer = rel.archive("jit-2.tar.gz", "jit_compiler", "2.1.0");
    fs::path newer_sig = rel.sign_file(newer, "jit_compiler", "2.1.0");
    rel.sign_file(a, "jit_compiler", "1.0.0");
    Error e = verify_error(rel.verify(a, newer_sig));
    CHECK(e.code == ErrorCode::integrity);
    CHECK(e.message.rfind("archive sha256 ", 0) == 0);
  }
}

TEST_CASE("archive::verify_archive refuses truncated, oversized and malformed signature files")
{
  Release rel;
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0");
  fs::path sig = rel.sign_file(a, "jit_compiler", "2.1.0");
  const std::string text = read_file(sig);

  SECTION("cut before the signature line")
  {
    spit(sig, text.substr(0, text.find("signature: ")));
    Error e = verify_error(rel.verify(a, sig));
    CHECK(e.code == ErrorCode::signature_invalid);
    CHECK(e.message == "signature file is truncated: it ends before the 'signature' line");
    REQUIRE(e.where);
    CHECK(e.where->file == sig.string());
  }
  SECTION("cut mid-line")
  {
    spit(sig, text.substr(0, text.size() - 10));
    Error e = verify_error(rel.verify(a, sig));
    CHECK(e.code == ErrorCode::signature_invalid);
    CHECK(e.message == "signature file is truncated: the last line has no line feed");
  }
  SECTION("over 4096 bytes")
  {
    spit(sig, text + std::string(5000 - text.size(), '#'));
    Error e = verify_error(rel.verify(a, sig));
    CHECK(e.code == ErrorCode::signature_invalid);
    CHECK(e.message == "signature file is 5000 bytes, over the 4096-byte limit");
  }
  SECTION("a malformed line")
  {
    std::string bad = text;
    bad.replace(bad.find("size: "), 6, "Size: ");
    spit(sig, bad);
    Error e = verify_error(rel.verify(a, sig));
    CHECK(e.code == ErrorCode::signature_invalid);
    CHECK(e.message == "unknown field 'Size'");
    REQUIRE(e.where);
    CHECK(e.where->to_string() == sig.string() + ":6:1");
  }
  SECTION("missing")
  {
    fs::remove(sig);
    Error e = verify_error(rel.verify(a, sig));
    CHECK(e.code == ErrorCode::io);
    CHECK(e.message.rfind("cannot open signature file '" + sig.string() + "': ", 0) == 0);
  }
}

TEST_CASE("archive::verify_archive creates the staging directory 0700 and refuses one open to others")
{
  Release rel;
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0");
  fs::path sig = rel.sign_file(a, "jit_compiler", "2.1.0");

  SECTION("created 0700 whatever the umask")
  {
    mode_t old = ::umask(0);
    auto v = rel.verify(a, sig);
    ::umask(old);
    REQUIRE(v);
    CHECK(mode_of(rel.staging) == 0700);
  }
  SECTION("an existing 0755 directory is refused")
  {
    fs::create_directory(rel.staging);
    fs::permissions(rel.staging, static_cast<fs::perms>(0755), fs::perm_options::replace);
    Error e = verify_error(rel.verify(a, sig));
    CHECK(e.code == ErrorCode::io);
    CHECK(e.message
          == "staging directory '" + rel.staging.string() + "' must have mode 0700 and belong to uid "
                 + std::to_string(::geteuid()) + ": it has mode 0755 and belongs to uid "
                 + std::to_string(::geteuid()));
    CHECK(empty_dir(rel.staging));
  }
  SECTION("a symlink to a 0700 directory is refused")
  {
    fs::create_directory(rel.dir / "elsewhere");
    fs::permissions(rel.dir / "elsewhere", static_cast<fs::perms>(0700), fs::perm_options::replace);
    fs::create_directory_symlink(rel.dir / "elsewhere", rel.staging);
    Error e = verify_error(rel.verify(a, sig));
    CHECK(e.code == ErrorCode::io);
    CHECK(e.message.find("is not a directory (or is a symbolic link)") != std::string::npos);
    CHECK(empty_dir(rel.dir / "elsewhere"));
  }
  SECTION("an existing 0700 directory is used")
  {
    fs::create_directory(rel.staging);
    fs::permissions(rel.staging, static_cast<fs::perms>(0700), fs::perm_options::replace);
    CHECK(rel.verify(a, sig));
  }
}

TEST_CASE("archive::verify_archive refuses archives that are links, not files or over the size limit")
{
  Release rel;
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0");
  fs::path sig = rel.sign_file(a, "jit_compiler", "2.1.0");

  fs::create_symlink(a, rel.dir / "link.tar.gz");
  Error link = verify_error(rel.verify(rel.dir / "link.tar.gz", sig));
  CHECK(link.code == ErrorCode::archive_invalid);
  CHECK(link.message
        == "archive '" + (rel.dir / "link.tar.gz").string() + "' is a symbolic link: give the file itself");

  Error dir = verify_error(rel.verify(rel.dir.path(), sig));
  CHECK(dir.code == ErrorCode::archive_invalid);
  CHECK(dir.message == "archive '" + rel.dir.path().string() + "' is not a regular file");

  rel.limits.max_archive_bytes = 10;
  Error big = verify_error(rel.verify(a, sig));
  CHECK(big.code == ErrorCode::archive_limit);
  CHECK(big.message
        == "archive '" + a.string() + "' is " + std::to_string(fs::file_size(a)) + " bytes, over the 10-byte limit");

  Error missing = verify_error(rel.verify(rel.dir / "none.tar.gz", sig));
  CHECK(missing.code == ErrorCode::io);
}

TEST_CASE("archive::verify_archive requires one valid manifest.yaml inside the signed archive")
{
  Release rel;
  SECTION("no manifest")
  {
    fs::path a = rel.dir / "bare.tar.gz";
    test::write_tar_gz(a, {{"bin/x", "x"}});
    fs::path sig = rel.sign_file(a, "jit_compiler", "2.1.0");
    Error e = verify_error(rel.verify(a, sig));
    CHECK(e.code == ErrorCode::archive_invalid);
    CHECK(e.message == "archive '" + a.string() + "' holds no manifest.yaml");
    CHECK(empty_dir(rel.staging));
  }
  SECTION("an invalid manifest")
  {
    fs::path a = rel.dir / "bad.tar.gz";
    test::write_tar_gz(a, {{"manifest.yaml", "name: jit_compiler\nversion: 2.1\n"}});
    fs::path sig = rel.sign_file(a, "jit_compiler", "2.1.0");
    Error e = verify_error(rel.verify(a, sig));
    CHECK(e.code == ErrorCode::archive_invalid);
    CHECK(e.message.rfind("manifest.yaml of archive '" + a.string() + "' is invalid: invalid version '2.1'", 0) == 0);
  }
  SECTION("two component versions")
  {
    fs::path a = rel.dir / "two.tar.gz";
    test::write_tar_gz(a, {{"manifest.yaml", test::manifest_yaml("jit_compiler", "2.1.0") + "---\n"
                                                 + test::manifest_yaml("jit_compiler", "2.2.0")}});
    fs::path sig = rel.sign_file(a, "jit_compiler", "2.1.0");
    Error e = verify_error(rel.verify(a, sig));
    CHECK(e.code == ErrorCode::archive_invalid);
    CHECK(e.message == "manifest.yaml of archive '" + a.string() + "' holds 2 component versions, expected 1");
  }
}

TEST_CASE("archive::verify_signature_file checks a signature file on its own")
{
  Release rel;
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0");
  fs::path sig = rel.sign_file(a, "jit_compiler", "2.1.0");
  auto file = verify_signature_file(sig, rel.keyring);
  REQUIRE(file);
  CHECK(file->statement.component == "jit_compiler");
  CHECK(verify_signature_file(sig, Keyring(rel.dir / "empty")).error().code == ErrorCode::unknown_key);
}

TEST_CASE("archive::VerifiedArchive owns its descriptor and moves it")
{
  Release rel;
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0");
  auto v = rel.verify(a, rel.sign_file(a, "jit_compiler", "2.1.0"));
  REQUIRE(v);
  int fd = v->fd;
  VerifiedArchive moved = std::move(*v);
  CHECK(v->fd == -1);
  CHECK(moved.fd == fd);
  CHECK(::fcntl(fd, F_GETFD) != -1);
  {
    VerifiedArchive gone = std::move(moved);
  }
  CHECK(::fcntl(fd, F_GETFD) == -1); // closed with its owner
}

TEST_CASE("archive::check_catalog_entry requires the catalog to describe the verified archive")
{
  Release rel;
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0");
  auto v = rel.verify(a, rel.sign_file(a, "jit_compiler", "2.1.0"));
  REQUIRE(v);

  manifest::Manifest entry;
  entry.name = "jit_compiler";
  entry.version = semver::Version(2, 1, 0);
  CHECK(check_catalog_entry(*v, entry)); // no archive reference: name and version only

  entry.extras.edit().archive = manifest::ArchiveRef{a, v->sha256, v->size};
  CHECK(check_catalog_entry(*v, entry));
  std::string upper = v->sha256;
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  entry.extras.edit().archive->sha256 = upper;
  CHECK(check_catalog_entry(*v, entry));

  manifest::Manifest other = entry;
  other.version = semver::Version(2, 0, 0);
  auto r = check_catalog_entry(*v, other);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::integrity);
  CHECK(r.error().message == "catalog entry jit_compiler@2.0.0 does not match the verified archive jit_compiler@2.1.0");

  other = entry;
  other.name = "gc_engine";
  CHECK(check_catalog_entry(*v, other).error().message
        == "catalog entry gc_engine@2.1.0 does not match the verified archive jit_compiler@2.1.0");

  other = entry;
  other.extras.edit().archive->sha256 = std::string(64, '0');
  r = check_catalog_entry(*v, other);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::integrity);
  CHECK(r.error().message
        == "catalog sha256 " + std::string(64, '0') + " for jit_compiler@2.1.0 does not match the verified archive's "
               + v->sha256);

  other = entry;
  other.extras.edit().archive->size = v->size + 1;
  r = check_catalog_entry(*v, other);
  REQUIRE_FALSE(r);
  CHECK(r.error().message
        == "catalog size " + std::to_string(v->size + 1)
               + " for jit_compiler@2.1.0 does not match the verified archive's " + std::to_string(v->size) + " bytes");
}

TEST_CASE("archive::statement_for_archive describes an archive from its own manifest, and its signature verifies")
{
  Release rel;
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0-rc.1+build.7");
  using namespace std::chrono;
  auto statement = statement_for_archive(a, rel.limits, system_clock::time_point(seconds(1795734000)));
  REQUIRE(statement);
  const std::string bytes = read_file(a);
  CHECK(statement->component == "jit_compiler");
  CHECK(statement->version.to_string() == "2.1.0-rc.1+build.7");
  CHECK(statement->sha256 == sha256(bytes).value().hex());
  CHECK(statement->size == bytes.size());
  CHECK(statement->signed_at == "2026-11-26T23:00:00Z");

  fs::path sig = rel.sign_file(a, *statement, rel.key.private_key);
  auto v = rel.verify(a, sig);
  REQUIRE(v);
  CHECK(v->version.to_string() == "2.1.0-rc.1+build.7");

  fs::path bare = rel.dir / "bare.tar.gz";
  test::write_tar_gz(bare, {{"bin/x", "x"}});
  auto none = statement_for_archive(bare, rel.limits, system_clock::now());
  REQUIRE_FALSE(none);
  CHECK(none.error().code == ErrorCode::archive_invalid);
  CHECK(none.error().message == "archive '" + bare.string() + "' holds no manifest.yaml");
}

TEST_CASE("archive::verify_archive reports the bytes copied to Limits::progress up to the archive's size")
{
  Release rel;
  const std::string payload(std::size_t{3} * 256 * 1024, 'x');
  fs::path a = rel.archive("jit.tar.gz", "jit_compiler", "2.1.0", payload);
  fs::path sig = rel.sign_file(a, "jit_compiler", "2.1.0");
  test::RecordingProgress progress;
  rel.limits.progress = &progress;
  REQUIRE(rel.verify(a, sig));
  REQUIRE_FALSE(progress.updates.empty());
  const auto size = fs::file_size(a);
  std::uint64_t previous = 0;
  for (const auto& u : progress.updates) {
    CHECK(u.phase == "verify");
    CHECK(u.total == size);
    CHECK(u.done > previous);
    previous = u.done;
  }
  CHECK(progress.updates.back().done == size);
  CHECK(progress.finishes == 1);
}

TEST_CASE("archive::verify_and_extract hashes exactly the bytes it extracts and keeps nothing that does not verify")
{
  Release rel;
  const SignedExtraction x(rel, "#!/bin/sh\necho hello\n");
  // A one-byte change anywhere: refused as not the signed archive (whatever
  // else it breaks), and nothing it extracted is left.
  for (std::size_t at = 0; at < x.good.size(); ++at) {
    std::string bad = x.good;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    INFO("byte " << at);
    const Error e = x.refused(bad);
    CHECK(e.code == ErrorCode::integrity);
    CHECK(e.message == "archive sha256 " + sha256(bad).value().hex() + " does not match the signed " + x.signed_hex);
    for (auto depth : {InspectDepth::manifest, InspectDepth::every_entry}) {
      auto inspected = inspect_archive(x.archive, x.source, depth, rel.limits);
      REQUIRE_FALSE(inspected);
      CHECK(inspected.error().code == ErrorCode::integrity);
    }
  }
  // Bytes past the end of the compressed stream are part of the file signed.
  CHECK(x.refused(x.good + "x").code == ErrorCode::integrity);

  const auto ok = x.accepted();
  CHECK(ok.archive.fd == -1);
  CHECK(ok.archive.component == "jit_compiler");
  CHECK(ok.archive.version.to_string() == "2.1.0");
  CHECK(ok.report.files == 2);
  CHECK(read_file(x.tree / "bin" / "jit_compiler") == "#!/bin/sh\necho hello\n");
  CHECK(read_file(x.tree / "manifest.yaml") == test::manifest_yaml("jit_compiler", "2.1.0"));
  for (auto depth : {InspectDepth::manifest, InspectDepth::every_entry}) {
    auto inspected = inspect_archive(x.archive, x.source, depth, rel.limits);
    REQUIRE(inspected);
    CHECK(inspected->sha256 == x.signed_hex);
  }
}

TEST_CASE("archive::verify_and_extract and inspect_archive hash a long archive whole, wherever they stop parsing")
{
  // Incompressible, so the archive is long enough to be decompressed on a
  // thread of its own: the digest must still cover every byte, in order,
  // whether parsing stops at manifest.yaml or at the end.
  Release rel;
  const std::string payload = test::noise_bytes(7, std::size_t{3} << 20);
  const SignedExtraction x(rel, payload);
  REQUIRE(x.good.size() > (std::size_t{1} << 20));
  for (std::size_t at : {x.good.size() / 3, x.good.size() / 2, x.good.size() - 40}) {
    INFO("byte " << at << " of " << x.good.size() << " flipped");
    std::string bad = x.good;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    CHECK(x.refused(bad).code == ErrorCode::integrity);
    for (auto depth : {InspectDepth::manifest, InspectDepth::every_entry}) {
      auto inspected = inspect_archive(x.archive, x.source, depth, rel.limits);
      REQUIRE_FALSE(inspected);
      CHECK(inspected.error().code == ErrorCode::integrity);
    }
  }
  x.refused(x.good.substr(0, x.good.size() / 2));

  x.accepted();
  CHECK(read_file(x.tree / "bin" / "jit_compiler") == payload);
  for (auto depth : {InspectDepth::manifest, InspectDepth::every_entry}) {
    auto inspected = inspect_archive(x.archive, x.source, depth, rel.limits);
    REQUIRE(inspected);
    CHECK(inspected->sha256 == x.signed_hex);
    CHECK(inspected->size == x.good.size());
  }
}
