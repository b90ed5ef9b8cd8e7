// SPDX-License-Identifier: Apache-2.0
#include "yaml_doc.hpp"

#include <yaml.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace noodle::manifest::detail {

// ---------------------------------------------------------------------------
// SourceText and Sink

SourceText::SourceText(std::string_view text, util::SharedPath file_name)
  : m_text(text), m_file_name(std::move(file_name))
{
  m_line_starts.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      m_line_starts.push_back(i + 1);
    }
  }
}

std::uint32_t SourceText::byte_column(std::size_t line, std::size_t characters) const
{
  if (line >= m_line_starts.size()) {
    return static_cast<std::uint32_t>(std::min<std::size_t>(characters, UINT32_MAX - 1) + 1);
  }
  std::size_t at = m_line_starts[line];
  const std::size_t begin = at;
  if (line == 0 && m_text.substr(0, 3) == "\xEF\xBB\xBF") {
    at = 3; // the byte order mark is no character of the line
  }
  for (std::size_t i = 0; i < characters && at < m_text.size(); ++i) {
    const auto lead = static_cast<unsigned char>(m_text[at]);
    at += lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  }
  return static_cast<std::uint32_t>(std::min<std::size_t>(std::min(at, m_text.size()) - begin, UINT32_MAX - 1) + 1);
}

std::pair<std::uint32_t, std::uint32_t> SourceText::position_of(std::size_t offset) const
{
  offset = std::min(offset, m_text.size());
  const auto after = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
  const auto line = static_cast<std::size_t>(after - m_line_starts.begin()); // 1-based
  return {static_cast<std::uint32_t>(std::min<std::size_t>(line, UINT32_MAX)),
          static_cast<std::uint32_t>(std::min<std::size_t>(offset - m_line_starts[line - 1], UINT32_MAX - 1) + 1)};
}

std::string SourceText::line(std::uint32_t line) const
{
  if (line == 0 || line > m_line_starts.size()) {
    return {};
  }
  std::size_t begin = m_line_starts[line - 1];
  std::size_t end = line < m_line_starts.size() ? m_line_starts[line] - 1 : m_text.size();
  std::string_view s = m_text.substr(begin, end - begin);
  if (!s.empty() && s.back() == '\r') {
    s.remove_suffix(1);
  }
  // A caret display needs the start of the line, not megabytes of it.
  constexpr std::size_t k_max_line = 1024;
  return std::string(s.substr(0, k_max_line));
}

void Sink::report(Diagnostic::Severity severity, ErrorCode code, std::string message, std::uint32_t line,
                  std::uint32_t column, std::string field)
{
  Diagnostic d;
  d.severity = severity;
  d.code = code;
  d.message = std::move(message);
  d.where = SourceLocation{m_source.file_name(), line, column};
  d.source_line = m_source.line(line);
  d.field = std::move(field);
  if (severity == Diagnostic::Severity::error) {
    ++m_errors;
  }
  m_out.push_back(std::move(d));
}

// ---------------------------------------------------------------------------
// Tree building from libyaml's events.

