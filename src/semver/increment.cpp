// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/detail/text.hpp>
#include <noodle/semver/increment.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace noodle::semver {

namespace {

constexpr std::array<std::pair<Release, const char*>, 8> k_names{{{Release::major, "major"},
                                                                   {Release::minor, "minor"},
                                                                   {Release::patch, "patch"},
                                                                   {Release::premajor, "premajor"},
                                                                   {Release::preminor, "preminor"},
                                                                   {Release::prepatch, "prepatch"},
                                                                   {Release::prerelease, "prerelease"},
                                                                   {Release::release, "release"}}};

Identifier number_identifier(std::uint64_t n)
{
  Identifier id;
  id.numeric = true;
  id.number = n;
  id.text = std::to_string(n);
  return id;
}

// npm holds numeric identifiers below 2^53-1 as numbers, larger ones as
// text; only numbers are counted up.
bool is_js_number(const Identifier& id)
{
  return id.numeric && id.text.size() <= 16 && id.number < k_max_safe_integer;
}

// The identifiers of `preid`: dot-separated [0-9A-Za-z-]+, numeric ones
// without leading zeros unless loose. Kept as written (npm keeps the text).
Result<std::vector<Identifier>> parse_preid(const std::string& preid, const Options& options)
{
  std::vector<Identifier> out;
  std::size_t begin = 0;
  for (;;) {
    const auto dot = preid.find('.', begin);
    const auto text = std::string_view(preid).substr(begin, dot == std::string::npos ? std::string::npos : dot - begin);
    Identifier id;
    id.numeric = !text.empty() && std::all_of(text.begin(), text.end(), detail::is_digit);
    const bool chars_ok = !text.empty() && std::all_of(text.begin(), text.end(), detail::is_identifier_char);
    if (!chars_ok || (id.numeric && text.size() > 1 && text[0] == '0' && !options.loose)) {
      return fail(ErrorCode::usage, fmt::format("invalid identifier '{}'", preid));
    }
    if (id.numeric) {
      auto digits = text;
      while (digits.size() > 1 && digits[0] == '0') {
        digits.remove_prefix(1);
      }
      id.number = digits.size() > 19 ? UINT64_MAX : std::stoull(std::string(digits));
    }
    id.text.assign(text);
    out.push_back(std::move(id));
    if (dot == std::string::npos) {
      return out;
    }
    begin = dot + 1;
  }
}

// Whether `prefix` starts `pre`, identifier by identifier (numbers as numbers).
bool starts_with(const std::vector<Identifier>& pre, const std::vector<Identifier>& prefix)
{
  if (prefix.size() > pre.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (pre[i] != prefix[i]) {
      return false;
    }
  }
  return true;
}

std::string dotted(const std::vector<Identifier>& ids)
{
  std::string out;
  for (const auto& id : ids) {
    out += out.empty() ? id.text : "." + id.text;
  }
  return out;
}

// npm's inc('pre').
Result<void> bump_pre(Version& v, const Increment& how, const std::vector<Identifier>& preid)
{
  const std::uint64_t base = how.base == IdentifierBase::one ? 1 : 0;
  std::vector<Identifier> pre = v.prerelease();
  if (pre.empty()) {
    pre = {number_identifier(base)};
  } else {
    bool counted = false;
    for (auto i = pre.size(); i-- > 0;) {
      if (is_js_number(pre[i])) {
        pre[i] = number_identifier(pre[i].number + 1);
        counted = true;
        break;
      }
    }
    if (!counted) {
      if (how.preid && *how.preid == dotted(pre) && how.base == IdentifierBase::none) {
        return fail(ErrorCode::usage, fmt::format("identifier '{}' is already the prerelease", *how.preid));
      }
      pre.push_back(number_identifier(base));
    }
  }
  if (how.preid && !how.preid->empty()) {
    auto fresh = preid;
    if (how.base != IdentifierBase::none) {
      fresh.push_back(number_identifier(base));
    }
    if (starts_with(pre, preid)) {
      // Keep the counter that follows the identifier, when there is one.
      const bool has_counter = pre.size() > preid.size() && pre[preid.size()].numeric;
      if (!has_counter) {
        pre = std::move(fresh);
      }
    } else {
      pre = std::move(fresh);
    }
  }
  v.set_prerelease(std::move(pre));
  return {};
}

} // namespace

