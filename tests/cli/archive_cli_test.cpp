// SPDX-License-Identifier: Apache-2.0
// keygen, pack, sign and verify through the built binary: real keys, real
// archives, and hostile archives signed with a trusted key, so that only the
// archive rules stand between them and the disk.
#include "support/files.hpp"
#include "support/archive_builder.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sys/stat.h>

using noodle::test::ArchiveBuilder;
using noodle::test::run_binary;
using noodle::test::source_path;
using noodle::test::TempDir;

namespace {

using noodle::test::read_file;

const std::string k_jit_manifest = "name: jit_compiler\nversion: 2.1.0\ntype: compiler\n";

// A workspace with a trusted key in its keyring and a place for archives.
struct Workspace {
  TempDir dir;
  std::filesystem::path keyring = dir / "keyring";
  std::filesystem::path key = dir / "release.key";

  Workspace()
  {
    auto r = run_binary({"keygen", "--out", (dir / "release").string()});
    REQUIRE(r.exit_code == 0);
    std::filesystem::create_directories(keyring);
    std::filesystem::rename(dir / "release.pub", keyring / "release.pub");
  }

  std::filesystem::path write_archive(const std::string& name, const std::string& bytes) const
  {
    auto p = dir / name;
    noodle::test::write_bytes(p, bytes);
    return p;
  }

  noodle::test::ProcessResult sign(const std::filesystem::path& archive) const
  {
    return run_binary({"sign", archive.string(), "--key", key.string()});
  }

