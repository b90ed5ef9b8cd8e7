#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Side-by-side benchmark: one whole offline upgrade, 1.0.0 -> 2.0.0.

Ours:  noodle-upgrade upgrade bench_component 2.0.0 --offline -o json
       (the root lock and recovery check, the plan, the archive checked in
       one read with no copy, then read once more, hashed and extracted into
       staging together, checked against the signature, made durable by one
       syncfs of the file system, the tree's digests recorded in the
       state database, the rename into versions/2.0.0, a rollback point with
       a copy of config/, the swap of `current`, the history and audit rows)
Peer:  what an operator would script by hand, in the component directory:
       openssl dgst -sha256 -binary ARCHIVE > digest
       openssl pkeyutl -verify -pubin -inkey KEY.pub -rawin -in digest -sigfile digest.sig
       mkdir versions/2.0.0 && tar -xzf ARCHIVE -C versions/2.0.0
       ln -s versions/2.0.0 current.tmp && mv -T current.tmp current
       sync

Both start from the same root: a small 1.0.0 installed by the tool, with a
config/ of a few files, copied afresh (cp -a, then sync) before every run and
outside the timing. The measured version is the seeded component of the
archive benchmark (~60 MB in ~1,500 files). Each side runs N times in
alternation (the order flips every run); medians of wall time and peak RSS
(the largest process) are printed with the ratio, with our `swap_ms` (the
link replacement alone: symlink, rename, directory fsync, from the JSON
report) and the wall time of the peer's `mv -T` alone (its own process,
timed separately after each peer run).

Usage: bench/upgrade/run.py --binary build-rel/noodle-upgrade [--runs 5] [--mb 60] [--files 1500] [--json FILE]
(build the peak_rss target too: ninja -C build-rel noodle-upgrade peak_rss)
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import OUT, launcher_next_to, make_component, measure, tree_size, write_json  # noqa: E402

WORK = os.path.join(OUT, "upgrade")
NAME = "bench_component"
CONFIG = {
    "runtime.yaml": "threads: 8\nheap_mb: 512\n",
    "logging.yaml": "level: info\nsink: /var/log/bench_component.log\n",
    "limits.yaml": "open_files: 4096\nrequests_per_second: 1200\n",
    "features/flags.yaml": "fast_path: true\nexperimental: false\n",
}


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)


def fresh_root(base, dest):
    """A copy of the base root, flushed so that neither side pays for it."""
    run(["cp", "-a", base, dest])
    run(["sync"])


