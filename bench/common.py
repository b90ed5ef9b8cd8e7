# SPDX-License-Identifier: Apache-2.0
"""Shared by the benchmark scripts: the seeded component generator and the
peak_rss launcher wrapper."""

import json
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Work files; bench/report points this elsewhere so that two runs never share it.
OUT = os.path.abspath(os.environ.get("NOODLE_BENCH_OUT") or os.path.join(ROOT, "bench", "out"))


def launcher_next_to(binary, explicit=None):
    """The peak_rss launcher: `explicit`, else bench/peak_rss in the build
    directory of `binary`."""
    return os.path.abspath(explicit or os.path.join(os.path.dirname(binary), "bench", "peak_rss"))


def measure(launcher, kind, cmd, capture=False):
    """Wall time (ms) and peak RSS (MB) of the largest process of one run,
    through the small peak_rss launcher (wait4 of the whole tree). `kind` is
    "argv" (cmd is the argv) or "sh" (cmd[0] is a shell line). With `capture`
    the command's own stdout is returned as a third value."""
    argv = cmd if kind == "argv" else ["/bin/sh", "-c", cmd[0]]
    out = subprocess.run([launcher] + argv, stdout=subprocess.PIPE, text=True, check=True).stdout
    # The launcher prints its line after the command has exited.
    body, _, last = out.rstrip("\n").rpartition("\n")
    rc, ms, kib = last.split()
    if rc != "0":
        sys.exit("benchmark command failed (exit %s): %s" % (rc, " ".join(argv)))
    if capture:
        return float(ms), int(kib) / 1024.0, body
    return float(ms), int(kib) / 1024.0


def make_component(src, total_mb, files, name="bench_component", version="1.0.0", seed=20261126):
    """A component directory at `src`: manifest.yaml (name, version, type
    runtime) and `files` files under lib/m00..m39 of about `total_mb` MB in
    all (exponential sizes), a third of them random bytes (incompressible),
    the rest repeated text. Returns the manifest text."""
    rng = random.Random(seed)
    os.makedirs(src)
    manifest = "name: %s\nversion: %s\ntype: runtime\n" % (name, version)
    with open(os.path.join(src, "manifest.yaml"), "w") as f:
        f.write(manifest)
    words = [("w%05d" % i).encode() for i in range(5000)]
    budget = total_mb * 1024 * 1024
    for i in range(files):
        size = max(1, int(rng.expovariate(1.0) * budget / files))
        d = os.path.join(src, "lib", "m%02d" % (i % 40))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "f%04d.%s" % (i, "bin" if i % 3 == 0 else "txt")), "wb") as f:
            if i % 3 == 0:
                f.write(rng.randbytes(size))
            else:
                chunk = b" ".join(rng.choice(words) for _ in range(2000)) + b"\n"
                f.write((chunk * (size // len(chunk) + 1))[:size])
    return manifest


def tree_size(src):
    """(files, bytes) under `src`."""
    files, size = 0, 0
    for d, _, fs in os.walk(src):
        for f in fs:
            files += 1
            size += os.path.getsize(os.path.join(d, f))
    return files, size


def write_json(path, data):
    """Writes the figures of one benchmark run to `path` (the --json option of
    every run.py), for bench/report."""
    if path:
        with open(path, "w") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
