// SPDX-License-Identifier: Apache-2.0
#include <noodle/semver/range_relations.hpp>

#include <string_view>

namespace noodle::semver {

namespace {

bool is_gt_op(Op op)
{
  return op == Op::gt || op == Op::ge;
}

bool is_lt_op(Op op)
{
  return op == Op::lt || op == Op::le;
}

bool has_equals(Op op)
{
  return op == Op::ge || op == Op::le || op == Op::eq;
}

// A range of the one comparator `c` (npm re-parses its value) tested on `v`:
// the comparator, then the prerelease rule unless include_prerelease.
bool single_test(const Comparator& c, const Version& v, const Options& o)
{
  if (!c.test(v)) {
    return false;
  }
  if (!v.is_prerelease() || o.include_prerelease) {
    return true;
  }
  return !c.any_version && c.version.is_prerelease() && c.version.major == v.major && c.version.minor == v.minor &&
         c.version.patch == v.patch;
}

// "<0.0.0" followed by anything: npm's value.startsWith('<0.0.0').
bool below_zero(const Comparator& c)
{
  return !c.any_version && c.op == Op::lt && c.version.major == 0 && c.version.minor == 0 && c.version.patch == 0;
}

// npm's "<0.0.0-0", the null set.
bool null_set(const Comparator& c)
{
  return below_zero(c) && c.version.prerelease().size() == 1 && c.version.prerelease()[0].numeric &&
         c.version.prerelease()[0].number == 0 && c.version.prerelease()[0].text == "0";
}

// npm's Comparator.intersects.
bool comparators_intersect(const Comparator& a, const Comparator& b, const Options& o)
{
  if (a.any_version || a.op == Op::eq) {
    if (a.any_version) {
      return true;
    }
    return single_test(b, a.version, o);
  }
  if (b.any_version || b.op == Op::eq) {
    if (b.any_version) {
      return true;
    }
    return single_test(a, b.version, o);
  }
  if (o.include_prerelease && (null_set(a) || null_set(b))) {
    return false;
  }
  if (!o.include_prerelease && (below_zero(a) || below_zero(b))) {
    return false;
  }
  if (is_gt_op(a.op) && is_gt_op(b.op)) {
    return true;
  }
  if (is_lt_op(a.op) && is_lt_op(b.op)) {
    return true;
  }
  const int c = compare(a.version, b.version);
  if (c == 0 && has_equals(a.op) && has_equals(b.op)) {
    return true;
  }
  if (c < 0 && is_gt_op(a.op) && is_lt_op(b.op)) {
    return true;
  }
  return c > 0 && is_lt_op(a.op) && is_gt_op(b.op);
}

// npm's isSatisfiable: every two comparators of the set intersect.
bool satisfiable(const std::vector<Comparator>& set, const Options& o)
{
  for (std::size_t i = 0; i < set.size(); ++i) {
    for (std::size_t k = 0; k < i; ++k) {
      if (!comparators_intersect(set[i], set[k], o)) {
        return false;
      }
    }
  }
  return true;
}

} // namespace

bool intersects(const Range& a, const Range& b)
{
  const Options& o = a.options();
  for (const auto& sa : a.sets()) {
    if (!satisfiable(sa, o)) {
      continue;
    }
    for (const auto& sb : b.sets()) {
      if (!satisfiable(sb, o)) {
        continue;
      }
      bool all = true;
      for (const auto& ca : sa) {
        for (const auto& cb : sb) {
          if (!comparators_intersect(ca, cb, o)) {
            all = false;
            break;
          }
        }
        if (!all) {
          break;
        }
      }
      if (all) {
        return true;
      }
    }
  }
  return false;
}

bool outside(const Version& v, const Range& range, Side side)
{
  if (range.satisfies(v)) {
    return false;
  }
  const bool above = side == Side::above;
  // "beyond": further out on `side`; "before": the other way.
  const auto beyond = [&](const Version& x, const Version& y) { return above ? compare(x, y) > 0 : compare(x, y) < 0; };
  const auto before = [&](const Version& x, const Version& y) { return above ? compare(x, y) < 0 : compare(x, y) > 0; };
  const Op comp = above ? Op::gt : Op::lt;
  const Op ecomp = above ? Op::ge : Op::le;
  for (const auto& set : range.sets()) {
    Comparator zero;
    zero.op = Op::ge;
    const Comparator* high = nullptr;
    const Comparator* low = nullptr;
    for (const auto& c : set) {
      const Comparator* cp = c.any_version ? &zero : &c;
      if (high == nullptr) {
        high = cp;
        low = cp;
      }
      if (beyond(cp->version, high->version)) {
        high = cp;
      } else if (before(cp->version, low->version)) {
        low = cp;
      }
    }
    if (high == nullptr) {
      continue;
    }
    if (high->op == comp || high->op == ecomp) {
      return false;
    }
    if ((low->op == Op::eq || low->op == comp) && !beyond(v, low->version)) {
      return false;
    }
    if (low->op == ecomp && before(v, low->version)) {
      return false;
    }
  }
  return true;
}

std::optional<Version> min_version(const Range& range)
{
  Version zero(0, 0, 0);
  if (range.satisfies(zero)) {
    return zero;
  }
  Version zero_pre = zero;
  Identifier id;
  id.numeric = true;
  id.text = "0";
  zero_pre.set_prerelease({id});
  if (range.satisfies(zero_pre)) {
    return zero_pre;
  }
  std::optional<Version> min;
  for (const auto& set : range.sets()) {
    std::optional<Version> set_min;
    for (const auto& c : set) {
      if (c.any_version) {
        // npm's ANY holds the version 0.0.0 with operator ''.
        if (!set_min || compare(zero, *set_min) > 0) {
          set_min = zero;
        }
        continue;
      }
      Version v = c.version;
      v.set_build({});
      if (c.op == Op::gt) {
        if (v.prerelease().empty()) {
          ++v.patch;
        } else {
          auto pre = v.prerelease();
          pre.push_back(id);
          v.set_prerelease(std::move(pre));
        }
      } else if (c.op != Op::ge && c.op != Op::eq) {
        continue;
      }
      if (!set_min || compare(v, *set_min) > 0) {
        set_min = std::move(v);
      }
    }
    if (set_min && (!min || compare(*min, *set_min) > 0)) {
      min = std::move(set_min);
    }
  }
  if (min && range.satisfies(*min)) {
    return min;
  }
  return std::nullopt;
}

} // namespace noodle::semver
