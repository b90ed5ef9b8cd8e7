#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Side-by-side benchmark: fetch, verify and install one component from a repository over local HTTP.

Ours:  noodle-upgrade --catalog http://127.0.0.1:PORT/ upgrade bench_component 1.0.0 --offline
       (index fetched and verified, archive fetched by digest into the root's cache, checked against the index,
       verified with its signature, extracted with every file fsynced, the link swapped, the history recorded),
       into a fresh root each run
Peer:  what an operator would script by hand:
       curl -sf URL/ARCHIVE -o a && curl -sf URL/digest.sig -o s && openssl dgst -sha256 -binary a > d &&
       openssl pkeyutl -verify -pubin -inkey KEY.pub -rawin -in d -sigfile s && tar -xzf a -C DIR && sync

The component is bench/common.py's generated one (~60 MB, ~1,500 files); the server is `python3 -m http.server`
on 127.0.0.1, started here and stopped at the end. Each side runs N times in alternation; medians of wall time and
peak RSS are printed with the ratio.

Usage: bench/repo/run.py --binary build-rel/noodle-upgrade [--runs 5] [--mb 60] [--files 1500] [--json FILE]
(build the peak_rss target too: ninja -C build-rel noodle-upgrade peak_rss)
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import OUT, launcher_next_to, make_component, measure, tree_size, write_json  # noqa: E402

WORK = os.path.join(OUT, "repo")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--peak-rss", help="the peak_rss launcher (default: bench/peak_rss next to the binary)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mb", type=int, default=60)
    ap.add_argument("--files", type=int, default=1500)
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    launcher = launcher_next_to(binary, args.peak_rss)

    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    src = os.path.join(WORK, "src")
    manifest = make_component(src, args.mb, args.files)
    archives = os.path.join(WORK, "archives")
    catalog = os.path.join(WORK, "catalog")
    keyring = os.path.join(WORK, "keyring")
    for d in (archives, catalog, keyring):
        os.makedirs(d)
    with open(os.path.join(catalog, "bench_component.yaml"), "w") as f:
        f.write(manifest)
    archive = os.path.join(archives, "bench_component-1.0.0.tar.gz")
    key = os.path.join(WORK, "bench")
    repo = os.path.join(WORK, "srv")

    def run(cmd):
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

    run([binary, "keygen", "--out", key])
    shutil.copy(key + ".pub", os.path.join(keyring, "bench.pub"))
    run([binary, "pack", src, "--out", archive])
    run([binary, "sign", archive, "--key", key + ".key"])
    run([binary, "--keyring", keyring, "--archives", archives, "repo", "index", catalog, "--out", repo, "--key",
         key + ".key"])
    # The hand pipeline's own signature (Ed25519 over the archive's digest), served beside the repository.
    digest = os.path.join(WORK, "digest")
    run(["sh", "-c", "openssl dgst -sha256 -binary '%s' > '%s'" % (archive, digest)])
    run(["openssl", "pkeyutl", "-sign", "-inkey", key + ".key", "-rawin", "-in", digest, "-out",
         os.path.join(repo, "digest.sig")])
    size = os.path.getsize(archive)
    nfiles, unpacked = tree_size(src)

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory",
                               repo], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d/" % port
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        ours_t, ours_m, peer_t, peer_m = [], [], [], []
        for i in range(args.runs):
            root = os.path.join(WORK, "root-%d" % i)
            os.makedirs(root)
            t, m = measure(launcher, "argv", [binary, "--root", root, "--keyring", keyring, "--catalog", url, "-q",
                                              "upgrade", "bench_component", "1.0.0", "--offline"])
            ours_t.append(t)
            ours_m.append(m)
            shutil.rmtree(root)
            out = os.path.join(WORK, "peer-%d" % i)
            os.makedirs(out)
            line = ("curl -sf '{u}archives/bench_component/1.0.0/bench_component-1.0.0.tar.gz' -o '{o}.tar.gz' && "
                    "curl -sf '{u}digest.sig' -o '{o}.sig' && "
                    "openssl dgst -sha256 -binary '{o}.tar.gz' > '{o}.digest' && "
                    "openssl pkeyutl -verify -pubin -inkey '{k}.pub' -rawin -in '{o}.digest' -sigfile '{o}.sig' "
                    ">/dev/null && tar -xzf '{o}.tar.gz' -C '{o}' && sync").format(u=url, o=out, k=key)
            t, m = measure(launcher, "sh", [line])
            peer_t.append(t)
            peer_m.append(m)
            shutil.rmtree(out)
            for ext in (".tar.gz", ".sig", ".digest"):
                os.remove(out + ext)
    finally:
        server.terminate()
        server.wait(timeout=10)

    mt, pt = statistics.median(ours_t), statistics.median(peer_t)
    print("repository benchmark: %d files, %.1f MB unpacked, %.1f MB archive (tar.gz) over local HTTP, %d runs each, "
          "medians" % (nfiles, unpacked / 1e6, size / 1e6, args.runs))
    print("%-60s %10s %14s" % ("", "wall (ms)", "peak RSS (MB)"))
    print("%-60s %10.1f %14.1f" % ("noodle-upgrade --catalog URL upgrade (fetch, verify, install)", mt,
                                   statistics.median(ours_m)))
    print("%-60s %10.1f %14.1f" % ("curl + openssl dgst + pkeyutl -verify + tar -xzf + sync", pt,
                                   statistics.median(peer_m)))
    print("ratio (hand pipeline time / ours): %.2fx" % (pt / mt))
    write_json(args.json, {
        "benchmark": "repo", "runs": args.runs, "files": nfiles, "unpacked_bytes": unpacked, "archive_bytes": size,
        "ours": {"wall_ms": ours_t, "median_ms": mt, "peak_rss_mb": statistics.median(ours_m)},
        "peer": {"wall_ms": peer_t, "median_ms": pt, "peak_rss_mb": statistics.median(peer_m)},
    })
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
