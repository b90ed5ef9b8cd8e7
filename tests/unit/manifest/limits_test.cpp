// SPDX-License-Identifier: Apache-2.0
#include <noodle/manifest/loader.hpp>

#include "unit/manifest/support.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using noodle::ErrorCode;
using noodle::manifest::LoadOptions;
using manifest_test::lines;
using manifest_test::parse;

namespace {

std::string nested_flow(std::size_t depth)
{
  return "name: a\nversion: 1.0.0\nmetadata: " + std::string(depth, '[') + std::string(depth, ']') + "\n";
}

std::string nested_block(std::size_t depth)
{
  std::string text = "name: a\nversion: 1.0.0\nmetadata:\n";
  for (std::size_t i = 0; i < depth; ++i) {
    text += std::string(2 * (i + 1), ' ') + "k" + std::to_string(i) + ":\n";
  }
  text.pop_back();
  return text + " leaf\n";
}

} // namespace

TEST_CASE("parse_manifests refuses a file over the size limit before parsing it")
{
  std::string text(3 * 1024 * 1024, ' ');
  auto p = parse(text);
  CHECK(p.manifests.empty());
  REQUIRE(p.diagnostics.size() == 1);
  CHECK(p.diagnostics[0].message == "file is 3145728 bytes, over the 1048576-byte limit");
  CHECK(p.diagnostics[0].code == ErrorCode::manifest_parse);
  CHECK(p.diagnostics[0].where.to_string() == "m.yaml");

  LoadOptions small;
  small.max_file_bytes = 10;
  CHECK(lines(parse("name: a\nversion: 1.0.0\n", small).diagnostics) ==
        std::vector<std::string>{"0:0 error: file is 23 bytes, over the 10-byte limit"});
}

TEST_CASE("parse_manifests refuses flow nesting over max_depth where the limit is crossed")
{
  // The document's mapping is level 1, so the 32nd '[' (column 11 + 31) is level 33.
  auto p = parse(nested_flow(40));
  CHECK(p.manifests.empty());
  CHECK(lines(p.diagnostics) == std::vector<std::string>{"3:42 error: nesting depth exceeds the limit of 32"});
  CHECK(parse(nested_flow(31)).diagnostics.empty());
}

TEST_CASE("parse_manifests refuses block nesting over max_depth where the limit is crossed")
{
  auto p = parse(nested_block(100));
  CHECK(lines(p.diagnostics) == std::vector<std::string>{"35:65 error: nesting depth exceeds the limit of 32"});
  auto ok = parse(nested_block(31));
  CHECK(ok.diagnostics.empty());
  CHECK(ok.manifests.size() == 1);
}

TEST_CASE("parse_manifests survives nesting far beyond what a recursive walk could go into")
{
  auto p = parse(nested_flow(200000));
  CHECK(lines(p.diagnostics) == std::vector<std::string>{"3:42 error: nesting depth exceeds the limit of 32"});
  CHECK(p.diagnostics[0].source_line.size() == 1024);
  std::string dashes = "name: a\nversion: 1.0.0\nmetadata:\n";
  for (int i = 0; i < 5000; ++i) {
    dashes += "- ";
  }
  dashes += "x\n";
  auto q = parse(dashes);
  REQUIRE(q.diagnostics.size() == 1);
  CHECK(q.diagnostics[0].message == "nesting depth exceeds the limit of 32");
  CHECK(q.diagnostics[0].where.line == 4);
}

TEST_CASE("parse_manifests honours a lower max_depth for mixed block and flow nesting")
{
  LoadOptions o;
  o.max_depth = 3;
  CHECK(parse("name: a\nversion: 1.0.0\nmetadata:\n  k: [1, 2]\n", o).diagnostics.empty());
  CHECK(lines(parse("name: a\nversion: 1.0.0\nmetadata:\n  k: [1, {x: 2}]\n", o).diagnostics) ==
        std::vector<std::string>{"4:10 error: nesting depth exceeds the limit of 3"});
  CHECK(parse("name: a\nversion: 1.0.0\nmetadata:\n  - - x\n", o).diagnostics.empty());
  CHECK(lines(parse("name: a\nversion: 1.0.0\nmetadata:\n  - - - x\n", o).diagnostics) ==
        std::vector<std::string>{"4:7 error: nesting depth exceeds the limit of 3"});
}