  noodle::test::ProcessResult verify(const std::filesystem::path& archive, std::vector<std::string> extra = {}) const
  {
    std::vector<std::string> args{"--keyring", keyring.string(), "--root", (dir / "no-root").string(),
                                  "verify",    archive.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_binary(args);
  }

  // Everything in the workspace, so a test can prove nothing new appeared.
  std::vector<std::string> listing() const
  {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path())) {
      out.push_back(e.path().lexically_relative(dir.path()).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

std::string good_archive()
{
  ArchiveBuilder b;
  b.file("manifest.yaml", k_jit_manifest).dir("bin").file_mode("bin/jit", "#!/bin/sh\n", 0755);
  return b.finish();
}

} // namespace

TEST_CASE("cli keygen writes a 0600 private key, prints the key id and refuses to overwrite")
{
  TempDir dir;
  auto r = run_binary({"-o", "json", "keygen", "--out", (dir / "k").string()});
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["key_id"].get<std::string>().size() == 16);
  struct stat st {};
  REQUIRE(::stat((dir / "k.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(read_file(dir / "k.pub").rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);

  auto again = run_binary({"keygen", "--out", (dir / "k").string()});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find((dir / "k.key").string()) != std::string::npos);
}

TEST_CASE("cli pack is reproducible and prints the catalog archive section")
{
  TempDir dir;
  dir.write("comp/manifest.yaml", k_jit_manifest);
  dir.write("comp/bin/jit", "#!/bin/sh\n");
  auto a = run_binary({"pack", (dir / "comp").string(), "--out", (dir / "a.tar.gz").string()});
  auto b = run_binary({"pack", (dir / "comp").string(), "--out", (dir / "b.tar.gz").string()});
  REQUIRE(a.exit_code == 0);
  CHECK(read_file(dir / "a.tar.gz") == read_file(dir / "b.tar.gz"));
  // Without --manifest-dir, relative to the catalog directory, and it says so.
  CHECK(a.out.rfind("# archive.file is relative to the manifest's directory, here '", 0) == 0);
  CHECK(a.out.find("(--manifest-dir)\narchive:\n  file: ") != std::string::npos);
  CHECK(a.out.find("\n  size: " + std::to_string(std::filesystem::file_size(dir / "a.tar.gz")) + "\n")
        != std::string::npos);
  auto zst = run_binary({"pack", (dir / "comp").string(), "--out", (dir / "c.tar.zst").string()});
  CHECK(zst.exit_code == 0);
  auto bad = run_binary({"pack", (dir / "comp").string(), "--out", (dir / "c.zip").string()});
  CHECK(bad.exit_code != 0);
  CHECK(bad.err.find("c.zip") != std::string::npos);
}

TEST_CASE("cli pack prints archive.file relative to where the manifest will live, and the catalog loads it")
{
  TempDir dir;
  dir.write("comp/manifest.yaml", k_jit_manifest);
  dir.write("comp/bin/jit", "#!/bin/sh\n");
  std::filesystem::create_directories(dir / "dist");
  std::filesystem::create_directories(dir / "catalog");
  auto packed = run_binary({"pack", (dir / "comp").string(), "--out", (dir / "dist/jit.tar.gz").string(),
                            "--manifest-dir", (dir / "catalog").string()});
  INFO(packed.out << packed.err);
  REQUIRE(packed.exit_code == 0);
  CHECK(packed.out.find("\narchive:\n  file: ../dist/jit.tar.gz\n") != std::string::npos);
  // The snippet, pasted as printed under the manifest, names the archive.
  const std::string manifest = std::string(k_jit_manifest) + packed.out;
  dir.write("catalog/jit.yaml", manifest);
  auto loaded = run_binary({"--catalog", (dir / "catalog").string(), "-o", "json", "components", "show",
                            "jit_compiler"});
  INFO(loaded.out << loaded.err);
  CHECK(loaded.exit_code == 0);
  CHECK(loaded.out.find((dir / "dist/jit.tar.gz").string()) != std::string::npos);
  auto j = nlohmann::json::parse(run_binary({"-o", "json", "pack", (dir / "comp").string(), "--out",
                                             (dir / "dist/jit2.tar.gz").string(), "--manifest-dir",
                                             (dir / "catalog").string()})
                                     .out);
  CHECK(j["archive_file"] == "../dist/jit2.tar.gz");
  CHECK(j["relative_to"] == (dir / "catalog").string());
}

TEST_CASE("cli sign then verify succeeds and reports key id, name, version and digest")
{
  Workspace ws;
  auto archive = ws.write_archive("jit.tar.gz", good_archive());
  auto s = ws.sign(archive);
  REQUIRE(s.exit_code == 0);
  CHECK(s.out.rfind("signed jit_compiler@2.1.0 with key ", 0) == 0);
  auto v = ws.verify(archive, {"-o", "json"});
  REQUIRE(v.exit_code == 0);
  auto j = nlohmann::json::parse(v.out);
  CHECK(j["component"] == "jit_compiler");
  CHECK(j["version"] == "2.1.0");
  CHECK(j["size"] == std::filesystem::file_size(archive));
  CHECK(j["contents"]["files"] == 2);
  CHECK(j["catalog"]["state"] == "not_checked");
}

TEST_CASE("cli verify --extract-to keeps exactly the verified files")
{
  Workspace ws;
  auto archive = ws.write_archive("jit.tar.gz", good_archive());
  REQUIRE(ws.sign(archive).exit_code == 0);
  auto out = ws.dir / "unpacked";
  auto v = ws.verify(archive, {"--extract-to", out.string()});
  REQUIRE(v.exit_code == 0);
  CHECK(read_file(out / "manifest.yaml") == k_jit_manifest);
  CHECK(read_file(out / "bin/jit") == "#!/bin/sh\n");
  auto again = ws.verify(archive, {"--extract-to", out.string()});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("--extract-to needs a directory that does not exist yet") != std::string::npos);
}

TEST_CASE("cli verify refuses a one-byte change with exit 4")
{
  Workspace ws;
  auto archive = ws.write_archive("jit.tar.gz", good_archive());
  REQUIRE(ws.sign(archive).exit_code == 0);
  auto bytes = read_file(archive);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
  noodle::test::write_bytes(archive, bytes);
  auto v = ws.verify(archive, {"-o", "json"});
  CHECK(v.exit_code == 4);
  CHECK(nlohmann::json::parse(v.out)["error"]["code"] == "integrity");
}

TEST_CASE("cli verify refuses an unknown key, a revoked key and a truncated signature, each distinctly")
{
  Workspace ws;
  auto archive = ws.write_archive("jit.tar.gz", good_archive());
  REQUIRE(ws.sign(archive).exit_code == 0);

  TempDir other;
  auto unknown = run_binary({"--keyring", other.path().string(), "--root", (ws.dir / "x").string(), "-o", "json",
                             "verify", archive.string()});
  CHECK(unknown.exit_code == 4);
  CHECK(nlohmann::json::parse(unknown.out)["error"]["code"] == "unknown_key");

  auto key_id = nlohmann::json::parse(ws.verify(archive, {"-o", "json"}).out)["key_id"].get<std::string>();
  ws.dir.write("keyring/revoked", key_id + "\n");
  auto revoked = ws.verify(archive, {"-o", "json"});
  CHECK(revoked.exit_code == 4);
  CHECK(nlohmann::json::parse(revoked.out)["error"]["code"] == "revoked_key");
  std::filesystem::remove(ws.keyring / "revoked");

  auto sig = read_file(archive.string() + ".sig");
  noodle::test::write_bytes(archive.string() + ".sig", sig.substr(0, sig.size() / 2));
  auto truncated = ws.verify(archive, {"-o", "json"});
  CHECK(truncated.exit_code == 4);
  CHECK(nlohmann::json::parse(truncated.out)["error"]["code"] == "signature_invalid");

  noodle::test::write_bytes(archive.string() + ".sig", sig + std::string(5000, '#'));
  auto oversized = ws.verify(archive);
  CHECK(oversized.exit_code == 4);
  CHECK(oversized.err.find("over the 4096-byte limit") != std::string::npos);
}

TEST_CASE("cli verify refuses a validly signed archive relabelled as another version")
{
  Workspace ws;
  auto old_archive = ws.write_archive("old.tar.gz", [] {
    ArchiveBuilder b;
    b.file("manifest.yaml", "name: jit_compiler\nversion: 1.0.0\n");
    return b.finish();
  }());
  REQUIRE(ws.sign(old_archive).exit_code == 0);
  // The 1.0.0 signature file now stands next to an archive that says 2.1.0.
  auto sig = read_file(old_archive.string() + ".sig");
  auto archive = ws.write_archive("jit.tar.gz", good_archive());
  noodle::test::write_bytes(archive.string() + ".sig", sig);
  auto v = ws.verify(archive, {"-o", "json"});
  CHECK(v.exit_code == 4);
  CHECK(nlohmann::json::parse(v.out)["error"]["code"] == "integrity");
}

TEST_CASE("cli verify checks the catalog's digest for that component version")
{
  Workspace ws;
  auto archive = ws.write_archive("jit.tar.gz", good_archive());
  REQUIRE(ws.sign(archive).exit_code == 0);
  ws.dir.write("catalog/jit.yaml",
               k_jit_manifest + "archive:\n  file: ../jit.tar.gz\n  sha256: " + std::string(64, 'a') + "\n  size: 10\n");
  auto v = run_binary({"--keyring", ws.keyring.string(), "--catalog", (ws.dir / "catalog").string(), "-o", "json",
                       "verify", archive.string()});
  CHECK(v.exit_code == 4);
  CHECK(nlohmann::json::parse(v.out)["error"]["code"] == "integrity");
}

TEST_CASE("cli verify of signed hostile archives names the entry and the rule, exits 4 and writes nothing")
{
  struct Case {
    const char* what;
    std::function<void(ArchiveBuilder&)> add;
    const char* expect;
  };
  std::vector<Case> cases = {
      {"traversal", [](ArchiveBuilder& b) { b.file("../evil", "x"); }, "'../evil'"},
      {"absolute path", [](ArchiveBuilder& b) { b.file("/tmp/noodle-evil", "x"); }, "'/tmp/noodle-evil'"},
      {"absolute path in a pax header", [](ArchiveBuilder& b) { b.pax_path("innocent", "/tmp/noodle-evil", "x"); },
       "'/tmp/noodle-evil'"},
      {"symlink escape then write through it",
       [](ArchiveBuilder& b) {
         b.symlink("link", "../..");
         b.file("link/evil", "x");
       },
       "'link'"},
      {"directory then symlink at the same path",
       [](ArchiveBuilder& b) {
         b.dir("d");
         b.symlink("d", ".");
       },
       "'d'"},
      {"hardlink", [](ArchiveBuilder& b) { b.hardlink("h", "manifest.yaml"); }, "'h'"},
      {"device node", [](ArchiveBuilder& b) { b.device("null"); }, "'null'"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    Workspace ws;
    ArchiveBuilder b;
    b.file("manifest.yaml", k_jit_manifest);
    c.add(b);
    auto archive = ws.write_archive("hostile.tar.gz", b.finish());
    REQUIRE(ws.sign(archive).exit_code == 0);
    auto before = ws.listing();
    auto out = ws.dir / "unpacked";
    auto v = ws.verify(archive, {"--extract-to", out.string()});
    CHECK(v.exit_code == 4);
    CHECK(v.err.find(std::string("entry ") + c.expect) != std::string::npos);
    CHECK(ws.listing() == before);
    CHECK_FALSE(std::filesystem::exists("/tmp/noodle-evil"));
  }
}

TEST_CASE("cli verify stops a signed gzip bomb at the ratio limit")
{
  Workspace ws;
  ArchiveBuilder b;
  b.file("manifest.yaml", k_jit_manifest);
  b.zeros("bomb", 64ULL << 20);
  auto archive = ws.write_archive("bomb.tar.gz", b.finish());
  REQUIRE(ws.sign(archive).exit_code == 0);
  auto v = ws.verify(archive, {"-o", "json"});
  CHECK(v.exit_code == 4);
  CHECK(nlohmann::json::parse(v.out)["error"]["code"] == "archive_limit");
}

// Address sanitizer's shadow memory would be counted in the peak.
#if defined(__SANITIZE_ADDRESS__)
#define NOODLE_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NOODLE_TEST_UNDER_ASAN 1
#endif
#endif

TEST_CASE("cli verify --extract-to of a 96 MB archive stays under 40 MB of memory")
{
#ifdef NOODLE_TEST_UNDER_ASAN
  SUCCEED("skipped under the address sanitizer");
#else
  Workspace ws;
  std::filesystem::path archive;
  {
    // Freed before the child runs: a fork copies this process's resident
    // pages, and the child's peak would count them.
    ArchiveBuilder b;
    b.file("manifest.yaml", k_jit_manifest);
    // Incompressible, so the archive itself is 96 MB: memory must not follow the size.
    for (int i = 0; i < 3; ++i) {
      b.noise("data/blob" + std::to_string(i), 32ULL << 20);
    }
    archive = ws.write_archive("big.tar.gz", b.finish());
  }
  REQUIRE(std::filesystem::file_size(archive) > (96ULL << 20));
  REQUIRE(ws.sign(archive).exit_code == 0);
  auto out = ws.dir / "out";
  auto v = ws.verify(archive, {"--extract-to", out.string()});
  REQUIRE(v.exit_code == 0);
  CHECK(std::filesystem::file_size(out / "data/blob2") == (32ULL << 20));
  INFO("peak RSS " << v.max_rss_kb << " kB");
  CHECK(v.max_rss_kb > 0);
  CHECK(v.max_rss_kb < 40 * 1024);
#endif
}
