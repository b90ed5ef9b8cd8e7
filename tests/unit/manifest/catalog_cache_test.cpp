// SPDX-License-Identifier: Apache-2.0
#include "support/temp_dir.hpp"

#include <noodle/manifest/catalog_cache.hpp>
#include <noodle/manifest/loader.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace noodle::manifest;
using noodle::test::TempDir;

namespace {

// Everything a load gives that a command can show, as text: every
// component version with each field and recorded location, then every
// diagnostic, then the number of files read.
std::string rendered(const LoadResult& r)
{
  std::ostringstream s;
  const auto where = [](const noodle::SourceLocation& w) { return w.to_string(); };
  for (const auto& [name, versions] : r.catalog.components()) {
    for (const Manifest& m : versions) {
      s << m.id() << " " << to_string(m.type) << " '" << m.description << "' at " << where(m.where) << "\n";
      for (const auto& d : m.dependencies) {
        s << "  dep " << d.name << " " << d.range.raw() << " " << d.range.to_string() << " at " << where(m.location_of(d))
          << "\n";
      }
      for (const auto& u : m.upgrade_from) {
        s << "  upgrade_from " << u.raw() << "\n";
      }
      for (const auto& c : m.extras->compatibility) {
        s << "  compat " << c.component << " at " << where(c.where);
        for (const auto& range : c.ranges) {
          s << " " << range.raw();
        }
        s << "\n";
      }
      s << "  stop " << m.required_stop << " hot " << m.hot_swappable << " mem " << m.resources.memory_mb << " cpu "
        << m.resources.cpu_cores << " disk " << m.resources.disk_mb << " health " << m.extras->health_check.timeout_ms << "/"
        << m.extras->health_check.retries << " endpoint '" << m.extras->health_check.endpoint << "' entry '" << m.extras->entry_point
        << "' location '" << m.extras->location << "'\n";
      for (const auto& p : m.extras->health_check.probes) {
        s << "  probe " << p.name << " " << p.url << " " << p.timeout_ms << " " << p.failure_threshold << " at "
          << where(p.where) << "\n";
      }
      s << "  schema " << m.extras->configuration_schema.dump() << " metadata " << m.extras->metadata.dump() << "\n";
      if (m.extras->archive) {
        s << "  archive " << m.extras->archive->file.string() << " " << m.extras->archive->sha256 << " " << m.extras->archive->size << "\n";
      }
      for (const auto& field : m.field_where.items()) {
        s << "  field " << field.field << " at " << where(m.location_of(field.field)) << "\n";
      }
    }
  }
  for (const Diagnostic& d : r.diagnostics) {
    s << to_string(d) << " [" << d.field << "] |" << d.source_line << "|\n";
  }
  s << r.files << " file(s)\n";
  return s.str();
}

struct CacheFixture {
  TempDir tmp;
  fs::path catalog = tmp / "catalog";
  fs::path cache = tmp / "cache" / "catalog.cache";
  LoadOptions options;

  CacheFixture()
  {
    fs::create_directories(cache.parent_path());
    tmp.write("catalog/core.yaml", "name: core\nversion: 1.0.0\ntype: runtime\nresources: {memory_mb: 64}\n---\n"
                                   "name: core\nversion: 2.0.0\nupgrade_from: ^1.0.0\nmetadata: {tier: 1, x: [1.5, true]}\n");
    tmp.write("catalog/sub/app.yaml", "name: app\nversion: 1.2.0\ndependencies:\n  core: \">=1.0.0 <3.0.0\"\n"
                                      "compatibility:\n  core: [^1.0.0, ^2.0.0]\nunknown_field: 1\n");
    tmp.write("catalog/sub/broken.yaml", "name: broken\nversion: not-a-version\n");
    tmp.write("catalog/tool.yml", "name: tool\nversion: 0.1.0\ndependencies: [core]\nrequired_stop: true\n");
    // Every field a manifest can hold, so that each is seen to come back from the cache.
    tmp.write("catalog/sub/full.yaml",
              "name: full\nversion: 3.1.0\ndescription: every field\ntype: ai_agent\nhot_swappable: true\n"
              "location: /opt/full\nentry_point: bin/full\nconfiguration_schema: {type: object}\n"
              "resources: {memory_mb: 8, cpu_cores: 0.5, disk_mb: 2}\n"
              "health_check:\n  timeout_ms: 700\n  retries: 1\n"
              "  probes:\n    - {kind: tcp, address: \"127.0.0.1:9\"}\n"
              "health_check_endpoint: http://127.0.0.1:9/healthz\n");
  }