TEST_CASE("the depth pre-scan ignores brackets in quotes, comments, block scalars and plain text")
{
  LoadOptions o;
  o.max_depth = 2;
  std::string text = "name: a\nversion: 1.0.0\n"
                     "description: \"[[[[{{{{\"\n"
                     "entry_point: it's [[[[ plain\n"
                     "# [[[[[[[[[[[[\n"
                     "metadata:\n"
                     "  script: |\n"
                     "      [[[[[[[[\n"
                     "            deeply: indented: text\n"
                     "  note: >\n"
                     "    folded 'text\n"
                     "  long: a plain scalar\n"
                     "    that goes on 'here\n"
                     "  q: 'it''s [[[['\n";
  auto p = parse(text, o);
  CHECK(p.diagnostics.empty());
  REQUIRE(p.manifests.size() == 1);
  CHECK(p.manifests[0].extras->entry_point == "it's [[[[ plain");
  CHECK((p.manifests[0].extras->metadata)["long"] == "a plain scalar that goes on 'here");
}

TEST_CASE("parse_manifests bounds alias use per document")
{
  std::string text = "name: a\nversion: 1.0.0\nmetadata:\n  base: &b 1\n  list:\n";
  for (int i = 0; i < 101; ++i) {
    text += "    - *b\n";
  }
  auto p = parse(text);
  CHECK(p.manifests.empty());
  CHECK(lines(p.diagnostics) == std::vector<std::string>{"106:7 error: more than 100 aliases in one document"});

  LoadOptions o;
  o.max_aliases = 101;
  CHECK(parse(text, o).diagnostics.empty());
}

TEST_CASE("parse_manifests refuses a billion-laughs document by its expanded size")
{
  std::string text = "name: a\nversion: 1.0.0\nmetadata:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    text += "  l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + prev;
    for (int j = 0; j < 8; ++j) {
      text += ", " + prev;
    }
    text += "]\n";
  }
  auto p = parse(text);
  CHECK(p.manifests.empty());
  REQUIRE(p.diagnostics.size() == 1);
  CHECK(p.diagnostics[0].message == "document has more than 100000 nodes, counting alias expansion");
  CHECK(p.diagnostics[0].code == ErrorCode::manifest_parse);
  CHECK(p.diagnostics[0].where.line == 9);
}

TEST_CASE("parse_manifests limits the number of documents in a file")
{
  LoadOptions o;
  o.max_documents = 2;
  auto p = parse("name: a\nversion: 1.0.0\n---\nname: a\nversion: 1.0.1\n---\nname: a\nversion: 1.0.2\n", o);
  CHECK(p.manifests.size() == 2);
  CHECK(lines(p.diagnostics) == std::vector<std::string>{"6:1 error: file has more than 2 documents"});
}

TEST_CASE("parse_manifests rejects an alias before its anchor is defined, and only that document")
{
  auto p = parse("name: a\nversion: 1.0.0\nmetadata: *nowhere\n---\nname: b\nversion: 1.0.0\n");
  CHECK(lines(p.diagnostics) == std::vector<std::string>{"3:11 error: alias '*nowhere' names no anchor defined before it"});
  REQUIRE(p.manifests.size() == 1);
  CHECK(p.manifests[0].name == "b");
  // An anchor of the same name on an enclosing node is no definition either.
  auto q = parse("name: a\nversion: 1.0.0\nmetadata: &m {k: *m}\n");
  CHECK(lines(q.diagnostics) == std::vector<std::string>{"3:18 error: alias refers to a node that contains it"});
}
