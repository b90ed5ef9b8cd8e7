#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Crash consistency of the upgrade engine: SIGKILL at every mutating syscall.

Builds the example archives and a root holding the demo's installed state
(examples/demo-installed.txt, installed by the tool itself, plus files in
components/jit_compiler/config/). For each scenario (a command run on a copy
of its own base root):

  upgrade   `upgrade jit_compiler 2.1.0 --offline`: one transaction of six
            steps over four components, runtime_core and gc_engine through
            a required stop;
  rollback  `rollback jit_compiler --offline` after that upgrade completed
            and config/ was edited: the config/ restore path;
  gc        `gc --keep 0` on a root where an upgrade was killed and undone,
            which left four extracted versions nothing pins.

the command is first run once under `strace -f -e trace=SET` to count, per
syscall, how often it is called (SQLite's own fsyncs and unlinks included).
Then for each syscall S and each N in 1..count(S), on a fresh `cp -a` of the
base root, the command is run under
`strace -e inject=S:signal=KILL:when=N`, which kills it on entry to its Nth
call of S (the call itself never runs), and then:

  - `noodle-upgrade recover` must exit 0;
  - the touched components' `current` links are all old or all new (the
    engine finishes a transaction only when every step completed, else it
    undoes all of it), every other link is unchanged;
  - `noodle-upgrade check` exits 0 (active versions and rollback targets
    match the digests recorded at extraction);
  - the state database passes integrity_check and foreign_key_check, has no
    upgrade left pending or in_progress, its record of the transaction agrees
    with the links, and its version floors are those of the outcome;
  - every config/ is byte for byte the one of the outcome;
  - no leftovers: staging empty, no `.current.tmp-*` or `.config.restore-*`
    in a component directory, every point directory has its row and back;
  - every extracted version directory has its extraction record;
  - rerunning the command exits 0 and leaves its expected end state.

gc touches no link and removes versions one by one, so its outcome may be
partial; its rerun must leave exactly what an uninterrupted gc leaves.

The work happens in a temporary directory (on /dev/shm when it is there: a
SIGKILL is not a power cut, so what matters is which syscalls ran, and the
page cache holds it; tmpfs keeps the thousands of fsyncs cheap), removed at
the end unless --keep.

Exit 0 when every crash point passed, 1 when one failed (each failure names
the scenario, the syscall, N, the invariant and what the root looked like
right after the kill), 77 when strace cannot trace here (CTest: skipped).
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
import time

# The syscalls that change the file system or make a change durable.
CORE_SYSCALLS = ["rename", "renameat", "renameat2", "fsync", "fdatasync", "syncfs", "unlink", "unlinkat", "rmdir",
                 "symlink", "symlinkat", "mkdir", "mkdirat"]
# --full adds the data writes (SQLite's WAL frames, extracted and copied files).
DATA_SYSCALLS = ["write", "pwrite64", "ftruncate", "copy_file_range"]

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from rootkit import (DEMO_UPGRADE, DEMO_UPGRADE_CHANGES, SKIP, Failure, Snapshot,  # noqa: E402
                     build_demo_root, build_upgraded_root, check_leftovers, check_sound_db,
                     copy_root, db_query, default_workdir, describe, log, make_examples, release_workdir,
                     strace_works, write)


# ---- scenarios --------------------------------------------------------------

class Scenario:
    """A command run on copies of `base`; `new` is the root after one uninterrupted run."""

    def __init__(self, name, command, base, touched):
        self.name = name
        self.command = command
        self.base = base
        self.touched = touched  # components whose link the command may move
        self.old = None
        self.new = None
        self.counts = {}

    # What the rerun must leave, given the outcome the crash was recovered to.
    def after_rerun(self, outcome):
        return self.new

    # The rerun's exit code, given that outcome.
    def rerun_exit(self, outcome):
        return 0


class UndoUpgradeScenario(Scenario):
    # `rollback --upgrade ID` once done is a no-op that exits 0 and changes
    # nothing; from the old state the rerun is the rollback itself.
    def rerun_exit(self, outcome):
        return 0


class RollbackScenario(Scenario):
    def after_rerun(self, outcome):
        # From the old state the rerun is the rollback; from the new state it
        # is a rollback of the rollback (the newest point holding another
        # version is the one the rollback took), which is the old state.
        return self.new if outcome == "old" else self.old