  LoadResult cached(CacheUse* use = nullptr) const { return load_catalog_cached(catalog, options, cache, use); }
  std::string cold() const { return rendered(load_catalog(catalog, options)); }

  // A cached load, its CacheUse, and the check that it equals a cold read.
  CacheUse expect_same_as_cold() const
  {
    CacheUse use;
    const std::string warm = rendered(cached(&use));
    CHECK(warm == cold());
    return use;
  }
};

void set_mtime(const fs::path& p, const struct timespec& mtime)
{
  const struct timespec times[2] = {{0, UTIME_OMIT}, mtime};
  REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

struct stat stat_of(const fs::path& p)
{
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st;
}

std::string read_all(const fs::path& p)
{
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(const fs::path& p, const std::string& bytes)
{
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

} // namespace

TEST_CASE("catalog cache: a second load reads no file and gives what a cold read gives, warnings and errors too")
{
  CacheFixture f;
  CacheUse first = f.expect_same_as_cold();
  CHECK(first.state == CacheUse::State::rebuilt);
  CHECK(first.why_rebuilt == "missing");
  CHECK(first.reread == 5);
  CHECK(fs::exists(f.cache));
  CacheUse second = f.expect_same_as_cold();
  CHECK(second.state == CacheUse::State::fresh);
  CHECK(second.reread == 0);
  // The fixture holds a warning (unknown field) and an error (bad version).
  const LoadResult r = f.cached();
  CHECK(count(r.diagnostics, Diagnostic::Severity::warning) == 1);
  CHECK(count(r.diagnostics, Diagnostic::Severity::error) == 1);
}

TEST_CASE("catalog cache: an edited manifest is seen on the very next load")
{
  CacheFixture f;
  f.cached();
  f.tmp.write("catalog/tool.yml", "name: tool\nversion: 0.2.0\ndependencies: [core, app]\n");
  CacheUse use = f.expect_same_as_cold();
  CHECK(use.state == CacheUse::State::updated);
  CHECK(use.reread == 1);
  CHECK(f.cached().catalog.find("tool", noodle::semver::Version::parse("0.2.0").value()) != nullptr);
}

TEST_CASE("catalog cache: an added manifest is read, the others come from the cache")
{
  CacheFixture f;
  f.cached();
  f.tmp.write("catalog/sub/deeper/new.yaml", "name: newcomer\nversion: 3.0.0\n");
  CacheUse use = f.expect_same_as_cold();
  CHECK(use.state == CacheUse::State::updated);
  CHECK(use.reread == 1);
  CHECK(f.cached().catalog.contains("newcomer"));
}

TEST_CASE("catalog cache: a removed manifest is dropped")
{
  CacheFixture f;
  f.cached();
  fs::remove(f.catalog / "tool.yml");
  CacheUse use = f.expect_same_as_cold();
  CHECK(use.state == CacheUse::State::updated);
  CHECK(use.reread == 0);
  CHECK_FALSE(f.cached().catalog.contains("tool"));
  CHECK(f.expect_same_as_cold().state == CacheUse::State::fresh);
}

TEST_CASE("catalog cache: a renamed manifest is known by its new path in locations and diagnostics")
{
  CacheFixture f;
  f.cached();
  fs::rename(f.catalog / "sub" / "app.yaml", f.catalog / "app-renamed.yaml");
  CacheUse use = f.expect_same_as_cold();
  CHECK(use.reread == 1);
  const LoadResult r = f.cached();
  const Manifest* app = r.catalog.latest("app");
  REQUIRE(app != nullptr);
  CHECK(app->where.file == (f.catalog / "app-renamed.yaml").string());
}

TEST_CASE("catalog cache: manifests of one directory share its path's buffer, read whole in every location")
{
  CacheFixture f;
  for (int i = 0; i < 2000; ++i) {
    f.tmp.write(fmt::format("catalog/small/s{:04}.yaml", i), fmt::format("name: s{:04}\nversion: 1.0.0\n", i));
  }
  f.tmp.write("catalog/z-last.yaml", "name: last\nversion: 1.0.0\ndescription: " + std::string(600000, 'z') + "\n");
  f.cached();
  f.cached(); // files as new as the cache are read again once
  // Large enough to be built while the files are scanned, then small
  // enough to be decoded as they are: both ways share directories.
  for (const bool large : {true, false}) {
    CAPTURE(large);
    if (!large) {
      for (int i = 2; i < 2000; ++i) {
        fs::remove(f.catalog / "small" / fmt::format("s{:04}.yaml", i));
      }
      fs::remove(f.catalog / "z-last.yaml");
      f.cached();
      f.cached();
    }
    CacheUse use;
    const LoadResult r = f.cached(&use);
    CAPTURE(use.reread, use.why_rebuilt);
    CHECK(use.state == CacheUse::State::fresh);
    CHECK(use.built_during_scan == large);
    const Manifest* first = r.catalog.latest("s0000");
    const Manifest* second = r.catalog.latest("s0001");
    REQUIRE(first != nullptr);
    REQUIRE(second != nullptr);
    CHECK(first->where.file == (f.catalog / "small" / "s0000.yaml").string());
    CHECK(second->where.file == (f.catalog / "small" / "s0001.yaml").string());
    CHECK(first->where.file.same_dir_buffer(second->where.file));
    const Manifest* app = r.catalog.latest("app");
    REQUIRE(app != nullptr);
    CHECK_FALSE(app->where.file.same_dir_buffer(first->where.file));
    CHECK(app->location_of("version").to_string() == (f.catalog / "sub" / "app.yaml").string() + ":2:10");
  }
}

TEST_CASE("catalog cache: a change within the same mtime is seen by its size")
{
  CacheFixture f;
  const fs::path tool = f.catalog / "tool.yml";
  const struct timespec mtime = stat_of(tool).st_mtim;
  f.cached();
  f.tmp.write("catalog/tool.yml", "name: tool\nversion: 0.1.0\ndependencies: [core, app]\nrequired_stop: true\n");
  set_mtime(tool, mtime);
  REQUIRE(stat_of(tool).st_mtim.tv_nsec == mtime.tv_nsec);
  CacheUse use = f.expect_same_as_cold();
  CHECK(use.reread == 1);
}

TEST_CASE("catalog cache: a file replaced by one of the same size and mtime is seen by its inode")
{
  CacheFixture f;
  const fs::path tool = f.catalog / "tool.yml";
  const struct stat before = stat_of(tool);
  f.cached();
  // Same length, another version; written beside it, given the old mtime,
  // then renamed over it.
  const std::string text = read_all(tool);
  std::string changed = text;
  changed.replace(changed.find("0.1.0"), 5, "0.9.0");
  REQUIRE(changed.size() == text.size());
  const fs::path next = f.catalog / ".tool.next";
  write_all(next, changed);
  set_mtime(next, before.st_mtim);
  fs::rename(next, tool);
  const struct stat after = stat_of(tool);
  REQUIRE(after.st_size == before.st_size);
  REQUIRE(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
  REQUIRE(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
  REQUIRE(after.st_ino != before.st_ino);
  CacheUse use = f.expect_same_as_cold();
  CHECK(use.reread == 1);
  CHECK(f.cached().catalog.find("tool", noodle::semver::Version::parse("0.9.0").value()) != nullptr);
}

TEST_CASE("catalog cache: a cache with a flipped byte is rebuilt, never trusted")
{
  CacheFixture f;
  f.cached();
  std::string bytes = read_all(f.cache);
  REQUIRE(bytes.size() > 200);
  // Anywhere in the payload: say the stored description of a version.
  const auto at = bytes.find("core");
  REQUIRE(at != std::string::npos);
  bytes[at] = 'k';
  write_all(f.cache, bytes);
  CacheUse use = f.expect_same_as_cold();
  CHECK(use.state == CacheUse::State::rebuilt);
  CHECK(use.why_rebuilt == "checksum mismatch");
  CHECK(f.expect_same_as_cold().state == CacheUse::State::fresh);
}

TEST_CASE("catalog cache: a truncated cache is rebuilt")
{
  CacheFixture f;
  f.cached();
  const std::string bytes = read_all(f.cache);
  for (const std::size_t size : {std::size_t{0}, std::size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    write_all(f.cache, bytes.substr(0, size));
    CacheUse use = f.expect_same_as_cold();
    CHECK(use.state == CacheUse::State::rebuilt);
    CHECK(use.why_rebuilt == "truncated");
  }
}

TEST_CASE("catalog cache: a cache of another format version or another file is rebuilt")
{
  CacheFixture f;
  f.cached();
  std::string bytes = read_all(f.cache);
  bytes[8] = static_cast<char>(bytes[8] + 1); // the format version, after the magic
  write_all(f.cache, bytes);
  CHECK(f.expect_same_as_cold().why_rebuilt == "another format version");
  write_all(f.cache, "name: not a cache at all, but long enough to have a header\n");
  CHECK(f.expect_same_as_cold().why_rebuilt == "not a catalog cache");
}

TEST_CASE("catalog cache: a cache owned by another user or writable by others is rebuilt")
{
  CacheFixture f;
  f.cached();
  REQUIRE(::chmod(f.cache.c_str(), 0620) == 0);
  CacheUse writable = f.expect_same_as_cold();
  CHECK(writable.state == CacheUse::State::rebuilt);
  CHECK(writable.why_rebuilt == "writable by others");
  // The rebuilt cache is the user's own again.
  CHECK((stat_of(f.cache).st_mode & 077) == 0);
  if (::geteuid() != 0) {
    WARN("not root: cannot give the cache to another user");
    return;
  }
  REQUIRE(::chown(f.cache.c_str(), 65534, 65534) == 0); // nobody
  CacheUse foreign = f.expect_same_as_cold();
  CHECK(foreign.state == CacheUse::State::rebuilt);
  CHECK(foreign.why_rebuilt == fmt::format("owned by uid 65534, not {}", ::geteuid()));
  CHECK(stat_of(f.cache).st_uid == ::geteuid());
}

TEST_CASE("catalog cache: an archive file that appears or goes away is checked again")
{
  CacheFixture f;
  f.tmp.write("catalog/packed.yaml", "name: packed\nversion: 1.0.0\narchive: {file: packed-1.0.0.tar.gz}\n");
  f.tmp.write("catalog/packed-1.0.0.tar.gz", "not really an archive");
  CHECK(f.expect_same_as_cold().state == CacheUse::State::rebuilt);
  fs::remove(f.catalog / "packed-1.0.0.tar.gz");
  CacheUse gone = f.expect_same_as_cold();
  CHECK(gone.reread == 1);
  CHECK_FALSE(f.cached().catalog.contains("packed"));
  f.tmp.write("catalog/packed-1.0.0.tar.gz", "back");
  CHECK(f.expect_same_as_cold().reread == 1);
  CHECK(f.cached().catalog.contains("packed"));
}

TEST_CASE("catalog cache: a cache that cannot be written is no error")
{
  CacheFixture f;
  f.cache = f.tmp / "no-such-directory" / "catalog.cache";
  CacheUse use = f.expect_same_as_cold();
  CHECK(use.write_error.has_value());
  CHECK_FALSE(fs::exists(f.cache));
}

TEST_CASE("catalog cache: other load options or another catalog spelling use another cache file")
{
  CacheFixture f;
  LoadOptions strict;
  strict.strictness = Strictness::strict;
  CHECK(catalog_cache_name(f.catalog, f.options) != catalog_cache_name(f.catalog, strict));
  CHECK(catalog_cache_name(f.catalog, f.options) != catalog_cache_name(f.catalog / "sub" / "..", f.options));
  CHECK(catalog_cache_name(f.catalog, f.options) == catalog_cache_name(f.catalog, f.options));
  // The same file under other options is rebuilt, not misread.
  f.cached();
  f.options = strict;
  CacheUse use = f.expect_same_as_cold();
  CHECK(use.why_rebuilt == "other load options");
}

// The cached catalog is built from the cache read through a 512 KiB window,
// record by record: a file's path, its key, its manifests. A first file of
// about 300 KB puts the window's first edge among 2,000 small records, and
// a last one of 600 KB makes the next read fill the whole window again;
// growing the first file 8 bytes at a time moves the edge across a whole
// record, so that it falls in a path, in a key and in a body in turn. Each
// time the cached catalog must be the one used.
TEST_CASE("catalog cache: the catalog built during the scan is used wherever the cache's read window ends")
{
  CacheFixture f;
  for (int i = 0; i < 2000; ++i) {
    f.tmp.write(fmt::format("catalog/small/s{:04}.yaml", i), fmt::format("name: s{:04}\nversion: 1.0.0\n", i));
  }
  f.tmp.write("catalog/z-last.yaml", "name: last\nversion: 1.0.0\ndescription: " + std::string(600000, 'z') + "\n");
  CHECK(f.expect_same_as_cold().state == CacheUse::State::rebuilt);
  for (std::size_t pad = 0; pad <= 200; pad += 8) {
    CAPTURE(pad);
    f.tmp.write("catalog/a-first.yaml",
                "name: first\nversion: 1.0.0\ndescription: " + std::string(300000 + pad, 'p') + "\n");
    CacheUse updated = f.expect_same_as_cold();
    CHECK(updated.reread == 1);
    REQUIRE(fs::file_size(f.cache) > 1200 * 1024);
    CacheUse warm = f.expect_same_as_cold();
    CHECK(warm.state == CacheUse::State::fresh);
    CHECK(warm.built_during_scan);
  }
}

// A catalog large enough that the cached catalog is built while the files
// are scanned (and then used only when every key matches): each change
// must still give what a cold read gives.
TEST_CASE("catalog cache: on a large catalog, built while it is scanned, every change is seen as a cold read sees it")
{
  CacheFixture f;
  for (int i = 0; i < 400; ++i) {
    f.tmp.write(fmt::format("catalog/bulk/d{}/b{:03}.yaml", i / 100, i),
                fmt::format("name: b{:03}\nversion: 1.{}.0\ndescription: bulk {}\ndependencies:\n  core: ^1.0.0\n", i,
                            i % 7, i));
  }
  f.tmp.write("catalog/bulk/packed.yaml", "name: packed\nversion: 1.0.0\narchive: {file: packed-1.0.0.tar.gz}\n");
  f.tmp.write("catalog/bulk/packed-1.0.0.tar.gz", "not really an archive");
  CHECK(f.expect_same_as_cold().state == CacheUse::State::rebuilt);
  CacheUse warm = f.expect_same_as_cold();
  CHECK(warm.state == CacheUse::State::fresh);
  CHECK(warm.reread == 0);
  CHECK(warm.built_during_scan); // the scan's paths matched the cache's, spelled alike
  SECTION("the catalog given with a trailing slash")
  {
    const LoadResult cold_with_slash = load_catalog(fs::path(f.catalog.string() + "/"), f.options);
    CacheUse use;
    const LoadResult r = load_catalog_cached(fs::path(f.catalog.string() + "/"), f.options, f.cache, &use);
    CHECK(rendered(r) == rendered(cold_with_slash));
    CacheUse again;
    CHECK(rendered(load_catalog_cached(fs::path(f.catalog.string() + "/"), f.options, f.cache, &again)) ==
          rendered(cold_with_slash));
    CHECK(again.built_during_scan);
  }
  const fs::path b7 = f.catalog / "bulk" / "d0" / "b007.yaml";

  SECTION("an edited manifest")
  {
    f.tmp.write("catalog/bulk/d0/b007.yaml", "name: b007\nversion: 9.0.0\n");
    CHECK(f.expect_same_as_cold().reread == 1);
    CHECK(f.cached().catalog.find("b007", noodle::semver::Version::parse("9.0.0").value()) != nullptr);
  }
  SECTION("an added manifest")
  {
    f.tmp.write("catalog/bulk/d1/b150a.yaml", "name: newcomer\nversion: 3.0.0\n");
    CHECK(f.expect_same_as_cold().reread == 1);
    CHECK(f.cached().catalog.contains("newcomer"));
  }
  SECTION("a removed manifest")
  {
    fs::remove(b7);
    CHECK(f.expect_same_as_cold().state == CacheUse::State::updated);
    CHECK_FALSE(f.cached().catalog.contains("b007"));
  }
  SECTION("a renamed manifest")
  {
    fs::rename(b7, f.catalog / "bulk" / "d3" / "moved.yaml");
    CHECK(f.expect_same_as_cold().reread == 1);
    const LoadResult r = f.cached();
    const Manifest* moved = r.catalog.latest("b007");
    REQUIRE(moved != nullptr);
    CHECK(moved->where.file == (f.catalog / "bulk" / "d3" / "moved.yaml").string());
  }
  SECTION("a change within the same mtime, seen by its size")
  {
    const struct timespec mtime = stat_of(b7).st_mtim;
    f.tmp.write("catalog/bulk/d0/b007.yaml", "name: b007\nversion: 1.7.1\n");
    set_mtime(b7, mtime);
    CHECK(f.expect_same_as_cold().reread == 1);
  }
  SECTION("a file replaced by one of the same size and mtime, seen by its inode")
  {
    const struct stat before = stat_of(b7);
    std::string changed = read_all(b7);
    changed.replace(changed.find("1.0.0"), 5, "1.0.9");
    const fs::path next = f.catalog / "bulk" / ".next";
    write_all(next, changed);
    set_mtime(next, before.st_mtim);
    fs::rename(next, b7);
    REQUIRE(stat_of(b7).st_size == before.st_size);
    CHECK(f.expect_same_as_cold().reread == 1);
    CHECK(f.cached().catalog.find("b007", noodle::semver::Version::parse("1.0.9").value()) != nullptr);
  }
  SECTION("an archive file that goes away")
  {
    fs::remove(f.catalog / "bulk" / "packed-1.0.0.tar.gz");
    CHECK(f.expect_same_as_cold().reread == 1);
    CHECK_FALSE(f.cached().catalog.contains("packed"));
  }
  SECTION("a file that becomes unreadable as a manifest (a FIFO)")
  {
    REQUIRE(::mkfifo((f.catalog / "bulk" / "d2" / "pipe.yaml").c_str(), 0600) == 0);
    const LoadResult r = f.cached();
    CHECK(rendered(r) == f.cold());
    CHECK(r.has_errors());
  }
  SECTION("a damaged cache")
  {
    std::string bytes = read_all(f.cache);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x20);
    write_all(f.cache, bytes);
    CHECK(f.expect_same_as_cold().why_rebuilt == "checksum mismatch");
  }
}

TEST_CASE("catalog cache: a cache read in pieces is exact across their edges and for a record larger than one")
{
  // The cache is read through a window of 512 KiB: records of 100 KB and
  // one of 700 KB straddle its edges or outgrow it.
  CacheFixture f;
  for (int i = 0; i < 300; ++i) {
    f.tmp.write(fmt::format("catalog/many/m{:03}.yaml", i), fmt::format("name: m{:03}\nversion: 1.0.{}\n", i, i % 5));
  }
  for (int i = 0; i < 12; ++i) {
    f.tmp.write(fmt::format("catalog/wide/w{:02}.yaml", i),
                fmt::format("name: w{:02}\nversion: 2.0.0\ndescription: {}\n", i, std::string(100000, static_cast<char>('a' + i))));
  }
  f.tmp.write("catalog/wide/x.yaml", "name: x\nversion: 1.0.0\ndescription: " + std::string(700000, 'x') + "\n");
  CHECK(f.expect_same_as_cold().state == CacheUse::State::rebuilt);
  REQUIRE(fs::file_size(f.cache) > 3 * 512 * 1024);
  CacheUse warm = f.expect_same_as_cold();
  CHECK(warm.state == CacheUse::State::fresh);
  CHECK(warm.reread == 0);
  CHECK(warm.built_during_scan);
  const LoadResult r = f.cached();
  const Manifest* x = r.catalog.latest("x");
  REQUIRE(x != nullptr);
  CHECK(x->description == std::string(700000, 'x'));

  SECTION("a byte flipped in a later piece")
  {
    std::string bytes = read_all(f.cache);
    const std::size_t at = bytes.size() - 1000;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    write_all(f.cache, bytes);
    CacheUse use = f.expect_same_as_cold();
    CHECK(use.why_rebuilt == "checksum mismatch");
    CHECK_FALSE(use.built_during_scan);
  }
  SECTION("the cache cut short in a later piece")
  {
    const std::string bytes = read_all(f.cache);
    write_all(f.cache, bytes.substr(0, bytes.size() - 3));
    CHECK(f.expect_same_as_cold().why_rebuilt == "truncated");
  }
}
