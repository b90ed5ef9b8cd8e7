#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What each commit records is on disk before the commit: the power-cut half of crash consistency.

The SIGKILL test (crash_consistency.py) proves that every prefix of the engine's syscalls is recoverable. A
power cut also loses what was written but never synced, which a SIGKILL never does (the page cache keeps it).
This test runs each command once under `strace -f -y` and replays its calls against a model of what a power
cut keeps:

  - a directory's entries (mkdir, rename, unlink, rmdir, symlink, link, a file created by open) are kept once
    that directory is fsynced (or fdatasynced) after the change;
  - a file's data and attributes (write, pwrite, ftruncate, copy_file_range, fchmod, fchown, xattrs) once the
    file is fsynced;
  - syncfs keeps everything on the file system (the test's root is on one);
  - a commit of the state database is an fsync or fdatasync of its log (state.db-wal). SQLite syncs its own
    files (the log, the database, their directory) by its own protocol, which this model leaves to it.

At every commit and when the process ends, nothing the root keeps may be unsynced, except scratch, which
`recover` removes or rebuilds whatever a power cut leaves of it:

  - anything under .noodle-upgrade/staging/ (extraction work directories);
  - .noodle-upgrade/points/.tmp-* (a rollback point's copy before its final name);
  - .current.tmp-* and .config.restore-* in a component directory (a link or config/ before its swap);
  - .noodle-upgrade/steering/ (a running rollout's steering requests and progress, removed when it ends);
  - .noodle-upgrade/state.db-checked (the record of the database's last check: when lost or stale, the next
    open checks the database again).

So a power cut after a commit finds on disk everything that commit names (a version directory before its
extraction record is relied on, a rollback point's copy before its row, a moved `current` before the step
is recorded completed). Scenarios: the demo upgrade offline (six steps over four components), a rollback that
restores config/, gc, and a live upgrade against the demo runtime.

Exit 0 when every scenario keeps the rule, 1 when one breaks it (naming the commit, the syscall before it and
each unsynced path), 77 when strace cannot trace here.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import rootkit  # noqa: E402
from rootkit import (DEMO_UPGRADE, SKIP, Failure, build_demo_root, build_upgraded_root, copy_root,  # noqa: E402
                     log, make_examples, strace_works)

ENTRY_CALLS = ["mkdir", "mkdirat", "rename", "renameat", "renameat2", "unlink", "unlinkat", "rmdir", "symlink",
               "symlinkat", "link", "linkat", "open", "openat", "openat2", "creat"]
DATA_CALLS = ["write", "pwrite64", "writev", "pwritev", "pwritev2", "ftruncate", "fallocate", "copy_file_range",
              "fchmod", "fchown", "fsetxattr", "utimensat"]
SYNC_CALLS = ["fsync", "fdatasync", "syncfs"]

SQLITE_FILES = ("state.db", "state.db-wal", "state.db-shm", "state.db-journal")

# "<fd or AT_FDCWD><path>" as strace -y shows a descriptor.
FD = r'(?:AT_FDCWD|-?\d+)<([^>]*)>'
STR = r'"((?:[^"\\]|\\.)*)"'


def scratch_reason(rel):
    """Why a change at `rel` (relative to the root) may be lost to a power cut, or None."""
    parts = rel.split("/")
    if rel.startswith(".noodle-upgrade/staging/"):
        return "staging"
    if rel == ".noodle-upgrade/steering" or rel.startswith(".noodle-upgrade/steering/"):
        return "steering"
    if rel == ".noodle-upgrade/state.db-checked":
        return "check record"
    if rel == ".noodle-upgrade/lock":
        return "the lock holder's note (the lock is flock(2), which ends with the process anyway)"
    if len(parts) >= 3 and parts[:2] == [".noodle-upgrade", "points"] and parts[2].startswith(".tmp-"):
        return "point copy under its temporary name"
    if len(parts) >= 3 and parts[0] == "components" and (parts[2].startswith(".current.tmp-")
                                                        or parts[2].startswith(".config.restore-")):
        return "link or config/ before its swap"
    return None


class Model:
    """The calls of one run replayed: which changes a power cut would lose."""

    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.dirty_entries = {}  # directory -> {name: the call that changed it}
        self.dirty_files = {}    # file -> the call that changed it
        self.exists = set()
        for top, dirs, files in os.walk(self.root):
            for name in dirs + files:
                self.exists.add(os.path.join(top, name))
        self.commits = 0
        self.violations = []

    def inside(self, path):
        return path == self.root or path.startswith(self.root + "/")

    def rel(self, path):
        return os.path.relpath(path, self.root)

    def sqlite_file(self, path):
        return os.path.dirname(path) == os.path.join(self.root, ".noodle-upgrade") and \
            os.path.basename(path) in SQLITE_FILES

    def entry_changed(self, path, call):
        path = os.path.normpath(path)
        if not self.inside(path) or path == self.root or self.sqlite_file(path):
            return
        self.dirty_entries.setdefault(os.path.dirname(path), {})[os.path.basename(path)] = call

    def data_changed(self, path, call):
        if self.inside(path) and not self.sqlite_file(path) and os.path.isabs(path):
            self.dirty_files[path] = call

    def moved(self, old, new):
        """A rename of a directory carries the unsynced state beneath it."""
        def carry(p):
            return new + p[len(old):] if p == old or p.startswith(old + "/") else p
        self.dirty_entries = {carry(d): e for d, e in self.dirty_entries.items()}
        self.dirty_files = {carry(f): c for f, c in self.dirty_files.items()}
        self.exists = {carry(p) for p in self.exists}

    def forget(self, path):
        def beneath(p):
            return p == path or p.startswith(path + "/")
        self.dirty_entries = {d: e for d, e in self.dirty_entries.items() if not beneath(d)}
        self.dirty_files = {f: c for f, c in self.dirty_files.items() if not beneath(f)}
        self.exists = {p for p in self.exists if not beneath(p)}

    def synced(self, path):
        self.dirty_entries.pop(path, None)
        self.dirty_files.pop(path, None)

    def check(self, where):
        lost = []
        for d, entries in sorted(self.dirty_entries.items()):
            for name, call in sorted(entries.items()):
                rel = self.rel(os.path.join(d, name))
                if scratch_reason(rel) is None:
                    lost.append("the entry %s (in %s, not synced since: %s)" % (rel, self.rel(d), call))
        for f, call in sorted(self.dirty_files.items()):
            rel = self.rel(f)
            if scratch_reason(rel) is None:
                lost.append("the data of %s (not synced since: %s)" % (rel, call))
        if lost:
            self.violations.append("%s, a power cut loses: %s" % (where, "; ".join(lost)))

    def feed(self, name, args, ret, line):
        call = line.strip()[:200]
        fds = re.findall(FD, args)
        if name in ("fsync", "fdatasync"):
            if not fds:
                return
            path = fds[0]
            self.synced(path)
            if os.path.basename(path) == "state.db-wal" and self.inside(path):
                self.commits += 1
                self.check("at commit %d (%s)" % (self.commits, call))
            return
        if name == "syncfs":
            self.dirty_entries.clear()
            self.dirty_files.clear()
            return
        if ret.startswith("-1") or ret.startswith("?"):
            return  # failed or unfinished: changed nothing
        if name in DATA_CALLS:
            if name == "utimensat":
                m = re.match(FD + r', (?:NULL|' + STR + ')', args)
                if m and m.group(2) and "AT_SYMLINK_NOFOLLOW" in args:
                    # A symlink's own times: no program can fsync a symlink,
                    # so its directory's fsync is what keeps them.
                    self.entry_changed(os.path.join(m.group(1), m.group(2)), call)
                elif m:
                    self.data_changed(os.path.join(m.group(1), m.group(2)) if m.group(2) else m.group(1), call)
                return
            if fds:
                self.data_changed(fds[-1] if name == "copy_file_range" else fds[0], call)
            return
        paths = []  # (directory, name) pairs of the call, in argument order
        for m in re.finditer(r'(?:' + FD + r', )?' + STR, args):
            base, text = m.group(1), m.group(2)
            if text.startswith("/"):
                paths.append(os.path.normpath(text))
            elif base is not None:
                paths.append(os.path.normpath(os.path.join(base, text)))
        if name in ("open", "openat", "openat2", "creat"):
            created = name == "creat" or "O_CREAT" in args
            ret_path = re.match(r'\d+<([^>]*)>', ret)
            if created and ret_path and os.path.isabs(ret_path.group(1)):
                path = ret_path.group(1)
                if path not in self.exists:
                    self.exists.add(path)
                    self.entry_changed(path, call)
                if "O_TRUNC" in args:
                    self.data_changed(path, call)
            return
        if name in ("mkdir", "mkdirat") and paths:
            self.exists.add(paths[0])
            self.entry_changed(paths[0], call)
        elif name in ("unlink", "unlinkat", "rmdir") and paths:
            # Once the removal is kept, nothing beneath the name matters.
            self.forget(paths[0])
            self.entry_changed(paths[0], call)
        elif name in ("symlink", "symlinkat", "link", "linkat") and paths:
            self.exists.add(paths[-1])  # the new name is the last path of the call
            self.entry_changed(paths[-1], call)
        elif name in ("rename", "renameat", "renameat2") and len(paths) >= 2:
            old, new = paths[0], paths[1]
            self.entry_changed(old, call)
            self.entry_changed(new, call)
            if "RENAME_EXCHANGE" not in args:
                self.moved(old, new)
                self.exists.discard(old)
                self.exists.add(new)


def replay(root, trace, what):
    model = Model(root)
    with open(trace) as f:
        for line in f:
            m = re.match(r'^(\d+)\s+([a-z0-9_]+)\((.*)\)\s+=\s+(.*)$', line)
            if m:
                model.feed(m.group(2), m.group(3), m.group(4), line)
    model.check("when the process ended")
    return model


def traced(tool, root, command, trace, what):
    syscalls = ENTRY_CALLS + DATA_CALLS + SYNC_CALLS
    tool.must(root, command, ["strace", "-f", "-qq", "-y", "-s", "256", "-o", trace, "-e",
                              "trace=" + ",".join(syscalls)])
    model = replay(root, trace, what)
    if model.commits == 0:
        raise Failure("%s: no commit of the state database was seen; the trace is not what this test reads" % what)
    log("%-28s %3d syncs of the state database's log, %s" % (what, model.commits,
                                   "every change synced before its commit" if not model.violations
                                   else "%d unsynced" % len(model.violations)))
    return ["%s: %s" % (what, v) for v in model.violations]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True, help="the built noodle-upgrade")
    ap.add_argument("--demo-runtime", help="the built noodle-demo-runtime (the live scenario)")
    ap.add_argument("--source-dir", required=True, help="the source tree (manifests/, scripts/, tests/data/)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    source_dir = os.path.abspath(args.source_dir)
    # On the disk, not tmpfs: the model is the same, but so is the file system the tool runs on.
    work = rootkit.make_workdir("noodle-power-cut-", parent=os.environ.get("TMPDIR") or "/tmp")
    problems = []
    try:
        why = strace_works(work)
        if why:
            log("SKIP: " + why)
            return SKIP
        tool = make_examples(binary, source_dir, os.path.join(work, "ex"))
        base = os.path.join(work, "base")
        build_demo_root(tool, base, source_dir)

        root = os.path.join(work, "upgrade")
        copy_root(base, root)
        problems += traced(tool, root, DEMO_UPGRADE, os.path.join(work, "upgrade.trace"), "upgrade (offline)")

        upgraded = os.path.join(work, "rollback")
        build_upgraded_root(tool, base, upgraded)
        problems += traced(tool, upgraded, ["rollback", "jit_compiler", "--offline", "--force"],
                           os.path.join(work, "rollback.trace"), "rollback restoring config/")
        # The upgrade killed at its last link switch and recovered leaves four
        # extracted versions that nothing pins, for gc to remove.
        collected = os.path.join(work, "gc")
        copy_root(base, collected)
        probe = os.path.join(work, "symlinkat.trace")
        copy_root(base, os.path.join(work, "probe"))
        tool.must(os.path.join(work, "probe"), DEMO_UPGRADE, ["strace", "-f", "-qq", "-o", probe, "-e",
                                                              "trace=symlinkat"])
        last = sum(1 for line in open(probe) if "symlinkat(" in line)
        killed = tool.run(collected, DEMO_UPGRADE, ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=symlinkat",
                                                    "-e", "inject=symlinkat:signal=KILL:when=%d" % last])
        if killed.returncode != -9:
            raise Failure("the upgrade was not killed at its last link switch (exit %d)" % killed.returncode)
        tool.must(collected, ["recover"])
        problems += traced(tool, collected, ["gc", "--keep", "0"], os.path.join(work, "gc.trace"), "gc --keep 0")

        if args.demo_runtime:
            catalog = os.path.join(source_dir, "tests", "data", "live-catalog")
            live = make_examples(binary, source_dir, os.path.join(work, "ex-live"), catalog=catalog)
            root = os.path.join(work, "live")
            live.must(root, ["upgrade", "svc", "1.0.0", "--offline"])
            with rootkit.DemoRuntime(os.path.abspath(args.demo_runtime), root):
                problems += traced(live, root, ["upgrade", "svc", "1.1.0", "--strategy", "immediate"],
                                   os.path.join(work, "live.trace"), "live upgrade (immediate)")
        for p in problems:
            log("FAIL " + p)
        if problems:
            return 1
        log("ok: every commit found what it records on disk")
        return 0
    except Failure as e:
        log("FAIL " + str(e))
        return 1
    finally:
        rootkit.release_workdir(work, args.keep)


if __name__ == "__main__":
    sys.exit(main())