def count_syscalls(tool, work, sc, syscalls):
    root = os.path.join(work, "count-" + sc.name)
    copy_root(sc.base, root)
    trace = os.path.join(work, "count-%s.trace" % sc.name)
    started = time.monotonic()
    tool.must(root, sc.command, ["strace", "-f", "-qq", "-o", trace, "-e", "trace=" + ",".join(syscalls)])
    seconds = time.monotonic() - started
    counts = {s: 0 for s in syscalls}
    pids = set()
    with open(trace) as f:
        for line in f:
            m = re.match(r"^(\d+)\s+([a-z0-9_]+)\(", line)
            if m and m.group(2) in counts:
                counts[m.group(2)] += 1
                pids.add(m.group(1))
    if len(pids) > 1:
        # Injection counts per tracee: with several processes "the Nth call"
        # would not name one point of the run.
        raise Failure("%s: %d processes made the calls; the crash points assume one" % (sc.name, len(pids)))
    sc.old = Snapshot(sc.base)
    sc.new = Snapshot(root)
    sc.counts = counts
    shutil.rmtree(root)
    return seconds


def kill_at(tool, root, sc, syscall, n):
    r = tool.run(root, sc.command, ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + syscall,
                                    "-e", "inject=%s:signal=KILL:when=%d" % (syscall, n)])
    if r.returncode != -9:
        raise Failure("the run was not killed at call %d of %s (exit %d): the syscall sequence is not the one "
                      "counted\n%s%s" % (n, syscall, r.returncode, r.stdout, r.stderr))


def check_db(root, sc, outcome, expect):
    problems = check_sound_db(root)
    if sc.touched:
        ours = db_query(root, "SELECT id, status FROM upgrades WHERE id > %d ORDER BY id" % sc.old.max_upgrade)
        if outcome == "new":
            if len(ours) != 1 or ours[0][1] != "completed":
                problems.append("the links are new but the transaction is recorded as %s" % ours)
            else:
                ops = db_query(root, "SELECT seq, status FROM operations WHERE upgrade_id = %d" % ours[0][0])
                if any(s != "completed" for _, s in ops):
                    problems.append("the transaction completed but its operations are %s" % ops)
        else:
            if any(s == "completed" for _, s in ours):
                problems.append("the links are old but the transaction is recorded as %s" % ours)
            for uid, _ in ours:
                ops = db_query(root, "SELECT seq, status FROM operations WHERE upgrade_id = %d" % uid)
                if any(s in ("completed", "in_progress") for _, s in ops):
                    problems.append("the links are old but upgrade %d's operations are %s" % (uid, ops))
        # The audit trail tells how each finished transaction ended, one entry
        # per change, whoever finished it (the run itself or recover).
        for uid, status in ours:
            ops = db_query(root, "SELECT count(*) FROM operations WHERE upgrade_id = %d" % uid)[0][0]
            audited = db_query(root, "SELECT count(*) FROM audit WHERE upgrade_id = %d AND outcome = '%s'"
                                     % (uid, status))[0][0]
            if audited < ops:
                problems.append("upgrade %d is %s but the audit trail has %d %s entr%s for its %d change%s" % (
                    uid, status, audited, status, "y" if audited == 1 else "ies", ops, "" if ops == 1 else "s"))
    floors = dict(db_query(root, "SELECT component, version FROM floors"))
    if floors != expect.floors:
        diff = {c: (floors.get(c), expect.floors.get(c)) for c in set(floors) | set(expect.floors)
                if floors.get(c) != expect.floors.get(c)}
        problems.append("version floors (now, expected for the %s state): %s" % (outcome, diff))
    return problems


def diff_configs(now, expect):
    out = []
    for c in sorted(set(now) | set(expect)):
        if now.get(c) != expect.get(c):
            a, b = now.get(c) or {}, expect.get(c) or {}
            changed = sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))
            out.append("%s/config differs at %s" % (c, changed[:5]))
    return out


def classify(sc, snap):
    """'old' or 'new' from the touched links, or None when they are mixed."""
    links = {c: snap.links.get(c) for c in sc.touched}
    if links == {c: sc.old.links.get(c) for c in sc.touched}:
        return "old"
    if links == {c: sc.new.links.get(c) for c in sc.touched}:
        return "new"
    return None


