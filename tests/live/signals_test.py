#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Signals never split the runtime from the files.

Each case runs a live canary of svc 1.0.0 -> 1.1.0 (tests/data/live-catalog) against the real demo runtime on
its control socket, disturbs the tool, and then requires that three witnesses agree: the `current` link, the
runtime's own word on what it runs (the `running` op, asked here over the socket), and `history -o json`.

  sigpipe   stdout closed before the result is written, and stderr closed after the first JSON event line:
            the canary finishes, exit 1 (never death by SIGPIPE, 141)
  sighup    SIGHUP while the canary waits in its analysis: rolled back, exit 129
  sigkill   SIGKILL right after the commit event: the step is already recorded completed; and SIGKILL after the
            runtime committed but before the tool heard it: `recover` finishes the step (current -> 1.1.0)
  prepare-lost  prepare and the abort after it both time out: the warning says the runtime may still hold the
            prepared version, never that a lease covers it
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import rootkit  # noqa: E402

OLD, NEW = "1.0.0", "1.1.0"
CANARY = ["upgrade", "svc", NEW, "--strategy", "canary", "--health-interval", "100ms", "--lease", "60"]


def ask_running(root, component="svc"):
    """The version the runtime serving `root` runs for good, by the protocol's `running` op."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(os.path.join(root, "control.sock"))
        f = s.makefile("rw")
        f.write(json.dumps({"id": 1, "op": "hello", "protocol": 1}) + "\n")
        f.flush()
        hello = json.loads(f.readline())
        if "running" not in hello.get("capabilities", []):
            raise rootkit.Failure("the demo runtime does not list the running op: %s" % hello)
        f.write(json.dumps({"id": 2, "op": "running", "component": component}) + "\n")
        f.flush()
        reply = json.loads(f.readline())
        if not reply.get("ok"):
            raise rootkit.Failure("running was refused: %s" % reply)
        return reply["version"]


def last_upgrade(tool, root):
    shown = tool.must(root, ["-o", "json", "history"])
    entries = json.loads(shown.stdout)["history"]
    return max(entries, key=lambda e: e["id"])


def check_agree(tool, root, version, status, what):
    """The link, the runtime and the history all say `version`; the last upgrade ended `status`."""
    link = rootkit.link_of(root, "svc").rsplit("/", 1)[-1]
    running = ask_running(root)
    upgrade = last_upgrade(tool, root)
    if link != version or running != version or upgrade["status"] != status:
        raise rootkit.Failure("%s: the link says %s, the runtime runs %s, history says upgrade %d %s; expected %s "
                              "and %s" % (what, link, running, upgrade["id"], upgrade["status"], version, status))
    rootkit.log("ok: %s: link, runtime and history agree on %s (%s)" % (what, version, status))


def wait_for(predicate, what, timeout=rootkit.STEP_TIMEOUT):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return
        time.sleep(0.01)
    raise rootkit.Failure("timed out waiting for %s" % what)


def events_in(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.endswith("\n")]
    except FileNotFoundError:
        return []


def fresh_root(tool, base, work, name):
    root = os.path.join(work, name)
    rootkit.copy_root(base, root)
    return root


def case_sigpipe(tool, demo, base, work):
    # stdout: nobody reads the result.
    root = fresh_root(tool, base, work, "pipe-out")
    with rootkit.DemoRuntime(demo, root):
        proc = subprocess.Popen(tool.argv(root, ["-o", "json"] + CANARY + ["--analysis", "500ms"]),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        proc.stdout.close()
        err = proc.stderr.read()
        code = proc.wait(timeout=rootkit.STEP_TIMEOUT)
        if code != 1 or "cannot write the output to stdout" not in err:
            raise rootkit.Failure("closed stdout: expected exit 1 and the output failure on stderr, got %d (-13: "
                                  "killed by SIGPIPE)\n%s" % (code, err))
        check_agree(tool, root, NEW, "completed", "stdout closed before the result")

    # stderr: the reader leaves after the first JSON event line.
    root = fresh_root(tool, base, work, "pipe-err")
    with rootkit.DemoRuntime(demo, root):
        proc = subprocess.Popen(tool.argv(root, ["-o", "json"] + CANARY + ["--analysis", "1"]),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = proc.stderr.readline()
        if json.loads(first).get("event") != "prepare":
            raise rootkit.Failure("the first stderr line is not the prepare event: %r" % first)
        proc.stderr.close()
        out = proc.stdout.read()
        code = proc.wait(timeout=rootkit.STEP_TIMEOUT)
        if code != 1:
            raise rootkit.Failure("closed stderr: expected exit 1, got %d (-13: killed by SIGPIPE)\n%s" % (code, out))
        if json.loads(out)["status"] != "completed":
            raise rootkit.Failure("closed stderr: the result does not say completed: %s" % out)
        check_agree(tool, root, NEW, "completed", "stderr closed after the first event")


def case_sighup(tool, demo, base, work):
    root = fresh_root(tool, base, work, "hup")
    events = os.path.join(work, "hup-events.jsonl")
    with rootkit.DemoRuntime(demo, root):
        proc = subprocess.Popen(tool.argv(root, CANARY + ["--analysis", "30", "--events", events]),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # The canary runs on i0 and waits in its analysis, checking health.
        wait_for(lambda: any(e.get("event") == "health" for e in events_in(events)), "the canary's first health check")
        proc.send_signal(signal.SIGHUP)
        out, err = proc.communicate(timeout=rootkit.STEP_TIMEOUT)
        if proc.returncode != 129 or "SIGHUP" not in err:
            raise rootkit.Failure("SIGHUP: expected exit 129 naming SIGHUP, got %d\n%s%s" %
                                  (proc.returncode, out, err))
        if not any(e.get("event") == "rollback" for e in events_in(events)):
            raise rootkit.Failure("SIGHUP: no rollback event was written: %s" % events_in(events))
        check_agree(tool, root, OLD, "cancelled", "SIGHUP mid-canary")


def op_status(root):
    rows = rootkit.db_query(root, "SELECT status FROM operations ORDER BY id DESC LIMIT 1")
    return rows[0][0]


def case_sigkill(tool, demo, base, work):
    # Killed as soon as the commit event is out: the step is on record already.
    root = fresh_root(tool, base, work, "kill-event")
    events = os.path.join(work, "kill-events.jsonl")
    with rootkit.DemoRuntime(demo, root):
        proc = subprocess.Popen(tool.argv(root, CANARY + ["--analysis", "300ms", "--events", events]),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: any(e.get("event") == "commit" for e in events_in(events)), "the commit event", )
        proc.kill()
        proc.wait()
        status = op_status(root)
        if status != "completed":
            raise rootkit.Failure("the commit event was written before the step was recorded (it is %s)" % status)
        recovered = tool.must(root, ["-o", "json", "recover"])
        check_agree(tool, root, NEW, "completed", "SIGKILL after the commit event, then recover")
        rootkit.log(recovered.stdout.strip())

    # Killed after the runtime committed but before its reply arrived (the demo
    # runtime holds the reply): the database still says in progress.
    root = fresh_root(tool, base, work, "kill-commit")
    with rootkit.DemoRuntime(demo, root, extra=["--commit-reply-delay", "5000"]) as runtime:
        proc = subprocess.Popen(tool.argv(root, CANARY + ["--analysis", "300ms"]),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def committed():
            with open(runtime.log_path) as f:
                return "committed svc %s" % NEW in f.read()
        wait_for(committed, "the runtime's commit")
        proc.kill()
        proc.wait()
        if op_status(root) != "in_progress" or ask_running(root) != NEW:
            raise rootkit.Failure("the kill did not land between the runtime's commit and the tool's record "
                                  "(step %s, runtime %s)" % (op_status(root), ask_running(root)))
        recovered = tool.must(root, ["-o", "json", "recover"])
        report = json.loads(recovered.stdout)
        rootkit.log(recovered.stdout.strip())
        check_agree(tool, root, NEW, "completed", "SIGKILL between the runtime's commit and its record, then recover")
        if "the runtime runs it" not in " ".join(report["upgrades"][0]["actions"]):
            raise rootkit.Failure("recover does not say it followed the runtime: %s" % report)

    # No runtime listening: recover keeps today's rule (the links) and says so.
    root = fresh_root(tool, base, work, "kill-alone")
    with rootkit.DemoRuntime(demo, root, extra=["--commit-reply-delay", "5000"]) as runtime:
        proc = subprocess.Popen(tool.argv(root, CANARY + ["--analysis", "300ms"]),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def committed_alone():
            with open(runtime.log_path) as f:
                return "committed svc %s" % NEW in f.read()
        wait_for(committed_alone, "the runtime's commit")
        proc.kill()
        proc.wait()
    recovered = tool.must(root, ["-o", "json", "recover"])
    report = json.loads(recovered.stdout)
    notes = " ".join(report["upgrades"][0]["notes"])
    if "no runtime answered" not in notes or rootkit.link_of(root, "svc") != "versions/" + OLD:
        raise rootkit.Failure("without a runtime recover should undo by the links and say so: %s" % report)
    rootkit.log("ok: without a runtime, recover undoes by the links and notes it")


def case_prepare_lost(tool, demo, base, work):
    """svc 1.4.0 makes the demo runtime answer 3 s late: prepare times out (it may have loaded the version), and
    so does the abort that follows. Nothing was activated, so no lease covers the prepared version."""
    root = fresh_root(tool, base, work, "prepare-lost")
    with rootkit.DemoRuntime(demo, root):
        ran = tool.run(root, ["upgrade", "svc", "1.4.0", "--strategy", "canary", "--request-timeout", "1"])
        said = ran.stdout + ran.stderr
        if ran.returncode == 0 or "may still hold the prepared version" not in said or "lease" in said:
            raise rootkit.Failure("a failed abort after prepare must say the runtime may still hold the prepared "
                                  "version, and claim no lease (exit %d)\n%s" % (ran.returncode, said))
        if rootkit.link_of(root, "svc") != "versions/" + OLD:
            raise rootkit.Failure("the link moved although nothing was activated")
    rootkit.log("ok: a failed abort after prepare claims no lease")


CASES = {"sigpipe": case_sigpipe, "sighup": case_sighup, "sigkill": case_sigkill, "prepare-lost": case_prepare_lost}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--demo-runtime", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--case", choices=sorted(CASES), action="append")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    work = rootkit.make_workdir("noodle-signals-")
    try:
        catalog = os.path.join(args.source_dir, "tests", "data", "live-catalog")
        tool = rootkit.make_examples(args.binary, args.source_dir, os.path.join(work, "examples"), catalog=catalog)
        base = os.path.join(work, "base")
        tool.must(base, ["upgrade", "svc", OLD, "--offline"])
        for name in args.case or sorted(CASES):
            CASES[name](tool, args.demo_runtime, base, work)
        print("ok: the runtime and the files agree after every signal")
        return 0
    except rootkit.Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        rootkit.release_workdir(work, args.keep)


if __name__ == "__main__":
    sys.exit(main())