std::optional<Release> release_from(std::string_view name)
{
  for (const auto& [r, n] : k_names) {
    if (name == n) {
      return r;
    }
  }
  return std::nullopt;
}

const char* release_name(Release r)
{
  for (const auto& [x, n] : k_names) {
    if (x == r) {
      return n;
    }
  }
  return "";
}

Result<Version> increment(const Version& from, const Increment& how, const Options& options)
{
  Version v = from;
  v.set_build({});
  std::vector<Identifier> preid;
  const bool pre = how.release == Release::premajor || how.release == Release::preminor ||
                   how.release == Release::prepatch || how.release == Release::prerelease;
  if (pre) {
    if ((!how.preid || how.preid->empty()) && how.base == IdentifierBase::none) {
      return fail(ErrorCode::usage, "the identifier is empty: --identifier-base false needs --preid");
    }
    if (how.preid && !how.preid->empty()) {
      auto parsed = parse_preid(*how.preid, options);
      if (!parsed) {
        return fail(parsed.error());
      }
      preid = std::move(*parsed);
    }
  }
  switch (how.release) {
  case Release::premajor:
    v.set_prerelease({});
    v.patch = 0;
    v.minor = 0;
    ++v.major;
    break;
  case Release::preminor:
    v.set_prerelease({});
    v.patch = 0;
    ++v.minor;
    break;
  case Release::prepatch:
    v.set_prerelease({});
    ++v.patch;
    break;
  case Release::prerelease:
    if (v.prerelease().empty()) {
      ++v.patch;
    }
    break;
  case Release::release:
    if (v.prerelease().empty()) {
      return fail(ErrorCode::invalid_version, fmt::format("version '{}' is not a prerelease", from.to_string()));
    }
    v.set_prerelease({});
    return v;
  case Release::major:
    if (v.minor != 0 || v.patch != 0 || v.prerelease().empty()) {
      ++v.major;
    }
    v.minor = 0;
    v.patch = 0;
    v.set_prerelease({});
    return v;
  case Release::minor:
    if (v.patch != 0 || v.prerelease().empty()) {
      ++v.minor;
    }
    v.patch = 0;
    v.set_prerelease({});
    return v;
  case Release::patch:
    if (v.prerelease().empty()) {
      ++v.patch;
    }
    v.set_prerelease({});
    return v;
  }
  if (auto r = bump_pre(v, how, preid); !r) {
    return fail(r.error());
  }
  return v;
}

std::optional<Release> difference(const Version& a, const Version& b)
{
  const int c = compare(a, b);
  if (c == 0) {
    return std::nullopt;
  }
  const Version& high = c > 0 ? a : b;
  const Version& low = c > 0 ? b : a;
  if (low.is_prerelease() && !high.is_prerelease()) {
    if (low.patch == 0 && low.minor == 0) {
      return Release::major;
    }
    if (low.major == high.major && low.minor == high.minor && low.patch == high.patch) {
      return low.minor != 0 && low.patch == 0 ? Release::minor : Release::patch;
    }
  }
  const bool pre = high.is_prerelease();
  if (a.major != b.major) {
    return pre ? Release::premajor : Release::major;
  }
  if (a.minor != b.minor) {
    return pre ? Release::preminor : Release::minor;
  }
  if (a.patch != b.patch) {
    return pre ? Release::prepatch : Release::patch;
  }
  return Release::prerelease;
}

} // namespace noodle::semver
