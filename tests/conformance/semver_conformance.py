#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks noodle's semver engine against npm semver 7 (the reference).

Generates a large, seeded set of versions and ranges (valid ones, edge cases
and junk), asks both npm semver (through node) and semver_probe the same
questions -- valid(), compare(), validRange(), satisfies() -- and counts the
disagreements per category. Exits 1 on any disagreement that is not listed
in DIVERGENCES.md, 2 when node or npm semver is missing.

Usage: semver_conformance.py --probe build/tests/semver_probe [--seed N]
"""

import argparse
import collections
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

import fixture_calls

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_SAFE = 2**53 - 1

NODE_SCRIPT = r"""
const fs = require('fs');
const semver = require(process.argv[2]);
const lines = fs.readFileSync(process.argv[3], 'utf8').split('\n');
const out = [];
const matrix = [];
const dec = (s) => decodeURIComponent(s === undefined ? '' : s);
for (const line of lines) {
  if (line === '') continue;
  const a = line.split('\t');
  const cmd = a[0];
  const o = { loose: (a[1] || "").includes("l"), includePrerelease: (a[1] || "").includes("p") };
  if (cmd === 'valid_o') {
    out.push(String(semver.valid(dec(a[2]), o)));
  } else if (cmd === 'compare_o') {
    const x = dec(a[2]), y = dec(a[3]);
    out.push(semver.valid(x, o) !== null && semver.valid(y, o) !== null ? String(semver.compare(x, y, o)) : 'null');
  } else if (cmd === 'range_o') {
    out.push(String(semver.validRange(dec(a[2]), o)));
  } else if (cmd === 'satisfies_o') {
    out.push(String(semver.satisfies(dec(a[2]), dec(a[3]), o)));
  } else if (cmd === 'inc_o') {
    const pre = a[4] === '~' ? undefined : dec(a[4]);
    const base = a[5] === '~' ? undefined : (a[5] === 'false' ? false : a[5]);
    out.push(String(semver.inc(dec(a[2]), a[3], o, pre, base)));
  } else if (cmd === 'diff_o') {
    const x = semver.parse(dec(a[2]), o), y = semver.parse(dec(a[3]), o);
    out.push(x === null || y === null ? 'invalid' : String(semver.diff(x, y)));
  } else if (cmd === 'coerce_o') {
    const v = semver.coerce(dec(a[2]), { loose: o.loose, includePrerelease: o.includePrerelease,
                                          rtl: a[1].includes('r') });
    out.push(v === null ? 'null' : v.version);
  } else if (cmd === 'intersects_o') {
    let r = 'null';
    try { r = String(semver.intersects(dec(a[2]), dec(a[3]), o)); } catch (e) { r = 'null'; }
    out.push(r);
  } else if (cmd === 'outside_o') {
    let r = 'null';
    try { r = String(semver.outside(dec(a[2]), dec(a[3]), dec(a[4]), o)); } catch (e) { r = 'null'; }
    out.push(r);
  } else if (cmd === 'min_version_o') {
    if (semver.validRange(dec(a[2]), o) === null) { out.push('invalid'); continue; }
    let v = null;
    try { v = semver.minVersion(dec(a[2]), o); } catch (e) { out.push('throws'); continue; }
    out.push(v === null ? 'null' : v.version);
  } else if (cmd === 'min_sat_o' || cmd === 'max_sat_o') {
    const list = a.slice(3).map(dec);
    const f = cmd === 'max_sat_o' ? semver.maxSatisfying : semver.minSatisfying;
    const v = f(list, dec(a[2]), o);
    out.push(v === null ? 'null' : semver.parse(v, o).version);
  } else if (cmd === 'valid') {
    out.push(String(semver.valid(dec(a[1]))));
  } else if (cmd === 'compare') {
    const x = dec(a[1]), y = dec(a[2]);
    out.push(semver.valid(x) !== null && semver.valid(y) !== null ? String(semver.compare(x, y)) : 'null');
  } else if (cmd === 'range') {
    out.push(String(semver.validRange(dec(a[1]))));
  } else if (cmd === 'satisfies') {
    out.push(String(semver.satisfies(dec(a[1]), dec(a[2]))));
  } else if (cmd === 'compare_build') {
    const x = dec(a[1]), y = dec(a[2]);
    out.push(semver.valid(x) !== null && semver.valid(y) !== null ? String(semver.compareBuild(x, y)) : 'null');
  } else if (cmd === 'sort_matrix') {
    const idx = matrix.map((_, i) => i);
    idx.sort((i, j) => semver.compareBuild(matrix[i], matrix[j]));  // Array.prototype.sort is stable
    out.push(idx.join(' '));
  } else if (cmd === 'add_version') {
    const v = semver.parse(dec(a[1]));
    if (v) { matrix.push(v); out.push('ok'); } else { out.push('null'); }
  } else if (cmd === 'row') {
    let r = null;
    try { r = new semver.Range(dec(a[1])); } catch (e) { r = null; }
    if (r === null) { out.push('null'); continue; }
    const bits = new Array(matrix.length);
    for (let i = 0; i < matrix.length; i++) bits[i] = r.test(matrix[i]) ? '1' : '0';
    out.push(bits.join(''));
  } else {
    out.push('unknown command');
  }
}
fs.writeFileSync(process.argv[4], out.join('\n') + '\n');
"""

# ---------------------------------------------------------------- generation

PRE_WORDS = ["alpha", "beta", "rc", "pre", "dev", "next", "canary", "x", "X", "a-b", "-", "--", "0a", "1a2",
             "ALPHA", "Beta", "z9", "build", "snapshot"]
UNICODE_SPACES = ["\u00a0", "\u1680", "\u2000", "\u2005", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f",
                  "\u3000", "\ufeff", "\t", "\n", "\r", "\v", "\f"]
JUNK_ALPHABET = "0123456789.-+vVxX*=<>^~ |abz_!\t"


def num(rng, small=True):
    r = rng.random()
    if small or r < 0.85:
        return str(rng.choice([0, 0, 1, 1, 2, 3, 4, 5, 10, 12]))
    return str(rng.choice([99, 1000, 20201231, MAX_SAFE - 1, MAX_SAFE, MAX_SAFE + 1, 10**16, 10**20]))


def pre_identifier(rng):
    r = rng.random()
    if r < 0.45:
        return rng.choice(PRE_WORDS)
    if r < 0.85:
        return str(rng.choice([0, 1, 2, 3, 10, 11, 100]))
    if r < 0.93:
        return str(rng.choice([MAX_SAFE - 1, MAX_SAFE, MAX_SAFE + 1, 10**20, 10**19 + 7]))
    return rng.choice(["01", "00", "007", "0x1", "a.", "", "ü", "a_b"])


def prerelease(rng, n=None):
    n = n if n is not None else rng.choice([1, 1, 1, 2, 2, 3])
    return ".".join(pre_identifier(rng) for _ in range(n))


def build_meta(rng):
    return ".".join(rng.choice(["build", "001", "1", "sha", "5", "10", "exp-1", "a", "Z9", "0"])
                    for _ in range(rng.choice([1, 2, 2, 3])))


def good_version(rng, small=True):
    v = "{}.{}.{}".format(num(rng, small), num(rng, small), num(rng, small))
    if rng.random() < 0.35:
        v += "-" + prerelease(rng)
    if rng.random() < 0.1:
        v += "+" + build_meta(rng)
    return v


def mutate(rng, s):
    s = list(s)
    for _ in range(rng.choice([1, 1, 2, 3])):
        op = rng.random()
        pos = rng.randrange(len(s) + 1)
        if op < 0.4:
            s.insert(pos, rng.choice(JUNK_ALPHABET))
        elif op < 0.7 and s:
            del s[min(pos, len(s) - 1)]
        elif s:
            s[min(pos, len(s) - 1)] = rng.choice(JUNK_ALPHABET)
    return "".join(s)


def edge_versions():
    out = [
        "1.2.3", "v1.2.3", "=1.2.3", "V1.2.3", "vv1.2.3", "v 1.2.3", " 1.2.3 ", "\t1.2.3\n", "\u00a01.2.3\u3000",
        "\ufeff1.2.3", "1.2.3\u2028", "1.2", "1", "", " ", "v", "1.2.3.4", "1.2.x", "*", "x.y.z", "01.2.3",
        "1.02.3", "1.2.03", "00.0.0", "0.0.0", "0.0.0-0", "1.2.3-0", "1.2.3-01", "1.2.3-0a", "1.2.3-00",
        "1.2.3--", "1.2.3-", "1.2.3-a..b", "1.2.3-a.", "1.2.3-.a", "1.2.3+", "1.2.3+a..b", "1.2.3+01",
        "1.2.3-a+b+c", "1.2.3+b-c.d", "1.2.3-ü", "1.2.3-a_b", "1.2.3 -a", "1.2.3 +b", "1.2.3-rc.1+build.5",
        "9007199254740991.9007199254740991.9007199254740991", "9007199254740992.0.0", "0.9007199254740992.0",
        "0.0.9007199254740992", "99999999999999999999.0.0", "1.0.0-9007199254740991", "1.0.0-9007199254740992",
        "1.0.0-99999999999999999999", "1.0.0-99999999999999999998", "1.0.0-18446744073709551616",
        "1.0.0-18446744073709551615", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
        "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1",
        "1.0.0-1", "1.0.0-A", "1.0.0-a", "1.0.0-Z", "1.0.0--1", "1.0.0-1-", "1.0.0-0.0.0",
        "-1.2.3", "1.-2.3", "1.2.-3", "1.2.3-\u0000", "1.2.3\u0000", "1.2.3 1.2.4", ">1.2.3", "1.2.3||",
        "1.2.3-" + "a" * 250, "1.2.3-" + "a" * 251, "1.2.3+" + "b" * 250, "1.2.3+" + "b" * 251,
        "1.2.3-" + "1" * 300, " " * 252 + "1.2.3", " " * 251 + "1.2.3", "\u00a0" * 252 + "1.2.3",
        "1.2.3" + "\u3000" * 251, "1.2.3" + "\u3000" * 252, "1.2.3-😀", "😀1.2.3",
    ]
    # exactly at the 256 limit, and one over, with a long prerelease
    base = "1.2.3-"
    out.append(base + "a" * (256 - len(base)))
    out.append(base + "a" * (257 - len(base)))
    out.append("v" + base + "a" * (256 - len(base) - 1))
    return out


def gen_versions(rng, n):
    out = edge_versions()
    while len(out) < n:
        r = rng.random()
        if r < 0.55:
            out.append(good_version(rng))
        elif r < 0.65:
            out.append(good_version(rng, small=False))
        elif r < 0.72:
            prefix = rng.choice(["v", "=", " ", "\t", "  v", "vv", "V", "\u00a0", "v="])
            suffix = rng.choice(["", " ", "\n", "\u3000", "\ufeff"])
            out.append(prefix + good_version(rng) + suffix)
        elif r < 0.92:
            out.append(mutate(rng, good_version(rng)))
        else:
            out.append("".join(rng.choice(JUNK_ALPHABET) for _ in range(rng.randint(0, 12))))
    return out


def partial(rng):
    r = rng.random()
    wild = lambda: rng.choice(["x", "X", "*"])
    if r < 0.2:
        return num(rng)
    if r < 0.4:
        return "{}.{}".format(num(rng), num(rng))
    if r < 0.55:
        return "{}.{}".format(num(rng), wild())
    if r < 0.65:
        return "{}.{}.{}".format(num(rng), num(rng), wild())
    if r < 0.7:
        return "{}.{}.{}".format(num(rng), wild(), wild())
    if r < 0.75:
        return rng.choice(["*", "x", "X", "x.x", "*.*.*", "x.x.x", "X.x"])
    if r < 0.8:
        return rng.choice(["1.x.3", "x.1", "*.1.2", "1.*.2", "x.x.1", "01", "1.02", "1.2.03"])
    return good_version(rng)


def space(rng):
    return rng.choice(["", "", "", " ", " ", "  ", "\t", "\u00a0"])


def comparator(rng):
    r = rng.random()
    if r < 0.35:
        op = rng.choice(["<", "<=", ">", ">=", "=", "", "", "<", ">="])
        return op + space(rng) + partial(rng)
    if r < 0.55:
        return "^" + space(rng) + partial(rng)
    if r < 0.75:
        return rng.choice(["~", "~>", "~", "~ >"]) + space(rng) + partial(rng)
    if r < 0.85:
        return rng.choice(["", "v", "=", "v="]) + partial(rng)
    return rng.choice(["*", "x", "", ">=0.0.0", "<0.0.0-0", ">=0.0.0-0", "<0.0.0", ">*", "<*", ">=*", "<=x",
                       "=*", ">x.x", "<1.x", ">1.x", "<=1.2.x", ">1.2", "<=1", "*1.2.3", "1.2.3*", "**",
                       "=>1.2.3", "==1.2.3", "<>1", ">==1.2.3", "~*", "^*", "~x.1", "~1.x.3", "^1.x.3"])


def hyphen(rng):
    left = rng.choice(["", "", "", "v", "=", "v = "]) + partial(rng)
    right = rng.choice(["", "", "v", "="]) + partial(rng)
    sep = rng.choice([" - ", " - ", " - ", " - ", "  -  ", "\t-\t", "-", " -", " -- "])
    return left + sep + right


def conjunction(rng):
    if rng.random() < 0.15:
        return hyphen(rng)  # a hyphen range must stand alone in its alternative
    parts = []
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        parts.append(hyphen(rng) if rng.random() < 0.02 else comparator(rng))
    return rng.choice([" ", " ", "  ", "\t"]).join(parts)


def edge_ranges():
    return [
        "", " ", "*", "x", "X", "1.x", "1.2.*", "1.2.3", "=1.2.3", "v1.2.3", "^1.2.3", "^0.2.3", "^0.0.3",
        "^0.0", "^0", "^1.2.3-beta.2", "^0.0.3-beta", "~1.2.3", "~1.2", "~1", "~>1.2.3", "~> 1.2", "~ > 1.2",
        "~0.0.1", "~1.2.3-beta.2", "1.2.3 - 2.3.4", "1.2 - 2.3.4", "1.2.3 - 2.3", "1.2.3 - 2", "1 - 2",
        "1.2.3-pre - 2.0.0-pre", "* - 2", "1.2.3 - *", "x.1 - 2", "1.2.3 - 2.x.1", "1.2.3+b - 2.0.0+c",
        ">=1.2.3 <2.0.0", ">= 1.2.3 < 2.0.0", ">=1.2.3 || <1.0.0", "1.2.3 || 2.3.4 || 3.x", "||", "|| 1.2.3",
        "1.2.3 ||", "1 || || 2", "1.2.3 |", ">=0.0.0", ">=v0.0.0", ">=0.0.0 || 1.2.3", "<0.0.0-0",
        "<0.0.0-0 || 1.2.3", "<0.0.0-0 || <0.0.0-0", ">1.x", ">=1.x", "<1.x", "<=1.x", ">1.2", "<=1.2",
        "=1.x", ">*", "<*", ">=*", "<=*", "*1.2.3", ">*1.2.3", "1.2.3*", "**", "1.x.3", "~1.x.3", "^1.x.3",
        "~x.1", "^*", "~*", "1.2.3 -", "- 1.2.3", ">=", "<", "~", "^", "=", "v", ">=a", "a", "1.2.3.4",
        "01.2.3", "1.02", "^01", "~1.02.3", ">=1.2.3-01", "^9007199254740991.0.0", "~1.9007199254740991",
        ">=9007199254740991.0.0", "^9007199254740990", "9007199254740992", "x.99999999999999999999 - 2",
        ">=1.2.3-" + "a" * 300, "1.2.3-" + "a" * 250, ">=" + "1" * 300 + ".0.0", "x." + "1" * 258 + " - 2",
        "x." + "1" * 257 + " - 2", "1.2.3 +build", "+b 1.2.3 - 2", "1.2.3 +b - 2", "1.2.3 - +b 2",
        ">=1.2.3+build.5 <2", "^1.2.3+build", "v = 1.2.3 - 2", "=1.2.3 - 2", "1.2.3 - = 2.0.0",
        "\u00a0>=1.2.3\u3000<2\ufeff", "1.2.3\u2028||\u20292.0.0", ">=1.0.0-alpha <1.0.0", "^1.0.0-0",
        ">1.0.0-alpha.1 <1.0.0-beta", "1.0.0-rc.1 || >=2.0.0", "^2.0.0-rc.1 ^2.0.0-beta.1",
        ">=1.0.0-99999999999999999999", "<1.0.0-99999999999999999999",
        # the length bounds of npm's patterns
        "~1.2.3-" + "1" * 256 + "a", "~1.2.3-" + "1" * 257 + "a", "^1.2.3-" + "a" * 251, "^1.2.3-a" + "a" * 251,
        "^1.2.3-" + "1" * 257 + ".x", ">" + "1" * 257, ">" + "1" * 258, "<=x." + "1" * 257,
        "1.2.3 - 2.0.0-" + "b" * 260, "1 || " * 300, "+" * 300, " " * 300 + "^1.2.3",
    ]


SOUP = ["1", "2", "0", "1.2", "1.2.3", "0.0.1", ".", "..", "-", " ", " ", "  ", "x", "X", "*", ">", "<", "=",
        ">=", "<=", "~", "~>", "^", "v", "||", "|", "+b", "+", "-rc", "-0", "-1", ".x", ".*", "01", " - ", "- ",
        "a", "\t", "1.2.3-beta.1", "2.x", "x.x", "\u00a0", "\u00fc", "\U0001f600", "\u2028", "V", "+build.1"]


def soup(rng):
    """Random juxtapositions of range syntax, to stress the desugaring quirks."""
    return "".join(rng.choice(SOUP) for _ in range(rng.randint(1, 9)))


def gen_ranges(rng, n):
    out = edge_ranges()
    while len(out) < n:
        r = rng.random()
        if r < 0.2:
            out.append(soup(rng))
        elif r < 0.6:
            out.append(conjunction(rng))
        elif r < 0.8:
            out.append(rng.choice([" || ", "||", " ||", "|| "]).join(conjunction(rng)
                                                                    for _ in range(rng.choice([2, 2, 3]))))
        elif r < 0.95:
            out.append(mutate(rng, conjunction(rng)))
        else:
            out.append("".join(rng.choice(JUNK_ALPHABET) for _ in range(rng.randint(0, 14))))
    return out


def gen_compare_pairs(rng, versions, n):
    pairs = [("1.0.0-99999999999999999999", "1.0.0-99999999999999999998"),
             ("1.0.0-9007199254740993", "1.0.0-9007199254740992"),
             ("1.0.0-18446744073709551616.a", "1.0.0-18446744073709551616.b")]
    related = [v for v in versions if len(v) < 40]
    while len(pairs) < n:
        if rng.random() < 0.5:
            pairs.append((rng.choice(versions), rng.choice(versions)))
        else:
            # same MAJOR.MINOR.PATCH, so prereleases decide
            core = rng.choice(["1.0.0", "0.0.0", "2.3.4"])
            a = core + ("-" + prerelease(rng) if rng.random() < 0.85 else "")
            b = core + ("-" + prerelease(rng) if rng.random() < 0.85 else "")
            if rng.random() < 0.2:
                b += "+" + build_meta(rng)
            pairs.append((a, b) if rng.random() < 0.7 else (a, rng.choice(related)))
    return pairs


def loose_version(rng):
    """A version as npm's loose mode reads it: leading zeros, prefixes, a
    prerelease without its hyphen."""
    v = good_version(rng)
    r = rng.random()
    if r < 0.3:
        parts = v.split(".", 2)
        i = rng.randrange(3)
        parts[i] = "0" * rng.choice([1, 2]) + parts[i]
        v = ".".join(parts)
    elif r < 0.5:
        v = v.replace("-", "", 1) if "-" in v else v + rng.choice(["beta", "rc.1", "-", "--", "0", "01", "a-b", "x"])
    elif r < 0.65:
        v = v.split("+")[0] + "-" + ".".join(rng.choice(["01", "00", "007", "0", "a", "0009007199254740991"])
                                             for _ in range(rng.choice([1, 2])))
    prefix = rng.choice(["", "", "=", "v", "==v", "v=v", " = ", "vv", "=\u00a0v", "V"])
    return prefix + v


COERCE_EDGE = ["", ".", "1", "1.2", "1.2.3", "1.2.3.4", "v2", "a1b2c3", "1.2.3-rc.1", "version 1.22.333 final",
               "12345678901234567", "1234567890123456", "1.12345678901234567", "1.2.12345678901234567",
               "123456789012345678.1.2 3.4", "01.02.03", "9007199254740992", "9007199254740991.1",
               "1.2.3.4.5.6", "x1.2.y3.4", "1.2.3/4.5.6", "1..2", "a.1.b.2", "\u00a01.2", "1.2.3 4.5.6 7"]

RELEASES = ["major", "minor", "patch", "premajor", "preminor", "prepatch", "prerelease", "release"]

LOOSE_EDGE_VERSIONS = ["=1.2.3", "==1.2.3", "v=1.2.3", "v 1.2.3", "= v 1.2.3", "01.02.03", "1.2.3beta", "1.2.3-",
                       "1.2.3--", "1.2.3-.a", "1.2.3-+b", "1.2.3.4", "1.2.3-01", "1.2.3-00.01", "1.2", "1.2.3 beta",
                       "001.2.3-a.b+c", "1.2.3-0009007199254740990", "1.2.3-09007199254740991",
                       "0000000000000000009.0.0", "9007199254740992.0.0", "1.2.3x", "1.2.3-x-y"]


def loose_range(rng, versions):
    r = rng.random()
    if r < 0.3:
        op = rng.choice(["", "^", "~", ">=", "<", "<=", ">", "=", "~>"])
        return op + rng.choice(versions)
    if r < 0.5:
        return "{} - {}".format(rng.choice(versions), rng.choice(versions))
    if r < 0.7:
        return " ".join(rng.choice(["^", "~", ">=", "<", ""]) + rng.choice(versions + ["1.x", "01.x", "x", "*"])
                        for _ in range(rng.choice([1, 2, 3])))
    if r < 0.85:
        return rng.choice(["junk", ">=1.2.3 junk", "a || 1.2.3", "a || b", "01.x", "^01.2", "~01.02.03beta",
                           ">01.2", "<=1.2.3foo", "^1.2.3-01", "1.2.3beta - 2", ">=01.0.0 <02.0.0-0"])
    return mutate(rng, rng.choice(versions))


# ----------------------------------------------------------- documented gaps

def huge_numeric_pre(text, loose=False):
    """True when a version text has a numeric prerelease identifier > 2^53-1.
    See DIVERGENCES.md: npm compares those as IEEE doubles, we compare exactly.
    In loose mode npm also keeps such identifiers (and 2^53-1 itself) with
    their leading zeros; noodle writes every numeric identifier without."""
    text = text.split("+", 1)[0]
    if "-" not in text:
        return False
    pre = text.split("-", 1)[1]
    return any(p.isdigit() and (int(p) > MAX_SAFE or (loose and int(p) >= MAX_SAFE)) for p in pre.split("."))


def range_has_huge_numeric_pre(normalized, loose=False):
    if normalized in (None, "null"):
        return False
    for token in normalized.replace("||", " ").split():
        if huge_numeric_pre(token.lstrip("<>="), loose):
            return True
    return False


def loose_text_has_huge_pre(text):
    """A loose input whose digits, read as npm reads them, reach 2^53-1."""
    return any(len(run.lstrip("0")) >= 16 and int(run) >= MAX_SAFE for run in "".join(
        c if c.isdigit() else " " for c in text).split())


# ------------------------------------------------------------------ running

def enc(s):
    return urllib.parse.quote(s, safe="")


def run(cmd, stdin_path=None, timeout=120):
    with open(stdin_path, "rb") if stdin_path else open(os.devnull, "rb") as f:
        res = subprocess.run(cmd, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if res.returncode != 0:
        sys.stderr.write("error: {} failed ({}):\n{}".format(cmd[0], res.returncode, res.stderr.decode(errors="replace")))
        sys.exit(2)
    return res.stdout.decode("utf-8", errors="replace").split("\n")[:-1]


def generated_commands(args):
    """The seeded corpus: (commands, versions, ranges)."""
    rng = random.Random(args.seed)
    versions = gen_versions(rng, args.versions)
    ranges = gen_ranges(rng, args.ranges)
    pairs = gen_compare_pairs(rng, versions, args.pairs)
    core = ["1.0.0", "1.0.0-rc.1", "0.0.1"]
    sat_pairs = [(rng.choice(versions), rng.choice(ranges)) for _ in range(5000)]

    commands = []  # (category, args)
    commands += [("valid", (v,)) for v in versions]
    commands += [("compare", p) for p in pairs]
    commands += [("range", (r,)) for r in ranges]
    commands += [("satisfies", p) for p in sat_pairs]
    build_pairs = [(a, b) for a, b in pairs if "+" in a or "+" in b] + \
        [(rng.choice(core) + "+" + build_meta(rng), rng.choice(core) + "+" + build_meta(rng)) for _ in range(3000)]
    commands += [("compare_build", p) for p in build_pairs]
    commands += [("add_version", (v,)) for v in versions]
    commands += [("row", (r,)) for r in ranges]
    commands += [("sort_matrix", ())]

    loose_versions = LOOSE_EDGE_VERSIONS + [loose_version(rng) for _ in range(1500)]

    loose_ranges_base = [loose_range(rng, loose_versions) for _ in range(800)]
    pre_versions_base = [v for v in versions if "-" in v][:400] + ["1.2.3-rc.1", "2.0.0-0", "0.0.0-0", "1.3.0-beta"]

    # Increments: every release type, with and without identifiers and bases.
    inc_versions = [v for v in versions if len(v) < 40][:600] + [
        "1.2.3", "1.2.3-beta", "1.2.3-beta.1", "1.2.3-beta.0.a", "1.2.3-alpha.beta", "1.0.0-rc.1+build.5",
        "0.0.0", "1.2.0-0", "1.0.0-beta.x.1", "1.2.3-9007199254740990", "1.2.3-beta.9007199254740991",
        "9007199254740991.0.0", "1.2.3-a.b.c", "1.2.3-1.beta"]
    preids = ["~", "~", "", "beta", "alpha", "alpha.1", "rc", "01", "a.b", "1", "0", "-", "beta.", "x y",
              "alpha.beta", "beta.1", "a+b"]
    for _ in range(6000):
        flags = rng.choice(["-", "-", "l"])
        vs = loose_versions if flags == "l" else inc_versions
        commands.append(("inc_o", (flags, rng.choice(vs), rng.choice(RELEASES), rng.choice(preids),
                                   rng.choice(["~", "~", "0", "1", "false"]))))
    for v in inc_versions[-14:]:
        for release in RELEASES:
            for preid in ("~", "beta", "alpha.beta"):
                for base in ("~", "1", "false"):
                    commands.append(("inc_o", ("-", v, release, preid, base)))

    # diff, and coerce from the left and from the right.
    diff_versions = inc_versions + ["1.2.3-rc.1", "1.2.0-rc.1", "1.0.0-0", "2.0.0", "1.2.3", "1.2.4-0", "0.0.1-a"]
    commands += [("diff_o", ("-", rng.choice(diff_versions), rng.choice(diff_versions))) for _ in range(4000)]
    commands += [("diff_o", ("l", rng.choice(loose_versions), rng.choice(loose_versions))) for _ in range(1000)]
    coerce_texts = COERCE_EDGE + [mutate(rng, rng.choice(versions)) for _ in range(1500)] + \
        [soup(rng) + rng.choice(["", " ", "v", "x"]) + soup(rng) for _ in range(1500)]
    coerce_texts += ["1.2.3-01", "1.2.3-a.01", "1.2.3-a.0b", "v1-beta.1+b.2 x", "1.2.3-0.0.01", "1.2-rc.1",
                     "1.2.3+b..c", "1.2.3-+b", "1.2.3-a+b-c.d9"] + \
        [good_version(rng) + rng.choice(["", " ", "1", ".", "-", "+"]) for _ in range(500)]
    for flags in ("-", "r", "l", "lr", "p", "pr", "lp"):
        commands += [("coerce_o", (flags, t)) for t in coerce_texts]

    # Relations between ranges and versions: intersects, outside (gtr/ltr),
    # minVersion, min/maxSatisfying.
    rel_ranges = ranges[:700] + [conjunction(rng) for _ in range(300)]
    rel_versions = [v for v in versions if len(v) < 40] + pre_versions_base
    for flags in ("-", "p", "l"):
        rs = rel_ranges + (loose_ranges_base if flags == "l" else [])
        vs = rel_versions + (loose_versions if flags == "l" else [])
        commands += [("intersects_o", (flags, rng.choice(rs), rng.choice(rs))) for _ in range(4000)]
        commands += [("outside_o", (flags, rng.choice(vs), rng.choice(rs), rng.choice([">", "<"])))
                     for _ in range(4000)]
        commands += [("min_version_o", (flags, r)) for r in rs]
        for cat in ("min_sat_o", "max_sat_o"):
            commands += [(cat, (flags, rng.choice(rs)) + tuple(rng.choice(vs) for _ in range(rng.randint(1, 12))))
                         for _ in range(1500)]

    # npm's options: loose and includePrerelease, alone and together.
    option_versions = loose_versions + versions[:1500]
    commands += [("valid_o", ("l", v)) for v in option_versions]
    commands += [("valid_o", ("p", v)) for v in versions[:300]]
    commands += [("compare_o", ("l", rng.choice(loose_versions), rng.choice(loose_versions))) for _ in range(3000)]
    loose_ranges = loose_ranges_base
    pre_versions = pre_versions_base
    for flags in ("l", "p", "lp"):
        rs = ranges[:600] + loose_ranges if "l" in flags else ranges[:800]
        commands += [("range_o", (flags, r)) for r in rs]
        vs = option_versions if "l" in flags else versions + pre_versions
        commands += [("satisfies_o", (flags, rng.choice(vs + pre_versions), rng.choice(rs))) for _ in range(4000)]
    return commands, versions, ranges


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--probe", required=True, help="path to the semver_probe executable")
    ap.add_argument("--node", default="node")
    ap.add_argument("--semver", default=os.path.join(HERE, "node_modules", "semver"),
                    help="npm semver package directory")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--versions", type=int, default=4000)
    ap.add_argument("--ranges", type=int, default=1200)
    ap.add_argument("--pairs", type=int, default=40000)
    ap.add_argument("--examples", type=int, default=5, help="disagreements shown per category")
    ap.add_argument("--fixtures", metavar="NODE_SEMVER_CHECKOUT",
                    help="instead of the seeded corpus, ask every call node-semver's own tests make "
                         "(test/functions, test/ranges of a checkout of its repository)")
    ap.add_argument("--fixtures-from-env", metavar="VAR",
                    help="--fixtures from this environment variable; exit 77 (skipped) when it is unset")
    args = ap.parse_args()
    if args.fixtures_from_env:
        args.fixtures = os.environ.get(args.fixtures_from_env)
        if not args.fixtures or not os.path.isdir(os.path.join(args.fixtures, "test", "functions")):
            print("skipped: {} does not name a checkout of node-semver's repository".format(args.fixtures_from_env))
            return 77

    node = shutil.which(args.node)
    if node is None or not os.path.isfile(os.path.join(args.semver, "package.json")):
        sys.stderr.write("error: node and npm semver are required for this check; "
                         "run `npm ci --prefix tests/conformance` (node: {}, semver: {})\n"
                         .format(node or "not found", args.semver))
        return 2

    unasked = collections.Counter()
    asked = collections.Counter()
    if args.fixtures:
        with tempfile.TemporaryDirectory() as tmp:
            commands, asked, unasked = fixture_calls.fixture_commands(node, os.path.abspath(args.fixtures), tmp)
        versions, ranges = [], []
    else:
        commands, versions, ranges = generated_commands(args)

    with tempfile.TemporaryDirectory() as tmp:
        cmd_path = os.path.join(tmp, "commands.txt")
        with open(cmd_path, "w", encoding="utf-8", newline="\n") as f:
            for cat, a in commands:
                f.write("\t".join([cat] + [enc(x) for x in a]) + "\n")
        script = os.path.join(tmp, "check.js")
        with open(script, "w") as f:
            f.write(NODE_SCRIPT)
        node_out_path = os.path.join(tmp, "node.txt")
        t0 = time.monotonic()
        run([node, script, os.path.abspath(args.semver), cmd_path, node_out_path])
        t1 = time.monotonic()
        ours = run([args.probe], cmd_path)
        t2 = time.monotonic()
        with open(node_out_path, encoding="utf-8") as f:
            theirs = f.read().split("\n")[:-1]

    if len(ours) != len(commands) or len(theirs) != len(commands):
        sys.stderr.write("error: expected {} answers, got {} from the probe and {} from node\n"
                         .format(len(commands), len(ours), len(theirs)))
        return 1

    valid_versions = [v for v, ok in zip(versions, theirs[:len(versions)]) if ok != "null"]
    matrix_versions = [v for (cat, a), ans in zip(commands, theirs) if cat == "add_version" and ans == "ok"
                       for v in a]
    normalized = {a[0]: ans for (cat, a), ans in zip(commands, theirs) if cat == "range"}

    checks = {}
    bad = {}
    known = {}

    def record(cat, ok, documented, example):
        checks[cat] = checks.get(cat, 0) + 1
        if ok:
            return
        target = known if documented else bad
        target.setdefault(cat, []).append(example)

    for (cat, a), mine, ref in zip(commands, ours, theirs):
        if cat == "sort_matrix":
            # Versions with huge numeric prerelease identifiers are ordered
            # differently by design (DIVERGENCES.md): compare the order of the rest.
            keep = lambda line: [i for i in line.split() if not huge_numeric_pre(matrix_versions[int(i)].strip())]
            m, t = mine.split(), ref.split()
            at = next((i for i, (x, y) in enumerate(zip(m, t)) if x != y), min(len(m), len(t)))
            record("sort", mine == ref, keep(mine) == keep(ref),
                   ("sort of the {} valid versions, first difference at position {}".format(len(matrix_versions), at),
                    [matrix_versions[int(i)] for i in m[at:at + 2]], [matrix_versions[int(i)] for i in t[at:at + 2]]))
            continue
        if cat == "row":
            if mine == "null" or ref == "null" or len(mine) != len(ref):
                record("satisfies (matrix)", mine == ref, False, (a[0], "row", mine[:60], ref[:60]))
                continue
            range_huge = range_has_huge_numeric_pre(ref and normalized.get(a[0]))
            for v, m, t in zip(matrix_versions, mine, ref):
                documented = range_huge or huge_numeric_pre(v.strip())
                record("satisfies (matrix)", m == t, documented, (v, a[0], m, t))
            continue
        documented = False
        if cat.endswith("_o"):
            loose = "l" in a[0]
            cat = {"valid_o": "valid", "compare_o": "compare", "range_o": "range", "inc_o": "inc",
                   "diff_o": "diff", "coerce_o": "coerce", "intersects_o": "intersects",
                   "outside_o": "outside", "min_version_o": "minVersion", "min_sat_o": "minSatisfying",
                   "max_sat_o": "maxSatisfying",
                   "satisfies_o": "satisfies"}[cat] + {"l": " (loose)", "p": " (includePrerelease)",
                                                       "lp": " (loose+includePrerelease)", "-": "", "r": " (rtl)",
                                                       "lr": " (loose, rtl)", "pr": " (includePrerelease, rtl)",
                                                       "lpr": " (loose+includePrerelease, rtl)"}[a[0]]
            documented = any(huge_numeric_pre(x.strip(), loose) or (loose and loose_text_has_huge_pre(x))
                             for x in a[1:]) or range_has_huge_numeric_pre(ref, loose)
            # npm's minVersion re-reads a loose range's versions strictly and
            # throws where one is not strictly valid (DIVERGENCES.md).
            documented = documented or (cat.startswith("minVersion") and ref == "throws")
            record(cat, mine == ref, documented, tuple(a) + (mine, ref))
            continue
        if cat in ("compare", "compare_build"):
            documented = huge_numeric_pre(a[0].strip()) or huge_numeric_pre(a[1].strip())
        elif cat == "satisfies":
            documented = huge_numeric_pre(a[0].strip()) or range_has_huge_numeric_pre(normalized.get(a[1]))
        record(cat, mine == ref, documented, tuple(a) + (mine, ref))

    valid_ranges = sum(1 for r in ranges if normalized.get(r) != "null")
    print("semver conformance with npm semver (seed {}): {} versions ({} valid), {} ranges ({} valid), "
          "node {:.1f}s, probe {:.1f}s".format(args.seed, len(versions), len(valid_versions), len(ranges),
                                               valid_ranges, t1 - t0, t2 - t1))
    if args.fixtures:
        print("node-semver's tests at {}: {} calls asked, {} cannot be asked".format(
            args.fixtures, sum(asked.values()), sum(unasked.values())))
        for fn, n in sorted(asked.items()):
            print("  asked          {:<26} {:>6}".format(fn, n))
        for (fn, why), n in sorted(unasked.items()):
            print("  cannot be asked {:<25} {:>6}  {}".format(fn, n, why))
    for cat in checks:
        print("  {:<20} {:>9} checks  {:>6} disagreements  {:>6} documented divergences"
              .format(cat, checks[cat], len(bad.get(cat, [])), len(known.get(cat, []))))
    for cat, items in bad.items():
        print("\ndisagreements in {} (ours vs npm):".format(cat))
        for ex in items[:args.examples]:
            print("  " + " | ".join(repr(x) for x in ex))
    for cat, items in known.items():
        print("\ndocumented divergences in {} (DIVERGENCES.md), e.g.:".format(cat))
        for ex in items[:2]:
            print("  " + " | ".join(repr(x) for x in ex))
    total = sum(len(v) for v in bad.values())
    print("\n{}: {} disagreements".format("FAIL" if total else "OK", total))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
