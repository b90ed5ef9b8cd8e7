#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The README's CI example, run literally: the shell block under "## In CI" that upgrades a component and reads
upgrade.json with jq is taken from README.md as it is and run by bash against a live upgrade on a demo root with
the demo runtime listening; then again with the root locked, where it must take its failure branch."""

import argparse
import fcntl
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import rootkit  # noqa: E402


def ci_block(readme):
    """The ```sh block of the In CI section that runs `upgrade`."""
    section = readme.split("\n## In CI", 1)[1].split("\n## ", 1)[0]
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        if " upgrade " in block and "jq" in block:
            return block
    raise rootkit.Failure("README.md: no CI example that runs upgrade and reads it with jq")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--demo-runtime", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if subprocess.run(["sh", "-c", "command -v jq"], stdout=subprocess.DEVNULL).returncode != 0:
        print("jq is not installed")
        return rootkit.SKIP
    with open(os.path.join(args.source_dir, "README.md")) as f:
        block = ci_block(f.read())
    work = rootkit.make_workdir("noodle-readme-ci-")
    try:
        tool = rootkit.make_examples(args.binary, args.source_dir, os.path.join(work, "examples"))
        root = os.path.join(work, "root")
        rootkit.build_demo_root(tool, root, args.source_dir)
        env = dict(os.environ)
        env.update({"PATH": os.path.dirname(os.path.abspath(args.binary)) + os.pathsep + env["PATH"],
                    "NOODLE_ROOT": root, "NOODLE_CATALOG": tool.catalog, "NOODLE_KEYRING": tool.keyring,
                    "NOODLE_ARCHIVES": tool.archives, "NOODLE_LOCK_TIMEOUT": "1", "CI_JOB_ID": "77",
                    "CI_PIPELINE_ID": "4242"})
        script = os.path.join(work, "ci.sh")
        with open(script, "w") as f:
            f.write(block)
        with rootkit.DemoRuntime(args.demo_runtime, root):
            ran = subprocess.run(["bash", script], cwd=work, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, timeout=rootkit.STEP_TIMEOUT)
            print(ran.stdout + ran.stderr)
            if ran.returncode != 0 or not re.fullmatch(r"upgrade \d+: completed\n", ran.stdout):
                raise rootkit.Failure("the README's CI example did not report a completed live upgrade "
                                      "(exit %d): %r" % (ran.returncode, ran.stdout))
            shown = tool.must(root, ["-o", "json", "history", "--metadata", "pipeline=4242"])
            entries = json.loads(shown.stdout)["history"]
            if len(entries) != 1 or entries[0]["live"] is not True or entries[0]["requested_by"] != "ci-77":
                raise rootkit.Failure("the example's upgrade was not recorded as a live run by ci-77: %s" % entries)

            # The same block on a locked root takes the failure branch: locked, exit 5.
            lock_path = os.path.join(root, ".noodle-upgrade", "lock")
            with open(lock_path, "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                # The lock is taken before anything else is looked at: the run waits 1 s for it.
                locked = subprocess.run(["bash", script], cwd=work, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, timeout=rootkit.STEP_TIMEOUT)
            print(locked.stdout + locked.stderr)
            if locked.returncode != 5 or "another upgrade is running on this root" not in locked.stdout \
                    or not locked.stdout.startswith("locked "):
                raise rootkit.Failure("on a locked root the example should print the locked branch and exit 5 "
                                      "(exit %d): %r" % (locked.returncode, locked.stdout))
        print("ok: the README's CI example reads a live upgrade and a locked root as documented")
        return 0
    except rootkit.Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        rootkit.release_workdir(work, args.keep)


if __name__ == "__main__":
    sys.exit(main())
