#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/report --quick against an existing build writes every section of
the report with figures in each benchmark's table, and leaves README.md
alone. Exit 77 (skipped) without node and npm semver, the semver peer.

Usage: report_quick_test.py BUILD_DIR"""

import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECTIONS = ["## Machine", "## Commands", "## Summary", "## semver:", "## graph:", "## catalog:", "## archive:", "## upgrade:",
            "## live:", "## Where we are not yet ahead", "## Run"]


def main():
    build = os.path.abspath(sys.argv[1])
    semver = os.path.join(ROOT, "tests", "conformance", "node_modules", "semver", "package.json")
    if subprocess.run(["sh", "-c", "command -v node"], stdout=subprocess.DEVNULL).returncode != 0 or \
            not os.path.exists(semver):
        print("skipped: node and npm semver are needed (npm ci --prefix tests/conformance)")
        return 77
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        out = os.path.join(tmp, "BENCHMARKS.md")
        r = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "report"), "--quick", "--no-build",
                            "--build-dir", build, "--out", out, "--work", os.path.join(tmp, "work")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            print(r.stdout)
            print("bench/report exited %d" % r.returncode)
            return 1
        with open(out) as f:
            text = f.read()
    failures = [s for s in SECTIONS if s not in text]
    if "**Failed:**" in text:
        failures.append("a benchmark failed")
    # Every benchmark section has a table with at least one figure in ms.
    for part in text.split("\n## ")[4:10]:
        if "| measure |" not in part or " ms |" not in part:
            failures.append("no figures under '%s'" % part.splitlines()[0])
    # A live end to end row behind its target says what bounds it, from the
    # floors bench/live/run.py measured beside it.
    behind = text.split("## Where we are not yet ahead", 1)[-1]
    for line in behind.splitlines():
        if line.startswith("- live, live upgrade") and "the disk adds" not in line:
            failures.append("the live row behind its target does not say why: " + line)
        if line.startswith("- live, the same end to end with the root on tmpfs") and "start-up" not in line:
            failures.append("the tmpfs live row behind its target does not say why: " + line)
    with open(os.path.join(ROOT, "README.md")) as f:
        if f.read() != readme:
            failures.append("README.md was changed by a run with --out elsewhere")
    for f in failures:
        print("FAIL: " + f)
    if failures:
        print(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
