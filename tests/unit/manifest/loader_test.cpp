// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/loader.hpp>

#include "unit/manifest/support.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using noodle::ErrorCode;
using noodle::manifest::ComponentType;
using noodle::manifest::Diagnostic;
using noodle::manifest::LoadOptions;
using noodle::manifest::Strictness;
using noodle::semver::Version;
using manifest_test::lines;
using manifest_test::parse;

namespace {

LoadOptions no_archive_check()
{
  LoadOptions o;
  o.check_archive_files = LoadOptions::CheckArchiveFiles::no;
  return o;
}

} // namespace

TEST_CASE("parse_manifests reads every field of a complete manifest")
{
  auto p = parse(R"(name: runtime_core
version: 2.0.0-rc.1
description: Core runtime
type: compiler
dependencies:
  gc_engine: ^1.3.0
upgrade_from: ">=1.5.0 <2.0.0"
required_stop: true
hot_swappable: false
compatibility:
  jit_compiler: ["^1.4.0", ^2.0.0]
  telemetry_agent: ">=0.5.0"
resources: {memory_mb: 768, cpu_cores: 1.5, disk_mb: 300}
health_check: {timeout_ms: 10000, retries: 0}
entry_point: bin/runtime-core
configuration_schema: {type: object}
metadata:
  owner: platform
  count: 42
  negative: -7
  ratio: 0.25
  enabled: true
  nothing: ~
  quoted: "42"
  list: [a, 1, false]
archive: {file: pkg/runtime.tar.gz, sha256: ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789, size: 1024}
)",
                 no_archive_check());
  REQUIRE(p.diagnostics.empty());
  REQUIRE(p.manifests.size() == 1);
  const auto& m = p.manifests[0];
  CHECK(m.name == "runtime_core");
  CHECK(m.version.to_string() == "2.0.0-rc.1");
  CHECK(m.description == "Core runtime");
  CHECK(m.type == ComponentType::compiler);
  REQUIRE(m.dependencies.size() == 1);
  CHECK(m.dependencies[0].name == "gc_engine");
  CHECK(m.dependencies[0].range.satisfies(Version(1, 4, 0)));
  CHECK_FALSE(m.dependencies[0].range.satisfies(Version(2, 0, 0)));
  CHECK(m.location_of(m.dependencies[0]).to_string() == "m.yaml:6:3");
  REQUIRE(m.upgrade_from.size() == 1);
  CHECK(m.upgrade_from[0].satisfies(Version(1, 5, 0)));
  CHECK_FALSE(m.upgrade_from[0].satisfies(Version(1, 4, 9)));
  CHECK(m.required_stop);
  CHECK_FALSE(m.hot_swappable);
  REQUIRE(m.extras->compatibility.size() == 2);
  CHECK((m.extras->compatibility)[0].component == "jit_compiler");
  CHECK((m.extras->compatibility)[0].ranges.size() == 2);
  CHECK((m.extras->compatibility)[0].where.to_string() == "m.yaml:11:3");
  CHECK((m.extras->compatibility)[1].ranges.size() == 1);
  CHECK(m.resources.memory_mb == 768);
  CHECK(m.resources.cpu_cores == 1.5);
  CHECK(m.resources.disk_mb == 300);
  CHECK(m.extras->health_check.timeout_ms == 10000);
  CHECK(m.extras->health_check.retries == 0);
  CHECK(m.extras->entry_point == "bin/runtime-core");
  CHECK(m.extras->configuration_schema == nlohmann::json{{"type", "object"}});
  CHECK((m.extras->metadata)["owner"] == "platform");
  CHECK((m.extras->metadata)["count"] == 42);
  CHECK((m.extras->metadata)["count"].is_number_integer());
  CHECK((m.extras->metadata)["negative"] == -7);
  CHECK((m.extras->metadata)["ratio"] == 0.25);
  CHECK((m.extras->metadata)["enabled"] == true);
  CHECK((m.extras->metadata)["nothing"].is_null());
  CHECK((m.extras->metadata)["quoted"] == "42");
  CHECK((m.extras->metadata)["list"] == nlohmann::json::array({"a", 1, false}));
  REQUIRE(m.extras->archive);
  CHECK(m.extras->archive->sha256 == "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  CHECK(m.extras->archive->size == 1024);
  CHECK(m.extras->archive->file.is_absolute());
  CHECK(m.extras->archive->file.filename() == "runtime.tar.gz");
  CHECK(m.where.to_string() == "m.yaml:1:1");
  CHECK(m.location_of("version").to_string() == "m.yaml:2:10");
  CHECK(m.location_of("upgrade_from[0]").to_string() == "m.yaml:7:15");
  CHECK(m.location_of("no_such_field").to_string() == "m.yaml:1:1");
}

