#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The noodle.fleet collection, built and installed with ansible-galaxy, rolling a component out across a
fleet of local hosts (10, or NOODLE_FLEET_HOSTS): each host has its own root, catalog copy, signed archives,
keyring and demo runtime (started with setsid, stopped by pid, killed on any exit).

Scenarios, in order, each checked on every host's root and history:
  check        --check --diff changes nothing on any host, the state database included;
  bad-host     a host of the second wave runs a release whose health check fails: the rollout stops,
               the other hosts of its wave are rolled back, the first wave keeps the new version and the
               later waves are untouched; the JUnit XML of the junit callback names the failure;
  resume       the host fixed and a host's root held locked for a while: the same command completes
               (the lock is retried), hosts already done are unchanged;
  third-run    the same command again changes nothing anywhere; the report (JSON and Markdown) shows
               every host at the version with its last upgrade;
  gate         a file of the canary's version changed: the gate after the first wave stops the rollout;
  tampered     the canary's archive of the next version is corrupted: integrity, nothing else is touched;
  unreachable  a host of the second wave is unreachable (ssh to a closed loopback port): its wave's peer
               is rolled back, the canary keeps the version, later waves are untouched;
  stopped      a host of the last wave has its runtime stopped: runtime unreachable, its wave is rolled
               back, the earlier waves keep the version.

Usage: fleet_rollout_test.py --binary build/noodle-upgrade --demo-runtime build/examples/noodle-demo-runtime
       --source-dir . [--hosts N] [--keep]
