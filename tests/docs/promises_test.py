#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The README's table of promises names only tests that exist.

Every "quoted" name in the table must be a Catch2 test case (a name ending
in "..." stands for every case that starts with it), and every `snake_case`
name a CTest test, both as `ctest -N` lists them in the build directory. A
renamed or deleted test then fails here instead of leaving the table stale.

Usage: promises_test.py --source-dir DIR --build-dir DIR
"""

import argparse
import os
import re
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--build-dir", required=True)
    args = ap.parse_args()
    src = args.source_dir
    readme = open(os.path.join(src, "README.md"), encoding="utf-8").read()
    m = re.search(r"^## What it promises.*?\n(.*?)^## ", readme, re.S | re.M)
    if not m:
        sys.exit("README.md has no '## What it promises' section")
    rows = [l for l in m.group(1).splitlines() if l.startswith("| **")]
    if len(rows) < 5:
        sys.exit("the promises table has %d rows, expected at least 5" % len(rows))

    # The tests as CTest knows them: the Catch2 cases are discovered into it.
    listed = subprocess.run(["ctest", "-N", "--test-dir", args.build_dir], stdout=subprocess.PIPE, text=True,
                            check=True).stdout
    names = set(re.findall(r"^\s*Test\s+#\d+: (.*)$", listed, re.M))
    if len(names) < 100:
        sys.exit("ctest -N in %s lists %d tests; is it the build directory?" % (args.build_dir, len(names)))
    cases = ctest = names

    problems = []
    for row in rows:
        proof = row.rstrip("|").rsplit("|", 1)[-1]
        named = 0
        for quoted in re.findall(r'"([^"]+)"', proof):
            named += 1
            quoted = quoted.replace("\\", "")
            if quoted.endswith("..."):
                stem = quoted[:-3].rstrip()
                if not any(c.startswith(stem) for c in cases):
                    problems.append("no test case starts with %r" % stem)
            elif quoted not in cases:
                problems.append("no test case named %r" % quoted)
        for ticked in re.findall(r"`([a-z0-9_]+)`", proof):
            if "_" not in ticked:
                continue
            named += 1
            if ticked not in ctest:
                problems.append("no CTest test named %r" % ticked)
        if named == 0:
            problems.append("a promise names no test: %s" % row[:60])
    for p in problems:
        print("promises table: " + p, file=sys.stderr)
    print("promises table: %d rows, %d problems" % (len(rows), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
