#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A batch of 200 components is all or nothing.

Generates a catalog of COUNT independent components (c000 .. c199, versions
1.0.0 and 1.1.0), signs every version with a throwaway key
(scripts/make-example-archives), installs 1.0.0 of all of them with one
`apply` of a batch file, then tampers with the archive of the last step's
1.1.0 (one byte: its signature no longer holds) and applies the batch that
moves all of them to 1.1.0, offline: it is refused before its first step
(exit 4, nothing changed, nothing added to the history). Then that archive is
replaced by a signed one that only extraction refuses (it holds a character
device) and the batch applied again: the step that fails must be the last
one; then every component is back at 1.0.0, the history records the batch as
rolled back with all its changes, `check` passes and the database is sound.
Prints the wall time of the applies.

Exit 0 when all held, 1 otherwise.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from rootkit import (Failure, check_root, db_query, links, log, make_examples, make_workdir,  # noqa: E402
                     release_workdir, write)


def manifest(name, version):
    return ("name: %s\nversion: %s\ndescription: generated component %s\ntype: system\nhot_swappable: true\n"
            "resources: {memory_mb: 1, cpu_cores: 0.001, disk_mb: 1}\n" % (name, version, name))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--workdir")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    source_dir = os.path.abspath(args.source_dir)
    started = time.monotonic()
    work = make_workdir("noodle-batch-", args.workdir)
    failures = []
    try:
        names = ["c%03d" % i for i in range(args.count)]
        catalog = os.path.join(work, "catalog")
        for name in names:
            write(os.path.join(catalog, name + ".yaml"), manifest(name, "1.0.0") + "---\n" + manifest(name, "1.1.0"))
        tool = make_examples(binary, source_dir, os.path.join(work, "ex"), catalog, jobs=4)
        root = os.path.join(work, "root")
        setup = time.monotonic() - started

        def batch(version):
            path = os.path.join(work, "batch-%s.yaml" % version)
            write(path, "upgrades:\n" + "".join("  - {component: %s, version: %s}\n" % (n, version) for n in names))
            return path

        t0 = time.monotonic()
        tool.must(root, ["apply", batch("1.0.0"), "--offline"])
        install = time.monotonic() - t0
        old = links(root)
        if old != {n: "versions/1.0.0" for n in names}:
            raise Failure("the install left %s" % {c: v for c, v in old.items() if v != "versions/1.0.0"})
        before = db_query(root, "SELECT id, kind, status FROM upgrades ORDER BY id")

        # The last step's archive: one byte changed under its signature.
        last = names[-1]
        path = os.path.join(work, "ex", "archives", "%s-1.1.0.tar.gz" % last)
        with open(path, "r+b") as f:
            data = bytearray(f.read())
            data[len(data) // 2] ^= 0xFF
            f.seek(0)
            f.write(data)

        t0 = time.monotonic()
        r = tool.run(root, ["-o", "json", "apply", batch("1.1.0"), "--offline"], timeout=600)
        refused_apply = time.monotonic() - t0
        doc = json.loads(r.stdout)
        if r.returncode != 4 or doc.get("error", {}).get("code") != "integrity" or "steps" in doc:
            failures.append("the tampered batch was not refused before its first step (exit %d): %s"
                            % (r.returncode, r.stdout[-400:]))
        if links(root) != old:
            failures.append("the refused batch changed links")
        if db_query(root, "SELECT id, kind, status FROM upgrades ORDER BY id") != before:
            failures.append("the refused batch added to the history")

        # Signed and matching its catalog entry, so only extraction refuses it.
        member = manifest(last, "1.1.0").encode()
        with tarfile.open(path, "w:gz") as tar:
            info = tarfile.TarInfo("manifest.yaml")
            info.size = len(member)
            tar.addfile(info, io.BytesIO(member))
            device = tarfile.TarInfo("dev/null")
            device.type = tarfile.CHRTYPE
            device.devmajor, device.devminor = 1, 3
            tar.addfile(device)
        os.remove(path + ".sig")
        subprocess.run([binary, "sign", path, "--key", os.path.join(work, "ex", "demo-test-key.key")], check=True,
                       stdout=subprocess.DEVNULL)

        t0 = time.monotonic()
        r = tool.run(root, ["-o", "json", "apply", batch("1.1.0"), "--offline"], timeout=600)
        failed_apply = time.monotonic() - t0
        if r.returncode != 4:
            failures.append("the apply exited %d, expected 4 (archive refused)\n%s" % (r.returncode, r.stderr[-400:]))
        doc = json.loads(r.stdout)
        steps = doc.get("steps", [])
        failed_at = [i for i, s in enumerate(steps) if s.get("outcome") == "failed"]
        if len(steps) != args.count or failed_at != [args.count - 1] or steps[-1].get("component") != last:
            failures.append("expected %d steps, the last (%s) failed; got %d, failed at %s" % (
                args.count, last, len(steps), [(i, steps[i].get("component")) for i in failed_at]))
        if doc.get("status") != "rolled_back":
            failures.append("the batch's status is %s, expected rolled_back" % doc.get("status"))
        now = links(root)
        if now != old:
            failures.append("not every component is back at 1.0.0: %s" % {c: v for c, v in now.items() if v != old[c]})
        after = db_query(root, "SELECT id, kind, status FROM upgrades ORDER BY id")
        if after[:len(before)] != before:
            failures.append("the history before the batch changed")
        ours = after[len(before):]
        if len(ours) != 1 or ours[0][2] != "rolled_back" or ours[0][0] != doc.get("upgrade_id"):
            failures.append("the history records the batch as %s (reported upgrade %s)" % (ours, doc.get("upgrade_id")))
        else:
            ops = db_query(root, "SELECT status, count(*) FROM operations WHERE upgrade_id = %d GROUP BY status"
                           % ours[0][0])
            log("the batch's %d changes are recorded as %s" % (sum(c for _, c in ops), dict(ops)))
        failures += check_root(tool, root)
        log("%d components: catalog and %d signed archives %.1f s; install apply %.2f s; refused apply "
            "(%d verified, the last refused, nothing changed) %.2f s; failing apply (%d verified, extracted and "
            "swapped, the last refused, all rolled back) %.2f s; total %.1f s" % (
                args.count, 2 * args.count, setup, install, args.count - 1, refused_apply, args.count - 1,
                failed_apply, time.monotonic() - started))
    except (Failure, ValueError) as e:
        failures.append(str(e))
    finally:
        release_workdir(work, args.keep)
    for f in failures:
        log("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
