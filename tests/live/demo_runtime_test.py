#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The demo runtime speaks the control protocol (noodle-upgrade-protocol(7)).

Each test builds a small root by hand:

  components/alpha/versions/1.0.0   current
  components/alpha/versions/2.0.0   healthy
  components/alpha/versions/2.1.0 .. 2.6.0   one per demo_health mode
  components/alpha/versions/3.0.0   manifest.yaml says 3.0.1 (load_failed)
  components/beta/versions/0.5.0    current

starts `noodle-demo-runtime --root ROOT`, waits for "listening on", and talks
to it over the socket. The process is killed in every case (cleanups run
whether the test passed or not).

Usage: demo_runtime_test.py --binary PATH [unittest options]
"""
import argparse
import json
import os
import re
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest

BINARY = None
MIB = 1024 * 1024

HEALTH_MODES = {
    "2.1.0": "unhealthy",
    "2.2.0": "unhealthy_after_1",
    "2.3.0": "slow_300",
    "2.4.0": "garbage",
    "2.5.0": "reset",
    "2.6.0": "crash",
}


def write_version(root, name, version, demo_health=None, manifest_version=None):
    path = os.path.join(root, "components", name, "versions", version)
    os.makedirs(path)
    with open(os.path.join(path, "manifest.yaml"), "w") as f:
        f.write(f"name: {name}\nversion: {manifest_version or version}\n")
        f.write("description: demo runtime test component\nmetadata:\n  owner: tests\n")
        if demo_health:
            f.write(f"  demo_health: {demo_health}\n")
    return path


def set_current(root, name, version):
    os.symlink(f"versions/{version}", os.path.join(root, "components", name, "current"))


class Closed(Exception):
    """The runtime closed the connection."""


class Client:
    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buffer = b""
        self.next_id = 1

    def close(self):
        self.sock.close()

    def send_line(self, data):
        self.sock.sendall(data if data.endswith(b"\n") else data + b"\n")

    def read_line(self):
        while b"\n" not in self.buffer:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise Closed()
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def request(self, op, **fields):
        """Sends {"id", "op", **fields}; returns the parsed reply after checking its id."""
        rid = self.next_id
        self.next_id += 1
        self.send_line(json.dumps({"id": rid, "op": op, **fields}).encode())
        reply = json.loads(self.read_line())
        assert reply["id"] == rid, reply
        return reply

    def hello(self):
        reply = self.request("hello", protocol=1)
        assert reply["ok"], reply
        return reply


class DemoRuntimeTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="noodle-demo-")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        write_version(self.root, "alpha", "1.0.0")
        write_version(self.root, "alpha", "2.0.0")
        for version, mode in HEALTH_MODES.items():
            write_version(self.root, "alpha", version, demo_health=mode)
        write_version(self.root, "alpha", "3.0.0", manifest_version="3.0.1")
        set_current(self.root, "alpha", "1.0.0")
        write_version(self.root, "beta", "0.5.0")
        set_current(self.root, "beta", "0.5.0")
        self.socket = os.path.join(self.root, "control.sock")
        self.proc = None

    def start(self, *extra):
        self.stderr = open(os.path.join(self.root, "stderr.log"), "w+")
        self.addCleanup(self.stderr.close)
        self.proc = subprocess.Popen([BINARY, "--root", self.root, *extra], stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True)
        self.addCleanup(self.stop, self.proc)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        self.assertTrue(ready, "the runtime did not start within 10 s")
        self.assertEqual(self.proc.stdout.readline().strip(), f"listening on {self.socket}")

    @staticmethod
    def stop(proc):
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()

    def connect(self, greet=True):
        client = Client(self.socket)
        self.addCleanup(client.close)
        if greet:
            client.hello()
        return client

    def version_path(self, version, name="alpha"):
        return os.path.join(self.root, "components", name, "versions", version)

    def prepare(self, client, version, name="alpha"):
        reply = client.request("prepare", component=name, version=version, path=self.version_path(version, name))
        self.assertTrue(reply["ok"], reply)
        return reply

    def status(self, client, name="alpha"):
        reply = client.request("status")
        self.assertTrue(reply["ok"], reply)
        return reply["components"][name]

    def assert_error(self, reply, code):
        self.assertFalse(reply["ok"], reply)
        self.assertEqual(reply["error"]["code"], code, reply)
        self.assertIsInstance(reply["error"]["message"], str)
        self.assertNotEqual(reply["error"]["message"], "")

    def assert_reverted(self, client):
        s = self.status(client)
        self.assertEqual(s["active"], "1.0.0")
        self.assertIsNone(s["prepared"])
        self.assertEqual(s["weight"], 0)
        self.assertEqual(s["instances"], {"i0": "1.0.0", "i1": "1.0.0", "i2": "1.0.0"})
        self.assertIsNone(s["lease_ms_left"])

    # --- hello and the ordering rules -------------------------------------------

    def test_hello_reports_the_runtime(self):
        self.start("--name", "shop-runtime", "--instances", "4")
        reply = self.connect(greet=False).request("hello", protocol=1)
        self.assertTrue(reply["ok"], reply)
        self.assertEqual(reply["protocol"], 1)
        self.assertEqual(reply["runtime"], "shop-runtime")
        self.assertRegex(reply["version"], r"^\d+\.\d+\.\d+")
        self.assertEqual(reply["instances"], ["i0", "i1", "i2", "i3"])
        for op in ["hello", "prepare", "activate", "health", "commit", "rollback", "abort", "running", "serve",
                   "status"]:
            self.assertIn(op, reply["capabilities"])

    def test_any_op_before_hello_is_a_bad_request(self):
        self.start()
        client = self.connect(greet=False)
        for op in ["status", "prepare", "serve", "no_such_op"]:
            self.assert_error(client.request(op, component="alpha"), "bad_request")
        client.hello()
        self.assertTrue(client.request("status")["ok"])

    def test_other_protocol_versions_are_refused(self):
        self.start()
        client = self.connect(greet=False)
        self.assert_error(client.request("hello", protocol=2), "unsupported_protocol")
        self.assert_error(client.request("hello", protocol=0), "unsupported_protocol")
        self.assert_error(client.request("hello"), "bad_request")
        self.assert_error(client.request("status"), "bad_request")  # still not greeted
        client.hello()

    def test_ids_must_increase_per_connection(self):
        self.start()
        client = self.connect()  # id 1
        client.send_line(b'{"id": 1, "op": "status"}')
        reply = json.loads(client.read_line())
        self.assertEqual(reply["id"], 1)
        self.assert_error(reply, "bad_request")
        client.send_line(b'{"id": 7, "op": "status"}')
        self.assertTrue(json.loads(client.read_line())["ok"])
        # Another connection counts on its own.
        self.connect()

    # --- errors --------------------------------------------------------------------

    def test_unknown_op(self):
        self.start()
        self.assert_error(self.connect().request("frobnicate"), "unknown_op")

    def test_malformed_requests_are_bad_requests(self):
        self.start()
        client = self.connect()
        for line in [b"not json", b"[1, 2]", b'{"op": "status"}', b'{"id": 0, "op": "status"}',
                     b'{"id": "9", "op": "status"}', b'{"id": -3, "op": "status"}']:
            client.send_line(line)
            reply = json.loads(client.read_line())
            self.assertIsNone(reply["id"], line)
            self.assert_error(reply, "bad_request")
        client.next_id = 100
        self.assert_error(client.request(None), "bad_request")  # op not a string
        path = self.version_path("2.0.0")
        bad = [
            ("prepare", dict(component="alpha", path=path)),
            ("prepare", dict(component="alpha", version="2.0.0", path="components/alpha/versions/2.0.0")),
            ("prepare", dict(component="alpha", version="1.0.0", path=self.version_path("1.0.0"))),
            ("prepare", dict(component=5, version="2.0.0", path=path)),
            ("health", dict(component="alpha", instances="i0")),
            ("health", dict(component="alpha", instances=["i9"])),
            ("serve", dict(component="alpha")),
            ("serve", dict(component="alpha", requests=-1)),
        ]
        for op, fields in bad:
            self.assert_error(client.request(op, **fields), "bad_request")
        self.prepare(client, "2.0.0")
        for fields in [dict(), dict(lease_ms=0), dict(lease_ms="100"), dict(lease_ms=1000, weight=101),
                       dict(lease_ms=1000, weight=-1), dict(lease_ms=1000, instances=["i0", "x"])]:
            self.assert_error(client.request("activate", component="alpha", version="2.0.0", **fields),
                              "bad_request")
        self.assertIsNone(self.status(client)["lease_ms_left"])  # nothing was activated

    def test_nesting_deeper_than_32_is_a_bad_request(self):
        self.start()
        client = self.connect()
        # The request object is level 1: 31 more arrays make 32.
        ok = '{"id": 2, "op": "status", "x": ' + "[" * 31 + "]" * 31 + "}"
        client.send_line(ok.encode())
        self.assertTrue(json.loads(client.read_line())["ok"])
        deep = '{"id": 3, "op": "status", "x": ' + "[" * 32 + "]" * 32 + "}"
        client.send_line(deep.encode())
        self.assert_error(json.loads(client.read_line()), "bad_request")
        # Brackets inside strings do not count.
        text = '{"id": 4, "op": "status", "x": "' + "[" * 100 + '"}'
        client.send_line(text.encode())
        self.assertTrue(json.loads(client.read_line())["ok"])

    def test_unknown_component(self):
        self.start()
        client = self.connect()
        path = self.version_path("2.0.0")
        for op, fields in [("prepare", dict(version="2.0.0", path=path)),
                           ("activate", dict(version="2.0.0", lease_ms=1000)), ("health", dict()),
                           ("commit", dict(version="2.0.0")), ("rollback", dict(version="1.0.0")),
                           ("abort", dict()), ("serve", dict(requests=10))]:
            self.assert_error(client.request(op, component="gamma", **fields), "unknown_component")

    def test_not_prepared(self):
        self.start()
        client = self.connect()
        self.assert_error(client.request("activate", component="alpha", version="2.0.0", lease_ms=1000),
                          "not_prepared")
        self.assert_error(client.request("commit", component="alpha", version="2.0.0"), "not_prepared")
        self.assert_error(client.request("commit", component="alpha", version="1.0.0"), "not_prepared")
        self.assert_error(client.request("abort", component="alpha"), "not_prepared")
        self.prepare(client, "2.0.0")
        # Another version than the prepared one.
        self.assert_error(client.request("activate", component="alpha", version="2.1.0", lease_ms=1000),
                          "not_prepared")

    def test_prepare_fails_to_load_what_is_not_that_version(self):
        self.start()
        client = self.connect()
        empty = os.path.join(self.root, "empty")
        os.mkdir(empty)
        for version, path in [("2.0.0", os.path.join(self.root, "missing")), ("2.0.0", empty),
                              ("3.0.0", self.version_path("3.0.0")),          # says 3.0.1
                              ("2.1.0", self.version_path("2.0.0")),          # another version
                              ("0.5.0", self.version_path("0.5.0", "beta"))]:  # another component
            self.assert_error(client.request("prepare", component="alpha", version=version, path=path),
                              "load_failed")
        self.assertIsNone(self.status(client)["prepared"])

    def test_prepare_of_another_version_while_one_is_prepared_is_busy(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.0.0")
        self.prepare(client, "2.0.0")  # the same again: fine
        self.assert_error(client.request("prepare", component="alpha", version="2.1.0",
                                         path=self.version_path("2.1.0")), "busy")
        s = self.status(client)
        self.assertEqual((s["active"], s["prepared"]), ("1.0.0", "2.0.0"))

    # --- prepare, activate, serve, commit -------------------------------------

    def test_prepare_switches_nothing(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.0.0")
        self.assertEqual(client.request("serve", component="alpha", requests=30)["served"], {"1.0.0": 30})
        s = self.status(client)
        self.assertEqual(s["instances"], {"i0": "1.0.0", "i1": "1.0.0", "i2": "1.0.0"})
        self.assertEqual(s["weight"], 0)

    def test_activate_without_instances_or_weight_switches_everything(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.0.0")
        reply = client.request("activate", component="alpha", version="2.0.0", lease_ms=5000)
        self.assertTrue(reply["ok"], reply)
        self.assertEqual(reply["active"], {"i0": "2.0.0", "i1": "2.0.0", "i2": "2.0.0"})
        self.assertEqual(reply["weight"], 100)
        self.assertEqual(client.request("serve", component="alpha", requests=10)["served"], {"2.0.0": 10})
        health = client.request("health", component="alpha")
        self.assertEqual(health["healthy"], True)
        self.assertEqual(health["details"], {"i0": "ok", "i1": "ok", "i2": "ok"})
        left = self.status(client)["lease_ms_left"]
        self.assertTrue(0 < left <= 5000, left)

    def test_serve_routes_by_weight(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.0.0")
        for weight in [0, 10, 25, 50, 99, 100]:
            reply = client.request("activate", component="alpha", version="2.0.0", weight=weight, lease_ms=5000)
            self.assertEqual(reply["weight"], weight)
            self.assertEqual(reply["active"], {"i0": "1.0.0", "i1": "1.0.0", "i2": "1.0.0"})
            served = client.request("serve", component="alpha", requests=100)["served"]
            self.assertEqual(served.get("2.0.0", 0), weight, served)
            self.assertEqual(served.get("1.0.0", 0), 100 - weight, served)
        # k goes to the new version iff k * 100 / N < weight: k = 0, 1, 2, 3 of 7 at 50.
        client.request("activate", component="alpha", version="2.0.0", weight=50, lease_ms=5000)
        self.assertEqual(client.request("serve", component="alpha", requests=7)["served"],
                         {"1.0.0": 3, "2.0.0": 4})

    def test_serve_routes_round_robin_over_switched_instances(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.0.0")
        reply = client.request("activate", component="alpha", version="2.0.0", instances=["i0"], lease_ms=5000)
        self.assertEqual(reply["active"], {"i0": "2.0.0", "i1": "1.0.0", "i2": "1.0.0"})
        self.assertEqual(reply["weight"], 0)
        self.assertEqual(client.request("serve", component="alpha", requests=9)["served"],
                         {"1.0.0": 6, "2.0.0": 3})
        # Instances add up (a rolling upgrade).
        reply = client.request("activate", component="alpha", version="2.0.0", instances=["i2"], lease_ms=5000)
        self.assertEqual(reply["active"], {"i0": "2.0.0", "i1": "1.0.0", "i2": "2.0.0"})
        self.assertEqual(client.request("serve", component="alpha", requests=9)["served"],
                         {"1.0.0": 3, "2.0.0": 6})
        # Health of a subset names only that subset.
        health = client.request("health", component="alpha", instances=["i1"])
        self.assertEqual(health["details"], {"i1": "ok"})

    def test_lease_expiry_reverts_without_any_client_talking(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.0.0")
        client.request("activate", component="alpha", version="2.0.0", weight=50, lease_ms=200)
        time.sleep(0.4)
        # The log proves the revert happened while idle, not when the next request came.
        self.stderr.seek(0)
        self.assertIn("lease of alpha 2.0.0 ended", self.stderr.read())
        self.assert_reverted(client)
        self.assertEqual(client.request("serve", component="alpha", requests=10)["served"], {"1.0.0": 10})
        self.assert_error(client.request("commit", component="alpha", version="2.0.0"), "lease_expired")
        self.assert_error(client.request("activate", component="alpha", version="2.0.0", lease_ms=200),
                          "not_prepared")
        self.assertTrue(client.request("abort", component="alpha")["ok"])  # already dropped: fine
        self.assertTrue(client.request("rollback", component="alpha", version="1.0.0")["ok"])
        # It can be prepared again.
        self.prepare(client, "2.0.0")

    def test_each_activate_renews_the_lease(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.0.0")
        client.request("activate", component="alpha", version="2.0.0", weight=10, lease_ms=300)
        time.sleep(0.2)
        client.request("activate", component="alpha", version="2.0.0", weight=20, lease_ms=300)
        time.sleep(0.2)  # 400 ms after the first activate, 200 ms after the last
        self.assertEqual(self.status(client)["prepared"], "2.0.0")
        time.sleep(0.3)
        self.assert_reverted(client)

    def test_commit_makes_the_version_permanent(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.0.0")
        client.request("activate", component="alpha", version="2.0.0", weight=25, lease_ms=200)
        self.assertTrue(client.request("commit", component="alpha", version="2.0.0")["ok"])
        time.sleep(0.4)
        s = self.status(client)
        self.assertEqual(s["active"], "2.0.0")
        self.assertIsNone(s["prepared"])
        self.assertIsNone(s["lease_ms_left"])
        self.assertEqual(s["instances"], {"i0": "2.0.0", "i1": "2.0.0", "i2": "2.0.0"})
        self.assertEqual(client.request("serve", component="alpha", requests=10)["served"], {"2.0.0": 10})
        self.assertTrue(client.request("commit", component="alpha", version="2.0.0")["ok"])  # repeated
        self.assert_error(client.request("rollback", component="alpha", version="1.0.0"), "bad_request")
        # The other component was never touched.
        self.assertEqual(self.status(client, "beta")["active"], "0.5.0")

    def test_running_names_the_committed_version_only(self):
        self.start()
        client = self.connect()
        self.assertEqual(client.request("running", component="alpha"), {"id": 2, "ok": True, "version": "1.0.0"})
        self.prepare(client, "2.0.0")
        client.request("activate", component="alpha", version="2.0.0", lease_ms=60000)
        # Provisional: every instance serves 2.0.0, but its lease may still take it back.
        self.assertEqual(client.request("running", component="alpha")["version"], "1.0.0")
        self.assertTrue(client.request("commit", component="alpha", version="2.0.0")["ok"])
        self.assertEqual(client.request("running", component="alpha")["version"], "2.0.0")
        self.assertIsNone(client.request("running", component="gamma")["version"])
        self.assert_error(client.request("running"), "bad_request")

    def test_rollback_returns_everything_to_the_old_version(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.0.0")
        client.request("activate", component="alpha", version="2.0.0", instances=["i0", "i1"], weight=30,
                       lease_ms=5000)
        self.assert_error(client.request("rollback", component="alpha", version="2.0.0"), "bad_request")
        self.assertTrue(client.request("rollback", component="alpha", version="1.0.0")["ok"])
        self.assert_reverted(client)
        self.assertEqual(client.request("serve", component="alpha", requests=10)["served"], {"1.0.0": 10})
        self.assert_error(client.request("commit", component="alpha", version="2.0.0"), "not_prepared")
        self.assertTrue(client.request("rollback", component="alpha", version="1.0.0")["ok"])  # repeated

    def test_abort_drops_a_prepared_version(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.0.0")
        self.assertTrue(client.request("abort", component="alpha")["ok"])
        self.assertIsNone(self.status(client)["prepared"])
        self.assert_error(client.request("abort", component="alpha"), "not_prepared")
        self.prepare(client, "2.1.0")  # no longer busy
        client.request("activate", component="alpha", version="2.1.0", weight=10, lease_ms=5000)
        self.assert_error(client.request("abort", component="alpha"), "bad_request")  # activated: roll back

    # --- demo_health -------------------------------------------------------------

    def test_demo_health_unhealthy(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.1.0")
        self.assertTrue(client.request("health", component="alpha")["healthy"])  # not activated yet
        client.request("activate", component="alpha", version="2.1.0", instances=["i0"], lease_ms=5000)
        health = client.request("health", component="alpha")
        self.assertFalse(health["healthy"])
        self.assertIn("unhealthy", health["details"]["i0"])
        self.assertEqual(health["details"]["i1"], "ok")
        self.assertTrue(client.request("health", component="alpha", instances=["i1", "i2"])["healthy"])
        self.assertTrue(client.request("health", component="beta")["healthy"])

    def test_demo_health_unhealthy_after_1(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.2.0")
        client.request("activate", component="alpha", version="2.2.0", lease_ms=5000)
        self.assertTrue(client.request("health", component="alpha")["healthy"])
        self.assertFalse(client.request("health", component="alpha")["healthy"])
        # A later activate does not start the count again.
        client.request("activate", component="alpha", version="2.2.0", lease_ms=5000)
        self.assertFalse(client.request("health", component="alpha")["healthy"])

    def test_demo_health_slow_300_delays_replies_about_the_component(self):
        self.start()
        client = self.connect()
        for op, fields in [("prepare", dict(version="2.3.0", path=self.version_path("2.3.0"))),
                           ("activate", dict(version="2.3.0", lease_ms=5000)), ("health", dict()),
                           ("serve", dict(requests=3))]:
            started = time.monotonic()
            reply = client.request(op, component="alpha", **fields)
            elapsed = time.monotonic() - started
            self.assertTrue(reply["ok"], reply)
            self.assertGreaterEqual(elapsed, 0.3, op)
        # Replies about another component are not held up.
        started = time.monotonic()
        self.assertTrue(client.request("health", component="beta")["healthy"])
        self.assertLess(time.monotonic() - started, 0.25)
        # Another client is served while a slow reply waits.
        slow = self.connect()
        slow.send_line(json.dumps({"id": 2, "op": "health", "component": "alpha"}).encode())
        started = time.monotonic()
        self.assertTrue(client.request("status")["ok"])
        self.assertLess(time.monotonic() - started, 0.25)
        self.assertTrue(json.loads(slow.read_line())["ok"])
        started = time.monotonic()
        self.assertTrue(client.request("commit", component="alpha", version="2.3.0")["ok"])
        self.assertGreaterEqual(time.monotonic() - started, 0.3)
        # Committed: nothing is prepared, so nothing is slow any more.
        started = time.monotonic()
        client.request("health", component="alpha")
        self.assertLess(time.monotonic() - started, 0.25)

    def test_demo_health_garbage_replies_a_non_json_line(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.4.0")
        client.request("activate", component="alpha", version="2.4.0", lease_ms=5000)
        client.send_line(json.dumps({"id": client.next_id, "op": "health", "component": "alpha"}).encode())
        line = client.read_line()
        with self.assertRaises(ValueError):
            json.loads(line)
        self.assertNotEqual(line, b"")

    def test_demo_health_reset_closes_the_connection(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.5.0")
        client.request("activate", component="alpha", version="2.5.0", lease_ms=5000)
        with self.assertRaises(Closed):
            client.request("health", component="alpha")
        # The runtime itself lives on, the upgrade still provisional.
        self.assertIsNone(self.proc.poll())
        self.assertEqual(self.status(self.connect())["prepared"], "2.5.0")

    def test_demo_health_crash_exits_3_on_activate(self):
        self.start()
        client = self.connect()
        self.prepare(client, "2.6.0")
        with self.assertRaises(Closed):
            client.request("activate", component="alpha", version="2.6.0", lease_ms=5000)
        self.assertEqual(self.proc.wait(timeout=5), 3)

    # --- limits, the socket, signals ---------------------------------------------

    def test_a_line_of_exactly_1_mib_is_read_one_byte_more_closes(self):
        self.start()
        client = self.connect()
        head = b'{"id": 2, "op": "status", "pad": "'
        tail = b'"}\n'
        client.sock.sendall(head + b"x" * (MIB - len(head) - len(tail)) + tail)
        self.assertTrue(json.loads(client.read_line())["ok"])
        try:
            client.sock.sendall(b'{"id": 3, "op": "status", "pad": "' + b"x" * MIB + b'"}\n')
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed before all of it was sent
        with self.assertRaises(Closed):
            client.read_line()
        self.assertIsNone(self.proc.poll())
        self.connect()

    def test_an_endless_line_closes_the_connection(self):
        self.start()
        client = self.connect()
        try:
            client.sock.sendall(b"x" * (MIB + 1))  # no newline at all
        except (BrokenPipeError, ConnectionResetError):
            pass
        with self.assertRaises(Closed):
            client.read_line()

    def test_the_socket_is_owner_only_and_a_stale_one_is_replaced(self):
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(self.socket)
        stale.close()  # the file stays, nobody listens: what a crashed runtime leaves
        self.start()
        mode = os.lstat(self.socket).st_mode
        self.assertTrue(stat.S_ISSOCK(mode))
        self.assertEqual(stat.S_IMODE(mode), 0o600)
        self.connect()

    def test_a_second_runtime_does_not_steal_a_live_socket(self):
        self.start()
        second = subprocess.run([BINARY, "--root", self.root], capture_output=True, text=True, timeout=10)
        self.assertEqual(second.returncode, 1)
        self.assertIn("another runtime listens", second.stderr)
        self.connect()

    def test_sigterm_and_sigint_remove_the_socket_and_exit_0(self):
        for sig in [signal.SIGTERM, signal.SIGINT]:
            self.start()
            self.connect()
            self.proc.send_signal(sig)
            self.assertEqual(self.proc.wait(timeout=5), 0)
            self.assertFalse(os.path.exists(self.socket))

    def test_a_current_link_to_a_mismatched_manifest_stops_the_start(self):
        os.remove(os.path.join(self.root, "components", "alpha", "current"))
        set_current(self.root, "alpha", "3.0.0")
        result = subprocess.run([BINARY, "--root", self.root], capture_output=True, text=True, timeout=10)
        self.assertEqual(result.returncode, 1)
        self.assertIn("alpha", result.stderr)
        self.assertFalse(os.path.exists(self.socket))


def main():
    global BINARY
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
