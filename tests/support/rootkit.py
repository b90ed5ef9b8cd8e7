# SPDX-License-Identifier: Apache-2.0
"""Shared helpers of the tests that drive the built binary against a runtime root.

The crash (tests/crash), fault (tests/faults) and load (tests/load) tests use
them: running the tool, building the demo root from the example catalog,
signing archives, and the invariants every root must keep (links, `check`,
the state database's soundness and its agreement with the links).
"""

import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile

SKIP = 77
STEP_TIMEOUT = 120  # seconds for one command; a hang is a failure, not a stuck CI job


class Failure(Exception):
    pass


def log(msg):
    print(msg, flush=True)


# ---- the tool ---------------------------------------------------------------

class Tool:
    def __init__(self, binary, catalog, examples):
        self.binary = binary
        self.catalog = catalog
        self.keyring = os.path.join(examples, "keyring")
        self.archives = os.path.join(examples, "archives")

    def argv(self, root, command):
        return [self.binary, "--root", root, "--catalog", self.catalog, "--keyring", self.keyring,
                "--archives", self.archives] + list(command)

    @staticmethod
    def env(prefix):
        """The environment of a run: under strace (a ptrace tracer) LeakSanitizer cannot work, so a
        sanitizer build's leak check is turned off for that run only."""
        env = dict(os.environ)
        if prefix and os.path.basename(prefix[0]) == "strace":
            env["ASAN_OPTIONS"] = ":".join(o for o in (env.get("ASAN_OPTIONS", ""), "detect_leaks=0") if o)
        return env

    def run(self, root, command, prefix=(), timeout=STEP_TIMEOUT):
        try:
            return subprocess.run(list(prefix) + self.argv(root, command), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, timeout=timeout, env=self.env(prefix))
        except subprocess.TimeoutExpired:
            raise Failure("'%s' did not finish within %d s" % (" ".join(command), timeout))

    def start(self, root, command, prefix=()):
        return subprocess.Popen(list(prefix) + self.argv(root, command), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env(prefix))

    def must(self, root, command, prefix=()):
        r = self.run(root, command, prefix)
        if r.returncode != 0:
            raise Failure("'%s' exited %d\n%s%s" % (" ".join(command), r.returncode, r.stdout, r.stderr))
        return r


def make_examples(binary, source_dir, out, catalog=None, jobs=1):
    """Signs every version of `catalog` (default: the source tree's manifests/) into OUT/{archives,keyring};
    returns the Tool that runs the binary over that catalog, keyring and archives."""
    catalog = catalog or os.path.join(source_dir, "manifests")
    subprocess.run([sys.executable, os.path.join(source_dir, "scripts", "make-example-archives"),
                    "--binary", binary, "--catalog", catalog, "--out", out, "--jobs", str(jobs)],
                   check=True, stdout=subprocess.DEVNULL)
    return Tool(binary, catalog, out)


def copy_root(src, dst):
    if os.path.lexists(dst):
        shutil.rmtree(dst)
    subprocess.run(["cp", "-a", src, dst], check=True)


def make_workdir(prefix, parent=None):
    return tempfile.mkdtemp(prefix=prefix, dir=parent or default_workdir())


def release_workdir(work, keep):
    """Removes a test's temporary directory, or says where it is when the test was asked to --keep it."""
    if keep:
        log("kept %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)


def default_workdir():
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return None  # tempfile's default


# ---- what a root looks like -------------------------------------------------

def tree(path):
    """relative path -> (kind, mode, content) for everything under `path`, no symlink followed."""
    out = {}
    if not os.path.lexists(path):
        return None
    for dirpath, dirnames, filenames in os.walk(path):
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, path)
            st = os.lstat(full)
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", None, os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", mode, None)
            else:
                with open(full, "rb") as f:
                    out[rel] = ("file", mode, f.read())
    return out


def tree_diff(a, b):
    """Paths whose kind, mode or content differ between two `tree` results."""
    a, b = a or {}, b or {}
    return sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))


def components(root):
    d = os.path.join(root, "components")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def link_of(root, component):
    path = os.path.join(root, "components", component, "current")
    return os.readlink(path) if os.path.islink(path) else (None if not os.path.lexists(path) else "<not a symlink>")


def links(root):
    return {c: link_of(root, c) for c in components(root)}


def versions_of(root, component):
    d = os.path.join(root, "components", component, "versions")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def database(root):
    return os.path.join(root, ".noodle-upgrade", "state.db")


