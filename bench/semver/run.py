#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Side-by-side benchmark: `noodle-upgrade version sort|match|max-satisfying|inc` vs npm semver.

Generates 200,000 versions (seeded, realistic mix with prereleases and some
build metadata) into bench/out/versions.txt, then for each task runs both
sides N times and reports medians and ratios:

  sort   <binary> version sort < versions.txt
         vs node: parse every line with semver.parse, semver.sort, print
  match  <binary> version match RANGE < versions.txt, for each range of a set
         vs node: parse, keep semver.satisfies(v, RANGE), semver.sort, print
  max-satisfying  <binary> version max-satisfying RANGE < versions.txt
         vs node: parse, semver.maxSatisfying(versions, RANGE), print
  inc    <binary> version inc VERSION prerelease --preid beta (one version:
         what a release script runs) vs node: semver.inc once, print

Whole processes are timed by wall clock (startup included) on both sides;
node also reports its in-process time (after startup and require), so the
ratio is given both ways. Outputs of both sides are checked to be identical.
With --micro, the in-process C++ micro-benchmark (semver_bench) is run on the
same file too.

Usage: bench/semver/run.py --binary build/noodle-upgrade [--micro build/bench/semver_bench] [--json FILE]
"""

import argparse
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402

ROOT = common.ROOT

NODE_SCRIPT = r"""
const started = process.hrtime.bigint();
const semver = require(process.argv[2]);
const fs = require('fs');
const t0 = process.hrtime.bigint();
const task = process.argv[3];
const range = process.argv[5];
if (task === 'inc') {
  const next = semver.inc(process.argv[4], 'prerelease', 'beta');
  fs.writeSync(1, next + '\n');
  const t1 = process.hrtime.bigint();
  process.stderr.write(`inprocess_ms=${Number(t1 - t0) / 1e6} require_ms=${Number(t0 - started) / 1e6}\n`);
  process.exit(0);
}
const lines = fs.readFileSync(process.argv[4], 'utf8').split('\n');
let vs = [];
for (const line of lines) {
  if (line.trim() === '') continue;
  const v = semver.parse(line);
  if (v === null) { process.stderr.write(`invalid version '${line}'\n`); process.exit(2); }
  vs.push(v);
}
if (task === 'max-satisfying') {
  const max = semver.maxSatisfying(vs, range);
  vs = max === null ? [] : [max];
} else if (task === 'match') {
  vs = vs.filter((v) => semver.satisfies(v, range));
}
semver.sort(vs);
const out = vs.map((v) => v.build.length ? `${v.version}+${v.build.join('.')}` : v.version);
fs.writeSync(1, out.length ? out.join('\n') + '\n' : '');
const t1 = process.hrtime.bigint();
process.stderr.write(`inprocess_ms=${Number(t1 - t0) / 1e6} require_ms=${Number(t0 - started) / 1e6}\n`);
process.exit(out.length ? 0 : 1);
"""


# Ranges of the shapes release tooling uses: a caret with a comparator pair,
# three alternatives mixing a comparator pair, a prerelease caret and a
# tilde, a prerelease tilde, and an x-range beside a prerelease window.
DEFAULT_RANGES = [
    "^1.2.0 || >=3.0.0 <4.0.0-0",
    ">=1.2.3 <2.0.0 || ^3.1.0-beta.2 || ~4.5.6",
    "~2.3.0-rc.1",
    "1.x || >=5.0.0-alpha.3 <5.1.0",
]


def generate(path, count, seed):
    rng = random.Random(seed)
    tags = ["alpha", "beta", "rc", "next", "canary", "dev"]
    with open(path, "w") as f:
        for _ in range(count):
            major = rng.randrange(30) if rng.randrange(4) == 0 else rng.randrange(6)
            v = "{}.{}.{}".format(major, rng.randrange(40), rng.randrange(60))
            kind = rng.randrange(100)
            if kind < 12:
                v += "-{}.{}".format(rng.choice(tags), rng.randrange(20))
            elif kind < 17:
                v += "-" + rng.choice(tags)
            elif kind < 20:
                v += "-{}.{}".format(rng.randrange(5), rng.randrange(100))
            if rng.randrange(100) < 5:
                v += "+build.{}".format(rng.randrange(1000))
            f.write(v + "\n")


def timed(cmd, stdin_path, capture=False):
    with open(stdin_path, "rb") as f:
        t0 = time.perf_counter()
        res = subprocess.run(cmd, stdin=f, stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        t1 = time.perf_counter()
    if res.returncode not in (0, 1):
        sys.stderr.write("error: {} exited {}: {}\n".format(cmd, res.returncode,
                                                             res.stderr.decode(errors="replace")))
        sys.exit(2)
    return (t1 - t0) * 1000.0, res


def peak_rss_mb(launcher, cmd, stdin_path):
    line = "exec %s < %s > /dev/null 2>&1" % (" ".join(shlex.quote(a) for a in cmd), shlex.quote(stdin_path))
    # The launcher prints "<exit> <ms> <KiB>"; only the memory is wanted here.
    res = subprocess.run([launcher, "/bin/sh", "-c", line], stdout=subprocess.PIPE, text=True, check=True)
    return int(res.stdout.split()[-1]) / 1024.0


def node_inprocess_ms(res):
    for part in res.stderr.decode().split():
        if part.startswith("inprocess_ms="):
            return float(part.split("=", 1)[1])
    raise RuntimeError("node did not report its in-process time")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True, help="the noodle-upgrade executable")
    ap.add_argument("--micro", help="the semver_bench executable (optional)")
    ap.add_argument("--node", default="node")
    ap.add_argument("--semver", default=os.path.join(ROOT, "tests", "conformance", "node_modules", "semver"))
    ap.add_argument("--count", type=int, default=200000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--range", action="append", dest="ranges", metavar="RANGE",
                    help="a range for match and max-satisfying (repeatable; default: the set in DEFAULT_RANGES)")
    ap.add_argument("--inc-version", default="1.2.3-beta.4", help="the version `inc` increments")
    ap.add_argument("--out", default=common.OUT)
    ap.add_argument("--peak-rss", help="the peak_rss launcher (default: bench/peak_rss next to the binary, if built)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = ap.parse_args()

    node = shutil.which(args.node)
    if node is None or not os.path.isfile(os.path.join(args.semver, "package.json")):
        sys.stderr.write("error: node and npm semver are required; run `npm ci --prefix tests/conformance`\n")
        return 2
    binary = os.path.abspath(args.binary)
    launcher = common.launcher_next_to(binary, args.peak_rss)
    if not os.access(launcher, os.X_OK):
        launcher = None
    os.makedirs(args.out, exist_ok=True)
    versions = os.path.join(args.out, "versions.txt")
    generate(versions, args.count, args.seed)
    script = os.path.join(args.out, "semver_node.js")
    with open(script, "w") as f:
        f.write(NODE_SCRIPT)

    ranges = args.ranges or DEFAULT_RANGES
    tasks = [("sort", None, [binary, "version", "sort"], [node, script, args.semver, "sort", versions])]
    for r in ranges:
        tasks.append(("match", r, [binary, "version", "match", r], [node, script, args.semver, "match", versions, r]))
    for r in ranges:
        tasks.append(("max-satisfying", r, [binary, "version", "max-satisfying", r],
                      [node, script, args.semver, "max-satisfying", versions, r]))
    tasks.append(("inc", None, [binary, "version", "inc", args.inc_version, "prerelease", "--preid", "beta"],
                  [node, script, args.semver, "inc", args.inc_version]))
    print("semver benchmark: {} versions ({}), {} repetitions each, medians; ranges: {}"
          .format(args.count, os.path.relpath(versions, ROOT), args.reps, " | ".join(repr(r) for r in ranges)))
    print("{:<15} {:>12} {:>12} {:>14} {:>10} {:>12}  {}".format(
        "task", "ours (ms)", "node (ms)", "node in-proc", "ratio", "ratio (in)", "outputs"))
    worst = None
    figures = []
    for name, task_range, ours_cmd, node_cmd in tasks:
        # one untimed run each to warm caches and to compare outputs
        _, ours_res = timed(ours_cmd, versions, capture=True)
        _, node_res = timed(node_cmd, versions, capture=True)
        same = ours_res.stdout == node_res.stdout
        lines = ours_res.stdout.count(b"\n")
        ours_t, node_t, node_in = [], [], []
        for _ in range(args.reps):  # interleaved, so load changes hit both sides
            t, _ = timed(ours_cmd, versions)
            ours_t.append(t)
            t, res = timed(node_cmd, versions, capture=True)
            node_t.append(t)
            node_in.append(node_inprocess_ms(res))
        o, n, ni = statistics.median(ours_t), statistics.median(node_t), statistics.median(node_in)
        ours_mb = node_mb = None
        if launcher:  # peak RSS from one more run of each, outside the timing
            ours_mb = peak_rss_mb(launcher, ours_cmd, versions)
            node_mb = peak_rss_mb(launcher, node_cmd, versions)
        figures.append({"task": name, "range": task_range, "lines": lines, "identical": same,
                        "ours": {"wall_ms": ours_t, "median_ms": o, "peak_rss_mb": ours_mb},
                        "peer": {"wall_ms": node_t, "median_ms": n, "inprocess_ms": node_in,
                                 "inprocess_median_ms": ni, "peak_rss_mb": node_mb}})
        ratio_in = ni / o
        worst = ratio_in if worst is None else min(worst, ratio_in)
        print("{:<15} {:>12.1f} {:>12.1f} {:>14.1f} {:>9.1f}x {:>11.1f}x  {} ({} lines){}".format(
            name, o, n, ni, n / o, ratio_in, "identical" if same else "DIFFER", lines,
            "  range " + repr(task_range) if task_range else ""))
    print("ratio = node whole process / ours whole process; ratio (in) = node in-process only / ours whole process")
    if launcher:
        print("peak RSS (MB): " + "; ".join("%s ours %.1f, node %.1f" % (f["task"], f["ours"]["peak_rss_mb"],
                                                                        f["peer"]["peak_rss_mb"]) for f in figures))
    common.write_json(args.json, {"benchmark": "semver", "count": args.count, "reps": args.reps,
                                  "ranges": ranges, "tasks": figures})
    if args.micro:
        print()
        res = subprocess.run([os.path.abspath(args.micro), "--file", versions, "--reps", str(args.reps),
                              "--range", ranges[0]], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        sys.stdout.write(res.stdout.decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