def current(root):
    return os.readlink(os.path.join(root, "components", NAME, "current"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--peak-rss", help="the peak_rss launcher (default: bench/peak_rss next to the binary)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mb", type=int, default=60)
    ap.add_argument("--files", type=int, default=1500)
    ap.add_argument("--keep", action="store_true", help="leave bench/out/upgrade (the base root, archives, catalog) "
                    "for profiling")
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    launcher = launcher_next_to(binary, args.peak_rss)

    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    archives = os.path.join(WORK, "archives")
    keyring = os.path.join(WORK, "keyring")
    catalog = os.path.join(WORK, "catalog")
    for d in (archives, keyring, catalog):
        os.makedirs(d)
    key = os.path.join(WORK, "bench")
    run([binary, "keygen", "--out", key])
    shutil.copy(key + ".pub", os.path.join(keyring, "bench.pub"))

    # 1.0.0 small (installed before the timing), 2.0.0 the measured one; the
    # catalog holds the same manifest the archive carries.
    manifests = []
    for version, mb, files in (("1.0.0", 1, 20), ("2.0.0", args.mb, args.files)):
        src = os.path.join(WORK, "src-" + version)
        manifests.append(make_component(src, mb, files, name=NAME, version=version))
        archive = os.path.join(archives, "%s-%s.tar.gz" % (NAME, version))
        run([binary, "pack", src, "--out", archive], stderr=subprocess.DEVNULL)
        run([binary, "sign", archive, "--key", key + ".key"], stderr=subprocess.DEVNULL)
    with open(os.path.join(catalog, NAME + ".yaml"), "w") as f:
        f.write("---\n".join(manifests))
    nfiles, unpacked = tree_size(os.path.join(WORK, "src-2.0.0"))
    archive = os.path.join(archives, "%s-2.0.0.tar.gz" % NAME)
    size = os.path.getsize(archive)

    # The hand pipeline's own signature: Ed25519 over the archive's digest.
    digest = os.path.join(WORK, "digest")
    run(["sh", "-c", "openssl dgst -sha256 -binary '%s' > '%s'" % (archive, digest)])
    run(["openssl", "pkeyutl", "-sign", "-inkey", key + ".key", "-rawin", "-in", digest, "-out", digest + ".sig"])

    common_args = ["--root", None, "--catalog", catalog, "--keyring", keyring, "--archives", archives]

    def ours_argv(root, *rest):
        a = list(common_args)
        a[1] = root
        return [binary] + a + list(rest)

    base = os.path.join(WORK, "base")
    run(ours_argv(base, "upgrade", NAME, "1.0.0", "--offline"))
    for rel, text in CONFIG.items():
        path = os.path.join(base, "components", NAME, "config", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    assert current(base) == "versions/1.0.0"

    def run_ours(i):
        root = os.path.join(WORK, "ours-%d" % i)
        fresh_root(base, root)
        t, m, out = measure(launcher, "argv", ours_argv(root, "-o", "json", "upgrade", NAME, "2.0.0", "--offline"),
                            capture=True)
        report = json.loads(out)
        swaps = [s["swap_ms"] for s in report["steps"]]
        if current(root) != "versions/2.0.0" or len(swaps) != 1:
            sys.exit("ours did not upgrade %s to 2.0.0 in one step: %s" % (root, out))
        return t, m, swaps[0]

    def run_peer(i):
        root = os.path.join(WORK, "peer-%d" % i)
        fresh_root(base, root)
        comp = os.path.join(root, "components", NAME)
        line = ("cd '{c}' && "
                "openssl dgst -sha256 -binary '{a}' > '{d}.now' && "
                "openssl pkeyutl -verify -pubin -inkey '{k}.pub' -rawin -in '{d}.now' -sigfile '{d}.sig' >/dev/null && "
                "mkdir versions/2.0.0 && tar -xzf '{a}' -C versions/2.0.0 && "
                "ln -s versions/2.0.0 current.tmp && mv -T current.tmp current && "
                "sync").format(c=comp, a=archive, d=digest, k=key)
        t, m = measure(launcher, "sh", [line])
        if current(root) != "versions/2.0.0":
            sys.exit("the hand pipeline did not switch %s to 2.0.0" % root)
        # The mv -T step alone, as the script runs it (its own process).
        os.symlink("versions/1.0.0", os.path.join(comp, "current.tmp"))
        mv_ms, _ = measure(launcher, "argv", ["mv", "-T", os.path.join(comp, "current.tmp"), os.path.join(comp, "current")])
        os.remove(digest + ".now")
        return t, m, mv_ms

    # Every run's root stays until the end, as in bench/archive/run.py.
    ours_t, ours_m, ours_swap, peer_t, peer_m, peer_mv = [], [], [], [], [], []
    for i in range(args.runs):
        order = (run_ours, run_peer) if i % 2 == 0 else (run_peer, run_ours)
        for side in order:
            t, m, x = side(i)
            if side is run_ours:
                ours_t.append(t), ours_m.append(m), ours_swap.append(x)
            else:
                peer_t.append(t), peer_m.append(m), peer_mv.append(x)

    med = statistics.median
    mt, pt = med(ours_t), med(peer_t)
    print("upgrade benchmark: %s 1.0.0 -> 2.0.0, %d files, %.1f MB unpacked, %.1f MB archive (tar.gz), "
          "%d runs each, medians" % (NAME, nfiles, unpacked / 1e6, size / 1e6, args.runs))
    print("%-66s %10s %14s %10s" % ("", "wall (ms)", "peak RSS (MB)", "swap (ms)"))
    print("%-66s %10.1f %14.1f %10.3f" % ("noodle-upgrade upgrade --offline (swap_ms from the report)", mt,
                                          med(ours_m), med(ours_swap)))
    print("%-66s %10.1f %14.1f %10.3f" % ("openssl dgst + pkeyutl + tar -xzf + ln/mv -T + sync (mv -T alone)", pt,
                                          med(peer_m), med(peer_mv)))
    print("ratio (ours / hand pipeline): %.2fx of the medians; %.2fx median of the run-by-run ratios "
          "(each pair ran back to back, so a slow spell of the shared disk weighs on both)"
          % (mt / pt, med([o / p for o, p in zip(ours_t, peer_t)])))
    print("runs (ms): ours %s; peer %s" % (" ".join("%.0f" % t for t in ours_t), " ".join("%.0f" % t for t in peer_t)))
    print("swap (ms): ours %s; peer mv -T %s" % (" ".join("%.3f" % t for t in ours_swap),
                                                " ".join("%.3f" % t for t in peer_mv)))
    write_json(args.json, {
        "benchmark": "upgrade", "runs": args.runs, "files": nfiles, "unpacked_bytes": unpacked, "archive_bytes": size,
        "ours": {"wall_ms": ours_t, "median_ms": mt, "peak_rss_mb": med(ours_m), "swap_ms": ours_swap,
                 "swap_median_ms": med(ours_swap)},
        "peer": {"wall_ms": peer_t, "median_ms": pt, "peak_rss_mb": med(peer_m), "mv_ms": peer_mv,
                 "mv_median_ms": med(peer_mv)},
        "run_ratio_median": med([o / p for o, p in zip(ours_t, peer_t)]),
    })
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
