#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Captures the tool's real JSON documents and exit codes, one per outcome, for the unit tests of the
noodle.fleet modules (ansible/tests/unit/fixtures/tool-json.json): their stand-in binary replays them.

Every document comes from the built binary on a demo root signed with a throwaway key, live on the demo
runtime where the outcome needs one: a completed upgrade, a no-op, a dry run, a release whose health
check fails (1), a missing archive (2), a refused downgrade (3), a tampered archive (4), a held lock (5),
a stopped runtime (6) and a rollback that fails itself under strace fault injection (7); plus status,
history, check and rollback.

Usage: tests/fleet/capture_tool_json.py --binary build/noodle-upgrade --demo-runtime
       build/examples/noodle-demo-runtime --source-dir . [--out FILE | --compare]

--compare captures anew and checks that every document still has the exit code and the shape (the keys,
at every depth) of the one the unit tests replay: a change of the tool's JSON that the modules read
fails here until the fixtures are captured again.
"""

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import rootkit  # noqa: E402

BROKEN = """---
name: telemetry_agent
version: 1.1.0
description: A release whose health check fails once it is active
type: system
hot_swappable: true
resources: {memory_mb: 96, cpu_cores: 0.25, disk_mb: 60}
metadata:
  demo_health: unhealthy
"""


def shape(value):
    """The keys of a document at every depth; a list is the union of its items' shapes."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        merged = {}
        for item in value:
            s = shape(item)
            if isinstance(s, dict):
                merged.update(s)
        return [merged]
    return None


