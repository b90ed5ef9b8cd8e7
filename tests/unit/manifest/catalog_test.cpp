// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/loader.hpp>
#include <noodle/manifest/validate.hpp>

#include "unit/manifest/support.hpp"

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>


#include <filesystem>
#include <fstream>

#include <sys/stat.h>

namespace fs = std::filesystem;
using noodle::ErrorCode;
using noodle::manifest::Diagnostic;
using noodle::manifest::load_catalog;
using noodle::manifest::load_files;
using noodle::manifest::LoadOptions;
using noodle::manifest::validate_catalog;
using manifest_test::lines;

using noodle::test::TempDir;

namespace {

const fs::path k_source = NOODLE_SOURCE_DIR;
const fs::path k_catalogs = k_source / "tests" / "data" / "catalogs";

// Runs a body with the working directory set to the source tree, restoring it after.
class InSourceDir {
public:
  InSourceDir() : m_saved(fs::current_path()) { fs::current_path(k_source); }
  ~InSourceDir() { fs::current_path(m_saved); }
  InSourceDir(const InSourceDir&) = delete;
  InSourceDir& operator=(const InSourceDir&) = delete;

private:
  fs::path m_saved;
};

} // namespace

TEST_CASE("load_catalog loads the example catalog with zero diagnostics")
{
  auto r = load_catalog(k_source / "manifests", LoadOptions{});
  CHECK(lines(r.diagnostics).empty());
  CHECK_FALSE(r.has_errors());
  CHECK(r.files == 7);
  CHECK(r.catalog.component_count() == 7);
  CHECK(r.catalog.manifest_count() == 25);
  CHECK(validate_catalog(r.catalog).empty());

  const auto* stop = r.catalog.find("runtime_core", noodle::semver::Version(1, 5, 0));
  REQUIRE(stop != nullptr);
  CHECK(stop->required_stop);
  const auto* major = r.catalog.find("runtime_core", noodle::semver::Version(2, 0, 0));
  REQUIRE(major != nullptr);
  REQUIRE(major->upgrade_from.size() == 1);
  CHECK_FALSE(major->upgrade_from[0].satisfies(noodle::semver::Version(1, 2, 0)));
  CHECK(major->upgrade_from[0].satisfies(noodle::semver::Version(1, 5, 0)));
  // The demo: jit_compiler 2.1.0 needs a 2.x runtime, which 1.2.0 cannot reach directly.
  const auto* jit = r.catalog.find("jit_compiler", noodle::semver::Version(2, 1, 0));
  REQUIRE(jit != nullptr);
  REQUIRE(jit->dependencies.size() == 2);
  CHECK(jit->dependencies[0].name == "runtime_core");
  CHECK_FALSE(jit->dependencies[0].range.satisfies(noodle::semver::Version(1, 5, 0)));
  CHECK(jit->dependencies[0].range.satisfies(noodle::semver::Version(2, 0, 0)));
}

TEST_CASE("load_catalog names files as given, relative when the input is relative")
{
  InSourceDir in_source;
  auto r = load_catalog("tests/data/catalogs/unknown_field", LoadOptions{});
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].where.to_string() == "tests/data/catalogs/unknown_field/component.yaml:3:1");
  CHECK(r.catalog.manifest_count() == 1);
  CHECK_FALSE(r.has_errors());
}

TEST_CASE("load_catalog shares each directory's path among its files, and names each file in full")
{
  TempDir dir;
  dir.write("top.yaml", "name: top\nversion: 1.0.0\n");
  dir.write("sub/a.yaml", "name: a\nversion: 1.0.0\nbad_a: 1\n");
  dir.write("sub/b.yaml", "name: b\nversion: 1.0.0\n");
  auto r = load_catalog(dir.path(), LoadOptions{});
  const auto* top = r.catalog.latest("top");
  const auto* a = r.catalog.latest("a");
  const auto* b = r.catalog.latest("b");
  REQUIRE(top != nullptr);
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  CHECK(a->where.file == (dir.path() / "sub" / "a.yaml").string());
  CHECK(b->where.file == (dir.path() / "sub" / "b.yaml").string());
  CHECK(a->where.file.same_dir_buffer(b->where.file));
  CHECK_FALSE(a->where.file.same_dir_buffer(top->where.file));
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].where.to_string() == (dir.path() / "sub" / "a.yaml").string() + ":3:1");
}