def try_point(tool, work, sc, syscall, n):
    """Returns the outcome ('old', 'new', 'partial'); raises Failure."""
    root = os.path.join(work, "run")
    copy_root(sc.base, root)
    kill_at(tool, root, sc, syscall, n)
    crashed = describe(root)

    def failed(what, details=()):
        raise Failure("%s\n%s\n  root right after the kill:\n%s" % (what, "\n".join("  " + d for d in details),
                                                                      crashed))

    r = tool.run(root, ["recover"])
    if r.returncode != 0:
        failed("recover exited %d" % r.returncode, (r.stdout + r.stderr).splitlines())
    snap = Snapshot(root)

    untouched = {c: l for c, l in snap.links.items() if c not in sc.touched}
    if untouched != {c: l for c, l in sc.old.links.items() if c not in sc.touched}:
        failed("links outside the transaction moved", ["%s" % untouched])
    if sc.touched:
        outcome = classify(sc, snap)
        if outcome is None:
            failed("the transaction is neither all old nor all new after recover",
                   ["%s: current -> %s (old %s, new %s)" % (c, snap.links.get(c), sc.old.links.get(c),
                                                             sc.new.links.get(c)) for c in sc.touched])
        expect = sc.old if outcome == "old" else sc.new
    else:
        present = {(c, v) for c, vs in snap.versions.items() for v in vs}
        old = {(c, v) for c, vs in sc.old.versions.items() for v in vs}
        new = {(c, v) for c, vs in sc.new.versions.items() for v in vs}
        if not new <= present <= old:
            failed("versions outside what gc may remove changed", ["missing %s, unexpected %s" %
                                                                    (sorted(new - present), sorted(present - old))])
        outcome = "old" if present == old else "new" if present == new else "partial"
        expect = sc.old

    r = tool.run(root, ["check"])
    if r.returncode != 0:
        failed("check exited %d" % r.returncode, (r.stdout + r.stderr).splitlines()[:12])
    problems = check_db(root, sc, outcome, expect)
    problems += diff_configs(snap.configs, expect.configs)
    problems += check_leftovers(root)
    if problems:
        failed("after recover (outcome %s)" % outcome, problems)

    r = tool.run(root, sc.command)
    if r.returncode != sc.rerun_exit(outcome):
        failed("the rerun exited %d, expected %d" % (r.returncode, sc.rerun_exit(outcome)),
               (r.stdout + r.stderr).splitlines()[:12])
    end = Snapshot(root)
    want = sc.after_rerun(outcome)
    problems = []
    if end.links != want.links:
        problems.append("links after the rerun: %s, expected %s" % (
            {c: l for c, l in end.links.items() if want.links.get(c) != l},
            {c: l for c, l in want.links.items() if end.links.get(c) != l}))
    problems += diff_configs(end.configs, want.configs)
    if end.versions != want.versions:
        problems.append("versions after the rerun: %s, expected %s" % (
            {c: v for c, v in end.versions.items() if want.versions.get(c) != v},
            {c: v for c, v in want.versions.items() if end.versions.get(c) != v}))
    if end.records != want.records:
        problems.append("extraction records after the rerun: extra %s, missing %s" % (
            sorted(end.records - want.records), sorted(want.records - end.records)))
    if end.floors != want.floors:
        problems.append("version floors after the rerun: %s, expected %s" % (end.floors, want.floors))
    r = tool.run(root, ["check"])
    if r.returncode != 0:
        problems.append("check after the rerun exited %d: %s" % (r.returncode, r.stdout.strip()[-300:]))
    problems += check_leftovers(root)
    if problems:
        failed("after the rerun (outcome %s)" % outcome, problems)
    return outcome


# ---- setup ------------------------------------------------------------------

