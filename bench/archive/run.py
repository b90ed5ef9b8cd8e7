#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Side-by-side benchmark: verify + extract of one component archive.

Ours:  noodle-upgrade verify ARCHIVE --extract-to DIR
       (the signature, then one read of the archive hashed and extracted
       together under the archive rules, decompression and each file's
       writeback and close on threads of their own, the digest checked,
       one syncfs)
Peer:  what an operator would script by hand:
       openssl dgst -sha256 -binary ARCHIVE > digest
       openssl pkeyutl -verify -pubin -inkey KEY.pub -rawin -in digest -sigfile digest.sig
       tar -xzf ARCHIVE -C DIR && sync

The component is generated (seeded): ~60 MB in ~1,500 files, a third of the
bytes incompressible, the rest text. Each side runs N times in alternation;
medians of wall time and of peak RSS (the largest process) are printed with
the ratio.

Usage: bench/archive/run.py --binary build-rel/noodle-upgrade [--runs 5] [--mb 60] [--files 1500] [--keep] [--json FILE]
(build the peak_rss target too: ninja -C build-rel noodle-upgrade peak_rss)
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import OUT, launcher_next_to, make_component, measure, tree_size, write_json  # noqa: E402

WORK = os.path.join(OUT, "archive")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--peak-rss", help="the peak_rss launcher (default: bench/peak_rss next to the binary)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mb", type=int, default=60)
    ap.add_argument("--files", type=int, default=1500)
    ap.add_argument("--keep", action="store_true", help="leave bench/out/archive (archive, key, extracted trees) "
                    "for profiling")
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    launcher = launcher_next_to(binary, args.peak_rss)

    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    src = os.path.join(WORK, "src")
    make_component(src, args.mb, args.files)
    archive = os.path.join(WORK, "component.tar.gz")
    keyring = os.path.join(WORK, "keyring")
    os.makedirs(keyring)
    key = os.path.join(WORK, "bench")

    def run(cmd):
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

    run([binary, "keygen", "--out", key])
    run([binary, "pack", src, "--out", archive])
    run([binary, "sign", archive, "--key", key + ".key"])
    shutil.copy(key + ".pub", os.path.join(keyring, "bench.pub"))
    # The hand pipeline's own signature: Ed25519 over the archive's digest.
    digest = os.path.join(WORK, "digest")
    run(["sh", "-c", "openssl dgst -sha256 -binary '%s' > '%s'" % (archive, digest)])
    run(["openssl", "pkeyutl", "-sign", "-inkey", key + ".key", "-rawin", "-in", digest, "-out", digest + ".sig"])
    size = os.path.getsize(archive)
    nfiles, unpacked = tree_size(src)

    # Every run's tree stays until the end: on ext4 without a journal each
    # create soon after many deletions costs up to about 1 ms of kernel CPU
    # (bench/README.md, "A note on ext4"), which removing one run's tree
    # before the next would bill to whichever side came next.
    ours_t, ours_m, peer_t, peer_m = [], [], [], []
    for i in range(args.runs):
        out = os.path.join(WORK, "ours-%d" % i)
        t, m = measure(launcher, "argv", [binary, "--keyring", keyring, "--root", WORK, "verify", archive, "--extract-to", out])
        ours_t.append(t)
        ours_m.append(m)
        out = os.path.join(WORK, "peer-%d" % i)
        os.makedirs(out)
        line = ("openssl dgst -sha256 -binary '{a}' > '{d}.now' && "
                "openssl pkeyutl -verify -pubin -inkey '{k}.pub' -rawin -in '{d}.now' -sigfile '{d}.sig' >/dev/null && "
                "tar -xzf '{a}' -C '{o}' && sync").format(a=archive, d=digest, k=key, o=out)
        t, m = measure(launcher, "sh", [line])
        peer_t.append(t)
        peer_m.append(m)

    mt, pt = statistics.median(ours_t), statistics.median(peer_t)
    print("archive benchmark: %d files, %.1f MB unpacked, %.1f MB archive (tar.gz), %d runs each, medians"
          % (nfiles, unpacked / 1e6, size / 1e6, args.runs))
    print("%-44s %10s %14s" % ("", "wall (ms)", "peak RSS (MB)"))
    print("%-44s %10.1f %14.1f" % ("noodle-upgrade verify --extract-to", mt, statistics.median(ours_m)))
    print("%-44s %10.1f %14.1f" % ("openssl dgst + pkeyutl -verify + tar -xzf + sync", pt, statistics.median(peer_m)))
    print("ratio (hand pipeline time / ours): %.2fx" % (pt / mt))
    write_json(args.json, {
        "benchmark": "archive", "runs": args.runs, "files": nfiles, "unpacked_bytes": unpacked,
        "archive_bytes": size,
        "ours": {"wall_ms": ours_t, "median_ms": mt, "peak_rss_mb": statistics.median(ours_m)},
        "peer": {"wall_ms": peer_t, "median_ms": pt, "peak_rss_mb": statistics.median(peer_m)},
    })
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
