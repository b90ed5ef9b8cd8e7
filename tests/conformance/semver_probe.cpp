// SPDX-License-Identifier: Apache-2.0
// Answers semver questions with noodle's engine, one per input line, so that
// semver_conformance.py can compare the answers with npm semver's.
//
// Input: a command and its arguments separated by tabs; arguments are
// percent-encoded (%XX for any byte) so they may hold tabs, newlines, etc.
//   valid V          -> npm valid() form ("1.2.3-rc.1") or "null"
//   compare A B      -> -1, 0 or 1, or "null" when either is invalid
//   range R          -> npm validRange() form or "null"
//   satisfies V R    -> "true" or "false" (false when either is invalid)
//   compare_build A B -> npm compareBuild(): precedence, then build metadata
//   add_version V    -> "ok" or "null"; valid versions join the matrix list
//   row R            -> one '0'/'1' per matrix version, or "null"
//   sort_matrix      -> matrix indices in npm sort() order (stable), by spaces
// With npm's options: F is "l" (loose), "p" (includePrerelease) or "lp".
//   valid_o F V, compare_o F A B, range_o F R, satisfies_o F V R
//   inc_o F V RELEASE PREID BASE -> npm inc() or "null"; PREID and BASE are
//                      "~" when not given, BASE is 0, 1 or false
//   diff_o F A B     -> npm diff() of the two versions parsed with F, "null"
//                      when equal, "invalid" when either is not a version
//   coerce_o F T     -> npm coerce() (F may hold "r" for rtl) or "null"
//   intersects_o F R1 R2 -> "true", "false", or "null" when a range is invalid
//   outside_o F V R S -> npm outside(V, R, S) for S ">" or "<", or "null"
//   min_version_o F R -> npm minVersion(), "null" when none, "invalid"
//   min_sat_o F R V..., max_sat_o F R V... -> npm min/maxSatisfying() or "null"
#include <noodle/semver/coerce.hpp>
#include <noodle/semver/increment.hpp>
#include <noodle/semver/range.hpp>
#include <noodle/semver/range_relations.hpp>
#include <noodle/semver/version.hpp>

#include <cstdio>
#include <deque>
#include <map>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

