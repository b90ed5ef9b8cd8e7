#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The upgrade engine against I/O errors, a full disk, a read-only root, a
broken state database and a catalog that changes under it.

Parts (each on copies of roots built from the example catalog, offline):

  inject    upgrade, rollback (config/ restore), gc and recover (of an upgrade
            killed half way), each run once under
            strace to count write, pwrite64, fsync, fdatasync, syncfs, rename,
            renameat, renameat2; then, for points spread over those calls
            (every call with --full), a run where that one call fails with
            EIO or ENOSPC (`strace -e inject=S:error=E:when=N`). After it:
            the tool exited non-zero, by no signal, with an `error:` line that
            names the operation and the cause and no crash text; the touched
            links are all old or all new; every upgrade recorded before is
            still there, as it was; after `recover` `check` passes, the
            database is sound and agrees with the links, nothing is left over;
            a rerun succeeds. Exit 0 is right only where the failed call
            loses nothing: SQLite's checkpoint at close (the committed log
            stays), its sync of the log's directory, the record of the
            database's files made after it closes, the sync of a staging
            directory being emptied, and an upgrade whose every link switched
            but whose completion could not be recorded (it warns; `recover`
            records it). A failed write of the report to stdout exits 1.
  fullfs    the root on a small tmpfs filled so that the upgrade runs out of
            space at a sweep of points (needs mount; else that part is skipped).
  readonly  a read-only root (chmod -R a-w, the tool run as nobody) and a
            read-only bind mount: a clear error, nothing changed.
  database  the state database deleted, truncated, corrupted in one page,
            replaced by garbage: every command refuses with its error code,
            no new history is created, no file changes.
  drift     a saved plan after the catalog changed (refused as drift) or an
            archive was tampered with (refused: integrity); an upgrade paused
            (strace delay_enter) at the opening of an archive or a manifest
            while the catalog and the archive are rewritten: it completes with
            the verified bytes or refuses, and never installs others.

