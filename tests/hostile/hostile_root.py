#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A hostile local user against a root: nothing outside the root is touched.

Builds the example archives and a root holding the demo's installed state,
upgraded once (jit_compiler 2.1.0), so it has versions to collect and points
to roll back to. Beside it lie a sentinel tree that looks like a component
directory and like a `components/` directory (versions/1.0.0, 2.0.0 and
6.1.0-13-amd64, as /lib/modules holds them; current, config/, and the
temporary names recover removes), and a second root, `other`.

Each case starts from a fresh copy of the root at WORK/root. As `nobody`
(a forked child that drops to uid and gid 65534), it plants a link, a name or
a file in a part of the root made world-writable for the moment; then, as
root, with the modes put back (or, where the case says so, left), it runs
gc, recover, rollback, snapshot, check and upgrade, and asserts:

  - the exact exit code of each command, and that its output names the
    planted path (a refusal or a finding, never silence);
  - the sentinel tree and the other root are byte for byte as they were:
    every file's content, every node's kind, mode, owner, group and
    modification time, every link's target;
  - where a command must refuse before doing anything (a bad name, an
    unsafe root), the root's state directory is unchanged too.

Cases (one per way out that was found):

  component-link        components/evil -> the sentinel
  versions-link         components/telemetry_agent/versions -> the sentinel's versions/
  version-dir-link      versions/9.0.0 -> a sentinel version
  config-link           components/jit_compiler/config -> the sentinel's config/
  current-escape        current -> ../../../outside/versions/1.0.0
  orphans-behind-link   recover's temporary names, only behind a component link
  name-escape           snapshot/rollback ../../other/components/jit_compiler
  name-dot              snapshot/rollback jit_compiler/.
  name-long             a version longer than a directory name may be
  world-writable-root   the root left 0777, components/ replaced by a link
  foreign-components    components/ replaced by a directory nobody owns
  foreign-component     a component directory nobody owns
  foreign-state         .noodle-upgrade replaced by nobody's, staging -> the sentinel
  stray-file            a regular file in components/ (gc still works)
  linked-root-parent    --root through a symlinked parent works (as /var/run -> /run)