namespace {

// A null by the YAML 1.2 core schema, when written plain and untagged.
bool is_core_null(std::string_view t)
{
  return t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL";
}

std::size_t add_saturating(std::size_t a, std::size_t b)
{
  return a > std::numeric_limits<std::size_t>::max() - b ? std::numeric_limits<std::size_t>::max() : a + b;
}

// A libyaml position as diagnostics give it: libyaml counts lines and
// columns from 0 and columns in characters; ours count from 1, columns in
// bytes, as the depth pre-scan and the caret display do.
struct Position {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

// One libyaml event, freed however the step that reads it ends.
class Event {
public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event()
  {
    if (m_filled) {
      yaml_event_delete(&m_event);
    }
  }
  // False on a syntax error, reported by the parser.
  bool next(yaml_parser_t& parser)
  {
    if (m_filled) {
      yaml_event_delete(&m_event);
      m_filled = false;
    }
    m_filled = yaml_parser_parse(&parser, &m_event) != 0;
    return m_filled;
  }
  const yaml_event_t& get() const { return m_event; }

private:
  yaml_event_t m_event{};
  bool m_filled = false;
};

std::string_view text_of(const yaml_char_t* s)
{
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

class TreeBuilder {
public:
  TreeBuilder(const SourceText& source, const ParseLimits& limits, Sink& sink)
    : m_source(source), m_limits(limits), m_sink(sink)
  {
  }

  bool stopped() const { return m_stop; }
  std::vector<Document>& documents() { return m_documents; }

  void on(const yaml_event_t& e)
  {
    switch (e.type) {
    case YAML_DOCUMENT_START_EVENT: document_start(e.start_mark); break;
    case YAML_DOCUMENT_END_EVENT: document_end(); break;
    case YAML_SCALAR_EVENT: scalar(e); break;
    case YAML_ALIAS_EVENT: alias(e.start_mark, text_of(e.data.alias.anchor)); break;
    case YAML_SEQUENCE_START_EVENT:
      open(NodeKind::sequence, e.start_mark, text_of(e.data.sequence_start.anchor));
      break;
    case YAML_MAPPING_START_EVENT: open(NodeKind::mapping, e.start_mark, text_of(e.data.mapping_start.anchor)); break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: close(); break;
    default: break; // stream start and end
    }
  }

  // The parser's own error: where it found the problem and, when it says,
  // what construct it was reading and where that started.
  void syntax_error(const yaml_parser_t& parser)
  {
    std::string message = fmt::format("invalid YAML: {}", parser.problem != nullptr ? parser.problem : "cannot parse");
    Position at;
    if (parser.error == YAML_READER_ERROR) {
      // The reader counts bytes of the input, not lines.
      const auto [line, column] = m_source.position_of(parser.problem_offset);
      at = Position{line, column};
      // The value is a byte where the UTF-8 is broken, else a character.
      if (parser.problem_value >= 0) {
        const bool octet = parser.problem != nullptr && std::strstr(parser.problem, "octet") != nullptr;
        message += octet ? fmt::format(" (byte {:#04x})", parser.problem_value)
                         : fmt::format(" (U+{:04X})", parser.problem_value);
      }
    } else {
      at = position(parser.problem_mark);
      if (parser.context != nullptr) {
        const Position from = position(parser.context_mark);
        message += fmt::format(" ({} that starts at {}:{})", parser.context, from.line, from.column);
      }
    }
    m_sink.report(Diagnostic::Severity::error, ErrorCode::manifest_parse, std::move(message), at.line, at.column);
  }

private:
  struct Frame {
    std::shared_ptr<Node> node;
    std::string anchor; // "" when none
    NodePtr key;        // a mapping's key waiting for its value
    std::size_t size = 1;
    std::size_t height = 1;
  };
  struct Anchored {
    NodePtr node;
    std::size_t size = 1;
    std::size_t height = 0;
  };

  const SourceText& m_source;
  const ParseLimits& m_limits;
  Sink& m_sink;
  std::vector<Document> m_documents;
  std::size_t m_document_count = 0;
  bool m_stop = false;

  // Per document.
  std::vector<Frame> m_frames;
  std::unordered_map<std::string, Anchored> m_anchors;
  NodePtr m_root;
  bool m_failed = false;
  std::size_t m_aliases = 0;
  std::size_t m_nodes = 0;

  Position position(const yaml_mark_t& mark) const
  {
    return Position{static_cast<std::uint32_t>(std::min<std::size_t>(mark.line, UINT32_MAX - 1) + 1),
                    m_source.byte_column(mark.line, mark.column)};
  }

  void document_start(const yaml_mark_t& mark)
  {
    reset_document();
    ++m_document_count;
    if (m_document_count > m_limits.max_documents) {
      fail(mark, fmt::format("file has more than {} documents", m_limits.max_documents));
      m_stop = true;
    }
  }

  void document_end()
  {
    if (!m_failed && m_root) {
      m_documents.push_back(Document{m_root});
    }
    reset_document();
  }

  void scalar(const yaml_event_t& e)
  {
    if (m_failed) {
      return;
    }
    const auto& s = e.data.scalar;
    const std::string_view value(reinterpret_cast<const char*>(s.value), s.length);
    const std::string_view tag = text_of(s.tag);
    const bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
    auto n = std::make_shared<Node>();
    set_position(*n, e.start_mark);
    if (plain && s.tag == nullptr && is_core_null(value)) {
      if (value.empty() && !m_frames.empty() && m_frames.back().key) {
        // "key:" with nothing after it: libyaml marks the next token, so
        // point at the key instead.
        n->line = m_frames.back().key->line;
        n->column = m_frames.back().key->column;
      }
    } else {
      n->kind = NodeKind::scalar;
      // Quoted, a block scalar, or tagged as a string: never resolved to a
      // number, boolean or null.
      n->quoted = s.tag == nullptr ? !plain : tag == "!" || tag == YAML_STR_TAG;
      n->text = value;
    }
    leaf(std::move(n), text_of(s.anchor), e.start_mark);
  }

  void alias(const yaml_mark_t& mark, std::string_view anchor)
  {
    if (m_failed) {
      return;
    }
    ++m_aliases;
    if (m_aliases > m_limits.max_aliases) {
      fail(mark, fmt::format("more than {} aliases in one document", m_limits.max_aliases));
      return;
    }
    auto it = m_anchors.find(std::string(anchor));
    const bool open = std::any_of(m_frames.begin(), m_frames.end(), [&](const Frame& f) { return f.anchor == anchor; });
    if (open || it == m_anchors.end()) {
      fail(mark, open ? std::string("alias refers to a node that contains it")
                      : fmt::format("alias '*{}' names no anchor defined before it", anchor));
      return;
    }
    const Anchored& target = it->second;
    if (m_frames.size() + target.height > m_limits.max_depth) {
      fail(mark, fmt::format("nesting depth exceeds the limit of {} through an alias", m_limits.max_depth));
      return;
    }
    if (!count_nodes(target.size, mark)) {
      return;
    }
    // A shallow copy placed at the alias, so problems point where it is used.
    auto n = std::make_shared<Node>(*target.node);
    set_position(*n, mark);
    attach(std::move(n), target.size, target.height);
  }

  void reset_document()
  {
    m_frames.clear();
    m_anchors.clear();
    m_root.reset();
    m_failed = false;
    m_aliases = 0;
    m_nodes = 0;
  }

  void fail(const yaml_mark_t& mark, std::string message)
  {
    const Position at = position(mark);
    m_sink.report(Diagnostic::Severity::error, ErrorCode::manifest_parse, std::move(message), at.line, at.column);
    m_failed = true;
    m_frames.clear();
    m_anchors.clear();
    m_root.reset();
  }

  void set_position(Node& n, const yaml_mark_t& mark) const
  {
    const Position at = position(mark);
    n.line = at.line;
    n.column = at.column;
  }

  bool count_nodes(std::size_t n, const yaml_mark_t& mark)
  {
    m_nodes = add_saturating(m_nodes, n);
    if (m_nodes > m_limits.max_nodes) {
      fail(mark, fmt::format("document has more than {} nodes, counting alias expansion", m_limits.max_nodes));
      return false;
    }
    return true;
  }

  void leaf(std::shared_ptr<Node> n, std::string_view anchor, const yaml_mark_t& mark)
  {
    if (!count_nodes(1, mark)) {
      return;
    }
    if (!anchor.empty()) {
      m_anchors[std::string(anchor)] = Anchored{n, 1, 0};
    }
    attach(std::move(n), 1, 0);
  }

  void attach(NodePtr n, std::size_t size, std::size_t height)
  {
    if (m_frames.empty()) {
      m_root = std::move(n);
      return;
    }
    Frame& f = m_frames.back();
    f.size = add_saturating(f.size, size);
    f.height = std::max(f.height, height + 1);
    if (f.node->kind == NodeKind::sequence) {
      f.node->items.push_back(std::move(n));
    } else if (!f.key) {
      f.key = std::move(n);
    } else {
      f.node->entries.emplace_back(std::move(f.key), std::move(n));
      f.key.reset();
    }
  }

  void open(NodeKind kind, const yaml_mark_t& mark, std::string_view anchor)
  {
    if (m_failed) {
      return;
    }
    if (m_frames.size() + 1 > m_limits.max_depth) {
      fail(mark, fmt::format("nesting depth exceeds the limit of {}", m_limits.max_depth));
      return;
    }
    if (!count_nodes(1, mark)) {
      return;
    }
    auto n = std::make_shared<Node>();
    n->kind = kind;
    set_position(*n, mark);
    m_frames.push_back(Frame{std::move(n), std::string(anchor), nullptr, 1, 1});
  }

  void close()
  {
    if (m_failed || m_frames.empty()) {
      return;
    }
    Frame f = std::move(m_frames.back());
    m_frames.pop_back();
    if (!f.anchor.empty()) {
      m_anchors[f.anchor] = Anchored{f.node, f.size, f.height};
    }
    attach(std::move(f.node), f.size, f.height);
  }
};

// The parser, deleted however the parse ends.
class Parser {
public:
  Parser() : m_ready(yaml_parser_initialize(&m_parser) != 0) {}
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
  ~Parser()
  {
    if (m_ready) {
      yaml_parser_delete(&m_parser);
    }
  }
  bool ready() const { return m_ready; }
  yaml_parser_t& get() { return m_parser; }

private:
  yaml_parser_t m_parser{};
  bool m_ready;
};

} // namespace

std::vector<Document> parse_yaml(const SourceText& source, const ParseLimits& limits, Sink& sink)
{
  std::string_view text = source.text();
  if (text.size() > limits.max_file_bytes) {
    sink.report(Diagnostic::Severity::error, ErrorCode::manifest_parse,
                fmt::format("file is {} bytes, over the {}-byte limit", text.size(), limits.max_file_bytes), 0, 0);
    return {};
  }
  if (auto problem = prescan(text, limits.max_depth)) {
    std::string message = problem->kind == ScanProblem::Kind::too_deep
                            ? fmt::format("nesting depth exceeds the limit of {}", limits.max_depth)
                            : std::string("unterminated quoted string");
    sink.report(Diagnostic::Severity::error, ErrorCode::manifest_parse, std::move(message), problem->line,
                problem->column);
    return {};
  }

  TreeBuilder builder(source, limits, sink);
  try {
    Parser parser;
    if (!parser.ready()) {
      throw std::bad_alloc();
    }
    // libyaml reads the text in place: no copy of it is made.
    yaml_parser_set_input_string(&parser.get(), reinterpret_cast<const unsigned char*>(text.data()), text.size());
    Event event;
    while (!builder.stopped()) {
      if (!event.next(parser.get())) {
        builder.syntax_error(parser.get());
        break;
      }
      if (event.get().type == YAML_STREAM_END_EVENT) {
        break;
      }
      builder.on(event.get());
    }
  } catch (const std::exception& e) {
    sink.report(Diagnostic::Severity::error, ErrorCode::manifest_parse, fmt::format("invalid YAML: {}", e.what()),
                0, 0);
  }
  return std::move(builder.documents());
}

// ---------------------------------------------------------------------------
// Scalars.

namespace {

bool all_of_chars(std::string_view s, bool (*pred)(char))
{
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}
bool is_octal(char c)
{
  return c >= '0' && c <= '7';
}
bool is_hex(char c)
{
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::optional<bool> core_bool(std::string_view t)
{
  if (t == "true" || t == "True" || t == "TRUE") {
    return true;
  }
  if (t == "false" || t == "False" || t == "FALSE") {
    return false;
  }
  return std::nullopt;
}

bool is_core_int(std::string_view t)
{
  if (t.size() > 2 && t[0] == '0' && t[1] == 'o') {
    return all_of_chars(t.substr(2), is_octal);
  }
  if (t.size() > 2 && t[0] == '0' && t[1] == 'x') {
    return all_of_chars(t.substr(2), is_hex);
  }
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    t.remove_prefix(1);
  }
  return all_of_chars(t, is_digit);
}

bool is_special_float(std::string_view t)
{
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    t.remove_prefix(1);
  }
  return t == ".inf" || t == ".Inf" || t == ".INF" || t == ".nan" || t == ".NaN" || t == ".NAN";
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool is_core_float(std::string_view t)
{
  if (is_special_float(t)) {
    return true;
  }
  std::size_t i = 0;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) {
    ++i;
  }
  std::size_t int_digits = 0;
  while (i < t.size() && is_digit(t[i])) {
    ++i;
    ++int_digits;
  }
  std::size_t frac_digits = 0;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && is_digit(t[i])) {
      ++i;
      ++frac_digits;
    }
  }
  if (int_digits == 0 && frac_digits == 0) {
    return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '-' || t[i] == '+')) {
      ++i;
    }
    std::size_t exp_digits = 0;
    while (i < t.size() && is_digit(t[i])) {
      ++i;
      ++exp_digits;
    }
    if (exp_digits == 0) {
      return false;
    }
  }
  return i == t.size();
}

