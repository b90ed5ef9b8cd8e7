// SPDX-License-Identifier: Apache-2.0
// Internal to src/manifest: a small YAML document tree built from libyaml's
// parser events, with source positions on every node and bounded work. No
// libyaml type appears here, so libyaml stays inside yaml_doc.cpp.
#pragma once

#include <noodle/manifest/diagnostic.hpp>

#include "yaml_prescan.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace noodle::manifest::detail {

struct Node;
using NodePtr = std::shared_ptr<const Node>;

enum class NodeKind { null, scalar, sequence, mapping };

struct Node {
  NodeKind kind = NodeKind::null;
  // A scalar written in quotes or tagged !!str: always a string, never
  // resolved to a number, boolean or null.
  bool quoted = false;
  std::string text; // scalar text
  std::uint32_t line = 0;   // 1-based
  std::uint32_t column = 0; // 1-based
  std::vector<NodePtr> items;                          // sequence
  std::vector<std::pair<NodePtr, NodePtr>> entries;    // mapping, in file order
};

struct Document {
  NodePtr root; // never null; kind null for an empty document
};

struct ParseLimits {
  std::size_t max_file_bytes = 1024 * 1024;
  std::size_t max_depth = 32;
  std::size_t max_documents = 1000;
  std::size_t max_aliases = 100;
  std::size_t max_nodes = 100000;
};

// The text of one input and where its lines start, for diagnostics.
class SourceText {
public:
  SourceText(std::string_view text, util::SharedPath file_name);

  // Shared by every location made from this text.
  const util::SharedPath& file_name() const { return m_file_name; }
  std::string_view text() const { return m_text; }
  // Line `line` (1-based) without its line break, cut at 1024 bytes; empty
  // when out of range.
  std::string line(std::uint32_t line) const;
  // The 1-based byte column of the character `characters` characters into
  // line `line` (0-based), as a parser counting characters gives them.
  std::uint32_t byte_column(std::size_t line, std::size_t characters) const;
  // The 1-based line and byte column of a byte offset.
  std::pair<std::uint32_t, std::uint32_t> position_of(std::size_t offset) const;

private:
  std::string_view m_text;
  util::SharedPath m_file_name;
  std::vector<std::size_t> m_line_starts;
};

// Collects diagnostics for one source, counting errors.
class Sink {
public:
  Sink(const SourceText& source, std::vector<Diagnostic>& out) : m_source(source), m_out(out) {}

  void report(Diagnostic::Severity severity, ErrorCode code, std::string message, std::uint32_t line,
              std::uint32_t column, std::string field = {});
  void error(ErrorCode code, std::string message, const Node& at, std::string field = {})
  {
    report(Diagnostic::Severity::error, code, std::move(message), at.line, at.column, std::move(field));
  }
  void warning(ErrorCode code, std::string message, const Node& at, std::string field = {})
  {
    report(Diagnostic::Severity::warning, code, std::move(message), at.line, at.column, std::move(field));
  }

  std::size_t errors() const { return m_errors; }
  SourceLocation location(const Node& n) const { return {m_source.file_name(), n.line, n.column}; }
  const SourceText& source() const { return m_source; }

private:
  const SourceText& m_source;
  std::vector<Diagnostic>& m_out;
  std::size_t m_errors = 0;
};

// Parses every document of `source`, enforcing the limits: size and nesting
// depth are checked on the raw text before libyaml sees it; alias use,
// node count and document count while building. A document with a problem
// is reported and left out; a syntax error ends the parse (the documents
// completed before it are kept). Never throws.
std::vector<Document> parse_yaml(const SourceText& source, const ParseLimits& limits, Sink& sink);

// Parses a file that holds one YAML document (a batch or a configuration
// file) with the default limits, the size already checked by whoever read
// it; empty documents (e.g. after a trailing "---") are dropped. Returns the
// document's root, or null when there is none or when there are several,
// reported as "<what> holds a single YAML document" (`what`: "a batch file").
NodePtr parse_single_document(const SourceText& source, Sink& sink, std::string_view what);

// Scalar resolution by the YAML 1.2 core schema. Quoted scalars are strings.
enum class ScalarType { null, boolean, integer, floating, string };
ScalarType scalar_type(const Node& n);
std::optional<bool> as_bool(const Node& n);
// An integer scalar as a signed value with a magnitude up to 2^64-1.
struct Integer {
  bool negative = false;
  std::uint64_t magnitude = 0;
};
std::optional<Integer> as_integer(const Node& n);
std::optional<double> as_number(const Node& n); // integer or finite float

// How a value is named in "got ..." messages: "'lots'", "null", "a mapping".
std::string describe(const Node& n);

// Any YAML value as JSON. Mapping keys must be scalars and unique; problems
// are reported to `sink` under the field path `field`.
nlohmann::json to_json(const Node& n, Sink& sink, const std::string& field);

// A mapping's entries with string keys, duplicates and non-scalar keys
// reported as errors (and left out).
struct Entry {
  std::string key;
  const Node* key_node = nullptr;
  const Node* value = nullptr;
};
std::vector<Entry> entries_of(const Node& mapping, Sink& sink, const std::string& field_prefix);

// "a.b" from prefix "a" and key "b"; just "b" when the prefix is empty.
std::string join_field(const std::string& prefix, std::string_view key);

} // namespace noodle::manifest::detail