TEST_CASE("load_catalog reads *.yaml and *.yml recursively in sorted path order")
{
  TempDir dir;
  dir.write("b.yaml", "name: b\nversion: 1.0.0\nbad_b: 1\n");
  dir.write("a/z.yml", "name: z\nversion: 1.0.0\nbad_z: 1\n");
  dir.write("a/c.yaml", "name: c\nversion: 1.0.0\nbad_c: 1\n");
  dir.write("notes.txt", "not yaml: [");
  dir.write(".hidden.yaml", "not: [valid");
  dir.write(".git/x.yaml", "not: [valid");
  auto r = load_catalog(dir.path(), LoadOptions{});
  CHECK(r.files == 3);
  REQUIRE(r.diagnostics.size() == 3);
  CHECK(r.diagnostics[0].message == "unknown field 'bad_c'");
  CHECK(r.diagnostics[1].message == "unknown field 'bad_z'");
  CHECK(r.diagnostics[2].message == "unknown field 'bad_b'");
  CHECK(r.catalog.names() == std::vector<std::string>{"b", "c", "z"});
}

TEST_CASE("load_catalog keeps the path order of one scan when several subdirectories are scanned at once")
{
  TempDir dir;
  // Top-level files between subdirectories, nested ones, a FIFO named like a
  // manifest and enough subdirectories for several scanning threads.
  std::vector<std::string> expected;
  for (int i = 0; i < 12; ++i) {
    const std::string sub = fmt::format("d{:02}", i);
    if (i % 3 == 0) {
      dir.write(sub + "/deeper/n.yaml", fmt::format("name: n{0}\nversion: 1.0.0\nbad_n{0}: 1\n", i));
      expected.push_back(fmt::format("unknown field 'bad_n{}'", i));
    }
    dir.write(sub + "/m.yaml", fmt::format("name: m{0}\nversion: 1.0.0\nbad_{0}: 1\n", i));
    expected.push_back(fmt::format("unknown field 'bad_{}'", i));
    dir.write(sub + "x.yaml", fmt::format("name: t{0}\nversion: 1.0.0\nbad_t{0}: 1\n", i));
    expected.push_back(fmt::format("unknown field 'bad_t{}'", i));
  }
  REQUIRE(::mkfifo((dir.path() / "d05" / "pipe.yaml").c_str(), 0600) == 0);
  // The scan's own diagnostics come before those of reading the files.
  expected.insert(expected.begin(),
                  fmt::format("'{}' is a FIFO, not a regular file: not read", (dir.path() / "d05/pipe.yaml").string()));
  auto r = load_catalog(dir.path(), LoadOptions{});
  std::vector<std::string> got;
  for (const Diagnostic& d : r.diagnostics) {
    got.push_back(d.message);
  }
  CHECK(got == expected);
  CHECK(r.files == 28);
}

TEST_CASE("load_catalog reports a missing directory as an error diagnostic")
{
  auto r = load_catalog("no/such/dir", LoadOptions{});
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.has_errors());
  CHECK(r.diagnostics[0].code == ErrorCode::not_found);
  CHECK(r.diagnostics[0].message == "catalog directory 'no/such/dir' does not exist");
  CHECK(r.diagnostics[0].where.to_string() == "no/such/dir");
  CHECK(r.files == 0);
}

TEST_CASE("load_catalog reports a duplicate name@version across files")
{
  InSourceDir in_source;
  auto r = load_catalog("tests/data/catalogs/duplicate", LoadOptions{});
  CHECK(r.catalog.manifest_count() == 1);
  REQUIRE(r.diagnostics.size() == 1);
  const Diagnostic& d = r.diagnostics[0];
  CHECK(d.code == ErrorCode::duplicate_version);
  CHECK(d.message ==
        "duplicate component version 'dup@1.0.0' (first defined at tests/data/catalogs/duplicate/first.yaml:1:1)");
  CHECK(d.where.to_string() == "tests/data/catalogs/duplicate/second.yaml:1:1");
  CHECK(d.source_line == "name: dup");
}

TEST_CASE("load_catalog refuses an oversized file without reading it")
{
  TempDir dir;
  dir.write("big.yaml", "name: a\nversion: 1.0.0\ndescription: " + std::string(2000, 'x') + "\n");
  LoadOptions o;
  o.max_file_bytes = 1000;
  auto r = load_catalog(dir.path(), o);
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].message == "file is 2037 bytes, over the 1000-byte limit");
  CHECK(r.diagnostics[0].code == ErrorCode::manifest_parse);
}

