// SPDX-License-Identifier: Apache-2.0
#include <noodle/archive/keyring.hpp>
#include <noodle/archive/keys.hpp>
#include <noodle/archive/signature.hpp>
#include <noodle/repo/client.hpp>
#include <noodle/repo/index.hpp>

#include <catch2/catch.hpp>

#include <chrono>

using namespace noodle;

namespace {

repo::Index sample_index()
{
  repo::Index index;
  index.version = 7;
  index.generated = "2026-12-04T10:00:00Z";
  index.expires = "2026-12-11T10:00:00Z";
  index.manifests.push_back({"jit_compiler.yaml", "name: jit_compiler\nversion: 2.1.0\n"});
  repo::IndexArchive a;
  a.component = "jit_compiler";
  a.version = "2.1.0";
  a.archive = {"archives/jit_compiler/2.1.0/jit_compiler-2.1.0.tar.gz", std::string(64, 'a'), 452};
  a.signature = {"archives/jit_compiler/2.1.0/jit_compiler-2.1.0.tar.gz.sig", std::string(64, 'b'), 298};
  index.archives.push_back(a);
  return index;
}

struct Signed {
  archive::KeyPair keys;
  archive::Keyring keyring;
  std::string text;
  std::string sig;
};

Signed signed_sample()
{
  Signed s;
  s.keys = *archive::generate_key();
  REQUIRE(s.keyring.add(s.keys.public_key, "release.pub"));
  s.text = repo::serialize_index(sample_index());
  s.sig = repo::serialize_index_signature(*repo::sign_index(sample_index(), s.text, s.keys.private_key));
  return s;
}

std::chrono::system_clock::time_point at(const char* utc)
{
  return *repo::parse_utc(utc);
}

} // namespace

TEST_CASE("repo::parse_index reads back what serialize_index writes")
{
  const auto text = repo::serialize_index(sample_index());
  auto index = repo::parse_index(text);
  REQUIRE(index);
  CHECK(index->version == 7);
  CHECK(index->expires == "2026-12-11T10:00:00Z");
  REQUIRE(index->archives.size() == 1);
  CHECK(index->find("jit_compiler", "2.1.0") != nullptr);
  CHECK(repo::serialize_index(*index) == text);
}

TEST_CASE("repo::parse_index refuses paths that leave the repository")
{
  for (const char* bad : {"../evil.tar.gz", "/etc/passwd", "archives/../../x", "a//b", "a/./b"}) {
    INFO(bad);
    auto index = sample_index();
    index.archives[0].archive.path = bad;
    auto parsed = repo::parse_index(repo::serialize_index(index));
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == ErrorCode::repo_invalid);
  }
}

TEST_CASE("repo::verify_index accepts a signed index and refuses one byte changed")
{
  auto s = signed_sample();
  CHECK(repo::verify_index(s.text, s.sig, s.keyring));
  std::string changed = s.text;
  changed[changed.find("2.1.0")] = '3';
  auto refused = repo::verify_index(changed, s.sig, s.keyring);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::repo_digest_mismatch);
}

TEST_CASE("repo::verify_index refuses an archive signature passed off as the index signature")
{
  auto s = signed_sample();
  archive::Statement st;
  st.component = "jit_compiler";
  st.version = *semver::Version::parse("2.1.0");
  st.sha256 = std::string(64, 'c');
  st.size = s.text.size();
  st.signed_at = "2026-12-04T10:00:00Z";
  auto archive_sig = archive::sign(st, s.keys.private_key);
  REQUIRE(archive_sig);
  auto refused = repo::verify_index(s.text, archive::serialize(*archive_sig), s.keyring);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::repo_invalid);
}

TEST_CASE("repo::verify_index refuses an unknown key, a revoked key and a forged signature")
{
  auto s = signed_sample();
  archive::Keyring empty;
  auto unknown = repo::verify_index(s.text, s.sig, empty);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::unknown_key);

  archive::Keyring revoked = s.keyring;
  revoked.revoke(s.keys.public_key.id(), 1);
  auto gone = repo::verify_index(s.text, s.sig, revoked);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == ErrorCode::revoked_key);

  // The same statement with a higher version, under the old signature.
  std::string forged = s.sig;
  forged.replace(forged.find("index-version: 7"), 16, "index-version: 8");
  auto bad = repo::verify_index(s.text, forged, s.keyring);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::signature_invalid);
}

TEST_CASE("repo::check_freshness refuses a rollback and a frozen index unless expiry is allowed")
{
  const auto index = sample_index();
  const auto before = at("2026-12-05T00:00:00Z");
  const auto after = at("2026-12-12T00:00:00Z");
  CHECK(repo::check_freshness(index, before, 7, repo::AllowExpired::no));
  auto rollback = repo::check_freshness(index, before, 8, repo::AllowExpired::no);
  REQUIRE_FALSE(rollback);
  CHECK(rollback.error().code == ErrorCode::repo_rollback);
  auto frozen = repo::check_freshness(index, after, 7, repo::AllowExpired::no);
  REQUIRE_FALSE(frozen);
  CHECK(frozen.error().code == ErrorCode::repo_expired);
  CHECK(repo::check_freshness(index, after, 7, repo::AllowExpired::yes));
  // Allowing an expired index never allows a rollback.
  CHECK_FALSE(repo::check_freshness(index, after, 8, repo::AllowExpired::yes));
}

TEST_CASE("repo::classify_catalog tells a catalog directory from mirror URLs")
{
  CHECK(repo::classify_catalog("/nonexistent/manifests").kind == repo::CatalogSource::Kind::catalog);
  auto one = repo::classify_catalog("https://a.example/noodle");
  CHECK(one.kind == repo::CatalogSource::Kind::repository);
  CHECK(one.mirrors == std::vector<std::string>{"https://a.example/noodle"});
  auto list = repo::classify_catalog("https://a.example/x, http://b.example/y\nhttps://c.example/z");
  CHECK(list.mirrors == std::vector<std::string>{"https://a.example/x", "http://b.example/y", "https://c.example/z"});
}

TEST_CASE("repo::parse_utc refuses a day the month lacks and a year past the clock's range")
{
  CHECK(repo::parse_utc("2026-12-11T17:09:16Z").has_value());
  CHECK(repo::parse_utc("2028-02-29T00:00:00Z").has_value());
  CHECK_FALSE(repo::parse_utc("2026-02-29T00:00:00Z").has_value());
  CHECK_FALSE(repo::parse_utc("2026-04-31T00:00:00Z").has_value());
  CHECK(repo::parse_utc("2200-12-31T23:59:59Z").has_value());
  CHECK_FALSE(repo::parse_utc("4052-12-31T23:59:59Z").has_value()); // once an overflow of the nanosecond clock
  CHECK_FALSE(repo::parse_utc("9999-01-01T00:00:00Z").has_value());
}