def build_roots(tool, work, source_dir, syscalls):
    base = os.path.join(work, "base")
    build_demo_root(tool, base, source_dir)

    upgrade = Scenario("upgrade", DEMO_UPGRADE, base, DEMO_UPGRADE_CHANGES)

    # After a completed upgrade the operator edits config/; the rollback
    # brings back the copy taken before the upgrade.
    upgraded = os.path.join(work, "base-upgraded")
    build_upgraded_root(tool, base, upgraded)
    # --force: jit_compiler 1.4.0 alone on the 2.x runtime breaks its
    # dependency ranges; this scenario is about the files, not the catalog.
    rollback = RollbackScenario("rollback", ["rollback", "jit_compiler", "--offline", "--force"], upgraded,
                                ["jit_compiler"])
    # The whole upgrade undone: four components, config/ restored, in reverse.
    upgrade_id = db_query(upgraded, "SELECT max(id) FROM upgrades")[0][0]
    undo = UndoUpgradeScenario("rollback-upgrade", ["rollback", "--upgrade", str(upgrade_id), "--offline"], upgraded,
                               ["runtime_core", "gc_engine", "jit_compiler", "code_assistant"])

    # The upgrade killed at its last link switch and undone leaves four
    # extracted versions no rollback point pins: gc --keep 0 removes them.
    trace = os.path.join(work, "symlinkat.trace")
    probe = os.path.join(work, "base-probe")
    copy_root(base, probe)
    tool.must(probe, upgrade.command, ["strace", "-f", "-qq", "-o", trace, "-e", "trace=symlinkat"])
    last = sum(1 for line in open(trace) if "symlinkat(" in line)
    shutil.rmtree(probe)
    undone = os.path.join(work, "base-undone")
    copy_root(base, undone)
    kill_at(tool, undone, upgrade, "symlinkat", last)
    tool.must(undone, ["recover"])
    gc = Scenario("gc", ["gc", "--keep", "0"], undone, [])
    return [upgrade, rollback, undo, gc]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True, help="the built noodle-upgrade")
    ap.add_argument("--source-dir", required=True, help="the source tree (manifests/, scripts/, examples/)")
    ap.add_argument("--workdir", help="where the temporary directory goes (default /dev/shm, else the system's)")
    ap.add_argument("--full", action="store_true", help="also crash at the data writes: " + ", ".join(DATA_SYSCALLS))
    ap.add_argument("--syscalls", help="comma-separated: only these syscalls (default: %s)" % ",".join(CORE_SYSCALLS))
    ap.add_argument("--scenarios", default="upgrade,rollback,rollback-upgrade,gc",
                    help="comma-separated subset of upgrade,rollback,rollback-upgrade,gc")
    ap.add_argument("--stride", type=int, default=1, help="try every Kth crash point only (first and last always)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--max-failures", type=int, default=10, help="stop after this many failing crash points")
    args = ap.parse_args()

    binary = os.path.abspath(args.binary)
    source_dir = os.path.abspath(args.source_dir)
    syscalls = args.syscalls.split(",") if args.syscalls else CORE_SYSCALLS + (DATA_SYSCALLS if args.full else [])
    wanted = args.scenarios.split(",")
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="noodle-crash-", dir=args.workdir or default_workdir())
    failures = []
    try:
        why = strace_works(work)
        if why:
            log("SKIP: " + why)
            return SKIP
        log("work directory: %s" % work)
        tool = make_examples(binary, source_dir, os.path.join(work, "ex"))
        scenarios = [sc for sc in build_roots(tool, work, source_dir, syscalls) if sc.name in wanted]
        log("setup: %.1f s" % (time.monotonic() - started))

        total = {"tried": 0, "old": 0, "new": 0, "partial": 0, "skipped": 0}
        for sc in scenarios:
            seconds = count_syscalls(tool, work, sc, syscalls)
            log("\n[%s] `%s`: %d crash points (%s), an uninterrupted run under strace takes %.2f s" % (
                sc.name, " ".join(sc.command), sum(sc.counts.values()),
                ", ".join("%s %d" % (s, c) for s, c in sc.counts.items() if c), seconds))
            sc_started = time.monotonic()
            for syscall in syscalls:
                count = sc.counts[syscall]
                if count == 0:
                    continue
                points = [n for n in range(1, count + 1) if n == count or (n - 1) % args.stride == 0]
                tally = {"old": 0, "new": 0, "partial": 0}
                for n in points:
                    try:
                        tally[try_point(tool, work, sc, syscall, n)] += 1
                    except Failure as e:
                        failures.append("[%s] SIGKILL before call %d of %s: %s" % (sc.name, n, syscall, e))
                        log("FAIL " + failures[-1])
                        if len(failures) >= args.max_failures:
                            raise
                total["tried"] += len(points)
                total["skipped"] += count - len(points)
                for k, v in tally.items():
                    total[k] += v
                log("  %-16s %4d of %4d points: %3d old, %3d new%s" % (
                    syscall, len(points), count, tally["old"], tally["new"],
                    ", %d partial" % tally["partial"] if tally["partial"] else ""))
            log("  %.1f s" % (time.monotonic() - sc_started))
        log("\ntotal: %d crash points tried (%d skipped by --stride), %d ended old, %d new, %d partial (gc); "
            "%d failed; %.1f s" % (total["tried"], total["skipped"], total["old"], total["new"], total["partial"],
                                   len(failures), time.monotonic() - started))
    except Failure as e:
        if not failures or str(e) not in failures[-1]:
            failures.append(str(e))
            log("FAIL " + str(e))
        log("stopped after %d failure(s)" % len(failures))
    finally:
        release_workdir(work, args.keep)
    if failures:
        log("\n%d crash point(s) failed; the first:\n%s" % (len(failures), failures[0]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