Exit 77 (skipped) without ansible-playbook or ansible-galaxy.
"""

import argparse
import ctypes
import fcntl
import glob
import importlib.util
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import rootkit  # noqa: E402
from rootkit import Failure, log  # noqa: E402

COMPONENT = "telemetry_agent"
START, FIRST, NEXT = "0.5.0", "1.0.0", "1.1.0"

NEXT_RELEASE = """---
name: telemetry_agent
version: 1.1.0
description: Metrics and trace exporter
type: system
hot_swappable: true
resources: {memory_mb: 96, cpu_cores: 0.25, disk_mb: 60}
"""


class Fleet:
    def __init__(self, args, work, count):
        self.args = args
        self.work = work
        self.names = ["node%02d" % i for i in range(1, count + 1)]
        self.runtimes = {}
        self.python = sys.executable

    # ---- setup --------------------------------------------------------------

    def build(self):
        started = time.monotonic()
        src = os.path.join(self.args.source_dir, "manifests", COMPONENT + ".yaml")
        good = os.path.join(self.work, "good-catalog")
        bad = os.path.join(self.work, "bad-catalog")
        for catalog, broken in ((good, False), (bad, True)):
            os.makedirs(catalog)
            text = open(src).read() + NEXT_RELEASE
            if broken:
                # The release of FIRST built wrong: its health check fails once it is active.
                text = text.replace("  exporters: [prometheus, otlp]\n",
                                    "  exporters: [prometheus, otlp]\n  demo_health: unhealthy\n")
                if "demo_health" not in text:
                    raise Failure("the broken catalog did not get its demo_health")
            with open(os.path.join(catalog, COMPONENT + ".yaml"), "w") as f:
                f.write(text)
            rootkit.make_examples(self.args.binary, self.args.source_dir, catalog + "-ex", catalog=catalog, jobs=2)
        self.good, self.bad = good, bad
        tool = rootkit.Tool(self.args.binary, good, good + "-ex")
        base = os.path.join(self.work, "base-root")
        tool.must(base, ["upgrade", COMPONENT, START, "--offline"])
        for name in self.names:
            host = self.host_dir(name)
            os.makedirs(host)
            rootkit.copy_root(base, os.path.join(host, "root"))
            self.install_release(name, bad if name == self.bad_host else good)
            self.start_runtime(name)
        self.install_collection()
        self.write_inventory(os.path.join(self.work, "inventory.yml"))
        with open(os.path.join(self.work, "ansible.cfg"), "w") as f:
            f.write("[defaults]\nforks = %d\nhost_key_checking = False\nretry_files_enabled = False\n"
                    "interpreter_python = %s\nlocal_tmp = %s\nremote_tmp = %s\ntimeout = 5\n"
                    "[connection]\npipelining = True\n"
                    % (min(len(self.names), 25), self.python, os.path.join(self.work, "ansible-local"),
                       os.path.join(self.work, "ansible-remote")))
        log("fleet of %d hosts ready in %.1f s" % (len(self.names), time.monotonic() - started))

    def host_dir(self, name):
        return os.path.join(self.work, "hosts", name)

    def root(self, name):
        return os.path.join(self.host_dir(name), "root")

    def install_release(self, name, catalog):
        """The host's catalog copy, archives and keyring, from the good or the broken build."""
        host = self.host_dir(name)
        for part, src in (("catalog", catalog), ("archives", catalog + "-ex/archives"),
                          ("keyring", catalog + "-ex/keyring")):
            dst = os.path.join(host, part)
            if os.path.lexists(dst):
                shutil.rmtree(dst)
            shutil.copytree(src, dst)

    def start_runtime(self, name):
        log_path = os.path.join(self.host_dir(name), "runtime.log")
        out = open(log_path, "w")
        proc = subprocess.Popen([self.args.demo_runtime, "--root", self.root(name), "--instances", "2"],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=die_with_parent)
        out.close()
        self.runtimes[name] = proc
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "listening on" in open(log_path).read():
                return
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        raise Failure("the demo runtime of %s did not start:\n%s" % (name, open(log_path).read()))

    def stop_runtime(self, name):
        proc = self.runtimes.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop_all(self):
        for name in list(self.runtimes):
            self.stop_runtime(name)

    def install_collection(self):
        src = os.path.join(self.args.source_dir, "ansible")
        out = os.path.join(self.work, "galaxy")
        os.makedirs(out)
        run(["ansible-galaxy", "collection", "build", src, "--output-path", out])
        tarball = glob.glob(os.path.join(out, "noodle-fleet-*.tar.gz"))
        if len(tarball) != 1:
            raise Failure("ansible-galaxy built %s" % tarball)
        self.collections = os.path.join(self.work, "collections")
        run(["ansible-galaxy", "collection", "install", tarball[0], "-p", self.collections])

    def write_inventory(self, path, unreachable=None):
        """The fleet's inventory; `unreachable` is reached through ssh on a loopback port nothing listens on."""
        lines = ["all:", "  vars:", "    ansible_connection: local",
                 "    ansible_python_interpreter: %s" % self.python,
                 "    noodle_binary: %s" % self.args.binary,
                 "    noodle_strategy: immediate",
                 "    noodle_lock_timeout: 1s",
                 "    noodle_lock_backoff: 1.0",
                 "    noodle_lock_retries: 4",
                 "  hosts:"]
        for name in self.names:
            host = self.host_dir(name)
            lines += ["    %s:" % name,
                      "      noodle_root: %s" % os.path.join(host, "root"),
                      "      noodle_catalog: %s" % os.path.join(host, "catalog"),
                      "      noodle_archives: %s" % os.path.join(host, "archives"),
                      "      noodle_keyring: %s" % os.path.join(host, "keyring")]
            if name == unreachable:
                lines += ["      ansible_connection: ssh", "      ansible_host: 127.0.0.1",
                          "      ansible_port: %d" % closed_port(), "      ansible_user: nobody"]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    # ---- waves (as serial [1, "20%", "100%"] cuts the sorted hosts) ---------

    def waves(self):
        n = len(self.names)
        second = max(1, int(n * 20 / 100))
        return [self.names[:1], self.names[1:1 + second], self.names[1 + second:]]

    @property
    def bad_host(self):
        return self.waves()[1][-1]

    # ---- running ------------------------------------------------------------

    def playbook(self, playbook, extra, check=False, inventory=None, junit=None, name=""):
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(self.work, "ansible.cfg"),
                   ANSIBLE_COLLECTIONS_PATH=self.collections, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
                   ANSIBLE_NOCOLOR="1", HOME=self.work)
        if junit:
            env.update(ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.junit", JUNIT_OUTPUT_DIR=junit,
                       JUNIT_FAIL_ON_IGNORE="true", JUNIT_HIDE_TASK_ARGUMENTS="true")
        argv = ["ansible-playbook", "-i", inventory or os.path.join(self.work, "inventory.yml"), playbook]
        for key, value in extra.items():
            argv += ["-e", "%s=%s" % (key, value)]
        if check:
            argv += ["--check", "--diff"]
        started = time.monotonic()
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=600)
        log("%s: ansible-playbook %s exited %d in %.1f s" % (name, playbook, r.returncode, time.monotonic() - started))
        # The json callback's document starts at a line of its own; `pause` writes its notice before it.
        start = r.stdout.find("{\n")
        try:
            doc = json.loads(r.stdout[start:] if start >= 0 else r.stdout)
        except ValueError:
            raise Failure("%s: no JSON from ansible-playbook (exit %d)\n%s\n%s" % (name, r.returncode, r.stdout,
                                                                                  r.stderr))
        return r.returncode, doc, r

    def tool(self, name, command):
        host = self.host_dir(name)
        r = subprocess.run([self.args.binary, "-o", "json", "--root", self.root(name), "--catalog",
                            os.path.join(host, "catalog"), "--keyring", os.path.join(host, "keyring"),
                            "--archives", os.path.join(host, "archives")] + command,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        return r.returncode, json.loads(r.stdout) if r.stdout.strip() else None

    def version(self, name):
        return rootkit.link_of(self.root(name), COMPONENT).rsplit("/", 1)[-1]

    def history(self, name, rollout_id):
        rc, doc = self.tool(name, ["history", "--metadata", "rollout_id=%s" % rollout_id, "--limit", "1000"])
        if rc != 0:
            raise Failure("%s: history exited %d: %s" % (name, rc, doc))
        return doc["history"]

    def snapshot(self):
        """Every host's root, byte for byte (the state database included), the control socket aside."""
        return {name: tree(self.root(name)) for name in self.names}


# ---- helpers ----------------------------------------------------------------

def run(argv):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    if r.returncode != 0:
        raise Failure("'%s' exited %d\n%s%s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))
    return r


def tree(top):
    """relative path -> (mode, link target or content) of everything under top but sockets."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            if stat.S_ISSOCK(st.st_mode):
                continue
            if stat.S_ISLNK(st.st_mode):
                body = os.readlink(full)
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    body = f.read()
            else:
                body = None
            out[os.path.relpath(full, top)] = (st.st_mode, body)
    return out


def die_with_parent():
    """In the child before exec: SIGKILL when the test process dies, even by SIGKILL (a CTest timeout),
    which no handler of ours can see."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)


def upgrade_process(root):
    """The pid of a running `noodle-upgrade ... upgrade` on root, or None."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if root.encode() in argv and b"upgrade" in argv and os.path.basename(argv[0]) == b"noodle-upgrade":
            return int(entry)
    return None


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def results(doc, task_prefix):
    """{host: result} of the task whose name starts with task_prefix, over every play (wave) of the run."""
    out = {}
    for play in doc.get("plays", []):
        for task in play.get("tasks", []):
            if task["task"]["name"].split(" : ", 1)[-1].startswith(task_prefix):
                out.update(task["hosts"])
    return out


def expect(cond, what, r=None):
    if not cond:
        detail = ""
        if r is not None:
            detail = "\n--- stdout (tail) ---\n%s\n--- stderr ---\n%s" % (r.stdout[-6000:], r.stderr[-3000:])
        raise Failure(what + detail)


def expect_versions(fleet, want, scenario):
    got = {name: fleet.version(name) for name in fleet.names}
    wrong = {n: (got[n], want[n]) for n in fleet.names if got[n] != want[n]}
    expect(not wrong, "%s: hosts at the wrong version (is, should be): %s" % (scenario, wrong))


def statuses(entries, kind):
    return [e["status"] for e in entries if e["kind"] == kind]


# ---- scenarios ----------------------------------------------------------------

def scenarios(fleet):
    rollout = os.path.join(fleet.collections, "ansible_collections", "noodle", "fleet", "playbooks", "rollout.yml")
    rollout = "noodle.fleet.rollout" if os.path.exists(rollout) else rollout
    first = dict(component=COMPONENT, version=FIRST, rollout_id="r1", requested_by="fleet-test")
    w1, w2, w3 = fleet.waves()
    bad = fleet.bad_host

    # --check --diff: the dry run everywhere, a diff of the versions, nothing changed on any host.
    before = fleet.snapshot()
    rc, doc, r = fleet.playbook(rollout, first, check=True, name="check")
    expect(rc == 0, "check: --check --diff should pass (exit %d)" % rc, r)
    ups = results(doc, "Upgrade ")
    expect(sorted(ups) == fleet.names, "check: every host should run the dry run: %s" % sorted(ups), r)
    for name, res in ups.items():
        expect(res.get("status") == "dry_run" and res.get("changed"), "check: %s: %s" % (name, res), r)
        expect(res["diff"]["after"][COMPONENT] == FIRST and res["diff"]["before"][COMPONENT] == START,
               "check: %s shows no version diff: %s" % (name, res.get("diff")), r)
    expect(fleet.snapshot() == before, "check: --check changed a root or a state database")
    log("ok: --check --diff showed %s -> %s on %d hosts and changed nothing" % (START, FIRST, len(fleet.names)))

    # A bad release on a host of the second wave.
    junit = os.path.join(fleet.work, "junit")
    rc, doc, r = fleet.playbook(rollout, first, junit=junit, name="bad-host")
    expect(rc != 0, "bad-host: the rollout should fail", r)
    ups = results(doc, "Upgrade ")
    expect(ups[bad].get("outcome") == "failed_rolled_back", "bad-host: %s: %s" % (bad, ups.get(bad)), r)
    expect(set(ups) == set(w1 + w2), "bad-host: only waves 1 and 2 should run: %s" % sorted(ups), r)
    want = {n: FIRST if n in w1 else START for n in fleet.names}
    expect_versions(fleet, want, "bad-host")
    for name in w2:
        entries = fleet.history(name, "r1")
        if name == bad:
            expect(statuses(entries, "upgrade") == ["rolled_back"], "bad-host: %s: %s" % (name, entries))
        else:
            expect(statuses(entries, "upgrade") == ["rolled_back"] and statuses(entries, "rollback") == ["completed"],
                   "bad-host: %s should be upgraded then rolled back by the rollout: %s" % (name, entries))
    for name in w3:
        expect(fleet.history(name, "r1") == [], "bad-host: %s of a later wave was touched" % name)
    entries = fleet.history(w1[0], "r1")
    expect(entries and entries[0]["requested_by"] == "fleet-test" and entries[0]["metadata"]["rollout_id"] == "r1",
           "bad-host: the canary's history lacks who and which rollout: %s" % entries)
    xml = "".join(open(p).read() for p in glob.glob(os.path.join(junit, "*.xml")))
    expect("<failure" in xml and bad in xml, "bad-host: the JUnit XML does not name the failure of %s" % bad)
    log("ok: %s failed in wave 2 and was rolled back by the tool; %s rolled back by the rollout; %s kept %s; "
        "%d later hosts untouched; JUnit XML names it" % (bad, ", ".join(n for n in w2 if n != bad) or "no peer",
                                                         w1[0], FIRST, len(w3)))

    # Fixed, and one root of the last wave held locked for a while: the same command completes.
    fleet.install_release(bad, fleet.good)
    # The lock is let go once the first attempt at the locked root has given up (it waits --lock-timeout,
    # 1 s, then exits 5): the module must then have retried, whatever the fleet's size or the load.
    locked = w3[len(w3) // 2]
    lock_file = open(os.path.join(fleet.root(locked), ".noodle-upgrade", "lock"), "a")
    fcntl.flock(lock_file, fcntl.LOCK_EX)

    def release_after_first_attempt():
        deadline = time.monotonic() + 300
        pid = None
        while time.monotonic() < deadline and pid is None:
            pid = upgrade_process(fleet.root(locked))
            time.sleep(0.02)
        while pid is not None and time.monotonic() < deadline and os.path.exists("/proc/%d" % pid):
            time.sleep(0.02)
        lock_file.close()

    releaser = threading.Thread(target=release_after_first_attempt, daemon=True)
    releaser.start()
    rc, doc, r = fleet.playbook(rollout, first, name="resume")
    releaser.join()
    expect(rc == 0, "resume: the re-run should complete (exit %d)" % rc, r)
    ups = results(doc, "Upgrade ")
    expect(not ups[w1[0]]["changed"], "resume: the canary, already done, should be unchanged", r)
    expect(ups[locked]["changed"] and ups[locked]["lock_retries"] >= 1,
           "resume: %s should be upgraded after retrying its lock: %s" % (locked, ups[locked]), r)
    expect_versions(fleet, {n: FIRST for n in fleet.names}, "resume")
    log("ok: the re-run completed; %s retried its held lock %d time(s)" % (locked, ups[locked]["lock_retries"]))

    # A third run changes nothing; it pauses a second after each wave but the last.
    started = time.monotonic()
    rc, doc, r = fleet.playbook(rollout, dict(first, wave_pause="1"), name="third-run")
    took = time.monotonic() - started
    changed = {h: s["changed"] for h, s in doc["stats"].items() if s["changed"]}
    expect(rc == 0 and not changed, "third-run: should change nothing (exit %d, changed %s)" % (rc, changed), r)
    paused = [play for play in doc["plays"] for task in play["tasks"]
              if task["task"]["name"].endswith("Pause before the next wave")
              and not all(res.get("skipped") for res in task["hosts"].values())]
    expect(len(paused) == 2 and took >= 2, "third-run: wave_pause should pause after waves 1 and 2 only "
           "(%d pauses, %.1f s)" % (len(paused), took), r)
    log("ok: a third run changed nothing on %d hosts, pausing between waves" % len(doc["stats"]))

    # The report of the rollout, one host unreachable (ssh to a closed loopback port): a row of its own.
    gone = w2[0]
    unreachable_inventory = fleet.write_inventory(os.path.join(fleet.work, "inventory-unreachable.yml"),
                                                  unreachable=gone)
    report_dir = os.path.join(fleet.work, "report")
    rc, doc, r = fleet.playbook("noodle.fleet.report", dict(rollout_id="r1", noodle_report_dir=report_dir),
                                inventory=unreachable_inventory, name="report")
    expect(rc == 0, "report: should pass", r)
    report = json.load(open(os.path.join(report_dir, "r1.json")))
    rows = {row["host"]: row for row in report["hosts"]}
    expect(sorted(rows) == fleet.names, "report: rows %s" % sorted(rows))
    for name, row in rows.items():
        if name == gone:
            expect(not row["reachable"] and row["error"] and row["last_upgrade"] is None, "report: %s" % row)
            continue
        expect(row["versions"][COMPONENT] == FIRST and row["last_upgrade"]["status"] == "completed"
               and row["last_upgrade"]["kind"] == "upgrade" and row["error"] is None
               and row["last_upgrade"]["changes"] == ["%s %s -> %s" % (COMPONENT, START, FIRST)],
               "report: %s: %s" % (name, row))
    md = open(os.path.join(report_dir, "r1.md")).read()
    expect(md.count("\n| node") == len(fleet.names) and "| %s |" % COMPONENT in md
           and "| %s | unreachable |" % gone in md, "report: the table:\n" + md)
    log("ok: the report lists %d hosts at %s with their last upgrade, and %s unreachable"
        % (len(rows) - 1, FIRST, gone))

    # The gate: a file of the canary's active version changed behind the tool's back makes it unhealthy,
    # and the gate after the first wave stops the rollout before the second.
    victim_dir = os.path.join(fleet.root(w1[0]), "components", COMPONENT, "versions", FIRST)
    victim = os.path.join(victim_dir, sorted(n for n in os.listdir(victim_dir)
                                             if os.path.isfile(os.path.join(victim_dir, n)))[0])
    shutil.copy(victim, victim + ".keep")
    with open(victim, "a") as f:
        f.write("changed behind the tool's back\n")
    rc, doc, r = fleet.playbook(rollout, dict(first, min_healthy_ratio="1.0"), name="gate")
    gate = results(doc, "Check that enough of the fleet is healthy")
    expect(rc != 0 and any("only 0 of the 1" in (res.get("msg") or "") for res in gate.values()),
           "gate: the gate after the first wave should stop the rollout: %s" % gate, r)
    expect(set(results(doc, "Upgrade ")) == set(w1), "gate: the second wave should not start", r)
    os.replace(victim + ".keep", victim)
    log("ok: a changed file on the canary failed the gate after the first wave")

    # A tampered archive on the canary stops everything.
    second = dict(first, version=NEXT, rollout_id="r2")
    archive = os.path.join(fleet.host_dir(w1[0]), "archives", "%s-%s.tar.gz" % (COMPONENT, NEXT))
    shutil.copy(archive, archive + ".good")
    with open(archive, "r+b") as f:
        f.seek(64)
        byte = f.read(1)
        f.seek(64)
        f.write(bytes([byte[0] ^ 0xFF]))
    rc, doc, r = fleet.playbook(rollout, second, name="tampered")
    ups = results(doc, "Upgrade ")
    expect(rc != 0 and ups[w1[0]].get("outcome") == "integrity" and ups[w1[0]].get("stop_fleet"),
           "tampered: the canary should stop on integrity: %s" % ups.get(w1[0]), r)
    expect(set(ups) == set(w1), "tampered: only the canary should run: %s" % sorted(ups), r)
    expect_versions(fleet, {n: FIRST for n in fleet.names}, "tampered")
    os.replace(archive + ".good", archive)
    log("ok: a tampered archive on the canary stopped the rollout before any other host")

    # An unreachable host of the second wave.
    rc, doc, r = fleet.playbook(rollout, second, inventory=unreachable_inventory, name="unreachable")
    expect(rc != 0, "unreachable: the rollout should stop", r)
    ups = results(doc, "Upgrade ")
    expect(ups[gone].get("unreachable"), "unreachable: %s: %s" % (gone, ups.get(gone)), r)
    expect(doc["stats"][gone]["failures"] + doc["stats"][gone]["unreachable"] >= 1, "unreachable: stats", r)
    want = {n: NEXT if n in w1 else FIRST for n in fleet.names}
    expect_versions(fleet, want, "unreachable")
    for name in w2[1:]:
        expect(statuses(fleet.history(name, "r2"), "rollback") == ["completed"],
               "unreachable: %s should have been rolled back" % name)
    for name in w3:
        expect(fleet.history(name, "r2") == [], "unreachable: %s of a later wave was touched" % name)
    log("ok: %s unreachable stopped the rollout; its wave's peers rolled back; later waves untouched" % gone)

    # A stopped runtime on a host of the last wave.
    down = w3[1] if len(w3) > 1 else w3[0]
    fleet.stop_runtime(down)
    rc, doc, r = fleet.playbook(rollout, second, name="stopped")
    expect(rc != 0, "stopped: the rollout should stop", r)
    ups = results(doc, "Upgrade ")
    expect(ups[down].get("outcome") == "runtime_unreachable", "stopped: %s: %s" % (down, ups.get(down)), r)
    want = {n: NEXT if n in w1 + w2 else FIRST for n in fleet.names}
    expect_versions(fleet, want, "stopped")
    for name in w3:
        if name != down:
            expect(statuses(fleet.history(name, "r2"), "rollback") == ["completed"],
                   "stopped: %s should have been rolled back" % name)
    log("ok: %s with its runtime stopped failed as runtime_unreachable; wave 3 rolled back; waves 1-2 kept %s"
        % (down, NEXT))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--demo-runtime", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--hosts", type=int, default=int(os.environ.get("NOODLE_FLEET_HOSTS", "10")))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)
    args.demo_runtime = os.path.abspath(args.demo_runtime)
    args.source_dir = os.path.abspath(args.source_dir)
    for tool in ("ansible-playbook", "ansible-galaxy"):
        if not shutil.which(tool):
            print("skipped: %s is not installed" % tool)
            return rootkit.SKIP
    # The test reads each run through ansible.posix's json callback (Debian's `ansible` package).
    if importlib.util.find_spec("ansible_collections.ansible.posix") is None:
        print("skipped: the ansible.posix collection (its json callback) is not installed")
        return rootkit.SKIP
    if args.hosts < 5:
        raise SystemExit("--hosts must be 5 at least (three waves, a bad host and a stopped one)")

    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop)
    work = rootkit.make_workdir("noodle-fleet-")
    fleet = Fleet(args, work, args.hosts)
    started = time.monotonic()
    ok = False
    try:
        fleet.build()
        scenarios(fleet)
        ok = True
    except Failure as e:
        log("FAIL: %s" % e)
    finally:
        fleet.stop_all()
        rootkit.release_workdir(work, args.keep or not ok)
    log("%s: %d hosts, %.1f s wall time" % ("ok" if ok else "failed", args.hosts, time.monotonic() - started))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
