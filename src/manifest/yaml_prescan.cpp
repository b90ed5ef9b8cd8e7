// SPDX-License-Identifier: Apache-2.0
#include "yaml_prescan.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace noodle::manifest::detail {

// Pre-scan of the raw text for nesting depth. The walks over the tree built
// from the parser's events recurse once per nesting level, so the depth is
// bounded here, before anything is parsed.
// This is a lexer-level approximation of YAML's structure: block levels from
// indentation, "- " entries and "key:" lines; flow levels from [ and {
// outside quotes and comments; block scalars and plain-scalar continuation
// lines are skipped. It errs towards counting the real depth.

namespace {

bool is_blank(char c)
{
  return c == ' ' || c == '\t';
}

class DepthScan {
public:
  explicit DepthScan(std::size_t max_depth) : m_max(max_depth) {}

  std::optional<ScanProblem> run(std::string_view text)
  {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") {
      text.remove_prefix(3);
    }
    std::size_t begin = 0;
    while (begin <= text.size() && !m_problem) {
      std::size_t end = text.find('\n', begin);
      if (end == std::string_view::npos) {
        end = text.size();
      }
      std::string_view s = text.substr(begin, end - begin);
      if (!s.empty() && s.back() == '\r') {
        s.remove_suffix(1);
      }
      ++m_line;
      line(s);
      begin = end + 1;
    }
    if (!m_problem && m_quote != 0) {
      m_problem = ScanProblem{ScanProblem::Kind::unterminated_quote, m_quote_line, m_quote_column};
    }
    return m_problem;
  }

private:
  struct Level {
    std::size_t column;
    bool sequence;
  };

  std::size_t m_max;
  std::vector<Level> m_levels;
  std::size_t m_flow = 0;
  bool m_flow_node_start = true;
  char m_quote = 0;
  std::uint32_t m_quote_line = 0;
  std::uint32_t m_quote_column = 0;
  std::optional<std::size_t> m_block_scalar_parent; // content: lines indented more than this
  std::optional<std::size_t> m_plain_parent;        // plain scalar may continue below
  std::optional<ScanProblem> m_problem;
  std::uint32_t m_line = 0;

  // Records the first point where the depth goes over the limit.
  bool over(std::size_t column)
  {
    if (m_levels.size() + m_flow > m_max) {
      m_problem = ScanProblem{ScanProblem::Kind::too_deep, m_line, static_cast<std::uint32_t>(column + 1)};
      return true;
    }
    return false;
  }

  void push(std::size_t column, bool sequence) { m_levels.push_back({column, sequence}); }

  static std::size_t indent(std::string_view s)
  {
    std::size_t i = 0;
    while (i < s.size() && s[i] == ' ') {
      ++i;
    }
    return i;
  }

  // Scans quoted text from `i`; returns the index after the closing quote or
  // npos when the quote stays open past the end of the line.
  std::size_t scan_quote(std::string_view s, std::size_t i)
  {
    for (; i < s.size(); ++i) {
      if (m_quote == '"') {
        if (s[i] == '\\') {
          ++i;
        } else if (s[i] == '"') {
          m_quote = 0;
          return i + 1;
        }
      } else if (s[i] == '\'') {
        if (i + 1 < s.size() && s[i + 1] == '\'') {
          ++i;
        } else {
          m_quote = 0;
          return i + 1;
        }
      }
    }
    return std::string_view::npos;
  }

  void open_quote(char q, std::size_t column)
  {
    m_quote = q;
    m_quote_line = m_line;
    m_quote_column = static_cast<std::uint32_t>(column + 1);
  }

