// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/detail/scan.hpp>
#include <noodle/semver/detail/text.hpp>
#include <noodle/semver/version.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace noodle::semver {

namespace {

using detail::is_digit;
using detail::is_identifier_char;

// Numeric identifiers this long or shorter are held exactly in `number`.
constexpr std::size_t k_exact_digits = 19;

std::uint64_t digits_value(std::string_view digits)
{
  if (digits.size() > k_exact_digits) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  std::uint64_t v = 0;
  for (char c : digits) {
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::string quote_char(std::string_view s, std::size_t i)
{
  return fmt::format("'{}'", detail::char_at(s, i));
}

// One of MAJOR, MINOR, PATCH at s[pos]; advances pos.
bool scan_number(std::string_view s, std::size_t& pos, const char* name, std::uint64_t& out, std::string& why)
{
  const auto start = pos;
  while (pos < s.size() && is_digit(s[pos])) {
    ++pos;
  }
  if (pos == start) {
    if (start >= s.size() || s[start] == '.') {
      why = "expected MAJOR.MINOR.PATCH";
    } else {
      why = fmt::format("unexpected character {} in {}", quote_char(s, start), name);
    }
    return false;
  }
  const auto digits = s.substr(start, pos - start);
  if (digits.size() > 1 && digits[0] == '0') {
    why = fmt::format("leading zero in {}", name);
    return false;
  }
  out = digits_value(digits);
  if (digits.size() > 16 || out > k_max_safe_integer) {
    why = fmt::format("{} exceeds {}", name, k_max_safe_integer);
    return false;
  }
  return true;
}

// Dot-separated identifiers after '-' or '+'; stops at end or at `stop`.
// Calls add(identifier) for each one.
template <typename Add>
bool scan_identifiers(std::string_view s, std::size_t& pos, const char* what, char stop, std::string& why, Add add)
{
  for (;;) {
    const auto start = pos;
    while (pos < s.size() && is_identifier_char(s[pos])) {
      ++pos;
    }
    if (pos == start) {
      if (pos < s.size() && s[pos] != '.' && s[pos] != stop) {
        why = fmt::format("unexpected character {} in {}", quote_char(s, pos), what);
      } else {
        why = fmt::format("empty {} identifier", what);
      }
      return false;
    }
    if (!add(s.substr(start, pos - start))) {
      return false;
    }
    if (pos == s.size() || s[pos] == stop) {
      return true;
    }
    if (s[pos] != '.') {
      why = fmt::format("unexpected character {} in {}", quote_char(s, pos), what);
      return false;
    }
    ++pos;
  }
}

// An optional build ("+" identifiers), then the end of the text: what
// follows the prerelease in the strict and the loose pattern alike.
// What a scan found after PATCH. With `keep`, the identifiers themselves;
// else only whether there were any (a list of versions keeps the text).
template <bool keep> struct Tail {
  std::vector<Identifier> prerelease;
  std::vector<std::string> build;
  bool has_prerelease = false;
  bool has_build = false;
};

// The identifiers are given to `out` only when all is well.
template <bool keep>
bool scan_build_to_end(std::string_view s, std::size_t pos, Version& out, Tail<keep>& tail, std::string& why)
{
  if (pos < s.size() && s[pos] == '+') {
    ++pos;
    const bool ok = scan_identifiers(s, pos, "build", '\0', why, [&](std::string_view id) {
      if constexpr (keep) {
        tail.build.emplace_back(id);
      }
      tail.has_build = true;
      return true;
    });
    if (!ok) {
      return false;
    }
  }
  if (pos != s.size()) {
    why = fmt::format("unexpected character {} after patch", quote_char(s, pos));
    return false;
  }
  if constexpr (keep) {
    if (tail.has_prerelease || tail.has_build) {
      out.set_identifiers(std::move(tail.prerelease), std::move(tail.build));
    }
  }
  return true;
}

template <bool keep> bool scan_strict(std::string_view text, Version& out, Tail<keep>& tail, std::string& why)
{
  // npm measures the untrimmed input; a byte count bounds the UTF-16 count.
  if (text.size() > k_max_version_length && detail::utf16_length(text) > k_max_version_length) {
    why = fmt::format("longer than {} characters", k_max_version_length);
    return false;
  }
  const auto s = detail::js_trim(text);
  if (s.empty()) {
    why = "empty version";
    return false;
  }
  std::size_t pos = 0;
  if (s[0] == 'v') {
    ++pos;
  }
  if (pos < s.size() && !is_digit(s[pos])) {
    why = fmt::format("unexpected character {} before major", quote_char(s, pos));
    return false;
  }
  if (!scan_number(s, pos, "major", out.major, why)) {
    return false;
  }
  for (const char* name : {"minor", "patch"}) {
    if (pos >= s.size() || s[pos] != '.') {
      if (pos < s.size() && s[pos] != '-' && s[pos] != '+') {
        why = fmt::format("unexpected character {} after {}", quote_char(s, pos),
                          name[0] == 'm' ? "major" : "minor");
      } else {
        why = "expected MAJOR.MINOR.PATCH";
      }
      return false;
    }
    ++pos;
    if (!scan_number(s, pos, name, name[0] == 'm' ? out.minor : out.patch, why)) {
      return false;
    }
  }
  out.set_identifiers({}, {});
  if (pos < s.size() && s[pos] == '-') {
    ++pos;
    const bool ok = scan_identifiers(s, pos, "prerelease", '+', why, [&](std::string_view id) {
      const bool numeric = std::all_of(id.begin(), id.end(), is_digit);
      if (numeric && id.size() > 1 && id[0] == '0') {
        why = fmt::format("leading zero in numeric prerelease identifier '{}'", id);
        return false;
      }
      if constexpr (keep) {
        Identifier ident;
        ident.numeric = numeric;
        if (numeric) {
          ident.number = digits_value(id);
        }
        ident.text.assign(id);
        tail.prerelease.push_back(std::move(ident));
      }
      tail.has_prerelease = true;
      return true;
    });
    if (!ok) {
      return false;
    }
  }
  return scan_build_to_end(s, pos, out, tail, why);
}

} // namespace

namespace detail {

bool scan_version(std::string_view text, Version& out, std::string& why)
{
  Tail<true> tail;
  return scan_strict(text, out, tail, why);
}

bool scan_version_shape(std::string_view text, Version& numbers, VersionShape& shape, std::string& why)
{
  Tail<false> tail;
  if (!scan_strict(text, numbers, tail, why)) {
    return false;
  }
  shape.prerelease = tail.has_prerelease;
  shape.build = tail.has_build;
  return true;
}

// What follows PATCH in npm's loose pattern: an optional prerelease (its
// hyphen optional too), an optional build, then the end.
bool scan_loose_tail(std::string_view s, std::size_t pos, Version& out, std::string& why)
{
  out.set_identifiers({}, {});
  Tail<true> tail;
  if (pos < s.size() && s[pos] != '+') {
    // A hyphen not followed by an identifier starts one ("1.2.3-" has the
    // prerelease "-"), as npm's pattern backtracks.
    if (s[pos] == '-' && pos + 1 < s.size() && is_identifier_char(s[pos + 1])) {
      ++pos;
    }
    const bool ok = scan_identifiers(s, pos, "prerelease", '+', why, [&](std::string_view id) {
      Identifier ident;
      ident.numeric = std::all_of(id.begin(), id.end(), is_digit);
      if (ident.numeric) {
        while (id.size() > 1 && id[0] == '0') {
          id.remove_prefix(1);
        }
        ident.number = digits_value(id);
      }
      ident.text.assign(id);
      tail.prerelease.push_back(std::move(ident));
      tail.has_prerelease = true;
      return true;
    });
    if (!ok) {
      return false;
    }
  }
  return scan_build_to_end(s, pos, out, tail, why);
}

bool scan_version_loose(std::string_view text, Version& out, std::string& why)
{
  if (text.size() > k_max_version_length && utf16_length(text) > k_max_version_length) {
    why = fmt::format("longer than {} characters", k_max_version_length);
    return false;
  }
  const auto s = js_trim(text);
  if (s.empty()) {
    why = "empty version";
    return false;
  }
  // [v=\s]* before the numbers.
  std::size_t pos = 0;
  while (pos < s.size()) {
    if (s[pos] == 'v' || s[pos] == '=') {
      ++pos;
    } else if (const auto k = js_space_at(s, pos); k != 0) {
      pos += k;
    } else {
      break;
    }
  }
  static constexpr const char* k_part_names[] = {"major", "minor", "patch"};
  std::uint64_t* parts[] = {&out.major, &out.minor, &out.patch};
  std::size_t starts[3] = {};
  std::size_t ends[3] = {};
  for (int k = 0; k < 3; ++k) {
    if (k > 0) {
      if (pos >= s.size() || s[pos] != '.') {
        why = pos >= s.size() ? std::string("expected MAJOR.MINOR.PATCH")
                              : fmt::format("unexpected character {} after {}", quote_char(s, pos), k_part_names[k - 1]);
        return false;
      }
      ++pos;
    }
    const auto start = pos;
    while (pos < s.size() && is_digit(s[pos])) {
      ++pos;
    }
    if (pos == start) {
      why = pos >= s.size() ? std::string("expected MAJOR.MINOR.PATCH")
                            : fmt::format("unexpected character {} in {}", quote_char(s, pos), k_part_names[k]);
      return false;
    }
    starts[k] = start;
    ends[k] = pos;
  }
  // npm's pattern backtracks into the patch digits when the rest does not
  // match otherwise: "1.2.100.01" is 1.2.10-0.1. Longest patch first.
  std::string first_why;
  for (auto patch_end = pos; patch_end > starts[2]; --patch_end) {
    if (scan_loose_tail(s, patch_end, out, why)) {
      ends[2] = patch_end;
      first_why.clear();
      break;
    }
    if (first_why.empty()) {
      first_why = why;
    }
  }
  if (!first_why.empty()) {
    why = first_why;
    return false;
  }
  // The numbers, now that the patch has its extent.
  for (int k = 0; k < 3; ++k) {
    auto digits = s.substr(starts[k], ends[k] - starts[k]);
    while (digits.size() > 1 && digits[0] == '0') {
      digits.remove_prefix(1);
    }
    *parts[k] = digits_value(digits);
    if (digits.size() > 16 || *parts[k] > k_max_safe_integer) {
      why = fmt::format("{} exceeds {}", k_part_names[k], k_max_safe_integer);
      return false;
    }
  }
  return true;
}

} // namespace detail

std::strong_ordering operator<=>(const Identifier& a, const Identifier& b)
{
  if (a.numeric && b.numeric) {
    if (a.text.size() <= k_exact_digits && b.text.size() <= k_exact_digits) {
      return a.number <=> b.number;
    }
    if (a.text.size() != b.text.size()) {
      return a.text.size() <=> b.text.size();
    }
    return a.text.compare(b.text) <=> 0;
  }
  if (a.numeric != b.numeric) {
    return a.numeric ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  return a.text.compare(b.text) <=> 0;
}

void Version::set_prerelease(std::vector<Identifier> prerelease)
{
  set_identifiers(std::move(prerelease), m_tail->build);
}

void Version::set_build(std::vector<std::string> build)
{
  set_identifiers(m_tail->prerelease, std::move(build));
}

void Version::set_identifiers(std::vector<Identifier> prerelease, std::vector<std::string> build)
{
  if (prerelease.empty() && build.empty()) {
    m_tail = util::Boxed<Tail>();
  } else {
    m_tail = Tail{std::move(prerelease), std::move(build)};
  }
}

std::strong_ordering Version::compare_prerelease(const Version& a, const Version& b)
{
  const auto& pa = a.prerelease();
  const auto& pb = b.prerelease();
  const auto na = pa.size();
  const auto nb = pb.size();
  // A release sorts above every prerelease of the same MAJOR.MINOR.PATCH.
  if (na == 0 || nb == 0) {
    return nb <=> na;
  }
  const auto n = na < nb ? na : nb;
  for (std::size_t i = 0; i < n; ++i) {
    if (auto c = pa[i] <=> pb[i]; c != 0) {
      return c;
    }
  }
  return na <=> nb;
}

int compare(const Version& a, const Version& b)
{
  const auto c = a <=> b;
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

Result<Version> Version::parse(std::string_view text, const Options& options)
{
  Version v;
  std::string why;
  const bool ok = options.loose ? detail::scan_version_loose(text, v, why) : detail::scan_version(text, v, why);
  if (!ok) {
    return fail(ErrorCode::invalid_version, fmt::format("invalid version '{}': {}", text, why));
  }
  return v;
}

namespace {

void append_number(std::string& out, std::uint64_t n)
{
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

} // namespace

void Version::append_to(std::string& out, BuildMetadata build_metadata) const
{
  append_number(out, major);
  out += '.';
  append_number(out, minor);
  out += '.';
  append_number(out, patch);
  if (!m_tail.is_set()) {
    return;
  }
  const auto& pre = m_tail->prerelease;
  for (std::size_t i = 0; i < pre.size(); ++i) {
    out += i == 0 ? '-' : '.';
    if (pre[i].text.empty() && pre[i].numeric) {
      append_number(out, pre[i].number);
    } else {
      out += pre[i].text;
    }
  }
  if (build_metadata == BuildMetadata::include) {
    const auto& build = m_tail->build;
    for (std::size_t i = 0; i < build.size(); ++i) {
      out += i == 0 ? '+' : '.';
      out += build[i];
    }
  }
}

std::string Version::to_string(BuildMetadata build_metadata) const
{
  std::string out;
  append_to(out, build_metadata);
  return out;
}

Compatibility compatibility(const Version& from, const Version& to)
{
  Compatibility c;
  auto breaking = [&](std::string reason) {
    c.compatible = false;
    c.breaking = true;
    c.reason = std::move(reason);
    return c;
  };
  if (from.major != to.major) {
    return breaking(fmt::format("major version changes from {} to {}", from.major, to.major));
  }
  if (from.major == 0 && from.minor != to.minor) {
    return breaking(fmt::format("minor version changes from {} to {} while major version is 0", from.minor, to.minor));
  }
  if (from.major == 0 && from.minor == 0 && from.patch != to.patch) {
    return breaking(fmt::format("patch version changes from {} to {} within 0.0.x", from.patch, to.patch));
  }
  if (from.minor != to.minor) {
    c.reason = fmt::format("minor version changes from {} to {}", from.minor, to.minor);
  } else if (from.patch != to.patch) {
    c.reason = fmt::format("patch version changes from {} to {}", from.patch, to.patch);
  } else if (compare(from, to) != 0) {
    c.reason = "only the prerelease changes";
  } else {
    c.reason = "same version";
  }
  return c;
}

} // namespace noodle::semver