std::optional<std::uint64_t> parse_unsigned(std::string_view t, int base)
{
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v, base);
  if (ec != std::errc() || ptr != t.data() + t.size()) {
    return std::nullopt;
  }
  return v;
}

} // namespace

ScalarType scalar_type(const Node& n)
{
  if (n.kind == NodeKind::null) {
    return ScalarType::null;
  }
  if (n.kind != NodeKind::scalar || n.quoted) {
    return ScalarType::string;
  }
  if (is_core_null(n.text)) {
    return ScalarType::null;
  }
  if (core_bool(n.text)) {
    return ScalarType::boolean;
  }
  if (is_core_int(n.text)) {
    return ScalarType::integer;
  }
  if (is_core_float(n.text)) {
    return ScalarType::floating;
  }
  return ScalarType::string;
}

std::optional<bool> as_bool(const Node& n)
{
  if (scalar_type(n) != ScalarType::boolean) {
    return std::nullopt;
  }
  return core_bool(n.text);
}

std::optional<Integer> as_integer(const Node& n)
{
  if (scalar_type(n) != ScalarType::integer) {
    return std::nullopt;
  }
  std::string_view t = n.text;
  Integer out;
  std::optional<std::uint64_t> v;
  if (t.size() > 2 && t[0] == '0' && t[1] == 'o') {
    v = parse_unsigned(t.substr(2), 8);
  } else if (t.size() > 2 && t[0] == '0' && t[1] == 'x') {
    v = parse_unsigned(t.substr(2), 16);
  } else {
    if (t[0] == '-' || t[0] == '+') {
      out.negative = t[0] == '-';
      t.remove_prefix(1);
    }
    v = parse_unsigned(t, 10);
  }
  if (!v) {
    return std::nullopt; // out of range
  }
  out.magnitude = *v;
  if (out.magnitude == 0) {
    out.negative = false;
  }
  return out;
}

