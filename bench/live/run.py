#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark: a small live upgrade against the running demo runtime.

A 1 MB component (20 files) is upgraded with the immediate strategy: verify
and extract the signed archive, rollback point, then over the control
socket prepare / activate / health / commit with the link swapped just
before the commit. Each run upgrades to the next version (1.1.0, 1.2.0, ...)
so every run does the whole job. Printed: medians of the whole process (end
to end), of the traffic switch (the activate round trip, `switch_ms`) and of
the link swap (`swap_ms`), against the 50-200 ms the system's description
gives for a swap; targets: end to end under 20 ms, switch under 1 ms.

The same series runs again on a root whose state database holds a long
history (--history audit and event rows, copies of the root's own): every
command opens that database, so its cost must not grow with the history.

Beside them, what bounds the end to end figure on this machine: the process
start-up (`--version`), the fsync, fdatasync and syncfs calls of one more
upgrade (counted with strace -c, when strace is installed; not timed) and
the time of one fdatasync of a 4 KiB write on the work directory's disk.

Steering: a gradual rollout with a 10 s step interval is paused in the middle
of that interval (`pause` reports its `reaction_ms`: the request written to
the running process's acknowledgment) and then aborted (the time from
`abort` to the upgrade's process having rolled back and exited); target
100 ms each, medians of --steer-runs.

Usage: bench/live/run.py --binary build-rel/noodle-upgrade --runtime build-rel/examples/noodle-demo-runtime
       [--runs 15] [--history 60000] [--json FILE]
"""

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402

WORK = os.path.join(common.OUT, "live")
NAME = "live_component"


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        sys.exit("failed (exit %d): %s\n%s%s" % (r.returncode, " ".join(cmd), r.stdout, r.stderr))
    return r.stdout


def add_history(root, rows):
    """Copies the root's own audit and event rows until each table holds `rows`: the state database
    of a root with a long history. Returns the database's size in bytes."""
    db = os.path.join(root, ".noodle-upgrade", "state.db")
    con = sqlite3.connect(db)
    try:
        # Through a rollback journal, which holds only the pages changed: in
        # WAL mode all 30 MB would pass through a log that is then deleted,
        # and on a file system mounted with `discard` the freed blocks slow
        # the next runs' fsyncs for seconds.
        con.execute("PRAGMA journal_mode = DELETE")
        for table in ("audit", "events"):
            columns = ", ".join(r[1] for r in con.execute("PRAGMA table_info(%s)" % table) if r[1] != "id")
            if con.execute("SELECT count(*) FROM %s" % table).fetchone()[0] == 0:
                sys.exit("the root has no %s rows to copy" % table)
            while con.execute("SELECT count(*) FROM %s" % table).fetchone()[0] < rows:
                con.execute("INSERT INTO %s (%s) SELECT %s FROM %s LIMIT 5000" % (table, columns, columns, table))
            con.commit()
        con.execute("PRAGMA journal_mode = WAL")
    finally:
        con.close()
    return os.path.getsize(db)


def series(work, binary, runtime, launcher, runs, history=0, count_syncs=False):
    """One root in `work`, the demo runtime on it, `runs` live upgrades: the figures of each, the
    state database's size (None without `history`) and, with `count_syncs`, the sync calls of one more
    upgrade (count_sync_calls; None without strace). With `history`, the state database first gets
    that many audit and event rows (add_history)."""
    shutil.rmtree(work, ignore_errors=True)
    catalog, archives, keyring, root = (os.path.join(work, d) for d in ("catalog", "archives", "keyring", "root"))
    for d in (catalog, archives, keyring):
        os.makedirs(d)
    key = os.path.join(work, "bench")
    run([binary, "keygen", "--out", key])
    shutil.move(key + ".pub", os.path.join(keyring, "bench.pub"))
    # With a history, 1.1.0 is a live upgrade that makes its first events and
    # 1.2.0 the first after the history is added.
    first = 3 if history else 1
    versions = runs + first + (1 if count_syncs else 0)
    # The sources stay until `work` goes: on ext4, creating files soon after
    # deleting others costs about 1 ms each (bench/README.md, "A note on
    # ext4"), which would be billed to the timed upgrades.
    docs = []
    for i in range(versions):
        version = "1.%d.0" % i
        src = os.path.join(work, "src-" + version)
        common.make_component(src, 1, 20, name=NAME, version=version, seed=i)
        doc = "name: %s\nversion: %s\ntype: runtime\nhot_swappable: true\n" % (NAME, version)
        with open(os.path.join(src, "manifest.yaml"), "w") as f:
            f.write(doc)
        docs.append(doc)
        archive = os.path.join(archives, "%s-%s.tar.gz" % (NAME, version))
        run([binary, "pack", src, "--out", archive])
        run([binary, "sign", archive, "--key", key + ".key"])
    with open(os.path.join(catalog, NAME + ".yaml"), "w") as f:
        f.write("---\n".join(docs))
    nu = [binary, "--root", root, "--catalog", catalog, "--keyring", keyring, "--archives", archives]
    run(nu + ["upgrade", NAME, "1.0.0", "--offline"])

    server = subprocess.Popen([runtime, "--root", root, "--instances", "3"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        if "listening on" not in server.stdout.readline():
            sys.exit("the demo runtime did not start")
        db_bytes = None
        if history:
            run(nu + ["upgrade", NAME, "1.1.0", "--strategy", "immediate"])
            db_bytes = add_history(root, history)
            os.sync()  # its writes flushed now, not during the timed runs
            # Not timed: the first open after another program wrote the
            # database runs its quick_check, once (bench/README.md).
            run(nu + ["upgrade", NAME, "1.2.0", "--strategy", "immediate"])
        total, switch, swap, rss = [], [], [], []
        for i in range(first, first + runs):
            argv = nu + ["-o", "json", "upgrade", NAME, "1.%d.0" % i, "--strategy", "immediate"]
            if launcher:
                ms, mb, out = common.measure(launcher, "argv", argv, capture=True)
                rss.append(mb)
            else:
                started = time.perf_counter()
                out = run(argv)
                ms = (time.perf_counter() - started) * 1000
            total.append(ms)
            result = json.loads(out.strip().splitlines()[-1])
            step = result["steps"][0]
            switch.append(step["live"]["switch_ms"])
            swap.append(step["swap_ms"])
        syncs = None
        if count_syncs:
            syncs = count_sync_calls(nu + ["upgrade", NAME, "1.%d.0" % (first + runs), "--strategy", "immediate"])
    finally:
        server.terminate()
        server.wait()
    shutil.rmtree(work, ignore_errors=True)
    return total, switch, swap, rss, db_bytes, syncs


def count_sync_calls(argv):
    """How many fsync, fdatasync and syncfs calls one run of `argv` makes (strace -c), by name; None
    without strace. Not timed: strace slows every system call."""
    if shutil.which("strace") is None:
        return None
    names = ("fsync", "fdatasync", "syncfs")
    r = subprocess.run(["strace", "-f", "-c", "-e", "trace=" + ",".join(names), "-o", "/dev/stderr"] + argv,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("failed (exit %d) under strace: %s\n%s" % (r.returncode, " ".join(argv), r.stderr))
    calls = dict.fromkeys(names, 0)
    for line in r.stderr.splitlines():
        fields = line.split()
        # "% time  seconds  usecs/call  calls  [errors]  syscall"
        if fields and fields[-1] in calls and fields[3].isdigit():
            calls[fields[-1]] = int(fields[3])
    return calls


def startup_ms(binary, runs=15):
    """Median wall time of `binary --version`: the floor of any whole-process figure."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run([binary, "--version"])
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def fdatasync_ms(directory, runs=20):
    """Median time of one fdatasync(2) after a 4 KiB write to a file in `directory`: what one commit
    of the state database's log costs on that disk."""
    path = os.path.join(directory, "fdatasync-probe")
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for i in range(runs):
            os.pwrite(fd, b"x" * 4096, i * 4096)
            started = time.perf_counter()
            os.fdatasync(fd)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    return statistics.median(times)


def wait_event(path, kind, timeout=60):
    """The first event `kind` in the JSON lines of `path`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            with open(path) as f:
                for line in f:
                    if line.endswith("\n"):
                        e = json.loads(line)
                        if e["event"] == kind:
                            return e
        except FileNotFoundError:
            pass
        time.sleep(0.005)
    sys.exit("no %s event in %s" % (kind, path))


def steering(work, binary, runtime, runs):
    """Pause and abort in the middle of a gradual step interval: (pause reaction ms, abort-to-rolled-back ms)."""
    shutil.rmtree(work, ignore_errors=True)
    catalog, archives, keyring, root = (os.path.join(work, d) for d in ("catalog", "archives", "keyring", "root"))
    for d in (catalog, archives, keyring):
        os.makedirs(d)
    key = os.path.join(work, "bench")
    run([binary, "keygen", "--out", key])
    shutil.move(key + ".pub", os.path.join(keyring, "bench.pub"))
    docs = []
    for i in range(2):
        version = "1.%d.0" % i
        src = os.path.join(work, "src-" + version)
        common.make_component(src, 1, 20, name=NAME, version=version, seed=i)
        doc = "name: %s\nversion: %s\ntype: runtime\nhot_swappable: true\n" % (NAME, version)
        with open(os.path.join(src, "manifest.yaml"), "w") as f:
            f.write(doc)
        docs.append(doc)
        archive = os.path.join(archives, "%s-%s.tar.gz" % (NAME, version))
        run([binary, "pack", src, "--out", archive])
        run([binary, "sign", archive, "--key", key + ".key"])
    with open(os.path.join(catalog, NAME + ".yaml"), "w") as f:
        f.write("---\n".join(docs))
    nu = [binary, "--root", root, "--catalog", catalog, "--keyring", keyring, "--archives", archives]
    run(nu + ["upgrade", NAME, "1.0.0", "--offline"])
    server = subprocess.Popen([runtime, "--root", root, "--instances", "3"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    pauses, aborts = [], []
    try:
        if "listening on" not in server.stdout.readline():
            sys.exit("the demo runtime did not start")
        for i in range(runs):
            events = os.path.join(work, "events-%d.jsonl" % i)
            proc = subprocess.Popen(nu + ["upgrade", NAME, "1.1.0", "--strategy", "gradual", "--steps", "10,50,100",
                                          "--step-interval", "10", "--events", events],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                first = wait_event(events, "activate")  # the first step is live; its interval has begun
                time.sleep(0.05)
                paused = json.loads(run(nu + ["-o", "json", "pause", str(first["upgrade_id"])]))
                pauses.append(paused["reaction_ms"])
                started = time.perf_counter()
                run(nu + ["-o", "json", "abort", str(first["upgrade_id"])])
                proc.wait(timeout=60)
                proc.stderr.close()
                aborts.append((time.perf_counter() - started) * 1000)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    finally:
        server.terminate()
        server.wait()
    shutil.rmtree(work, ignore_errors=True)
    return pauses, aborts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--runtime", required=True)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--steer-runs", type=int, default=7, help="rollouts paused and aborted (0: none)")
    ap.add_argument("--history", type=int, default=60000,
                    help="audit and event rows of the long-history series (copies of the root's own; "
                         "0: no such series)")
    ap.add_argument("--peak-rss", help="the peak_rss launcher (default: bench/peak_rss next to the binary, if built)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = ap.parse_args()
    binary, runtime = os.path.abspath(args.binary), os.path.abspath(args.runtime)
    launcher = common.launcher_next_to(binary, args.peak_rss)
    if not os.access(launcher, os.X_OK):
        launcher = None  # no peak RSS then; the wall time is taken here

    total, switch, swap, rss, _, syncs = series(WORK, binary, runtime, launcher, args.runs, count_syncs=True)
    # What bounds the end to end figure here: the process start-up, and the
    # disk's syncs (their number in one upgrade, the cost of one).
    os.makedirs(WORK, exist_ok=True)
    startup, one_sync = startup_ms(binary), fdatasync_ms(WORK)
    shutil.rmtree(WORK, ignore_errors=True)
    # The same on a memory file system, where creating a file or directory and
    # fsync cost next to nothing: what is left is the tool's own time.
    tmpfs_total = []
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        tmpfs_total = series(os.path.join("/dev/shm", "noodle-bench-live-%d" % os.getpid()), binary, runtime, None,
                             args.runs)[0]
    # The same with a long history: every command opens the state database,
    # whose quick_check reads every page unless the files are as the last
    # change left them.
    history_total, history_bytes = [], None
    if args.history > 0:
        history_total, _, _, _, history_bytes, _ = series(WORK + "-history", binary, runtime, None, args.runs,
                                                       args.history)
    pauses, aborts = steering(WORK + "-steer", binary, runtime, args.steer_runs) if args.steer_runs else ([], [])
    med = statistics.median
    print("live upgrade benchmark: %s, 1 MB in 20 files, immediate strategy, %d runs, medians" % (NAME, args.runs))
    print("  end to end (whole process):      %8.1f ms   target < 20 ms; the description's swap: 50-200 ms" % med(total))
    print("  traffic switch (activate RTT):   %8.3f ms   target < 1 ms" % med(switch))
    print("  link swap (temp link + rename):  %8.3f ms" % med(swap))
    if tmpfs_total:
        print("  end to end on tmpfs (/dev/shm):  %8.1f ms   (a memory file system: the tool's own time)"
              % med(tmpfs_total))
    if history_total:
        print("  with a long history:             %8.1f ms   (%d audit and %d event rows, state database %.1f MB)"
              % (med(history_total), args.history, args.history, history_bytes / 1e6))
    if rss:
        print("  peak RSS of noodle-upgrade:      %8.1f MB" % med(rss))
    if pauses:
        print("  pause mid step interval, acked:  %8.1f ms   target < 100 ms (%d rollouts)" % (med(pauses), len(pauses)))
        print("  abort mid pause, rolled back:    %8.1f ms   target < 100 ms (abort's whole process to the "
              "upgrade's exit)" % med(aborts))
    print("  process start-up (--version):    %8.1f ms" % startup)
    print("  one fdatasync of a 4 KiB write:  %8.2f ms   (this disk)" % one_sync)
    if syncs is not None:
        print("  sync calls in one upgrade:       %8d     (%s)" % (
            sum(syncs.values()), ", ".join("%s %d" % kv for kv in syncs.items())))
    print("  runs (ms): %s" % " ".join("%.1f" % t for t in total))
    common.write_json(args.json, {
        "benchmark": "live", "runs": args.runs,
        "ours": {"wall_ms": total, "median_ms": med(total), "peak_rss_mb": med(rss) if rss else None,
                 "switch_ms": switch, "switch_median_ms": med(switch), "swap_ms": swap, "swap_median_ms": med(swap),
                 "tmpfs_ms": tmpfs_total, "tmpfs_median_ms": med(tmpfs_total) if tmpfs_total else None,
                 "history_rows": args.history, "history_db_bytes": history_bytes,
                 "history_ms": history_total, "history_median_ms": med(history_total) if history_total else None,
                 "pause_ms": pauses, "pause_median_ms": med(pauses) if pauses else None,
                 "abort_ms": aborts, "abort_median_ms": med(aborts) if aborts else None,
                 "startup_ms": startup, "fdatasync_ms": one_sync, "sync_calls": syncs},
        "peer": {"stated_swap_ms": [50, 200]},
    })


if __name__ == "__main__":
    main()
