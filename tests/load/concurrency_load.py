#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Eight invocations at once against one root, for a few rounds.

Builds the demo root from the example catalog, then runs ROUNDS (10) rounds; in
each, eight invocations start together (offline): upgrades and rollbacks of
telemetry_agent, deploy_controller and model_gateway, a whole-upgrade
rollback, `status`, `history` and `check`. The changing ones take the root's
lock in turn (--lock-timeout long enough that none gives up); the reading
ones run beside them. Then:

  - no invocation was killed by a signal or crashed; reading ones exit 0;
  - every changing invocation reported (-o json) an upgrade id and a status
    that the database holds the same, and its exit code agrees with that
    status (0 completed, non-zero otherwise); the database holds no upgrade
    that no invocation reported; no two changes overlap in time (the lock
    serialized them); the audit trail has an entry for every change;
  - integrity_check and foreign_key_check pass, nothing is left unfinished,
    every `current` link is where the newest completed change left it,
    `check` passes and nothing is left over.

Exit 0 when all held, 1 otherwise.
"""

import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from rootkit import (Failure, build_demo_root, check_root, db_query, log, make_examples,  # noqa: E402
                     make_workdir, release_workdir)

LOCK_TIMEOUT = "120"
# (command, changes the root)
CHANGING = [
    ["upgrade", "telemetry_agent", "1.0.0", "--offline"],
    ["rollback", "telemetry_agent", "--offline", "--force"],
    ["upgrade", "deploy_controller", "3.2.0", "--offline"],
    ["rollback", "deploy_controller", "--offline", "--force"],
    ["upgrade", "model_gateway", "1.2.0", "--offline"],
    ["rollback", "model_gateway", "--offline", "--force"],
    ["gc", "--keep", "0"],
]
READING = [["status"], ["history"], ["check"]]


def round_commands(rng, last_upgrade):
    cmds = [list(c) for c in rng.sample(CHANGING, 4)]
    if last_upgrade is not None:
        cmds.append(["rollback", "--upgrade", str(last_upgrade), "--offline", "--force"])
    else:
        cmds.append(list(rng.choice(CHANGING)))
    cmds += [list(c) for c in READING]
    rng.shuffle(cmds)
    return cmds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--workdir")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    source_dir = os.path.abspath(args.source_dir)
    rng = random.Random(args.seed)
    started = time.monotonic()
    work = make_workdir("noodle-load-", args.workdir)
    failures = []
    try:
        tool = make_examples(binary, source_dir, os.path.join(work, "ex"))
        root = os.path.join(work, "root")
        build_demo_root(tool, root, source_dir)
        before = {r[0] for r in db_query(root, "SELECT id FROM upgrades")}
        reported = {}  # upgrade id -> (status, exit, command)
        undone = set()  # upgrades a later `rollback --upgrade` took back: rolled_back now
        tally = {}
        last_upgrade = None
        longest = 0.0
        for n in range(args.rounds):
            cmds = round_commands(rng, last_upgrade)
            t0 = time.monotonic()
            procs = [(c, tool.start(root, ["--lock-timeout", LOCK_TIMEOUT, "-o", "json"] + c)) for c in cmds]
            for c, p in procs:
                try:
                    out, err = p.communicate(timeout=240)
                except Exception:
                    p.kill()
                    raise Failure("`%s` did not finish" % " ".join(c))
                key = "%s %d" % (c[0] if c[0] != "rollback" or c[1] != "--upgrade" else "rollback-upgrade",
                                 p.returncode)
                tally[key] = tally.get(key, 0) + 1
                what = "round %d `%s`" % (n + 1, " ".join(c))
                if p.returncode < 0 or p.returncode in (5,) or any(
                        t in out + err for t in ("terminate called", "what():", "unexpected failure")):
                    failures.append("%s: exit %d\n%s%s" % (what, p.returncode, out[-400:], err[-400:]))
                    continue
                try:
                    doc = json.loads(out)
                except ValueError:
                    failures.append("%s: not one JSON object on stdout: %s" % (what, out[:300]))
                    continue
                if c in READING:
                    if p.returncode != 0:
                        failures.append("%s: a reader exited %d: %s" % (what, p.returncode, out[-400:]))
                    continue
                uid = doc.get("upgrade_id")
                status = doc.get("status")
                if uid is None:
                    # Nothing started: a refusal or nothing to do; exit says which.
                    if status is not None:
                        failures.append("%s: status %s without an upgrade id" % (what, status))
                    continue
                if uid in reported:
                    failures.append("%s: upgrade id %d reported twice" % (what, uid))
                reported[uid] = (status, p.returncode, what)
                if (status == "completed") != (p.returncode == 0):
                    failures.append("%s: exit %d with status %s" % (what, p.returncode, status))
                if status == "completed" and c[0] == "upgrade":
                    last_upgrade = uid
                if status == "completed" and c[:2] == ["rollback", "--upgrade"]:
                    undone.add(int(c[2]))
            longest = max(longest, time.monotonic() - t0)
            if last_upgrade is not None and not db_query(root, "SELECT 1 FROM upgrades WHERE id = %d AND status = "
                                                               "'completed'" % last_upgrade):
                last_upgrade = None

        rows = {r[0]: r[1:] for r in db_query(root, "SELECT id, status, started_at, finished_at FROM upgrades")}
        new = {i: v for i, v in rows.items() if i not in before}
        for uid, (status, code, what) in sorted(reported.items()):
            if uid not in new:
                failures.append("%s: upgrade %d is not in the history" % (what, uid))
            elif new[uid][0] != status and not (uid in undone and status == "completed"
                                                 and new[uid][0] == "rolled_back"):
                failures.append("%s: reported %s, the history says %s" % (what, status, new[uid][0]))
        unreported = sorted(set(new) - set(reported))
        if unreported:
            failures.append("upgrades in the history no invocation reported: %s" % unreported)
        spans = sorted((v[1], v[2], i) for i, v in new.items())
        for (s1, e1, i1), (s2, e2, i2) in zip(spans, spans[1:]):
            if e1 is None or s2 < e1:
                failures.append("upgrades %d and %d overlap in time: %s-%s and %s-%s" % (i1, i2, s1, e1, s2, e2))
        for uid in new:
            ops = db_query(root, "SELECT count(*) FROM operations WHERE upgrade_id = %d" % uid)[0][0]
            audited = db_query(root, "SELECT count(*) FROM audit WHERE upgrade_id = %d" % uid)[0][0]
            if audited < ops:
                failures.append("upgrade %d: %d changes but %d audit entries" % (uid, ops, audited))
        failures += check_root(tool, root)
        statuses = {}
        for v in new.values():
            statuses[v[0]] = statuses.get(v[0], 0) + 1
        log("%d rounds of 8 invocations: %s" % (args.rounds, ", ".join("%s: %d" % kv for kv in sorted(tally.items()))))
        log("history: %d new upgrades (%s), longest round %.1f s; total %.1f s" % (
            len(new), ", ".join("%s %d" % kv for kv in sorted(statuses.items())), longest,
            time.monotonic() - started))
    except Failure as e:
        failures.append(str(e))
    finally:
        release_workdir(work, args.keep)
    for f in failures:
        log("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