def db_query(root, sql):
    con = sqlite3.connect("file:%s?mode=ro" % database(root), uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


class Snapshot:
    """The parts of a root the invariants compare."""

    def __init__(self, root):
        self.links = links(root)
        self.configs = {c: tree(os.path.join(root, "components", c, "config")) for c in components(root)}
        self.versions = {c: versions_of(root, c) for c in components(root)}
        self.floors = dict(db_query(root, "SELECT component, version FROM floors"))
        self.records = set(db_query(root, "SELECT component, version FROM file_records"))
        self.max_upgrade = db_query(root, "SELECT coalesce(max(id), 0) FROM upgrades")[0][0]


def describe(root):
    """What the root looks like, for a failure message."""
    lines = []
    for c in components(root):
        d = os.path.join(root, "components", c)
        extra = sorted(n for n in os.listdir(d) if n not in ("current", "config", "versions"))
        lines.append("  %s: current -> %s; versions %s%s" % (c, link_of(root, c), versions_of(root, c),
                                                              "; also %s" % extra if extra else ""))
    staging = os.path.join(root, ".noodle-upgrade", "staging")
    if os.path.isdir(staging) and os.listdir(staging):
        lines.append("  staging: %s" % sorted(os.listdir(staging)))
    points = os.path.join(root, ".noodle-upgrade", "points")
    if os.path.isdir(points):
        lines.append("  point dirs: %s" % sorted(os.listdir(points), key=lambda n: (len(n), n)))
    try:
        for row in db_query(root, "SELECT id, kind, status FROM upgrades ORDER BY id DESC LIMIT 2"):
            ops = db_query(root, "SELECT seq, component, coalesce(from_version, '-'), to_version, status, "
                                 "coalesce(point_id, '-') FROM operations WHERE upgrade_id = %d ORDER BY seq" % row[0])
            lines.append("  db upgrade %s %s %s: %s" % (row[0], row[1], row[2],
                                                         "; ".join("%s %s %s->%s %s pt %s" % o for o in ops)))
    except sqlite3.Error as e:
        lines.append("  db unreadable: %s" % e)
    return "\n".join(lines)


# ---- invariants ---------------------------------------------------------------

def check_sound_db(root):
    """integrity_check, foreign_key_check, nothing left pending or in progress."""
    problems = []
    rows = db_query(root, "PRAGMA integrity_check")
    if rows != [("ok",)]:
        problems.append("integrity_check: %s" % rows[:5])
    rows = db_query(root, "PRAGMA foreign_key_check")
    if rows:
        problems.append("foreign_key_check: %s" % rows[:5])
    rows = db_query(root, "SELECT id, kind, status FROM upgrades WHERE status IN ('pending', 'in_progress')")
    if rows:
        problems.append("upgrades left unfinished: %s" % rows)
    # Rolled back in its own run (a step failed): no step may stay recorded as done.
    rows = db_query(root, "SELECT u.id, u.status, group_concat(o.component || ' ' || o.status, ', ') FROM upgrades u "
                          "JOIN operations o ON o.upgrade_id = u.id WHERE u.status IN ('rolled_back', 'cancelled') "
                          "AND EXISTS (SELECT 1 FROM operations f WHERE f.upgrade_id = u.id AND f.status = 'failed') "
                          "GROUP BY u.id HAVING sum(o.status IN ('completed', 'in_progress')) > 0")
    if rows:
        problems.append("rolled back, but steps still recorded as done: %s" % rows)
    return problems


def check_links_agree(root):
    """Every component's `current` is the version its newest completed change in the database went to."""
    problems = []
    last = {}
    for comp, to in db_query(root, "SELECT o.component, o.to_version FROM operations o JOIN upgrades u "
                                   "ON u.id = o.upgrade_id WHERE u.status = 'completed' AND o.status = 'completed' "
                                   "ORDER BY u.id, o.seq"):
        last[comp] = to
    now = links(root)
    for comp in sorted(set(last) | set(now)):
        want = "versions/%s" % last[comp] if comp in last else None
        if now.get(comp) != want:
            problems.append("%s: current -> %s but the database's last completed change went to %s" % (
                comp, now.get(comp), last.get(comp)))
    return problems


def check_leftovers(root):
    problems = []
    staging = os.path.join(root, ".noodle-upgrade", "staging")
    if os.path.isdir(staging) and os.listdir(staging):
        problems.append("staging not empty: %s" % sorted(os.listdir(staging)))
    for c in components(root):
        d = os.path.join(root, "components", c)
        left = [n for n in os.listdir(d) if n.startswith(".current.tmp-") or n.startswith(".config.restore-")]
        if left:
            problems.append("%s: leftovers %s" % (c, sorted(left)))
    points = os.path.join(root, ".noodle-upgrade", "points")
    dirs = set(os.listdir(points)) if os.path.isdir(points) else set()
    rows = {str(r[0]) for r in db_query(root, "SELECT id FROM rollback_points")}
    if dirs - rows:
        problems.append("point directories without a row: %s" % sorted(dirs - rows))
    if rows - dirs:
        problems.append("rollback points without their config copy: %s" % sorted(rows - dirs))
    records = set(db_query(root, "SELECT component, version FROM file_records"))
    for c in components(root):
        for v in versions_of(root, c):
            if (c, v) not in records:
                problems.append("%s/versions/%s has no extraction record" % (c, v))
    return problems


def check_root(tool, root):
    """Every invariant of a root at rest: `check` passes, the database is sound and agrees with the links,
    nothing is left over. Returns the problems found."""
    problems = []
    r = tool.run(root, ["check"])
    if r.returncode != 0:
        problems.append("check exited %d: %s" % (r.returncode, (r.stdout + r.stderr).strip()[-400:]))
    problems += check_sound_db(root)
    problems += check_links_agree(root)
    problems += check_leftovers(root)
    return problems


# ---- setup ------------------------------------------------------------------

def demo_state(source_dir):
    lines = []
    with open(os.path.join(source_dir, "examples", "demo-installed.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if line:
                lines.append((line[0], line[1]))
    return lines


def write(path, text, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    if mode is not None:
        os.chmod(path, mode)


def build_demo_root(tool, base, source_dir):
    """The demo's installed state (examples/demo-installed.txt), installed by the tool itself, plus a
    config/ under jit_compiler with a file, a private file in a subdirectory and a symlink."""
    for name, version in demo_state(source_dir):
        tool.must(base, ["upgrade", name, version, "--offline"])
    config = os.path.join(base, "components", "jit_compiler", "config")
    write(os.path.join(config, "jit.yaml"), "tier: 2\ninline_budget: 400\n")
    write(os.path.join(config, "profiles", "fast.yaml"), "opt: 3\n", 0o600)
    os.symlink("profiles/fast.yaml", os.path.join(config, "active.yaml"))


# The upgrade every scenario starts from, and the components it changes.
DEMO_UPGRADE = ["upgrade", "jit_compiler", "2.1.0", "--offline"]
DEMO_UPGRADE_CHANGES = ["runtime_core", "gc_engine", "jit_compiler", "code_assistant"]


def build_upgraded_root(tool, base, dst):
    """A copy of the demo root `base` after DEMO_UPGRADE, whose jit_compiler config/ the operator then
    edited (a file changed, one removed, one added): a rollback must bring back the copy taken before."""
    copy_root(base, dst)
    tool.must(dst, DEMO_UPGRADE)
    config = os.path.join(dst, "components", "jit_compiler", "config")
    write(os.path.join(config, "jit.yaml"), "tier: 3\ninline_budget: 800\n")
    os.remove(os.path.join(config, "profiles", "fast.yaml"))
    write(os.path.join(config, "notes.txt"), "edited under 2.1.0\n")


def strace_works(work):
    """None when strace can stop a traced process at a syscall here, else why not."""
    try:
        r = subprocess.run(["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=mkdir",
                            "-e", "inject=mkdir:signal=KILL:when=1", "mkdir", os.path.join(work, "probe")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    except FileNotFoundError:
        return "strace is not installed (scripts/install-deps installs it)"
    if r.returncode != -9 or os.path.exists(os.path.join(work, "probe")):
        return "strace cannot kill a traced process at a syscall here (exit %d): %s" % (r.returncode,
                                                                                        r.stderr.strip())
    return None


def trace_calls(tool, root, command, syscalls, trace):
    """Runs `command` under strace once; returns [(pid, syscall, args text)] in call order, file
    descriptors shown with their paths (strace -y: `5</root/.noodle-upgrade/state.db>`)."""
    tool.must(root, command, ["strace", "-f", "-qq", "-y", "-s", "64", "-o", trace, "-e",
                              "trace=" + ",".join(syscalls)])
    calls = []
    with open(trace) as f:
        for line in f:
            m = re.match(r"^(\d+)\s+([a-z0-9_]+)\((.*)$", line)
            if m and m.group(2) in syscalls:
                calls.append((m.group(1), m.group(2), m.group(3)))
    return calls


# ---- the demo runtime -------------------------------------------------------

class DemoRuntime:
    """The demo runtime (examples/demo-runtime) serving `root` on its control.sock, started in a session
    of its own and stopped by pid; a context manager."""

    def __init__(self, binary, root, instances=3, extra=()):
        self.log_path = os.path.join(os.path.dirname(root.rstrip("/")), "runtime-%d.log" % os.getpid())
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([binary, "--root", root, "--instances", str(instances)] + list(extra),
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = STEP_TIMEOUT
        import time
        start = time.monotonic()
        while time.monotonic() - start < deadline:
            with open(self.log_path) as f:
                if "listening on" in f.read():
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        raise Failure("the demo runtime did not start on %s" % root)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