  void scan_flow(std::string_view s, std::size_t i)
  {
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c == '#' && (i == 0 || is_blank(s[i - 1]))) {
        return;
      }
      if (c == '[' || c == '{') {
        ++m_flow;
        if (over(i)) {
          return;
        }
        m_flow_node_start = true;
      } else if (c == ']' || c == '}') {
        if (m_flow > 0) {
          --m_flow;
        }
        if (m_flow == 0) {
          return; // the rest of the line is block context after a value
        }
        m_flow_node_start = false;
      } else if (c == ',' || c == ':') {
        m_flow_node_start = true;
      } else if ((c == '"' || c == '\'') && m_flow_node_start) {
        open_quote(c, i);
        std::size_t end = scan_quote(s, i + 1);
        if (end == std::string_view::npos) {
          return;
        }
        i = end - 1;
        m_flow_node_start = false;
      } else if (!is_blank(c)) {
        m_flow_node_start = false;
      }
    }
  }

  // A block node starting at `i`; `parent` is the indentation of its owner.
  void scan_value(std::string_view s, std::size_t i, std::size_t parent)
  {
    while (i < s.size() && (s[i] == '&' || s[i] == '!')) {
      while (i < s.size() && !is_blank(s[i])) {
        ++i;
      }
      while (i < s.size() && is_blank(s[i])) {
        ++i;
      }
    }
    if (i >= s.size() || s[i] == '#') {
      return;
    }
    char c = s[i];
    if (c == '[' || c == '{') {
      m_flow_node_start = true;
      scan_flow(s, i);
    } else if (c == '"' || c == '\'') {
      open_quote(c, i);
      scan_quote(s, i + 1);
    } else if (c == '|' || c == '>') {
      m_block_scalar_parent = parent;
    } else if (c != '*') {
      m_plain_parent = parent;
    }
  }

  // The index of the ':' ending a block mapping key that starts at `i`.
  static std::optional<std::size_t> key_colon(std::string_view s, std::size_t i)
  {
    if (i >= s.size()) {
      return std::nullopt;
    }
    std::size_t j = i;
    char c = s[i];
    if (c == '"' || c == '\'') {
      for (j = i + 1; j < s.size(); ++j) {
        if (c == '"' && s[j] == '\\') {
          ++j;
        } else if (s[j] == c) {
          if (c == '\'' && j + 1 < s.size() && s[j + 1] == '\'') {
            ++j;
          } else {
            break;
          }
        }
      }
      if (j >= s.size()) {
        return std::nullopt;
      }
      ++j;
      while (j < s.size() && is_blank(s[j])) {
        ++j;
      }
      if (j < s.size() && s[j] == ':' && (j + 1 == s.size() || is_blank(s[j + 1]))) {
        return j;
      }
      return std::nullopt;
    }
    if (c == '[' || c == '{' || c == '|' || c == '>' || c == '#') {
      return std::nullopt;
    }
    for (; j < s.size(); ++j) {
      if (s[j] == '#' && j > i && is_blank(s[j - 1])) {
        return std::nullopt;
      }
      if (s[j] == ':' && (j + 1 == s.size() || is_blank(s[j + 1]))) {
        return j;
      }
    }
    return std::nullopt;
  }

  void line(std::string_view s)
  {
    if (m_block_scalar_parent) {
      std::size_t ind = indent(s);
      if (ind == s.size() || ind > *m_block_scalar_parent) {
        return;
      }
      m_block_scalar_parent.reset();
    }
    if (m_quote != 0) {
      std::size_t end = scan_quote(s, 0);
      if (end != std::string_view::npos && m_flow > 0) {
        scan_flow(s, end);
      }
      return;
    }
    if (m_flow > 0) {
      m_flow_node_start = true;
      scan_flow(s, 0);
      return;
    }
    std::size_t ind = indent(s);
    if (ind == s.size() || s[ind] == '#' || s[ind] == '\t') {
      return;
    }
    if (m_plain_parent) {
      if (ind > *m_plain_parent && !key_colon(s, ind)) {
        return; // continuation of a multi-line plain scalar
      }
      m_plain_parent.reset();
    }
    if (ind == 0 && s.size() >= 3 && (s.substr(0, 3) == "---" || s.substr(0, 3) == "...") &&
        (s.size() == 3 || is_blank(s[3]))) {
      m_levels.clear();
      std::size_t i = 3;
      while (i < s.size() && is_blank(s[i])) {
        ++i;
      }
      if (i < s.size() && (s[i] == '[' || s[i] == '{')) {
        m_flow_node_start = true;
        scan_flow(s, i);
      }
      return;
    }
    if (ind == 0 && s[0] == '%') {
      return; // directive
    }
    while (!m_levels.empty() && m_levels.back().column > ind) {
      m_levels.pop_back();
    }
    std::size_t i = ind;
    std::size_t parent = ind;
    while (i < s.size() && s[i] == '-' && (i + 1 == s.size() || is_blank(s[i + 1]))) {
      if (m_levels.empty() || m_levels.back().column != i || !m_levels.back().sequence) {
        push(i, true);
        if (over(i)) {
          return;
        }
      }
      parent = i;
      ++i;
      while (i < s.size() && is_blank(s[i])) {
        ++i;
      }
      if (i == s.size() || s[i] == '#') {
        return;
      }
    }
    if (auto colon = key_colon(s, i)) {
      if (i == ind) {
        // A key at the column of a sequence ends that sequence ("a:\n- x\nb: 1").
        while (!m_levels.empty() && m_levels.back().column == i && m_levels.back().sequence) {
          m_levels.pop_back();
        }
      }
      if (m_levels.empty() || m_levels.back().column != i || m_levels.back().sequence) {
        push(i, false);
        if (over(i)) {
          return;
        }
      }
      std::size_t j = *colon + 1;
      while (j < s.size() && is_blank(s[j])) {
        ++j;
      }
      scan_value(s, j, i);
      return;
    }
    scan_value(s, i, parent);
  }
};

} // namespace

std::optional<ScanProblem> prescan(std::string_view text, std::size_t max_depth)
{
  return DepthScan(max_depth).run(text);
}

} // namespace noodle::manifest::detail