Exit 0 when everything held, 1 on a failure (each names the part, the point
and what was wrong), 77 when strace cannot trace here.
"""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from rootkit import (DEMO_UPGRADE, DEMO_UPGRADE_CHANGES, SKIP, Failure, Snapshot, Tool,  # noqa: E402
                     build_demo_root, build_upgraded_root, check_root, copy_root, db_query,
                     describe, links, log, make_examples, make_workdir, strace_works, trace_calls, tree,
                     tree_diff, write, release_workdir)

FAULT_SYSCALLS = ["write", "pwrite64", "fsync", "fdatasync", "syncfs", "rename", "renameat", "renameat2"]
ERRNOS = ["EIO", "ENOSPC"]
# What an error line must say: the cause, in the kernel's or SQLite's words.
CAUSES = ["Input/output error", "No space left on device", "disk I/O error", "database or disk is full",
          "cannot write the output"]
# What failed, in the error's words: "cannot sync '...'", "state database: commit a transaction: ...".
OPERATION = re.compile(r"(cannot \w+|could not \w+|state database|state directory)")
ERROR_SHAPES = set()
CRASH_TEXT = ["terminate called", "what():", "Traceback", "Assertion", "Segmentation", "unexpected failure",
              "core dumped"]


def error_problems(r, causes=CAUSES, operation=True):
    """What is wrong with how a failed run reported itself."""
    problems = []
    if r.returncode < 0:
        problems.append("killed by signal %d" % -r.returncode)
    elif r.returncode == 0:
        problems.append("exited 0")
    text = r.stdout + r.stderr
    crash = [c for c in CRASH_TEXT if c in text]
    if crash:
        problems.append("crash text %s in its output" % crash)
    errors = [line for line in r.stderr.splitlines() if line.startswith("noodle-upgrade: error: ")]
    if not errors:
        problems.append("no 'noodle-upgrade: error:' line on stderr")
    else:
        if causes and not any(c in text for c in causes):
            problems.append("the error does not name the cause (%s): %s" % (" or ".join(causes), errors[0]))
        if operation and not OPERATION.search(errors[0]):
            problems.append("the error does not name the operation: %s" % errors[0])
        ERROR_SHAPES.add(re.sub(r"'[^']*'", "'...'", errors[0])[:140])
    return problems


def history(root):
    return db_query(root, "SELECT id, kind, status, started_at FROM upgrades ORDER BY id")


# ---- part 1: injected errors ------------------------------------------------

class Scenario:
    def __init__(self, name, command, base, touched, partial_ok=False):
        self.name = name
        # recover undoes change by change: stopped by a fault, it may leave
        # some undone, and the next recover finishes.
        self.partial_ok = partial_ok
        self.command = command
        self.base = base
        self.touched = touched
        self.old = Snapshot(base)
        self.old_history = history(base)
        self.new = None
        self.calls = []


def classify(sc, now):
    got = {c: now.get(c) for c in sc.touched}
    if got == {c: sc.old.links.get(c) for c in sc.touched}:
        return "old"
    if got == {c: sc.new.links.get(c) for c in sc.touched}:
        return "new"
    return None


def try_fault(tool, work, sc, syscall, n, errno, output_write, may_pass, stats):
    root = os.path.join(work, "run")
    copy_root(sc.base, root)
    r = tool.run(root, sc.command, ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + syscall,
                                    "-e", "inject=%s:error=%s:when=%d" % (syscall, errno, n)])
    after = describe(root)

    def failed(what, details=()):
        raise Failure("%s\n%s\n  exit %d, stderr: %s\n  root after the run:\n%s" % (
            what, "\n".join("  " + d for d in details), r.returncode, r.stderr.strip()[-600:], after))

    if r.returncode == 0 and may_pass:
        stats["passed: checkpoint or cleanup"] = stats.get("passed: checkpoint or cleanup", 0) + 1
        problems = []
    elif r.returncode == 0 and "could not be recorded" in r.stderr and "the next command records it" in r.stderr:
        # Every link switched, only the final record failed: done, and said so;
        # the next command's recovery records it (checked below after recover).
        stats["passed: completion recorded by recover"] = stats.get("passed: completion recorded by recover", 0) + 1
        problems = []
    else:
        problems = error_problems(r, ["cannot write the output"] if output_write else CAUSES)
    if problems:
        failed("the failed run reported itself badly", problems)
    now = links(root)
    untouched = {c: l for c, l in now.items() if c not in sc.touched}
    if untouched != {c: l for c, l in sc.old.links.items() if c not in sc.touched}:
        failed("links outside the command moved", ["%s" % untouched])
    if sc.touched:
        outcome = classify(sc, now)
        if outcome is None and sc.partial_ok and r.returncode != 0:
            outcome = "partial"
        if outcome is None:
            failed("the links are neither all old nor all new",
                   ["%s -> %s (old %s, new %s)" % (c, now.get(c), sc.old.links.get(c), sc.new.links.get(c))
                    for c in sc.touched])
    else:
        present = {(c, v) for c, vs in Snapshot(root).versions.items() for v in vs}
        old = {(c, v) for c, vs in sc.old.versions.items() for v in vs}
        new = {(c, v) for c, vs in sc.new.versions.items() for v in vs}
        if not new <= present <= old:
            failed("versions outside what gc may remove changed")
        outcome = "old" if present == old else "new" if present == new else "partial"
    if r.returncode == 0 and sc.touched and outcome != "new":
        failed("exited 0 but the links are old")
    stats[outcome] = stats.get(outcome, 0) + 1
    hist = history(root)
    lost = [h for h in sc.old_history if h not in hist and h[2] not in ("pending", "in_progress")]
    if lost:
        failed("upgrades recorded before are gone or changed", ["%s" % lost])
    unfinished = [h for h in hist if h[2] in ("pending", "in_progress")]
    if unfinished:
        stats["left_for_recover"] = stats.get("left_for_recover", 0) + 1
    ours = [h for h in hist if h[0] > sc.old.max_upgrade]
    if sc.touched and outcome == "old" and any(h[2] == "completed" for h in ours):
        failed("the links are old but the attempt is recorded as completed", ["%s" % ours])

    rec = tool.run(root, ["recover"])
    if rec.returncode != 0:
        failed("recover exited %d" % rec.returncode, rec.stderr.splitlines()[:6])
    problems = check_root(tool, root)
    if sc.touched and sc.partial_ok and links(root) != sc.new.links:
        problems.append("after recover the links are %s, expected %s" % (links(root), sc.new.links))
    if sc.touched:
        expect = sc.old if outcome == "old" and not sc.partial_ok else sc.new
        for c in sc.touched:
            got = Snapshot(root).configs.get(c)
            if got != expect.configs.get(c):
                problems.append("%s/config differs from the %s state at %s" % (
                    c, outcome, tree_diff(got, expect.configs.get(c))[:5]))
        ours = [h for h in history(root) if h[0] > sc.old.max_upgrade]
        statuses = sorted(h[2] for h in ours)
        if outcome == "new" and not sc.partial_ok and statuses.count("completed") != 1:
            problems.append("the links are new but the attempt is recorded as %s" % ours)
        if any(s not in ("completed", "failed", "rolled_back") for s in statuses):
            problems.append("the attempt is recorded as %s" % ours)
    if problems:
        failed("after the failed run and recover (outcome %s)" % outcome, problems)

    again = tool.run(root, sc.command)
    if again.returncode != 0:
        failed("the rerun without a fault exited %d" % again.returncode, again.stderr.splitlines()[:6])
    problems = check_root(tool, root)
    if sc.touched and outcome == "old" and {c: links(root).get(c) for c in sc.touched} != \
            {c: sc.new.links.get(c) for c in sc.touched}:
        problems.append("after the rerun the links are %s" % links(root))
    if not sc.touched and Snapshot(root).versions != sc.new.versions:
        problems.append("after the rerun gc left %s" % Snapshot(root).versions)
    if problems:
        failed("after the rerun", problems)


def fd_path(args):
    """The path of the first argument, a file descriptor shown by strace -y, or its number."""
    m = re.match(r"^(\d+)(?:<([^>]*)>)?", args)
    return (m.group(2) or m.group(1)) if m else args


def tolerated(name, args):
    """Whether the tool may succeed although this call failed: SQLite's checkpoint when the
    connection closes (the main database file is written only then; the committed log stays
    and the next open checkpoints it), SQLite's sync of the directory of a new log (it ignores
    its failure: not every file system can sync a directory), the record of the database's
    files written after it closes (without it the next open runs its quick_check), and the
    fsync of a staging directory being emptied."""
    path = fd_path(args)
    if path.endswith("/.noodle-upgrade/state.db") and name in ("pwrite64", "fsync", "fdatasync", "write"):
        return True
    if path.endswith("/.noodle-upgrade/state.db-checked") and name in ("pwrite64", "write"):
        return True
    if path.endswith("/.noodle-upgrade") and name == "fdatasync":
        return True
    return name in ("fsync", "fdatasync") and "/.noodle-upgrade/staging" in path


def pick_points(calls, budget, full):
    """[(syscall, n, output_write, tolerated)] spread over every syscall, at most about `budget` of them."""
    per = {}
    # SQLite's checkpoint when the connection closes begins with a sync of the
    # log after its last write; failing, it leaves the committed log for the
    # next open, as a failed write to the main file does.
    last_log_write = max([i for i, (_, name, args) in enumerate(calls)
                          if name in ("write", "pwrite64") and fd_path(args).endswith("/state.db-wal")] or [-1])
    closing = set()
    for i, (_, name, args) in enumerate(calls):
        per.setdefault(name, []).append(args)
        if i > last_log_write and name in ("fsync", "fdatasync") and fd_path(args).endswith("/state.db-wal"):
            closing.add((name, len(per[name])))
    total = sum(len(v) for v in per.values())
    stride = 1 if full else max(1, math.ceil(total / budget))
    points = []
    for name in FAULT_SYSCALLS:
        argl = per.get(name, [])
        for n in range(1, len(argl) + 1):
            if n == len(argl) or n == 1 or (n - 1) % stride == 0:
                fd = argl[n - 1].split(",", 1)[0].split("<", 1)[0]
                if name == "write" and fd == "2":
                    continue  # a failed diagnostic has nowhere to be reported
                points.append((name, n, name == "write" and fd == "1",
                               tolerated(name, argl[n - 1]) or (name, n) in closing))
    return points


def part_inject(tool, work, scenarios, budget, full, failures, report):
    for sc in scenarios:
        probe = os.path.join(work, "probe")
        copy_root(sc.base, probe)
        sc.calls = trace_calls(tool, probe, sc.command, FAULT_SYSCALLS, os.path.join(work, "count.trace"))
        if len({pid for pid, _, _ in sc.calls}) > 1:
            raise Failure("%s: several processes made the calls; the fault points assume one" % sc.name)
        sc.new = Snapshot(probe)
        shutil.rmtree(probe)
        points = pick_points(sc.calls, budget, full)
        counts = {}
        for _, name, _ in sc.calls:
            counts[name] = counts.get(name, 0) + 1
        started = time.monotonic()
        stats = {}
        tried = 0
        for i, (name, n, output_write, may_pass) in enumerate(points):
            errnos = ERRNOS if full else [ERRNOS[i % 2]]
            for errno in errnos:
                tried += 1
                try:
                    try_fault(tool, work, sc, name, n, errno, output_write, may_pass, stats)
                except Failure as e:
                    failures.append("[inject %s] %s at call %d of %s: %s" % (sc.name, errno, n, name, e))
                    log("FAIL " + failures[-1])
                    if len(failures) >= 10:
                        raise
        line = "[inject %s] `%s`: %d calls (%s); %d fault points tried: %s; %.1f s" % (
            sc.name, " ".join(sc.command), len(sc.calls), ", ".join("%s %d" % kv for kv in counts.items()),
            tried, ", ".join("%s %d" % kv for kv in sorted(stats.items())), time.monotonic() - started)
        log(line)
        report.append(line)


def build_scenarios(tool, work, base):
    upgrade = Scenario("upgrade", DEMO_UPGRADE, base, DEMO_UPGRADE_CHANGES)
    upgraded = os.path.join(work, "base-upgraded")
    build_upgraded_root(tool, base, upgraded)
    rollback = Scenario("rollback", ["rollback", "jit_compiler", "--offline", "--force"], upgraded, ["jit_compiler"])
    # An upgrade that failed at its last link switch and was rolled back
    # leaves four extracted versions nothing pins: gc --keep 0 removes them.
    undone = os.path.join(work, "base-undone")
    copy_root(base, undone)
    probe = os.path.join(work, "probe-symlink")
    copy_root(base, probe)
    last = len(trace_calls(tool, probe, upgrade.command, ["symlinkat"], os.path.join(work, "t")))
    shutil.rmtree(probe)
    r = tool.run(undone, upgrade.command, ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=symlinkat",
                                           "-e", "inject=symlinkat:error=EIO:when=%d" % last])
    if r.returncode != 1 or links(undone) != links(base):
        raise Failure("setup: the upgrade failing at its last link switch exited %d and left %s" % (
            r.returncode, links(undone)))
    gc = Scenario("gc", ["gc", "--keep", "0"], undone, [])
    # An upgrade killed after its fourth link switch (two components moved,
    # one of them twice): recover puts them back and records it.
    killed = os.path.join(work, "base-killed")
    copy_root(base, killed)
    r = tool.run(killed, upgrade.command, ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=symlinkat",
                                           "-e", "inject=symlinkat:signal=KILL:when=4"])
    if r.returncode != -9:
        raise Failure("setup: the upgrade was not killed at its fourth link switch (exit %d)" % r.returncode)
    recover = Scenario("recover", ["recover"], killed, ["runtime_core", "gc_engine", "jit_compiler", "code_assistant"],
                       partial_ok=True)
    return [upgrade, rollback, gc, recover]


# ---- part 2: a real full file system -----------------------------------------

def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def fill(path, leave):
    """Fills the file system of `path` up to `leave` free bytes."""
    filler = os.path.join(path, "filler")
    size = free_bytes(path) - leave
    with open(filler, "wb") as f:
        chunk = b"\0" * (1 << 20)
        while size > 0:
            k = min(size, len(chunk))
            f.write(chunk[:k])
            size -= k
    return filler


# permissive: the example catalog asks for gigabytes of disk, far more than the small file system has.
FULLFS_COMMAND = ["upgrade", "jit_compiler", "2.1.0", "--offline", "--validation", "permissive"]


def part_fullfs(tool, work, base, failures, report):
    mnt = os.path.join(work, "small-fs")
    os.makedirs(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs", mnt],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        line = "[fullfs] skipped: cannot mount a tmpfs here (%s)" % r.stderr.strip()
        log(line)
        report.append(line)
        return
    started = time.monotonic()
    try:
        # How much the upgrade needs: run it once with room to spare.
        root = os.path.join(mnt, "root")
        copy_root(base, root)
        before = free_bytes(mnt)
        tool.must(root, FULLFS_COMMAND)
        need = before - free_bytes(mnt)
        shutil.rmtree(root)
        # The peak (the archive's private copy, the write-ahead log) is above
        # what stays: sweep up from a full disk until the upgrade fits.
        step = 16384
        tried = 0
        leave = 0
        outcomes = {}
        while True:
            copy_root(base, root)
            filler = fill(mnt, leave)
            r = tool.run(root, FULLFS_COMMAND)
            tried += 1
            if r.returncode == 0:
                outcomes["completed"] = outcomes.get("completed", 0) + 1
                os.remove(filler)
                break
            problems = error_problems(r)
            if links(root) != links(base):
                problems.append("links changed: %s" % links(root))
            os.remove(filler)
            rec = tool.run(root, ["recover"])
            if rec.returncode != 0:
                problems.append("recover exited %d: %s" % (rec.returncode, rec.stderr.strip()))
            problems += check_root(tool, root)
            again = tool.run(root, FULLFS_COMMAND)
            if again.returncode != 0:
                problems.append("the rerun with room exited %d: %s" % (again.returncode, again.stderr.strip()))
            if problems:
                failures.append("[fullfs] %d bytes free: %s\n  stderr: %s" % (leave, "; ".join(problems),
                                                                             r.stderr.strip()[-400:]))
                log("FAIL " + failures[-1])
            outcomes[r.returncode] = outcomes.get(r.returncode, 0) + 1
            shutil.rmtree(root)
            leave += step
            if leave > 4 * 1024 * 1024:
                failures.append("[fullfs] the upgrade never succeeded, even with %d bytes free" % leave)
                break
        line = "[fullfs] tmpfs of 16 MiB, the upgrade keeps %d KiB and fits in %d KiB free: %d runs from 0 free in " \
               "steps of %d KiB, exits %s; %.1f s" % (need // 1024, (leave) // 1024, tried, step // 1024, outcomes,
                                                      time.monotonic() - started)
        log(line)
        report.append(line)
    finally:
        subprocess.run(["umount", mnt], check=False)


# ---- part 3: a read-only root -----------------------------------------------

def readers(tool, root, prefix, want, where, failures, done):
    """The reading commands on a root they cannot write: they work."""
    for command, codes in want.items():
        r = tool.run(root, [command], prefix)
        done.append("%s %s %d" % (command, where, r.returncode))
        if r.returncode not in codes:
            failures.append("[readonly] `%s` %s exited %d, expected %s: %s" % (command, where, r.returncode, codes,
                                                                             r.stderr.strip()))
            log("FAIL " + failures[-1])


def part_readonly(tool, work, base, failures, report):
    started = time.monotonic()
    done = []
    commands = [["upgrade", "jit_compiler", "2.1.0", "--offline"], ["rollback", "jit_compiler", "--offline", "--force"],
                ["gc", "--keep", "0"], ["recover"]]
    # As an unprivileged user on a tree without write permission.
    root = os.path.join(work, "ro-root")
    copy_root(base, root)
    if os.geteuid() == 0:
        prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        probe = subprocess.run(prefix + ["true"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if probe.returncode != 0:
            prefix = None
        os.chmod(work, 0o755)
    else:
        prefix = []
    if prefix is not None:
        # Readable by all, writable by none (check then sees the changed modes: exit 4 is right).
        subprocess.run(["chmod", "-R", "a+rX,a-w", root], check=True)
        before = tree(root)
        for command in commands:
            r = tool.run(root, command, prefix)
            problems = error_problems(r, ["Permission denied", "read-only", "Read-only"])
            changed = tree_diff(before, tree(root))
            if changed:
                problems.append("changed %s" % changed[:5])
            if problems:
                failures.append("[readonly] `%s` as %s: %s\n  stderr: %s" % (
                    " ".join(command), "nobody" if prefix else "this user", "; ".join(problems), r.stderr.strip()))
                log("FAIL " + failures[-1])
        readers(tool, root, prefix, {"status": [0], "history": [0], "check": [0, 4]},
                "as nobody" if prefix else "as this user", failures, done)
        subprocess.run(["chmod", "-R", "u+w", root], check=True)
        shutil.rmtree(root)
        copy_root(base, root)
    else:
        done.append("no unprivileged user")
    # A read-only bind mount (root only).
    ro = os.path.join(work, "ro-mount")
    os.makedirs(ro)
    mounted = subprocess.run(["mount", "--bind", "-o", "ro", root, ro], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE).returncode == 0
    if mounted:
        subprocess.run(["mount", "-o", "remount,ro,bind", ro], check=False)
    if mounted and not os.access(os.path.join(ro, "components"), os.W_OK):
        try:
            before = tree(root)
            for command in commands:
                r = tool.run(ro, command)
                problems = error_problems(r, ["Read-only file system", "read-only", "readonly"])
                changed = tree_diff(before, tree(root))
                if changed:
                    problems.append("changed %s" % changed[:5])
                if problems:
                    failures.append("[readonly] `%s` on a read-only mount: %s\n  stderr: %s" % (
                        " ".join(command), "; ".join(problems), r.stderr.strip()))
                    log("FAIL " + failures[-1])
            readers(tool, ro, [], {"status": [0], "history": [0], "check": [0]}, "on a read-only mount", failures,
                    done)
            done.append("read-only bind mount")
        finally:
            subprocess.run(["umount", ro], check=False)
    else:
        if mounted:
            subprocess.run(["umount", ro], check=False)
        done.append("read-only bind mount skipped (mount not permitted)")
    line = "[readonly] %d changing commands refused without a change (%s); %.1f s" % (
        len(commands) * (1 + ("read-only bind mount" in done)), ", ".join(done), time.monotonic() - started)
    log(line)
    report.append(line)


# ---- part 4: a broken state database ----------------------------------------

def part_database(tool, work, base, failures, report):
    started = time.monotonic()
    state = os.path.join(base, ".noodle-upgrade")
    size = os.path.getsize(os.path.join(state, "state.db"))

    def missing(db):
        os.remove(db)

    def truncated(db):
        with open(db, "r+b") as f:
            f.truncate(size // 2)

    def corrupt_page(db):
        # A b-tree page header of the second page rewritten: its type byte is not one SQLite knows.
        with open(db, "r+b") as f:
            f.seek(4096)
            f.write(b"\x55" * 64)

    def garbage(db):
        with open(db, "wb") as f:
            f.write(os.urandom(size))

    commands = [["upgrade", "telemetry_agent", "1.0.0", "--offline"], ["rollback", "jit_compiler", "--offline"],
                ["gc"], ["recover"], ["status"], ["history"], ["check"]]
    tried = 0
    codes = {}
    for name, damage in (("missing", missing), ("truncated", truncated), ("corrupt page", corrupt_page),
                         ("garbage", garbage)):
        root = os.path.join(work, "db-root")
        copy_root(base, root)
        db = os.path.join(root, ".noodle-upgrade", "state.db")
        for extra in ("-wal", "-shm"):
            if os.path.exists(db + extra):
                os.remove(db + extra)
        damage(db)
        before = tree(root)
        for command in commands:
            tried += 1
            r = tool.run(root, command)
            problems = error_problems(r, None)
            js = tool.run(root, ["-o", "json"] + command)
            try:
                code = json.loads(js.stdout)["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = None
                problems.append("no JSON error code on stdout: %s" % js.stdout.strip()[:200])
            if js.returncode != r.returncode:
                problems.append("exit %d with -o json, %d without" % (js.returncode, r.returncode))
            codes.setdefault(name, set()).add("%s/%d" % (code, r.returncode))
            if "state database" not in r.stderr and "state.db" not in r.stderr:
                problems.append("the error does not name the state database")
            changed = [p for p in tree_diff(before, tree(root)) if p != ".noodle-upgrade/lock"]
            if changed:
                problems.append("files changed: %s" % changed[:5])
            if problems:
                failures.append("[database %s] `%s`: %s\n  stderr: %s" % (name, " ".join(command), "; ".join(problems),
                                                                          r.stderr.strip()[-400:]))
                log("FAIL " + failures[-1])
        shutil.rmtree(root)
    line = "[database] %d refusals checked (%s); %.1f s" % (
        tried, "; ".join("%s: %s" % (k, ", ".join(sorted(v))) for k, v in codes.items()), time.monotonic() - started)
    log(line)
    report.append(line)


# ---- part 5: a catalog and archives that change ------------------------------

def flip_byte(path, offset=None):
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        i = len(data) // 2 if offset is None else offset
        data[i] ^= 0xFF
        f.seek(0)
        f.write(data)


# x86_64 numbers, as /proc/PID/syscall shows them.
SYSCALL_NUMBERS = {"openat": 257, "renameat2": 316}


def wait_paused(strace_pid, number, limit=60.0):
    """Waits until strace's tracee sits in a tracing stop at syscall `number` (the delayed call),
    seen twice 50 ms apart; False after `limit` seconds."""
    deadline = time.monotonic() + limit
    seen = 0
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/task/%d/children" % (strace_pid, strace_pid)) as f:
                children = f.read().split()
            tracee = int(children[0]) if children else None
            state = syscall = None
            if tracee:
                with open("/proc/%d/stat" % tracee) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                with open("/proc/%d/syscall" % tracee) as f:
                    syscall = f.read().split()[0]
        except (OSError, IndexError, ValueError):
            state = syscall = None
        if state == "t" and syscall == str(number):
            seen += 1
            if seen == 2:
                return True
        else:
            seen = 0
        time.sleep(0.05)
    return False


def part_drift(binary, source_dir, work, base, failures, report):
    started = time.monotonic()
    results = []

    def fresh():
        cat = os.path.join(work, "drift-catalog")
        ex = os.path.join(work, "drift-ex")
        for d in (cat, ex):
            shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(os.path.join(source_dir, "manifests"), cat)
        shutil.copytree(os.path.join(work, "ex"), ex)
        root = os.path.join(work, "drift-root")
        copy_root(base, root)
        return Tool(binary, cat, ex), root

    def expect(label, r, codes, root, ref=None):
        problems = []
        if r.returncode not in codes:
            problems.append("exited %d, expected %s" % (r.returncode, codes))
        if r.returncode != 0:
            problems += error_problems(r, None, operation=False)
            if links(root) != links(base):
                problems.append("links changed: %s" % links(root))
        elif ref is not None:
            for c in ("runtime_core", "gc_engine", "jit_compiler", "code_assistant"):
                for v in os.listdir(os.path.join(ref, "components", c, "versions")):
                    a = tree(os.path.join(ref, "components", c, "versions", v))
                    b = tree(os.path.join(root, "components", c, "versions", v))
                    if a != b:
                        problems.append("%s@%s holds bytes other than the verified archive's: %s" % (
                            c, v, tree_diff(a, b)[:3]))
        problems += check_root(tool, root)
        results.append("%s: exit %d" % (label, r.returncode))
        if problems:
            failures.append("[drift] %s: %s\n  stderr: %s" % (label, "; ".join(problems), r.stderr.strip()[-400:]))
            log("FAIL " + failures[-1])

    command = ["upgrade", "jit_compiler", "2.1.0", "--offline"]
    ref = os.path.join(work, "drift-ref")
    copy_root(base, ref)
    Tool(binary, os.path.join(source_dir, "manifests"), os.path.join(work, "ex")).must(ref, command)

    # A saved plan, then the catalog changes: refused as drift.
    tool, root = fresh()
    plan = os.path.join(work, "drift.plan")
    tool.must(root, ["plan", "jit_compiler", "2.1.0", "--offline", "--save", plan])
    path = os.path.join(tool.catalog, "gc_engine.yaml")
    write(path, open(path).read().replace("description:", "description: changed", 1))
    expect("saved plan, catalog changed", tool.run(root, ["apply", "--plan", plan, "--offline"]), [3], root)

    # A saved plan, then an archive of the plan is tampered with: refused, nothing installed.
    tool, root = fresh()
    tool.must(root, ["plan", "jit_compiler", "2.1.0", "--offline", "--save", plan])
    flip_byte(os.path.join(tool.archives, "gc_engine-1.3.0.tar.gz"))
    expect("saved plan, archive tampered", tool.run(root, ["apply", "--plan", plan, "--offline"]), [3, 4], root)

    # Paused at an open while the catalog and the archive are rewritten.
    tool, root = fresh()
    probe = os.path.join(work, "drift-probe")
    copy_root(base, probe)
    calls = trace_calls(tool, probe, command, ["openat", "renameat2"], os.path.join(work, "open.trace"))
    shutil.rmtree(probe)
    opens = [a for _, name, a in calls if name == "openat"]
    renames = [a for _, name, a in calls if name == "renameat2"]
    archive_at = [i + 1 for i, a in enumerate(opens) if "gc_engine-1.3.0.tar.gz\"" in a]
    manifest_at = [i + 1 for i, a in enumerate(opens) if "/jit_compiler.yaml\"" in a]
    # The rename into versions/ names the directory by its descriptor (strace -y: `8</.../versions>, "1.5.0"`).
    installed_at = [i + 1 for i, a in enumerate(renames) if re.search(r'runtime_core/versions(/|>, ")1\.5\.0"', a)]
    if not archive_at or not manifest_at or not installed_at:
        failures.append("[drift] the archive, the manifest or the first version was never opened or renamed: "
                        "%s %s %s" % (archive_at, manifest_at, installed_at))
        return
    # (what, syscall, call, archive tampered while paused, exits allowed)
    cases = [("paused at the archive's open", "openat", archive_at[0], "gc_engine-1.3.0", [4]),
             ("paused at the manifest's open", "openat", manifest_at[0], "gc_engine-1.3.0", [2, 3, 4]),
             # Verified and extracted already: the change under it is too late to matter.
             ("paused at the rename of a verified version", "renameat2", installed_at[0], "runtime_core-1.5.0", [0])]
    for label, syscall, when, archive, codes in cases:
        tool, root = fresh()
        proc = tool.start(root, command, ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + syscall,
                                          "-e", "inject=%s:delay_enter=2000000:when=%d" % (syscall, when)])
        if not wait_paused(proc.pid, SYSCALL_NUMBERS[syscall]):
            proc.kill()
            proc.communicate()
            failures.append("[drift] %s: the run never paused there" % label)
            continue
        # While it waits: a tampered archive under the old signature, and
        # the catalog's manifests rewritten in place.
        flip_byte(os.path.join(tool.archives, archive + ".tar.gz"))
        path = os.path.join(tool.catalog, "jit_compiler.yaml")
        write(path, open(path).read().replace("2.1.0", "2.1.1"))
        out, err = proc.communicate(timeout=120)
        r = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        expect(label, r, codes, root, ref)
    line = "[drift] %s; %.1f s" % ("; ".join(results), time.monotonic() - started)
    log(line)
    report.append(line)


# ---- main -------------------------------------------------------------------

PARTS = ["inject", "fullfs", "readonly", "database", "drift"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True, help="the built noodle-upgrade")
    ap.add_argument("--source-dir", required=True, help="the source tree (manifests/, scripts/, examples/)")
    ap.add_argument("--workdir", help="where the temporary directory goes (default /dev/shm, else the system's)")
    ap.add_argument("--parts", default=",".join(PARTS), help="comma-separated subset of " + ",".join(PARTS))
    ap.add_argument("--scenarios", default="upgrade,rollback,gc,recover",
                    help="inject: comma-separated subset of upgrade,rollback,gc,recover")
    ap.add_argument("--budget", type=int, default=80, help="fault points per scenario (spread over the calls)")
    ap.add_argument("--full", action="store_true", help="every call of every syscall, with EIO and with ENOSPC")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--show-errors", action="store_true", help="list the distinct error lines seen")
    args = ap.parse_args()

    binary = os.path.abspath(args.binary)
    source_dir = os.path.abspath(args.source_dir)
    parts = args.parts.split(",")
    started = time.monotonic()
    work = make_workdir("noodle-faults-", args.workdir)
    failures = []
    report = []
    try:
        why = strace_works(work)
        if why:
            log("SKIP: " + why)
            return SKIP
        log("work directory: %s" % work)
        tool = make_examples(binary, source_dir, os.path.join(work, "ex"))
        base = os.path.join(work, "base")
        build_demo_root(tool, base, source_dir)
        log("setup: %.1f s" % (time.monotonic() - started))
        if "inject" in parts:
            scenarios = [sc for sc in build_scenarios(tool, work, base) if sc.name in args.scenarios.split(",")]
            part_inject(tool, work, scenarios, args.budget, args.full, failures, report)
        if "fullfs" in parts:
            part_fullfs(tool, work, base, failures, report)
        if "readonly" in parts:
            part_readonly(tool, work, base, failures, report)
        if "database" in parts:
            part_database(tool, work, base, failures, report)
        if "drift" in parts:
            part_drift(binary, source_dir, work, base, failures, report)
    except Failure as e:
        if not failures or str(e) not in failures[-1]:
            failures.append(str(e))
            log("FAIL " + str(e))
    finally:
        release_workdir(work, args.keep)
    if args.show_errors:
        log("\nerror lines seen:\n  " + "\n  ".join(sorted(ERROR_SHAPES)))
    log("\n%s\ntotal %.1f s, %d failure(s)" % ("\n".join(report), time.monotonic() - started, len(failures)))
    if failures:
        log("the first:\n%s" % failures[0])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