TEST_CASE("parse_manifests applies documented defaults to absent optional fields")
{
  auto p = parse("name: a\nversion: 1.0.0\n");
  REQUIRE(p.diagnostics.empty());
  REQUIRE(p.manifests.size() == 1);
  const auto& m = p.manifests[0];
  CHECK(m.type == ComponentType::runtime);
  CHECK(m.dependencies.empty());
  CHECK(m.upgrade_from.empty());
  CHECK_FALSE(m.required_stop);
  CHECK_FALSE(m.hot_swappable);
  CHECK(m.extras->health_check.timeout_ms == 5000);
  CHECK(m.extras->health_check.retries == 3);
  CHECK(m.extras->metadata.is_null());
  CHECK(m.extras->configuration_schema.is_null());
  CHECK_FALSE(m.extras->archive);
}

TEST_CASE("parse_manifests reads one component version per YAML document")
{
  auto p = parse("name: a\nversion: 1.0.0\n---\nname: a\nversion: 1.1.0\n---\nname: b\nversion: 0.1.0\n---\n");
  CHECK(p.diagnostics.empty());
  REQUIRE(p.manifests.size() == 3);
  CHECK(p.manifests[0].id() == "a@1.0.0");
  CHECK(p.manifests[1].id() == "a@1.1.0");
  CHECK(p.manifests[1].where.to_string() == "m.yaml:4:1");
  CHECK(p.manifests[2].id() == "b@0.1.0");
}

TEST_CASE("parse_manifests keeps the good documents of a file and drops only the bad ones")
{
  auto p = parse("name: a\nversion: 1.0.0\n---\nname: a\nversion: 1.1\n---\nname: a\nversion: 1.2.0\n");
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{"5:10 error: invalid version '1.1': expected MAJOR.MINOR.PATCH"});
  REQUIRE(p.manifests.size() == 2);
  CHECK(p.manifests[0].id() == "a@1.0.0");
  CHECK(p.manifests[1].id() == "a@1.2.0");
}

TEST_CASE("parse_manifests accepts dependencies as a list of names meaning any version")
{
  auto p = parse("name: app\nversion: 1.0.0\ndependencies:\n  - runtime_core\n  - gc_engine\n");
  REQUIRE(p.diagnostics.empty());
  REQUIRE(p.manifests[0].dependencies.size() == 2);
  const auto& d = p.manifests[0].dependencies[1];
  CHECK(d.name == "gc_engine");
  CHECK(p.manifests[0].location_of(d).to_string() == "m.yaml:5:5");
  CHECK(d.range.satisfies(Version(0, 0, 1)));
  CHECK(d.range.satisfies(Version(99, 0, 0)));
}

TEST_CASE("parse_manifests accepts dependencies as a mapping of name to range")
{
  auto p = parse("name: app\nversion: 1.0.0\ndependencies: {runtime_core: '>=1.2.0 <3.0.0', gc_engine: 1}\n");
  REQUIRE(p.diagnostics.empty());
  const auto& deps = p.manifests[0].dependencies;
  REQUIRE(deps.size() == 2);
  CHECK(deps[0].range.satisfies(Version(2, 9, 0)));
  CHECK_FALSE(deps[0].range.satisfies(Version(1, 1, 0)));
  CHECK(deps[1].range.satisfies(Version(1, 7, 0)));
  CHECK_FALSE(deps[1].range.satisfies(Version(2, 0, 0)));
}