std::optional<double> as_number(const Node& n)
{
  ScalarType type = scalar_type(n);
  if (type == ScalarType::integer) {
    auto i = as_integer(n);
    if (!i) {
      return std::nullopt;
    }
    double d = static_cast<double>(i->magnitude);
    return i->negative ? -d : d;
  }
  if (type != ScalarType::floating || is_special_float(n.text)) {
    return std::nullopt;
  }
  std::string_view t = n.text;
  if (!t.empty() && t[0] == '+') {
    t.remove_prefix(1);
  }
  double d = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (ec != std::errc() || ptr != t.data() + t.size() || !std::isfinite(d)) {
    return std::nullopt;
  }
  return d;
}

std::string describe(const Node& n)
{
  switch (n.kind) {
  case NodeKind::null: return "null";
  case NodeKind::sequence: return "a sequence";
  case NodeKind::mapping: return "a mapping";
  case NodeKind::scalar: break;
  }
  constexpr std::size_t k_max_shown = 60;
  std::string text = n.text.size() > k_max_shown ? n.text.substr(0, k_max_shown) + "..." : n.text;
  std::replace(text.begin(), text.end(), '\n', ' ');
  return fmt::format("'{}'", text);
}

std::string join_field(const std::string& prefix, std::string_view key)
{
  if (prefix.empty()) {
    return std::string(key);
  }
  return fmt::format("{}.{}", prefix, key);
}