TEST_CASE("load_catalog gives each broken test catalog its one expected error")
{
  InSourceDir in_source;
  auto first = [](const std::string& dir) {
    auto r = load_catalog("tests/data/catalogs/" + dir, LoadOptions{});
    auto v = validate_catalog(r.catalog);
    r.diagnostics.insert(r.diagnostics.end(), v.begin(), v.end());
    REQUIRE_FALSE(r.diagnostics.empty());
    return r.diagnostics[0];
  };
  CHECK(first("bad_yaml").code == ErrorCode::manifest_parse);
  CHECK(first("deep_nesting").message == "nesting depth exceeds the limit of 32");
  CHECK(first("invalid_version").code == ErrorCode::invalid_version);
  CHECK(first("missing_dependency").code == ErrorCode::missing_dependency);
  CHECK(first("wrong_types").field == "type");
  CHECK(first("unknown_field").severity == Diagnostic::Severity::warning);
  auto cycle = load_catalog("tests/data/catalogs/cycle", LoadOptions{});
  CHECK(cycle.diagnostics.empty());
  CHECK(cycle.catalog.manifest_count() == 3);
}

TEST_CASE("load_files takes files and directories together into one catalog")
{
  InSourceDir in_source;
  auto r = load_files({"tests/data/catalogs/cycle/a.yaml", "tests/data/catalogs/duplicate", "no_such.yaml"},
                      LoadOptions{});
  CHECK(r.files == 3);
  CHECK(r.catalog.names() == std::vector<std::string>{"a", "dup"});
  REQUIRE(r.diagnostics.size() == 2);
  CHECK(r.diagnostics[0].code == ErrorCode::duplicate_version);
  CHECK(r.diagnostics[1].code == ErrorCode::not_found);
  CHECK(r.diagnostics[1].message == "cannot read 'no_such.yaml': no such file or directory");
}

TEST_CASE("load_files reads an explicitly named file whatever its extension")
{
  TempDir dir;
  dir.write("component.manifest", "name: x\nversion: 1.0.0\n");
  auto r = load_files({dir.path() / "component.manifest"}, LoadOptions{});
  CHECK(r.diagnostics.empty());
  CHECK(r.catalog.contains("x"));
}

TEST_CASE("manifest::is_valid_component_name accepts lowercase names up to 128 characters")
{
  CHECK(noodle::manifest::is_valid_component_name("jit_compiler"));
  CHECK(noodle::manifest::is_valid_component_name("0ad.x-y"));
  CHECK(noodle::manifest::is_valid_component_name(std::string(128, 'a')));
  CHECK_FALSE(noodle::manifest::is_valid_component_name(std::string(129, 'a')));
  CHECK_FALSE(noodle::manifest::is_valid_component_name(""));
  CHECK_FALSE(noodle::manifest::is_valid_component_name("_x"));
  CHECK_FALSE(noodle::manifest::is_valid_component_name(".."));
  CHECK_FALSE(noodle::manifest::is_valid_component_name("a/b"));
  CHECK_FALSE(noodle::manifest::is_valid_component_name("A"));
}

TEST_CASE("FieldLocations keeps the last location set per field and refuses a damaged packed buffer")
{
  noodle::manifest::Manifest m;
  m.where = noodle::SourceLocation{"cat/m.yaml", 1, 1};
  m.field_where.set("version", 2, 10);
  m.field_where.set("dependencies.core", 5, 3);
  m.field_where.set("version", 3, 11);
  CHECK(m.field_where.size() == 2);
  CHECK(m.location_of("version").to_string() == "cat/m.yaml:3:11");
  CHECK(m.location_of("dependencies.core").to_string() == "cat/m.yaml:5:3");
  CHECK(m.location_of("dependencies.cor").to_string() == "cat/m.yaml:1:1");
  auto copy = noodle::manifest::FieldLocations::from_packed(m.field_where.packed());
  REQUIRE(copy);
  CHECK(*copy == m.field_where);
  std::string packed(m.field_where.packed());
  CHECK_FALSE(noodle::manifest::FieldLocations::from_packed(packed.substr(0, packed.size() - 1)));
  // The second record's path, "dependencies." and "core": line 5, column 3,
  // the prefix's code, then the rest's length, here made to run past the end.
  const std::size_t rest = packed.find("core");
  REQUIRE(rest != std::string::npos);
  packed[rest - 1] = static_cast<char>(200);
  CHECK_FALSE(noodle::manifest::FieldLocations::from_packed(packed));
  packed[rest - 1] = 4;
  REQUIRE(noodle::manifest::FieldLocations::from_packed(packed));
  packed[rest - 2] = static_cast<char>(0xFE); // no prefix has that code
  CHECK_FALSE(noodle::manifest::FieldLocations::from_packed(packed));
}