TEST_CASE("parse_manifests accepts upgrade_from as one range or a list of ranges")
{
  auto p = parse("name: a\nversion: 3.0.0\nupgrade_from: [^1.5.0, ^2.0.0]\n");
  REQUIRE(p.diagnostics.empty());
  REQUIRE(p.manifests[0].upgrade_from.size() == 2);
  CHECK(p.manifests[0].location_of("upgrade_from[1]").to_string() == "m.yaml:3:24");
  auto empty = parse("name: a\nversion: 3.0.0\nupgrade_from: []\n");
  CHECK(lines(empty.diagnostics) ==
        std::vector<std::string>{"3:15 error: field 'upgrade_from' must not be empty (leave it out to allow upgrades "
                                 "from any lower version)"});
}

TEST_CASE("parse_manifests reports a missing required field at the document")
{
  auto p = parse("# comment\nname: a\ndescription: no version\n");
  CHECK(p.manifests.empty());
  REQUIRE(p.diagnostics.size() == 1);
  const Diagnostic& d = p.diagnostics[0];
  CHECK(d.message == "missing required field 'version'");
  CHECK(d.where.to_string() == "m.yaml:2:1");
  CHECK(d.field == "version");
  CHECK(d.code == ErrorCode::manifest_invalid);
  CHECK(d.source_line == "name: a");
}

TEST_CASE("parse_manifests treats a present but null required field as an error")
{
  auto p = parse("name: a\nversion:\n");
  CHECK(p.manifests.empty());
  CHECK(lines(p.diagnostics) == std::vector<std::string>{"2:1 error: field 'version' must be a version string, got null"});
  auto q = parse("name: ~\nversion: 1.0.0\n");
  CHECK(lines(q.diagnostics) == std::vector<std::string>{"1:7 error: field 'name' must be a string, got null"});
}

TEST_CASE("parse_manifests reports wrong types at the value with the field path")
{
  auto p = parse("name: a\nversion: 1.0.0\nresources:\n  memory_mb: lots\n  cpu_cores: -1\n  disk_mb: 1.5\n"
                 "health_check: {timeout_ms: 0, retries: -1}\nrequired_stop: yes\nhot_swappable: 1\n"
                 "description: [x]\nentry_point: 42\n");
  CHECK(p.manifests.empty());
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{
          "4:14 error: field 'resources.memory_mb' must be a non-negative integer, got 'lots'",
          "5:14 error: field 'resources.cpu_cores' must be a positive number, got '-1'",
          "6:12 error: field 'resources.disk_mb' must be a non-negative integer, got '1.5'",
          "7:28 error: field 'health_check.timeout_ms' must be a positive integer, got '0'",
          "7:40 error: field 'health_check.retries' must be a non-negative integer, got '-1'",
          "8:16 error: field 'required_stop' must be true or false, got 'yes'",
          "9:16 error: field 'hot_swappable' must be true or false, got '1'",
          "10:14 error: field 'description' must be a string, got a sequence",
          "11:14 error: field 'entry_point' must be a string, got '42'",
        });
  CHECK(p.diagnostics[0].field == "resources.memory_mb");
  CHECK(p.diagnostics[0].source_line == "  memory_mb: lots");
}

TEST_CASE("parse_manifests points out a number written in quotes")
{
  auto p = parse("name: a\nversion: 1.0.0\nresources: {memory_mb: \"512\"}\n");
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{
          "3:24 error: field 'resources.memory_mb' must be a non-negative integer, got '512' (a quoted string)"});
}

TEST_CASE("parse_manifests rejects integers beyond their field's range")
{
  auto p = parse("name: a\nversion: 1.0.0\nhealth_check: {retries: 4294967296}\n"
                 "resources: {memory_mb: 99999999999999999999}\n");
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{
          "3:25 error: field 'health_check.retries' must be at most 99, got '4294967296'",
          "4:24 error: field 'resources.memory_mb' must be a non-negative integer, got '99999999999999999999'",
        });
}