Exit 0 when every case held, 1 when one did not (each failure names the
case, the command and what was wrong), 77 when not run as root (`nobody`
needs a root to drop from).
"""

import argparse
import contextlib
import hashlib
import os
import pwd
import shutil
import sqlite3
import stat
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from rootkit import (DEMO_UPGRADE, SKIP, Failure, build_demo_root, copy_root, default_workdir, log,  # noqa: E402
                     make_examples, make_workdir, release_workdir, write)


# ---- nobody -------------------------------------------------------------------

def nobody():
    pw = pwd.getpwnam("nobody")
    return pw.pw_uid, pw.pw_gid


def as_nobody(action):
    """Runs `action()` in a forked child that is uid and gid `nobody` with no supplementary groups."""
    uid, gid = nobody()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            action()
            code = 0
        except BaseException:  # noqa: B902 - the child reports anything and exits
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise Failure("planting as nobody failed (see the traceback above)")


@contextlib.contextmanager
def world_writable(*paths):
    """The directories `paths` are mode 0777 inside the block (for nobody to plant in), as before after it."""
    modes = [stat.S_IMODE(os.lstat(p).st_mode) for p in paths]
    for p in paths:
        os.chmod(p, 0o777)
    try:
        yield
    finally:
        for p, m in zip(paths, modes):
            os.chmod(p, m)


# ---- what must not change -------------------------------------------------------

def fingerprint(top):
    """relative path -> (kind, mode, uid, gid, mtime_ns, sha256 or link target) of `top` and everything
    under it, no symlink followed."""
    out = {}

    def add(path):
        st = os.lstat(path)
        rel = os.path.relpath(path, top)
        if stat.S_ISLNK(st.st_mode):
            what = os.readlink(path)
        elif stat.S_ISREG(st.st_mode):
            with open(path, "rb") as f:
                what = hashlib.sha256(f.read()).hexdigest()
        else:
            what = None
        out[rel] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_mtime_ns, what)

    if not os.path.lexists(top):
        return out
    add(top)
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            add(os.path.join(dirpath, name))
    return out


def state_fingerprint(c):
    """The state directory's fingerprint but for its own modification time: a read session's SQLite
    connection creates and removes its -wal and -shm files there, and that is no change."""
    out = fingerprint(c.path(".noodle-upgrade"))
    if "." in out:
        out["."] = out["."][:4] + out["."][5:]
    return out


def changes(before, after):
    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))


def component_like(path):
    """A tree that passes for a component directory: what a followed link would let the tool change."""
    for v in ("1.0.0", "2.0.0", "6.1.0-13-amd64"):
        write(os.path.join(path, "versions", v, "bin", "tool"), "outside %s\n" % v, 0o755)
    os.symlink("versions/1.0.0", os.path.join(path, "current"))
    write(os.path.join(path, "config", "app.conf"), "keep me\n", 0o600)
    write(os.path.join(path, ".config.restore-1", "app.conf"), "keep me too\n")
    os.symlink("versions/2.0.0", os.path.join(path, ".current.tmp-1-0"))


def build_outside(outside):
    component_like(outside)
    component_like(os.path.join(outside, "components", "jit_compiler"))


# ---- the cases --------------------------------------------------------------------

class Ctx:
    def __init__(self, work, root, outside, other, tool):
        self.work = work
        self.root = root
        self.outside = outside
        self.other = other
        self.tool = tool

    def path(self, *parts):
        return os.path.join(self.root, *parts)


def quoted(path):
    return "'%s'" % path


class Case:
    """A plant, then commands: (argv or a function of the context giving one, exit code, text the output must
    hold: a path under the root, or a function of the context giving it). `untouched_state`: the state
    directory must be as it was (a refusal before any work)."""

    def __init__(self, name, plant, commands, untouched_state=False):
        self.name = name
        self.plant = plant
        self.commands = commands
        self.untouched_state = untouched_state


def plant_component_link(c):
    with world_writable(c.path("components")):
        as_nobody(lambda: os.symlink(c.outside, c.path("components", "evil")))


def plant_versions_link(c):
    comp = c.path("components", "telemetry_agent")
    with world_writable(comp):
        def plant():
            os.rename(os.path.join(comp, "versions"), os.path.join(comp, "versions.real"))
            os.symlink(os.path.join(c.outside, "versions"), os.path.join(comp, "versions"))
        as_nobody(plant)


def plant_version_dir_link(c):
    versions = c.path("components", "telemetry_agent", "versions")
    with world_writable(versions):
        as_nobody(lambda: os.symlink(os.path.join(c.outside, "versions", "2.0.0"), os.path.join(versions, "9.0.0")))


def plant_config_link(c):
    comp = c.path("components", "jit_compiler")
    with world_writable(comp):
        def plant():
            os.rename(os.path.join(comp, "config"), os.path.join(comp, "config.real"))
            os.symlink(os.path.join(c.outside, "config"), os.path.join(comp, "config"))
        as_nobody(plant)


def plant_current_escape(c):
    comp = c.path("components", "telemetry_agent")
    with world_writable(comp):
        def plant():
            os.unlink(os.path.join(comp, "current"))
            os.symlink(os.path.relpath(os.path.join(c.outside, "versions", "1.0.0"), comp),
                       os.path.join(comp, "current"))
        as_nobody(plant)


def plant_components_link_in_open_root(c):
    os.chmod(c.root, 0o777)  # left so: the operator never noticed

    def plant():
        os.rename(c.path("components"), c.path("components.real"))
        os.symlink(os.path.join(c.outside, "components"), c.path("components"))
    as_nobody(plant)


def plant_foreign_components(c):
    with world_writable(c.root):
        def plant():
            os.rename(c.path("components"), c.path("components.real"))
            os.mkdir(c.path("components"), 0o755)
            os.symlink(os.path.join(c.outside, "components", "jit_compiler"), c.path("components", "jit_compiler"))
        as_nobody(plant)


def plant_foreign_component(c):
    with world_writable(c.path("components")):
        def plant():
            comp = c.path("components", "intruder")
            os.mkdir(comp, 0o755)
            component_like(comp)
        as_nobody(plant)


def plant_foreign_state(c):
    with world_writable(c.root):
        def plant():
            os.rename(c.path(".noodle-upgrade"), c.path(".noodle-upgrade.real"))
            os.mkdir(c.path(".noodle-upgrade"), 0o700)
            open(c.path(".noodle-upgrade", "lock"), "w").close()
            os.symlink(os.path.join(c.outside, "versions"), c.path(".noodle-upgrade", "staging"))
        as_nobody(plant)


def plant_stray_file(c):
    with world_writable(c.path("components")):
        as_nobody(lambda: write(c.path("components", "README.txt"), "not a component\n"))


def plant_nothing(c):
    pass


def max_point(c):
    """The newest rollback point's id, read without a trace in the state directory (immutable: SQLite makes
    no -wal or -shm file for it)."""
    con = sqlite3.connect("file:%s?immutable=1" % c.path(".noodle-upgrade", "state.db"), uri=True)
    try:
        return str(con.execute("SELECT coalesce(max(id), 1) FROM rollback_points").fetchone()[0])
    finally:
        con.close()


ROLLBACK = ["rollback", "jit_compiler", "--offline", "--force"]
UPGRADE = ["upgrade", "telemetry_agent", "1.0.0", "--offline"]
ESCAPE = "../../other/components/jit_compiler"
LONG_VERSION = "1.0.0-" + "a" * 250


def every_command(code, where, check_code=4):
    return [(["gc", "--keep", "1"], code, where), (["recover"], code, where), (["check"], check_code, where),
            (UPGRADE, code, where), (["snapshot", "jit_compiler"], code, where), (ROLLBACK, code, where)]


def link_root(c):
    link = os.path.join(c.work, "link")
    if not os.path.lexists(link):
        os.symlink(os.path.join(c.work, "parent"), link)
        os.mkdir(os.path.join(c.work, "parent"))
    return os.path.join(link, "fresh")


def linked_root_commands():
    def run(argv):
        return lambda c: ["--root", link_root(c)] + argv
    return [(run(["upgrade", "telemetry_agent", "0.5.0", "--offline"]), 0, None),
            (run(["status"]), 0, "telemetry_agent"), (run(["snapshot", "telemetry_agent"]), 0, None),
            (run(["check"]), 0, None)]


CASES = [
    Case("component-link", plant_component_link,
         every_command(3, ("components", "evil")) + [(["snapshot", "evil"], 3, ("components", "evil"))],
         untouched_state=True),
    Case("versions-link", plant_versions_link,
         every_command(3, ("components", "telemetry_agent", "versions")), untouched_state=True),
    Case("version-dir-link", plant_version_dir_link,
         [(["gc", "--keep", "0"], 3, ("components", "telemetry_agent", "versions", "9.0.0")),
          (["check"], 4, ("components", "telemetry_agent", "versions", "9.0.0"))], untouched_state=True),
    Case("config-link", plant_config_link,
         every_command(3, ("components", "jit_compiler", "config")), untouched_state=True),
    Case("current-escape", plant_current_escape,
         [(["gc", "--keep", "0"], 1, ("components", "telemetry_agent", "current")),
          (["check"], 1, ("components", "telemetry_agent", "current")),
          (UPGRADE, 1, ("components", "telemetry_agent", "current"))]),
    Case("orphans-behind-link", plant_component_link, [(["recover"], 3, ("components", "evil"))],
         untouched_state=True),
    Case("name-escape", plant_nothing,
         [(["snapshot", ESCAPE], 2, "invalid component name"),
          (lambda c: ["rollback", ESCAPE, "--point", max_point(c), "--offline"], 2, "invalid component name"),
          (["check", ESCAPE], 2, "invalid component name"), (["status", ESCAPE], 2, "invalid component name")],
         untouched_state=True),
    Case("name-dot", plant_nothing,
         [(["snapshot", "jit_compiler/."], 2, "invalid component name"),
          (["rollback", "jit_compiler/.", "--to", "1.4.0", "--offline"], 2, "invalid component name")],
         untouched_state=True),
    Case("name-long", plant_nothing,
         [(["rollback", "jit_compiler", "--to", LONG_VERSION, "--offline"], 2, "longer than 128 characters")],
         untouched_state=True),
    # upgrade reads what is installed before it locks: the link refuses it there.
    Case("world-writable-root", plant_components_link_in_open_root,
         [(argv, 3, ("components",) if argv == UPGRADE else ()) for argv, _, _ in every_command(3, ())
          if argv != ["check"]] + [(["check"], 4, ("components",))], untouched_state=True),
    Case("foreign-components", plant_foreign_components,
         [(argv, 3, ("components", "jit_compiler") if argv == UPGRADE else ("components",))
          for argv, _, _ in every_command(3, ()) if argv != ["check"]] +
         [(["check"], 4, ("components", "jit_compiler"))], untouched_state=True),
    Case("foreign-component", plant_foreign_component,
         [(argv, 3, ("components", "intruder")) for argv, _, _ in every_command(3, ()) if argv != ["check"]],
         untouched_state=True),
    Case("foreign-state", plant_foreign_state,
         [(argv, 3, (".noodle-upgrade",)) for argv, _, _ in every_command(3, ()) if argv != ["check"]],
         untouched_state=True),
    Case("stray-file", plant_stray_file, [(["gc", "--keep", "1"], 0, None), (["check"], 0, None)]),
    Case("linked-root-parent", plant_nothing, linked_root_commands()),
]


def run_case(case, ctx, base):
    copy_root(base, ctx.root)
    for extra in ("link", "parent"):
        p = os.path.join(ctx.work, extra)
        if os.path.islink(p):
            os.unlink(p)
        elif os.path.isdir(p):
            shutil.rmtree(p)
    case.plant(ctx)
    sentinel = {"outside": fingerprint(ctx.outside), "other": fingerprint(ctx.other)}
    state = state_fingerprint(ctx)
    problems = []
    for argv, code, where in case.commands:
        argv = argv(ctx) if callable(argv) else argv
        if argv[0] == "--root":
            r = ctx.tool.run(argv[1], argv[2:])
        else:
            r = ctx.tool.run(ctx.root, argv)
        text = r.stdout + r.stderr
        shown = " ".join(argv)
        if r.returncode != code:
            problems.append("`%s` exited %d, expected %d: %s" % (shown, r.returncode, code, text.strip()[-500:]))
        if where is not None:
            needle = quoted(ctx.path(*where)) if isinstance(where, tuple) else where
            if needle not in text:
                problems.append("`%s` does not name %s: %s" % (shown, needle, text.strip()[-500:]))
        for name, before in sentinel.items():
            after = fingerprint(getattr(ctx, name))
            if after != before:
                problems.append("`%s` changed the %s tree: %s" % (shown, name, changes(before, after)[:8]))
                sentinel[name] = after
        if case.untouched_state:
            after = state_fingerprint(ctx)
            if after != state:
                problems.append("`%s` changed the state directory: %s" % (shown, changes(state, after)[:8]))
                state = after
    if problems:
        raise Failure("\n  ".join(problems))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True, help="the built noodle-upgrade")
    ap.add_argument("--source-dir", required=True, help="the source tree (manifests/, scripts/, examples/)")
    ap.add_argument("--cases", help="comma-separated subset of: " + ",".join(c.name for c in CASES))
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    if os.geteuid() != 0:
        log("SKIP: the hostile-root cases plant as nobody and run the tool as root; run them as root")
        return SKIP
    binary = os.path.abspath(args.binary)
    source_dir = os.path.abspath(args.source_dir)
    wanted = args.cases.split(",") if args.cases else [c.name for c in CASES]
    unknown = set(wanted) - {c.name for c in CASES}
    if unknown:
        log("unknown case(s): %s" % ", ".join(sorted(unknown)))
        return 2
    started = time.monotonic()
    work = make_workdir("noodle-hostile-", default_workdir())
    failures = []
    try:
        os.chmod(work, 0o755)  # nobody walks to the root
        tool = make_examples(binary, source_dir, os.path.join(work, "ex"))
        base = os.path.join(work, "base")
        build_demo_root(tool, base, source_dir)
        tool.must(base, DEMO_UPGRADE)
        os.chmod(base, 0o755)
        outside = os.path.join(work, "outside")
        build_outside(outside)
        other = os.path.join(work, "other")
        copy_root(base, other)
        ctx = Ctx(work, os.path.join(work, "root"), outside, other, tool)
        log("setup: %.1f s" % (time.monotonic() - started))
        for case in CASES:
            if case.name not in wanted:
                continue
            case_started = time.monotonic()
            try:
                run_case(case, ctx, base)
                log("ok   %-20s %d command(s), %.2f s" % (case.name, len(case.commands),
                                                          time.monotonic() - case_started))
            except Failure as e:
                failures.append("[%s] %s" % (case.name, e))
                log("FAIL " + failures[-1])
    finally:
        release_workdir(work, args.keep)
    log("\n%d case(s), %d failed; %.1f s" % (len(wanted), len(failures), time.monotonic() - started))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