TEST_CASE("FieldLocations packs usual paths into a byte and keeps any other path as written")
{
  noodle::manifest::FieldLocations f;
  f.set("name", 1, 7);
  f.set("dependencies.runtime_core", 300, 70000);
  const std::string long_path = "metadata." + std::string(200, 'x');
  f.set(long_path, 4, 1);
  f.set("x", 0, 0);
  // Lines and columns below 128 take a byte each, and "name" one more.
  CHECK(f.packed().substr(0, 3) == std::string_view("\x01\x07\x80", 3));
  REQUIRE(f.size() == 4);
  const auto items = f.items();
  CHECK(items[0].field == "name");
  CHECK(items[1].field == "dependencies.runtime_core");
  CHECK(items[1].line == 300);
  CHECK(items[1].column == 70000);
  CHECK(items[2].field == long_path);
  CHECK(items[3].field == "x");
  CHECK(f.find("dependencies.runtime_core")->column == 70000);
  CHECK_FALSE(f.find("dependencies."));
  CHECK_FALSE(f.find("dependencies.runtime_cor"));
  // Replacing a record with wider numbers keeps the order and the others.
  f.set("name", 100000, 3);
  CHECK(f.items()[0].line == 100000);
  CHECK(f.items()[3].field == "x");
  auto copy = noodle::manifest::FieldLocations::from_packed(f.packed());
  REQUIRE(copy);
  CHECK(*copy == f);
  noodle::manifest::FieldLocations assigned;
  assigned = f;
  CHECK(assigned == f);
  CHECK(assigned.shares(f));
  // A copy shares the buffer until one of them sets a record; the other
  // keeps what it had.
  assigned.set("x", 9, 9);
  CHECK_FALSE(assigned.shares(f));
  CHECK(assigned.find("x")->line == 9);
  CHECK(f.find("x")->line == 0);
  CHECK(assigned.size() == f.size());
  CHECK(noodle::manifest::FieldLocations{}.empty());
  CHECK(noodle::manifest::FieldLocations::from_packed("")->empty());
}

TEST_CASE("a catalog keeps one buffer of field locations, dependencies and description for neighbouring versions alike")
{
  // Each version in a file of its own, laid out alike: the same lines and
  // columns. 1.1.0 differs from both in its description, 2.0.0 in its
  // layout and its dependency's range.
  const auto one = [](const std::string& text) {
    auto p = manifest_test::parse(text);
    REQUIRE(p.diagnostics.empty());
    REQUIRE(p.manifests.size() == 1);
    return std::move(p.manifests.front());
  };
  noodle::manifest::Catalog catalog;
  REQUIRE(catalog.add(one("name: core\nversion: 1.2.0\ndescription: the core\ndependencies: {base: ^1}\n")));
  REQUIRE(catalog.add(one("name: core\nversion: 1.0.0\ndescription: the core\ndependencies: {base: ^1}\n")));
  REQUIRE(catalog.add(one("name: core\nversion: 1.1.0\ndescription: the new core\ndependencies: {base: ^1}\n")));
  REQUIRE(catalog.add(one("name: core\nversion: 2.0.0\n\ndescription: the new core\ndependencies: {base: ^2}\n")));
  const auto& v = *catalog.versions("core");
  REQUIRE(v.size() == 4);
  REQUIRE(v[1].id() == "core@1.1.0");
  // 1.0.0 took 1.2.0's buffers when it came, then 1.1.0 came between them.
  CHECK(v[0].field_where.shares(v[2].field_where));
  CHECK(v[1].field_where.shares(v[2].field_where));
  CHECK_FALSE(v[3].field_where.shares(v[2].field_where));
  REQUIRE(v[3].field_where.find("dependencies.base"));
  REQUIRE(v[2].field_where.find("dependencies.base"));
  CHECK(v[3].field_where.find("dependencies.base")->line == 5);
  CHECK(v[2].field_where.find("dependencies.base")->line == 4);
  CHECK(v[0].dependencies.shares(v[2].dependencies));
  CHECK(v[1].dependencies.shares(v[2].dependencies));
  CHECK_FALSE(v[3].dependencies.shares(v[2].dependencies)); // ^2, not ^1
  CHECK(v[1].dependencies.at(0).range.raw() == "^1");
  CHECK(v[3].dependencies.at(0).range.raw() == "^2");
  CHECK(v[0].description.same_buffer(v[2].description));
  CHECK_FALSE(v[1].description.same_buffer(v[2].description));
  CHECK_FALSE(v[1].description.same_buffer(v[3].description)); // never neighbours when added
  // Each reads as what it was given.
  CHECK(v[0].description == "the core");
  CHECK(v[1].description == "the new core");
  CHECK(v[2].description == "the core");
  CHECK(v[3].description == "the new core");
}