TEST_CASE("parse_manifests lists the allowed component types and suggests the nearest")
{
  auto p = parse("name: a\nversion: 1.0.0\ntype: compilr\n");
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{"3:7 error: field 'type' must be one of runtime, compiler, ai_agent, deployment, "
                                 "system, got 'compilr' (did you mean 'compiler'?)"});
  auto q = parse("name: a\nversion: 1.0.0\ntype: database\n");
  CHECK(lines(q.diagnostics) ==
        std::vector<std::string>{"3:7 error: field 'type' must be one of runtime, compiler, ai_agent, deployment, "
                                 "system, got 'database'"});
}

TEST_CASE("parse_manifests warns about unknown fields with a spelling suggestion")
{
  auto p = parse("name: a\nversion: 1.0.0\nhot_swapable: true\nresources:\n  memroy_mb: 5\nzzz: 1\n");
  REQUIRE(p.manifests.size() == 1);
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{
          "3:1 warning: unknown field 'hot_swapable' (did you mean 'hot_swappable'?)",
          "5:3 warning: unknown field 'resources.memroy_mb' (did you mean 'resources.memory_mb'?)",
          "6:1 warning: unknown field 'zzz'",
        });
  CHECK(p.diagnostics[0].field == "hot_swapable");
  CHECK_FALSE(p.manifests[0].hot_swappable);
}

TEST_CASE("parse_manifests makes unknown fields errors under Strictness::strict")
{
  LoadOptions strict;
  strict.strictness = Strictness::strict;
  auto p = parse("name: a\nversion: 1.0.0\nhot_swapable: true\n", strict);
  CHECK(p.manifests.empty());
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{"3:1 error: unknown field 'hot_swapable' (did you mean 'hot_swappable'?)"});
}

TEST_CASE("parse_manifests reports invalid versions with the semver message")
{
  auto p = parse("name: a\nversion: 1.2\n");
  REQUIRE(p.diagnostics.size() == 1);
  CHECK(p.diagnostics[0].message == "invalid version '1.2': expected MAJOR.MINOR.PATCH");
  CHECK(p.diagnostics[0].code == ErrorCode::invalid_version);
  CHECK(p.diagnostics[0].where.to_string() == "m.yaml:2:10");
  CHECK(p.diagnostics[0].field == "version");
}

TEST_CASE("parse_manifests reports invalid ranges naming the field")
{
  auto p = parse("name: a\nversion: 1.0.0\ndependencies:\n  b: '>=1.x.y'\n");
  REQUIRE(p.diagnostics.size() == 1);
  CHECK(p.diagnostics[0].code == ErrorCode::invalid_range);
  CHECK(p.diagnostics[0].message.rfind("invalid range '>=1.x.y' in field 'dependencies.b': ", 0) == 0);
  CHECK(p.diagnostics[0].where.to_string() == "m.yaml:4:6");
  auto q = parse("name: a\nversion: 1.0.0\ndependencies:\n  b:\n");
  CHECK(lines(q.diagnostics) ==
        std::vector<std::string>{"4:3 error: dependency 'b' needs a version range, got null (use '*' for any version)"});
}

TEST_CASE("parse_manifests rejects malformed dependency lists")
{
  auto p = parse("name: a\nversion: 1.0.0\ndependencies:\n  - b: ^1.0.0\n  - Bad Name\n  - c\n  - c\n");
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{
          "4:5 error: field 'dependencies[0]' must be a component name, got a mapping (to give version ranges, make "
          "'dependencies' a mapping of name to range)",
          "5:5 error: invalid component name 'Bad Name': use lowercase letters, digits, '_', '.' and '-', starting "
          "with a letter or digit",
          "7:5 error: duplicate dependency 'c' (first listed at m.yaml:6:5)",
        });
  auto q = parse("name: a\nversion: 1.0.0\ndependencies: b\n");
  CHECK(lines(q.diagnostics) ==
        std::vector<std::string>{"3:15 error: field 'dependencies' must be a list of component names or a mapping of "
                                 "name to version range, got 'b'"});
}