def compare(path, captured):
    with open(path) as f:
        kept = json.load(f)
    problems = []
    for name in sorted(set(kept) | set(captured)):
        if name not in kept or name not in captured:
            problems.append("%s: only in the %s" % (name, "fixtures" if name in kept else "new capture"))
            continue
        if kept[name]["rc"] != captured[name]["rc"]:
            problems.append("%s: exit %d, the fixture says %d" % (name, captured[name]["rc"], kept[name]["rc"]))
        old, new = shape(json.loads(kept[name]["stdout"])), shape(json.loads(captured[name]["stdout"]))
        if old != new:
            problems.append("%s: the document's shape changed:\n  fixture %s\n  now     %s" % (name, old, new))
    for p in problems:
        print("drift: " + p)
    print("%d documents compared with %s, %d differ" % (len(captured), path, len(problems)))
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--demo-runtime", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--out")
    ap.add_argument("--compare", action="store_true")
    args = ap.parse_args()
    if not shutil.which("strace"):
        print("skipped: strace is needed to capture exit 7 (scripts/install-deps installs it)")
        return rootkit.SKIP
    out = args.out or os.path.join(args.source_dir, "ansible", "tests", "unit", "fixtures", "tool-json.json")
    work = tempfile.mkdtemp(prefix="noodle-capture-")
    captured = {}
    try:
        catalog = os.path.join(work, "catalog")
        shutil.copytree(os.path.join(args.source_dir, "manifests"), catalog)
        with open(os.path.join(catalog, "telemetry_agent.yaml"), "a") as f:
            f.write(BROKEN)
        tool = rootkit.make_examples(args.binary, args.source_dir, os.path.join(work, "ex"), catalog=catalog, jobs=2)
        root = os.path.join(work, "root")

        def capture(name, command, want_rc, prefix=(), at=None):
            r = tool.run(at or root, ["-o", "json", "--no-progress"] + command, prefix=prefix)
            if r.returncode != want_rc:
                raise rootkit.Failure("%s: '%s' exited %d, not %d\n%s%s" % (name, " ".join(command), r.returncode,
                                                                           want_rc, r.stdout, r.stderr))
            json.loads(r.stdout)
            captured[name] = dict(command=command, rc=r.returncode, stdout=r.stdout)
            return json.loads(r.stdout)

        rootkit.build_demo_root(tool, root, args.source_dir)
        with rootkit.DemoRuntime(args.demo_runtime, root):
            capture("status_before", ["status", "--offline"], 0)
            capture("status_live", ["status"], 0)
            capture("upgrade_dry_run", ["upgrade", "telemetry_agent", "1.0.0", "--strategy", "immediate",
                                        "--dry-run"], 0)
            done = capture("upgrade_completed", ["upgrade", "telemetry_agent", "1.0.0", "--strategy", "immediate",
                                                 "--requested-by", "ops", "--metadata", "rollout_id=r1"], 0)
            capture("status_after", ["status", "--offline"], 0)
            capture("upgrade_no_op", ["upgrade", "telemetry_agent", "1.0.0", "--strategy", "immediate"], 0)
            capture("history_rollout", ["history", "--metadata", "rollout_id=r1", "--kind", "upgrade", "--kind",
                                        "apply", "--status", "completed", "--limit", "1000"], 0)
            capture("history_empty", ["history", "--metadata", "rollout_id=none", "--kind", "upgrade", "--kind",
                                      "apply", "--status", "completed", "--limit", "1000"], 0)
            capture("check_intact", ["check"], 0)
            capture("upgrade_failed_rolled_back", ["upgrade", "telemetry_agent", "1.1.0", "--strategy",
                                                   "immediate"], 1)
            capture("upgrade_refused", ["upgrade", "telemetry_agent", "0.4.0", "--strategy", "immediate"], 3)
            capture("rollback_dry_run", ["rollback", "--upgrade", str(done["upgrade_id"]), "--dry-run"], 0)
            capture("rollback_completed", ["rollback", "--upgrade", str(done["upgrade_id"]), "--metadata",
                                           "rollout_id=r1"], 0)
            capture("rollback_no_op", ["rollback", "--upgrade", str(done["upgrade_id"])], 0)
            lock_path = os.path.join(root, ".noodle-upgrade", "lock")
            with open(lock_path, "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                capture("upgrade_locked", ["--lock-timeout", "0.2s", "upgrade", "telemetry_agent", "1.0.0",
                                           "--strategy", "immediate"], 5)
        capture("upgrade_runtime_unreachable", ["upgrade", "telemetry_agent", "1.0.0", "--strategy", "immediate"], 6)

        # Versions never extracted on this root, so their archives are read.
        archive = os.path.join(work, "ex", "archives", "model_gateway-1.2.0.tar.gz")
        os.rename(archive, archive + ".away")
        capture("upgrade_configuration_error", ["upgrade", "model_gateway", "1.2.0", "--offline"], 2)
        archive = os.path.join(work, "ex", "archives", "code_assistant-1.1.0.tar.gz")
        shutil.copy(archive, archive + ".good")
        with open(archive, "r+b") as f:
            f.seek(40)
            byte = f.read(1)
            f.seek(40)
            f.write(bytes([byte[0] ^ 0xFF]))
        capture("upgrade_integrity", ["upgrade", "code_assistant", "1.1.0", "--offline"], 4)
        os.replace(archive + ".good", archive)

        # A file of the active version changed behind the tool's back: check exits 4.
        version_dir = os.path.join(root, "components", "telemetry_agent", "versions", "0.5.0")
        victim = sorted(n for n in os.listdir(version_dir) if os.path.isfile(os.path.join(version_dir, n)))[0]
        with open(os.path.join(version_dir, victim), "a") as f:
            f.write("changed\n")
        capture("check_changed", ["check"], 4)

        # Exit 7: a multi-hop upgrade whose second swap fails, and so does the undo of the first.
        root7 = os.path.join(work, "root7")
        rootkit.build_demo_root(tool, root7, args.source_dir)
        capture("upgrade_needs_operator", ["upgrade", "jit_compiler", "2.1.0", "--offline"], 7,
                prefix=["strace", "-f", "-o", "/dev/null", "-e", "trace=renameat", "-e",
                        "inject=renameat:error=EIO:when=2+"], at=root7)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.compare:
        return compare(out, captured)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(captured, f, indent=1, sort_keys=True)
        f.write("\n")
    print("captured %d documents into %s" % (len(captured), out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