int hex_value(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string decode(std::string_view s)
{
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split_tabs(std::string_view line)
{
  std::vector<std::string> out;
  std::size_t b = 0;
  for (;;) {
    const auto t = line.find('\t', b);
    out.push_back(decode(line.substr(b, t == std::string_view::npos ? std::string_view::npos : t - b)));
    if (t == std::string_view::npos) {
      break;
    }
    b = t + 1;
  }
  return out;
}

} // namespace

int main()
{
  using noodle::semver::BuildMetadata;
  using noodle::semver::Range;
  using noodle::semver::Version;

  std::ios::sync_with_stdio(false);
  std::vector<Version> matrix;
  std::string line;
  std::string out;
  while (std::getline(std::cin, line)) {
    const auto args = split_tabs(line);
    const auto& cmd = args[0];
    auto arg = [&](std::size_t i) -> const std::string& {
      static const std::string empty;
      return i < args.size() ? args[i] : empty;
    };
    const noodle::semver::Options o{.loose = arg(1).find('l') != std::string::npos,
                                    .include_prerelease = arg(1).find('p') != std::string::npos};
    if (cmd == "valid_o") {
      const auto v = Version::parse(arg(2), o);
      out += v ? v->to_string(BuildMetadata::omit) : "null";
    } else if (cmd == "compare_o") {
      const auto a = Version::parse(arg(2), o);
      const auto b = Version::parse(arg(3), o);
      out += (a && b) ? std::to_string(noodle::semver::compare(*a, *b)) : "null";
    } else if (cmd == "range_o") {
      const auto r = Range::parse(arg(2), o);
      out += r ? r->to_string() : "null";
    } else if (cmd == "satisfies_o") {
      const auto v = Version::parse(arg(2), o);
      const auto r = Range::parse(arg(3), o);
      out += (v && r && r->satisfies(*v)) ? "true" : "false";
    } else if (cmd == "inc_o") {
      const auto v = Version::parse(arg(2), o);
      const auto release = noodle::semver::release_from(arg(3));
      noodle::semver::Increment how;
      if (arg(4) != "~") {
        how.preid = arg(4);
      }
      how.base = arg(5) == "1"       ? noodle::semver::IdentifierBase::one
                 : arg(5) == "false" ? noodle::semver::IdentifierBase::none
                                     : noodle::semver::IdentifierBase::zero;
      if (v && release) {
        how.release = *release;
        const auto next = noodle::semver::increment(*v, how, o);
        out += next ? next->to_string() : "null";
      } else {
        out += "null";
      }
    } else if (cmd == "diff_o") {
      const auto a = Version::parse(arg(2), o);
      const auto b = Version::parse(arg(3), o);
      if (a && b) {
        const auto d = noodle::semver::difference(*a, *b);
        out += d ? noodle::semver::release_name(*d) : "null";
      } else {
        out += "invalid";
      }
    } else if (cmd == "coerce_o") {
      const auto from =
          arg(1).find('r') != std::string::npos ? noodle::semver::CoerceFrom::right : noodle::semver::CoerceFrom::left;
      const auto v = noodle::semver::coerce(arg(2), from, o);
      out += v ? v->to_string(BuildMetadata::omit) : "null";
    } else if (cmd == "intersects_o") {
      const auto a = Range::parse(arg(2), o);
      const auto b = Range::parse(arg(3), o);
      out += (a && b) ? (noodle::semver::intersects(*a, *b) ? "true" : "false") : "null";
    } else if (cmd == "outside_o") {
      const auto v = Version::parse(arg(2), o);
      const auto r = Range::parse(arg(3), o);
      const auto side = arg(4) == ">" ? noodle::semver::Side::above : noodle::semver::Side::below;
      out += (v && r) ? (noodle::semver::outside(*v, *r, side) ? "true" : "false") : "null";
    } else if (cmd == "min_version_o") {
      const auto r = Range::parse(arg(2), o);
      if (r) {
        const auto v = noodle::semver::min_version(*r);
        out += v ? v->to_string() : "null";
      } else {
        out += "invalid";
      }
    } else if (cmd == "min_sat_o" || cmd == "max_sat_o") {
      const bool highest = cmd == "max_sat_o";
      const auto r = Range::parse(arg(2), o);
      std::optional<Version> best;
      for (std::size_t i = 3; r && i < args.size(); ++i) {
        auto v = Version::parse(args[i], o);
        if (v && r->satisfies(*v) &&
            (!best || (highest ? noodle::semver::compare(*best, *v) < 0 : noodle::semver::compare(*best, *v) > 0))) {
          best = std::move(*v);
        }
      }
      out += best ? best->to_string(BuildMetadata::omit) : "null";
    } else if (cmd == "valid") {
      const auto v = Version::parse(arg(1));
      out += v ? v->to_string(BuildMetadata::omit) : "null";
    } else if (cmd == "compare") {
      const auto a = Version::parse(arg(1));
      const auto b = Version::parse(arg(2));
      out += (a && b) ? std::to_string(noodle::semver::compare(*a, *b)) : "null";
    } else if (cmd == "range") {
      const auto r = Range::parse(arg(1));
      out += r ? r->to_string() : "null";
    } else if (cmd == "satisfies") {
      const auto v = Version::parse(arg(1));
      const auto r = Range::parse(arg(2));
      out += (v && r && r->satisfies(*v)) ? "true" : "false";
    } else if (cmd == "compare_build") {
      const auto a = Version::parse(arg(1));
      const auto b = Version::parse(arg(2));
      if (a && b) {
        const int c = noodle::semver::compare(*a, *b);
        out += std::to_string(c != 0 ? c : noodle::semver::compare_build(*a, *b));
      } else {
        out += "null";
      }
    } else if (cmd == "sort_matrix") {
      // Sorted through noodle::semver::sort; indices are read back through
      // the canonical text, equal texts keeping their input order.
      std::map<std::string, std::deque<std::size_t>> where;
      for (std::size_t i = 0; i < matrix.size(); ++i) {
        where[matrix[i].to_string()].push_back(i);
      }
      std::vector<Version> sorted = matrix;
      noodle::semver::sort(sorted);
      for (std::size_t i = 0; i < sorted.size(); ++i) {
        auto& queue = where[sorted[i].to_string()];
        out += i == 0 ? "" : " ";
        out += std::to_string(queue.front());
        queue.pop_front();
      }
    } else if (cmd == "add_version") {
      auto v = Version::parse(arg(1));
      if (v) {
        matrix.push_back(std::move(*v));
        out += "ok";
      } else {
        out += "null";
      }
    } else if (cmd == "row") {
      const auto r = Range::parse(arg(1));
      if (r) {
        for (const auto& v : matrix) {
          out += r->satisfies(v) ? '1' : '0';
        }
      } else {
        out += "null";
      }
    } else if (cmd == "why_version") {
      const auto v = Version::parse(arg(1));
      out += v ? "ok" : v.error().message;
    } else if (cmd == "why_range") {
      const auto r = Range::parse(arg(1));
      out += r ? "ok" : r.error().message;
    } else {
      out += "unknown command";
    }
    out += '\n';
    if (out.size() > (1u << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