TEST_CASE("a catalog keeps one buffer per component name, shared by its versions and every dependency naming it")
{
  auto p = manifest_test::parse("name: a\nversion: 1.0.0\ndependencies: [core]\n---\n"
                                "name: b\nversion: 1.0.0\ndependencies: {core: '^1'}\n---\n"
                                "name: core\nversion: 1.2.0\n---\nname: core\nversion: 1.3.0\n");
  REQUIRE(p.diagnostics.empty());
  REQUIRE(p.manifests.size() == 4);
  // As parsed, each dependency holds its own copy of the name.
  CHECK(p.manifests[0].dependencies[0].name.data() != p.manifests[1].dependencies[0].name.data());

  noodle::manifest::Catalog catalog;
  for (auto& m : p.manifests) {
    REQUIRE(catalog.add(std::move(m)));
  }
  const auto& a = catalog.versions("a")->front().dependencies.at(0);
  const auto& b = catalog.versions("b")->front().dependencies.at(0);
  CHECK(a.name == "core");
  CHECK(b.name == "core");
  CHECK(b.range.raw() == "^1");
  CHECK(a.name.data() == b.name.data());
  CHECK(a.name.data() == catalog.name_of(catalog.id_of("core")).data());
  const auto& core = *catalog.versions("core");
  REQUIRE(core.size() == 2);
  CHECK(core[0].name == "core");
  CHECK(core[0].name.data() == a.name.data());
  CHECK(core[1].name.data() == a.name.data());
  CHECK(core[1].id() == "core@1.3.0");
  // A copy of the catalog shares them too, and reads the same.
  const noodle::manifest::Catalog copy = catalog;
  CHECK(copy.versions("a")->front().dependencies.at(0).name.data() == a.name.data());
  CHECK(copy.name_of(copy.id_of("core")) == "core");
}

TEST_CASE("Catalog::shrink_to_fit copies only lists at least half empty, and its index reads the same after")
{
  noodle::manifest::Catalog catalog;
  const auto add = [&catalog](const std::string& text) {
    auto p = manifest_test::parse(text);
    REQUIRE(p.diagnostics.empty());
    for (auto& m : p.manifests) {
      REQUIRE(catalog.add(std::move(m)));
    }
  };
  // Five versions of core: room for eight, not half empty.
  for (int minor = 0; minor < 5; ++minor) {
    add(fmt::format("name: core\nversion: 1.{}.0\n", minor));
  }
  add("name: app\nversion: 1.0.0\ndependencies: {core: '^1.2'}\n");
  const std::size_t room = catalog.versions("core")->capacity();
  REQUIRE(room >= 5);
  REQUIRE(room < 2 * 5 + 1);
  const auto app = catalog.id_of("app");
  const auto core = catalog.id_of("core");
  catalog.shrink_to_fit();
  CHECK(catalog.versions("core")->capacity() == room);
  REQUIRE(catalog.version_span(core).size() == 5);
  CHECK(catalog.version_span(core).data() == catalog.versions("core")->data());
  CHECK(catalog.version_span(core)[4].version.to_string() == "1.4.0");
  const auto deps = catalog.dependencies_of(app, 0);
  REQUIRE(deps.size() == 1);
  CHECK(deps[0].component == core);
  CHECK(catalog.range(deps[0].range).raw() == "^1.2");
  CHECK(catalog.release_key_of(core, 4) == noodle::manifest::release_key(catalog.version_span(core)[4].version));
}