TEST_CASE("parse_manifests refuses a component that depends on itself")
{
  auto p = parse("name: a\nversion: 1.0.0\ndependencies: [b, a]\n");
  CHECK(p.manifests.empty());
  REQUIRE(p.diagnostics.size() == 1);
  CHECK(p.diagnostics[0].message == "a component cannot depend on itself");
  CHECK(p.diagnostics[0].where.to_string() == "m.yaml:3:19");
  CHECK(p.diagnostics[0].field == "dependencies.a");
}

TEST_CASE("parse_manifests validates component names")
{
  auto p = parse("name: Runtime\nversion: 1.0.0\n---\nname: " + std::string(129, 'a') + "\nversion: 1.0.0\n");
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{
          "1:7 error: invalid component name 'Runtime': use lowercase letters, digits, '_', '.' and '-', starting "
          "with a letter or digit",
          "4:7 error: invalid component name '" + std::string(60, 'a') + "...': longer than 128 characters",
        });
  auto ok = parse("name: a1.b_c-d\nversion: 1.0.0\n---\nname: 7\nversion: 1.0.0\n");
  CHECK(ok.diagnostics.empty());
  REQUIRE(ok.manifests.size() == 2);
  CHECK(ok.manifests[1].name == "7");
  CHECK(lines(parse("name: true\nversion: 1.0.0\n").diagnostics) ==
        std::vector<std::string>{"1:7 error: field 'name' must be a string, got 'true'"});
}

TEST_CASE("parse_manifests reports a duplicate key with the first definition")
{
  auto p = parse("name: a\nversion: 1.0.0\nname: b\n");
  CHECK(p.manifests.empty());
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{"3:1 error: duplicate key 'name' (first defined at m.yaml:1:1)"});
}

TEST_CASE("parse_manifests reports a duplicate name@version within one file")
{
  auto p = parse("name: a\nversion: 1.0.0\n---\ndescription: again\nname: a\nversion: 1.0.0+build.2\n");
  REQUIRE(p.manifests.size() == 1);
  REQUIRE(p.diagnostics.size() == 1);
  CHECK(p.diagnostics[0].code == ErrorCode::duplicate_version);
  CHECK(p.diagnostics[0].message == "duplicate component version 'a@1.0.0+build.2' (first defined at m.yaml:1:1)");
  CHECK(p.diagnostics[0].where.to_string() == "m.yaml:4:1");
}

TEST_CASE("parse_manifests requires each document to be a mapping")
{
  auto p = parse("- name: a\n---\njust text\n");
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{
          "1:1 error: a manifest document must be a mapping of fields, got a sequence",
          "3:1 error: a manifest document must be a mapping of fields, got 'just text'",
        });
}

TEST_CASE("parse_manifests reports YAML syntax errors with their location")
{
  auto p = parse("name: a\nversion: 1.0.0\nresources: {memory_mb: 1\n");
  CHECK(p.manifests.empty());
  REQUIRE(p.diagnostics.size() == 1);
  CHECK(p.diagnostics[0].code == ErrorCode::manifest_parse);
  CHECK(p.diagnostics[0].message
        == "invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping that starts at 3:12)");
  CHECK(p.diagnostics[0].where.to_string() == "m.yaml:4:1");
  auto q = parse("name: a\nversion: 1.0.0\nkey: value: other\n");
  CHECK(lines(q.diagnostics)
        == std::vector<std::string>{"3:11 error: invalid YAML: mapping values are not allowed in this context"});
}

