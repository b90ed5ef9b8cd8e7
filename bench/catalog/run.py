#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Catalog loading on generated catalogs of 1,000, 10,000 and 100,000
components, beside apt-cache over a Packages file of the same packages.

For each size: `components list -o json`, `plan` (the newest version of the
last component, whose dependencies reach far down; the catalog has no
archives, so plan resolves everything and then refuses with exit 2 at the
archive check), `validate` and a `__complete` call (the component names
after `deps c0009`), each
  - warm, through the compiled catalog cache (built by one run first);
  - warm with --no-catalog-cache (NOODLE_NO_CATALOG_CACHE=1: every file
    parsed);
  - cold: the same two after `sync; echo 3 > /proc/sys/vm/drop_caches`
    before every run (when this process may write it; otherwise "not
    measured"),
with wall time and peak RSS (bench/peak_rss). `validate` always reads the
files, so it has no cached rows.

The peer: apt-cache with the same packages (one stanza per component
version) in a private list directory, with and without its binary cache
(pkgcache.bin): `pkgnames` (list), `policy NAME` (plan), `stats` (reads and
counts everything, for validate) and `pkgnames PREFIX` (what bash completes
with).

Usage: bench/catalog/run.py --binary build-rel/noodle-upgrade [--sizes 1000 10000 100000]
       [--runs 5] [--cold-runs 2] [--versions 4] [--versions-100k 4] [--json FILE]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from common import OUT, launcher_next_to, write_json  # noqa: E402
import gen  # noqa: E402


def run_once(launcher, argv, env, ok=(0,)):
    """(wall ms, peak RSS MB) of one run, its stdout thrown away."""
    line = "exec %s > /dev/null 2>&1" % " ".join("'%s'" % a for a in argv)
    out = subprocess.run([launcher, "/bin/sh", "-c", line], stdout=subprocess.PIPE, text=True, env=env,
                         check=True).stdout
    rc, ms, kib = out.strip().splitlines()[-1].split()
    if int(rc) not in ok:
        sys.exit("benchmark command failed (exit %s): %s" % (rc, " ".join(argv)))
    return float(ms), int(kib) / 1024.0


def drop_caches():
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def series(launcher, argv, env, runs, cold, ok=(0,), before=None):
    times, rss = [], 0.0
    for _ in range(runs):
        if before:
            before()
        if cold:
            drop_caches()
        ms, mb = run_once(launcher, argv, env, ok)
        times.append(ms)
        rss = max(rss, mb)
    return {"median_ms": statistics.median(times), "runs_ms": times, "peak_rss_mb": rss}


def list_file_name(repo):
    """The name apt gives the list of `deb file:REPO ./`: the URI without its
    scheme, a few characters quoted as %xx (lowercase, '_' among them), then
    every '/' made '_' (apt-pkg's URItoFileName). A name it would not look
    for leaves apt with no packages at all, answering in no time."""
    quoted = "".join("%%%02x" % ord(c) if c in '\\|{}[]<>"^~_=!@#$%^&*' or ord(c) <= 0x20 or ord(c) >= 0x7f else c
                     for c in repo + "/./")
    return quoted.replace("/", "_") + "Packages"


class Apt:
    """apt-cache over a private directory holding one Packages list."""

    def __init__(self, work, packages):
        self.dir = os.path.join(work, "apt")
        for d in ["lists/partial", "cache/archives/partial", "etc/apt.conf.d", "etc/preferences.d",
                  "etc/sources.list.d", "repo"]:
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        repo = os.path.join(self.dir, "repo")
        with open(os.path.join(self.dir, "etc", "sources.list"), "w") as f:
            f.write("deb [trusted=yes] file:%s ./\n" % repo)
        shutil.copy(packages, os.path.join(self.dir, "lists", list_file_name(repo)))
        open(os.path.join(self.dir, "status"), "w").close()
        d = self.dir
        self.base = ["apt-cache", "-o", "Dir::Etc=%s/etc" % d, "-o", "Dir::Etc::SourceList=%s/etc/sources.list" % d,
                     "-o", "Dir::Etc::SourceParts=%s/etc/sources.list.d" % d,
                     "-o", "Dir::Etc::Parts=%s/etc/apt.conf.d" % d,
                     "-o", "Dir::Etc::PreferencesParts=%s/etc/preferences.d" % d,
                     "-o", "Dir::State::Lists=%s/lists" % d, "-o", "Dir::State::status=%s/status" % d,
                     "-o", "Dir::Cache=%s/cache" % d, "-o", "Debug::NoLocking=1"]
        self.with_cache = self.base + ["-o", "Dir::Cache::pkgcache=%s/cache/pkgcache.bin" % d,
                                       "-o", "Dir::Cache::srcpkgcache=%s/cache/srcpkgcache.bin" % d]
        self.without_cache = self.base + ["-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache="]

    def shown(self, cached):
        return "apt-cache -o Dir::Etc=... -o Dir::State::Lists=DIR -o Dir::State::status=EMPTY " + (
            "-o Dir::Cache::pkgcache=DIR/pkgcache.bin -o Dir::Cache::srcpkgcache=DIR/srcpkgcache.bin" if cached
            else "-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=")


def bench_size(args, launcher, count, versions):
    work = os.path.join(OUT, "catalog-%d" % count)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    catalog = os.path.join(work, "catalog")
    started = time.monotonic()
    files = gen.make_catalog(catalog, count, versions)
    packages = os.path.join(work, "Packages")
    gen.make_packages(packages, count, versions)
    gen_s = time.monotonic() - started
    print("%d components x %d versions: %d files generated in %.1f s" % (count, versions, files, gen_s), flush=True)
    root = os.path.join(work, "root")
    os.makedirs(root)
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = os.path.join(work, "xdg")  # the compiled cache, private to this run
    env.pop("NOODLE_NO_CATALOG_CACHE", None)
    no_cache_env = dict(env, NOODLE_NO_CATALOG_CACHE="1")  # as --no-catalog-cache
    ours = [args.binary, "--root", root, "--catalog", catalog]
    last = gen.name(count - 1)
    prefix = gen.name(count // 10)[:-1]  # ten names or so
    commands = [
        ("components list", ours + ["components", "list", "-o", "json"], (0,), ["pkgnames"]),
        ("plan", ours + ["plan", last, gen.VERSIONS[versions - 1], "--offline"], (2,), ["policy", last]),
        ("validate", ours + ["validate"], (0,), ["stats"]),
        ("__complete", [args.binary, "__complete", "--root", root, "--catalog", catalog, "deps", prefix], (0,),
         ["pkgnames", prefix]),
    ]
    apt = Apt(work, packages)
    # The peer must hold every package, or its figures mean nothing.
    names = subprocess.run(apt.without_cache + ["pkgnames"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    if names.returncode != 0 or len(names.stdout.split()) != count:
        sys.exit("apt-cache sees %d packages of %d in %s: %s" % (len(names.stdout.split()), count, apt.dir,
                                                                 names.stderr.strip()))
    # The floors of a warm read, measured here and now: the process alone
    # (a one-file catalog through its cache), and one stat(2) of every
    # manifest file, which the cache's key needs (find -printf of the fields
    # it compares).
    tiny = os.path.join(work, "tiny")
    os.makedirs(tiny)
    with open(os.path.join(tiny, "a.yaml"), "w") as f:
        f.write("name: a\nversion: 1.0.0\n")
    tiny_argv = [args.binary, "--root", root, "--catalog", tiny, "components", "list", "-o", "json"]
    run_once(launcher, tiny_argv, env)
    floors = {"startup": series(launcher, tiny_argv, env, args.runs, False),
              "stat_every_file": series(launcher, ["find", catalog, "-name", "*.yaml", "-printf", "%s %T@ %C@ %i\n"],
                                        env, args.runs, False),
              # Opening and reading every manifest, which a read without a
              # cache must do before parsing anything.
              "read_every_file": series(launcher, ["find", catalog, "-name", "*.yaml", "-exec", "cat", "{}", "+"],
                                        env, args.runs, False)}
    print("  floors: start-up %.1f ms, stat of every file %.1f ms, read of every file %.1f ms" % (
        floors["startup"]["median_ms"], floors["stat_every_file"]["median_ms"],
        floors["read_every_file"]["median_ms"]), flush=True)
    cold_ok = drop_caches()
    rows = []
    cache_file = lambda: [os.path.join(d, f) for d, _, fs in os.walk(env["XDG_CACHE_HOME"]) for f in fs]
    for name, argv, ok, apt_args in commands:
        uses_cache = name != "validate"
        if uses_cache:
            run_once(launcher, argv, env, ok)  # builds the compiled cache
        apt_cached = apt.with_cache + apt_args
        run_once(launcher, apt_cached, env)  # builds pkgcache.bin
        modes = [("warm", False)] + ([("cold", True)] if cold_ok else [])
        for temp, cold in modes:
            runs = args.cold_runs if cold else args.runs
            variants = ([("compiled cache", env)] if uses_cache else []) + [("no cache", no_cache_env)]
            for variant, cmd_env in variants:
                o = series(launcher, argv, cmd_env, runs, cold, ok)
                peer_cmd = apt_cached if variant == "compiled cache" else apt.without_cache + apt_args
                p = series(launcher, peer_cmd, env, runs, cold)
                row = {"components": count, "versions": versions, "command": name, "temperature": temp,
                       "variant": variant, "ours": o, "peer": p, "peer_args": " ".join(apt_args),
                       "peer_command": "%s %s" % (apt.shown(variant == "compiled cache"), " ".join(apt_args)),
                       "ratio": o["median_ms"] / p["median_ms"]}
                # Ours through the cache against apt without its cache too: the spec's 0.1x.
                if variant == "compiled cache":
                    q = series(launcher, apt.without_cache + apt_args, env, runs, cold)
                    row["peer_without_cache"] = q
                    row["ratio_to_uncached_peer"] = o["median_ms"] / q["median_ms"]
                rows.append(row)
                print("  %-16s %-4s %-15s ours %9.1f ms %7.1f MB | apt %8.1f ms %6.1f MB | ratio %.2fx%s" % (
                    name, temp, variant, o["median_ms"], o["peak_rss_mb"], p["median_ms"], p["peak_rss_mb"],
                    row["ratio"], "" if "ratio_to_uncached_peer" not in row else
                    " (apt without its cache %.1f ms: %.2fx)" % (row["peer_without_cache"]["median_ms"],
                                                                 row["ratio_to_uncached_peer"])), flush=True)
    size = {"components": count, "versions": versions, "files": files, "generate_s": gen_s, "floors": floors,
            "cache_bytes": sum(os.path.getsize(f) for f in cache_file()), "rows": rows}
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return size, cold_ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--peak-rss", help="the peak_rss launcher (default: bench/peak_rss beside --binary)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--runs", type=int, default=5, help="warm runs per command and side")
    ap.add_argument("--cold-runs", type=int, default=2, help="cold runs per command and side")
    ap.add_argument("--versions", type=int, default=4, help="versions per component (1 to 4)")
    ap.add_argument("--versions-100k", type=int, default=4, help="versions per component at 100,000 and above")
    ap.add_argument("--keep", action="store_true", help="keep the generated catalogs under the work directory")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)
    launcher = launcher_next_to(args.binary, args.peak_rss)
    if shutil.which("apt-cache") is None:
        sys.exit("apt-cache is needed (the peer)")
    sizes, cold_ok = [], True
    for count in args.sizes:
        size, ok = bench_size(args, launcher, count, args.versions_100k if count >= 100000 else args.versions)
        sizes.append(size)
        cold_ok = cold_ok and ok
    if not cold_ok:
        print("cold runs not measured: /proc/sys/vm/drop_caches is not writable here")
    write_json(args.json, {"benchmark": "catalog", "runs": args.runs, "cold_runs": args.cold_runs,
                           "cold_measured": cold_ok, "sizes": sizes})


if __name__ == "__main__":
    sys.exit(main())