std::vector<Entry> entries_of(const Node& mapping, Sink& sink, const std::string& field_prefix)
{
  std::vector<Entry> out;
  out.reserve(mapping.entries.size());
  std::unordered_map<std::string_view, const Node*> seen;
  for (const auto& [key, value] : mapping.entries) {
    if (key->kind != NodeKind::scalar) {
      sink.error(ErrorCode::manifest_invalid, fmt::format("mapping keys must be strings, got {}", describe(*key)),
                 *key, field_prefix);
      continue;
    }
    auto [it, inserted] = seen.emplace(key->text, key.get());
    if (!inserted) {
      sink.error(ErrorCode::manifest_invalid,
                 fmt::format("duplicate key '{}' (first defined at {})", key->text,
                             sink.location(*it->second).to_string()),
                 *key, join_field(field_prefix, key->text));
      continue;
    }
    out.push_back(Entry{key->text, key.get(), value.get()});
  }
  return out;
}

nlohmann::json to_json(const Node& n, Sink& sink, const std::string& field)
{
  switch (n.kind) {
  case NodeKind::null: return nullptr;
  case NodeKind::sequence: {
    nlohmann::json array = nlohmann::json::array();
    for (std::size_t i = 0; i < n.items.size(); ++i) {
      array.push_back(to_json(*n.items[i], sink, fmt::format("{}[{}]", field, i)));
    }
    return array;
  }
  case NodeKind::mapping: {
    nlohmann::json object = nlohmann::json::object();
    for (const Entry& e : entries_of(n, sink, field)) {
      object[e.key] = to_json(*e.value, sink, join_field(field, e.key));
    }
    return object;
  }
  case NodeKind::scalar: break;
  }
  switch (scalar_type(n)) {
  case ScalarType::null: return nullptr;
  case ScalarType::boolean: return *as_bool(n);
  case ScalarType::integer:
    if (auto i = as_integer(n)) {
      constexpr auto k_int_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
      if (!i->negative) {
        return i->magnitude;
      }
      if (i->magnitude <= k_int_max + 1) {
        return static_cast<std::int64_t>(0 - i->magnitude);
      }
    }
    return n.text; // beyond 64 bits: kept as written
  case ScalarType::floating:
    if (auto d = as_number(n)) {
      return *d;
    }
    return n.text; // .inf and .nan have no JSON form
  case ScalarType::string: break;
  }
  return n.text;
}

} // namespace noodle::manifest::detail

namespace noodle::manifest::detail {

NodePtr parse_single_document(const SourceText& source, Sink& sink, std::string_view what)
{
  ParseLimits limits;
  limits.max_file_bytes = std::numeric_limits<std::size_t>::max();
  limits.max_documents = 2; // enough to report the second one
  std::vector<Document> documents = parse_yaml(source, limits, sink);
  documents.erase(std::remove_if(documents.begin(), documents.end(),
                                 [](const Document& d) { return d.root->kind == NodeKind::null; }),
                  documents.end());
  if (documents.size() > 1) {
    sink.error(ErrorCode::manifest_parse, fmt::format("{} holds a single YAML document", what), *documents[1].root);
    return nullptr;
  }
  return documents.empty() ? nullptr : documents[0].root;
}

} // namespace noodle::manifest::detail