TEST_CASE("parse_manifests gives columns in bytes after characters of several bytes")
{
  // "é" and "ü" are two bytes each: the parser counts characters, the
  // diagnostic counts bytes, as the caret under the line needs.
  const std::string text = "name: a\nversion: 1.0.0\nmetadata: {\u00e9t\u00fc: [x}\n";
  auto p = parse(text);
  REQUIRE(p.diagnostics.size() == 1);
  const std::size_t line_start = text.find("metadata");
  CHECK(p.diagnostics[0].where.line == 3);
  CHECK(p.diagnostics[0].where.column == text.find("}", line_start) - line_start + 1);
  CHECK(p.diagnostics[0].source_line == "metadata: {\u00e9t\u00fc: [x}");

  // A node's position too: the wrongly typed value after the description.
  const std::string flow = "{name: a, version: 1.0.0, description: \u00e9\u00e9, hot_swappable: maybe}\n";
  auto q = parse(flow);
  REQUIRE(q.diagnostics.size() == 1);
  CHECK(q.diagnostics[0].where.line == 1);
  CHECK(q.diagnostics[0].where.column == flow.find("maybe") + 1);
}

TEST_CASE("parse_manifests refuses bytes that are not UTF-8 and raw control characters, saying where")
{
  auto p = parse("name: a\nversion: 1.0.0\ndescription: bad \xff byte\n");
  CHECK(p.manifests.empty());
  CHECK(lines(p.diagnostics)
        == std::vector<std::string>{"3:18 error: invalid YAML: invalid leading UTF-8 octet (byte 0xff)"});
  auto q = parse("name: a\nversion: 1.0.0\ndescription: \x1b[2J\n");
  CHECK(q.manifests.empty());
  CHECK(lines(q.diagnostics)
        == std::vector<std::string>{"3:14 error: invalid YAML: control characters are not allowed (U+001B)"});
  // Written as an escape in a double-quoted string, the same character is a value like any other.
  auto r = parse("name: a\nversion: 1.0.0\ndescription: \"\\e[2J\"\n");
  CHECK(r.diagnostics.empty());
  REQUIRE(r.manifests.size() == 1);
  CHECK(r.manifests[0].description == "\x1b[2J");
}

TEST_CASE("a manifest's description is kept byte for byte, NULs included, and shared by the manifest's copies")
{
  auto p = parse("name: a\nversion: 1.0.0\ndescription: \"caf\\u00e9 \\0 end\"\n---\nname: b\nversion: 1.0.0\n");
  CHECK(p.diagnostics.empty());
  REQUIRE(p.manifests.size() == 2);
  const auto& m = p.manifests[0];
  CHECK(m.description == std::string("caf\xc3\xa9 \0 end", 11));
  CHECK(m.description.size() == 11);
  const noodle::manifest::Manifest copy = m;
  CHECK(copy.description.data() == m.description.data());
  // No description reads as an empty one.
  CHECK(p.manifests[1].description.empty());
  CHECK(p.manifests[1].description == std::string());
}

TEST_CASE("parse_manifests keeps documents completed before a syntax error")
{
  auto p = parse("name: a\nversion: 1.0.0\n---\nname: b\nversion: [\n");
  REQUIRE(p.manifests.size() == 1);
  CHECK(p.manifests[0].name == "a");
  REQUIRE(p.diagnostics.size() == 1);
  CHECK(p.diagnostics[0].code == ErrorCode::manifest_parse);
}

TEST_CASE("parse_manifests reports an unterminated quoted string at its opening quote")
{
  auto p = parse("name: a\nversion: 1.0.0\ndescription: \"never closed\n");
  CHECK(lines(p.diagnostics) == std::vector<std::string>{"3:14 error: unterminated quoted string"});
}

TEST_CASE("parse_manifests rejects mapping keys that are not scalars")
{
  auto p = parse("name: a\nversion: 1.0.0\nmetadata:\n  ? [x]\n  : 1\n");
  CHECK(lines(p.diagnostics) == std::vector<std::string>{"4:5 error: mapping keys must be strings, got a sequence"});
}

TEST_CASE("parse_manifests warns about a file that defines no component")
{
  auto p = parse("# nothing here\n");
  CHECK(lines(p.diagnostics) == std::vector<std::string>{"0:0 warning: file defines no component"});
}

TEST_CASE("parse_manifests resolves archive files against the base directory")
{
  auto dir = std::filesystem::temp_directory_path() / "noodle_manifest_archive_test";
  std::filesystem::create_directories(dir / "pkg");
  std::ofstream(dir / "pkg" / "a.tar.gz") << "x";
  std::vector<Diagnostic> diags;
  auto found = noodle::manifest::parse_manifests("name: a\nversion: 1.0.0\narchive: {file: pkg/a.tar.gz}\n", "m.yaml",
                                                 dir, LoadOptions{}, diags);
  CHECK(diags.empty());
  REQUIRE(found.size() == 1);
  CHECK(found[0].extras->archive->file == (dir / "pkg" / "a.tar.gz").lexically_normal());

  auto missing = noodle::manifest::parse_manifests("name: a\nversion: 1.0.0\narchive:\n  file: x.tar.gz\n", "m.yaml",
                                                   dir, LoadOptions{}, diags);
  CHECK(missing.empty());
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].message ==
        "archive file 'x.tar.gz' not found (resolved to '" + (dir / "x.tar.gz").lexically_normal().string() + "')");
  CHECK(diags[0].where.to_string() == "m.yaml:4:9");
  CHECK(diags[0].code == ErrorCode::not_found);
  std::filesystem::remove_all(dir);
}

TEST_CASE("parse_manifests validates the archive fields")
{
  auto p = parse("name: a\nversion: 1.0.0\narchive: {file: /abs/a.tgz, sha256: abc, size: 0}\n---\n"
                 "name: b\nversion: 1.0.0\narchive: {sha256: " + std::string(64, 'f') + "}\n",
                 no_archive_check());
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{
          "3:17 error: field 'archive.file' must be a path relative to the manifest's directory, got '/abs/a.tgz'",
          "3:37 error: field 'archive.sha256' must be 64 hexadecimal digits, got 'abc'",
          "3:48 error: field 'archive.size' must be a positive integer, got '0'",
          "7:10 error: missing required field 'archive.file'",
        });
}

TEST_CASE("parse_manifests converts YAML anchors and aliases in metadata")
{
  auto p = parse("name: a\nversion: 1.0.0\nmetadata:\n  base: &b {x: 1, y: [2, 3]}\n  copy: *b\n");
  REQUIRE(p.diagnostics.empty());
  CHECK((p.manifests[0].extras->metadata)["copy"] == (p.manifests[0].extras->metadata)["base"]);
  CHECK((p.manifests[0].extras->metadata)["copy"]["y"][1] == 3);
}

TEST_CASE("parse_manifests reports duplicate keys inside metadata")
{
  auto p = parse("name: a\nversion: 1.0.0\nmetadata:\n  k: 1\n  k: 2\n");
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{"5:3 error: duplicate key 'k' (first defined at m.yaml:4:3)"});
  CHECK(p.diagnostics[0].field == "metadata.k");
}

TEST_CASE("parse_manifests reads compatibility as one range or a list")
{
  auto p = parse("name: a\nversion: 1.0.0\ncompatibility:\n  b: []\n  c: {x: 1}\n  d: ^1.0.0\n");
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{
          "4:6 error: field 'compatibility.b' must be a version range or a non-empty list of version ranges, got an "
          "empty list",
          "5:6 error: field 'compatibility.c' must be a version range or a non-empty list of version ranges, got a "
          "mapping",
        });
  auto self = parse("name: a\nversion: 1.0.0\ncompatibility: {a: ^1.0.0}\n");
  CHECK(lines(self.diagnostics) ==
        std::vector<std::string>{"3:17 error: a component cannot have a compatibility rule on itself"});
}

TEST_CASE("parse_manifests refuses a version longer than a version directory's name may be")
{
  const std::string longest = "1.0.0-" + std::string(122, 'a'); // 128 characters
  const std::string over = longest + "b";
  auto p = parse("name: a\nversion: " + over + "\n---\nname: b\nversion: " + longest + "\n");
  CHECK(lines(p.diagnostics) ==
        std::vector<std::string>{"2:10 error: invalid version '" + over.substr(0, 60) +
                                 "...': longer than 128 characters"});
  REQUIRE(p.manifests.size() == 1);
  CHECK(p.manifests[0].version.to_string() == longest);
}
