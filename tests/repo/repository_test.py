#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A signed component repository served over HTTP and HTTPS, against the threats of noodle-repository(5).

The example catalog's archives are signed, published with `repo index` and checked with `repo verify`; then every
case runs the built binary with --catalog naming mirrors started here on 127.0.0.1 (free ports): a plain
`python3 -m http.server`, misbehaving servers of this script (a 404, a body cut short that the next request
resumes with Range, a stall past --fetch-timeout, an endless chunked body, a mirror serving other bytes of the
same size), and nginx for HTTPS with a CA and a server certificate made by `openssl` here.

Cases, each with its exit code, its JSON error code where it fails, and, for every refusal, the root unchanged
(every file, link and mode) apart from the fetch cache (.noodle-upgrade/repository/):

  publish-verify        repo index writes a repository that repo verify accepts; a tampered archive fails it (4)
  upgrade-from-url      a fresh root upgrades jit_compiler to 2.1.0 from the URL
  cache-offline         after repo sync --for (exactly the plan's archives), the server stopped: the upgrade runs
                        from the cache and says so
  unreachable           no server and no cache: exit 8, repo_unreachable
  rollback              an index older than the one seen under the root: 4, repo_rollback
  freeze                an expired index: 4, repo_expired; offline with an expired cache too; --allow-expired works
  unknown-key           an index signed by a key the keyring lacks: 4, unknown_key
  revoked-key           an index signed by a revoked key: 4, revoked_key
  wrong-bytes           a mirror serving other bytes for a digest: 4, repo_digest_mismatch; as the first of two
                        mirrors the second is used
  endless               an endless body (archive or index) or a Content-Length over the cap stops there: 4,
                        repo_too_large, quickly
  not-found             a 404 mirror: 8; as the first of two mirrors (two --catalog flags, or the configuration
                        file's catalog list) the second is used
  resume                a body cut short is resumed with a Range request and the upgrade succeeds
  stall                 a server that stalls past --fetch-timeout: 8 within the deadline; failover to the next
  https                 nginx over TLS: works with --ca-file, refused (8) without it

Exit 0 when every case held, 1 otherwise. Without nginx or openssl only the https case is skipped, and the
summary says so.
"""

import argparse
import http.server
import json
import os
import pwd
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import rootkit  # noqa: E402

CACHE = os.path.join(".noodle-upgrade", "repository")
FAST = ["--connect-timeout", "2s", "--fetch-timeout", "3s"]


# ---- servers -----------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, deadline=10.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise rootkit.Failure("nothing listens on port %d" % port)


class PlainServer:
    """`python3 -m http.server` over a directory, in its own process."""

    def __init__(self, directory):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1",
                                      "--directory", directory], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_port(self.port)
        self.url = "http://127.0.0.1:%d/" % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class Quiet(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Misbehaving:
    """A server of this process over `directory` that misbehaves on archive requests (or on every request when
    `everything`): 'not_found', 'truncate' (the first request of each file gets half its body, then resumes with
    Range), 'stall', 'endless', 'wrong_bytes'."""

    def __init__(self, directory, mode, everything=False):
        self.requests = []
        self.cut = set()
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=directory, **kw)

            def log_message(self, *a):
                pass

            def do_GET(self):
                outer.requests.append((self.path, self.headers.get("Range")))
                if not (everything or self.path.startswith("/archives/")):
                    return super().do_GET()
                path = self.translate_path(self.path)
                if mode == "not_found" or not os.path.isfile(path):
                    return self.send_error(404)
                data = open(path, "rb").read()
                if mode == "stall":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    time.sleep(8)
                    return
                if mode == "oversized":
                    # A Content-Length far past the cap, then the bytes start coming.
                    self.send_response(200)
                    self.send_header("Content-Length", str(1 << 40))
                    self.end_headers()
                    try:
                        self.wfile.write(b"x" * 65536)
                    except OSError:
                        pass
                    return
                if mode == "endless":
                    self.send_response(200)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    chunk = b"x" * 65536
                    try:
                        for _ in range(100000):
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    except OSError:
                        pass
                    return
                if mode == "wrong_bytes":
                    data = bytes((b ^ 0x55) for b in data)
                if mode == "truncate":
                    rng = self.headers.get("Range")
                    if rng and rng.startswith("bytes="):
                        start = int(rng[6:].split("-")[0])
                        self.send_response(206)
                        self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
                        self.send_header("Content-Length", str(len(data) - start))
                        self.end_headers()
                        self.wfile.write(data[start:])
                        return
                    if self.path not in outer.cut:
                        outer.cut.add(self.path)
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data[:len(data) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = Quiet(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Nginx:
    """nginx (not a daemon, its own prefix, config, pid file and logs) serving `directory` over TLS."""

    def __init__(self, work, directory, cert, key):
        self.port = free_port()
        self.prefix = os.path.join(work, "nginx")
        os.makedirs(os.path.join(self.prefix, "logs"), exist_ok=True)
        conf = os.path.join(self.prefix, "nginx.conf")
        # Workers run as this user, so they read the test's private (0700) directory.
        user = "user %s;\n" % pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else ""
        rootkit.write(conf, user + """daemon off;
worker_processes 1;
pid %(p)s/nginx.pid;
error_log %(p)s/logs/error.log;
events { worker_connections 64; }
http {
  access_log %(p)s/logs/access.log;
  client_body_temp_path %(p)s/tmp-body;
  proxy_temp_path %(p)s/tmp-proxy;
  fastcgi_temp_path %(p)s/tmp-fastcgi;
  uwsgi_temp_path %(p)s/tmp-uwsgi;
  scgi_temp_path %(p)s/tmp-scgi;
  server {
    listen 127.0.0.1:%(port)d ssl;
    ssl_certificate %(cert)s;
    ssl_certificate_key %(key)s;
    root %(dir)s;
  }
}
""" % {"p": self.prefix, "port": self.port, "cert": cert, "key": key, "dir": directory})
        self.proc = subprocess.Popen(["nginx", "-p", self.prefix, "-c", conf, "-e", os.path.join(self.prefix, "logs",
                                                                                                 "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_port(self.port)
        except rootkit.Failure:
            self.stop()
            raise rootkit.Failure("nginx did not start: %s" % self.proc.stderr.read().decode(errors="replace"))
        self.url = "https://127.0.0.1:%d/" % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def make_certificates(work):
    """A CA and a server certificate for 127.0.0.1 signed by it; returns (ca.pem, server.pem, server.key)."""
    d = os.path.join(work, "tls")
    os.makedirs(d)
    p = lambda n: os.path.join(d, n)  # noqa: E731
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", p("ca.key"), "-out",
                    p("ca.pem"), "-days", "2", "-subj", "/CN=noodle test CA"], **quiet)
    subprocess.run(["openssl", "req", "-newkey", "ed25519", "-nodes", "-keyout", p("server.key"), "-out",
                    p("server.csr"), "-subj", "/CN=127.0.0.1"], **quiet)
    rootkit.write(p("ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    subprocess.run(["openssl", "x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
                    "-CAcreateserial", "-out", p("server.pem"), "-days", "2", "-extfile", p("ext")], **quiet)
    return p("ca.pem"), p("server.pem"), p("server.key")


# ---- the tool ------------------------------------------------------------------

class Env:
    def __init__(self, binary, work, examples):
        self.binary = binary
        self.work = work
        self.keyring = os.path.join(examples, "keyring")
        self.archives = os.path.join(examples, "archives")
        self.key = os.path.join(examples, "demo-test-key.key")

    def run(self, root, catalog, command, keyring=None, timeout=60):
        argv = [self.binary, "--root", root, "--keyring", keyring or self.keyring]
        for c in ([catalog] if isinstance(catalog, str) else catalog):
            argv += ["--catalog", c]
        fast = FAST if "--fetch-timeout" not in command else FAST[:2]
        argv += fast + list(command)
        try:
            return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise rootkit.Failure("'%s' did not finish within %d s" % (" ".join(argv), timeout))

    def publish(self, out, extra=(), key=None):
        r = subprocess.run([self.binary, "--keyring", self.keyring, "--archives", self.archives, "repo", "index",
                            self.catalog, "--out", out, "--key", key or self.key] + list(extra),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        if r.returncode != 0:
            raise rootkit.Failure("repo index exited %d: %s" % (r.returncode, r.stderr))
        return r

    def fresh_root(self, name):
        root = os.path.join(self.work, "roots", name)
        os.makedirs(root)
        return root


def root_tree(root):
    """The root as rootkit.tree sees it, without the fetch cache."""
    t = rootkit.tree(root) or {}
    return {k: v for k, v in t.items() if k != CACHE and not k.startswith(CACHE + os.sep)}


def expect(r, code, label, error_code=None, stderr_has=None):
    if r.returncode != code:
        raise rootkit.Failure("%s: exit %d, expected %d\nstdout: %s\nstderr: %s" % (label, r.returncode, code,
                                                                                    r.stdout[-800:], r.stderr[-1500:]))
    if error_code is not None:
        doc = json.loads(r.stdout)
        got = doc.get("error", {}).get("code")
        if got != error_code:
            raise rootkit.Failure("%s: error code %r, expected %r: %s" % (label, got, error_code, r.stdout[:800]))
    if stderr_has is not None and stderr_has not in r.stderr:
        raise rootkit.Failure("%s: stderr lacks %r: %s" % (label, stderr_has, r.stderr[-800:]))


UPGRADE = ["upgrade", "jit_compiler", "2.1.0", "--offline"]


def installed(root, component, version):
    link = os.path.join(root, "components", component, "current")
    return os.path.islink(link) and os.readlink(link) == "versions/" + version


def refused_unchanged(env, root, catalog, code, error_code, label, keyring=None, command=UPGRADE):
    before = root_tree(root)
    started = time.monotonic()
    r = env.run(root, catalog, ["-o", "json"] + command, keyring=keyring)
    took = time.monotonic() - started
    expect(r, code, label, error_code)
    after = root_tree(root)
    if before != after:
        changed = sorted(set(before) ^ set(after)) + sorted(k for k in before if k in after and before[k] != after[k])
        raise rootkit.Failure("%s: the root changed outside the fetch cache: %s" % (label, changed[:10]))
    return took


# ---- cases -------------------------------------------------------------------

def base_root(env, name, srv_url=None):
    """A root that already installed runtime_core 1.2.0 (so it has state to keep) from the local catalog and
    archives, with no fetch cache; with `srv_url`, it then synced that repository's index (and its version)."""
    root = env.fresh_root(name)
    r = subprocess.run([env.binary, "--root", root, "--keyring", env.keyring, "--catalog", env.catalog, "--archives",
                        env.archives, "upgrade", "runtime_core", "1.2.0", "--offline"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    expect(r, 0, name + ": base install")
    if srv_url:
        expect(env.run(root, srv_url, ["repo", "sync", "runtime_core@1.2.0"]), 0, name + ": repo sync")
    return root


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    work = rootkit.make_workdir("noodle-repo-")
    servers = []
    failures = []
    skipped = []
    started = time.monotonic()
    try:
        tool = rootkit.make_examples(args.binary, args.source_dir, os.path.join(work, "examples"), jobs=2)
        env = Env(args.binary, work, os.path.join(work, "examples"))
        env.catalog = tool.catalog
        srv = os.path.join(work, "srv")
        srv2 = os.path.join(work, "srv-v2")

        def serve(server):
            servers.append(server)
            return server

        def case(name, fn):
            t0 = time.monotonic()
            try:
                fn()
                rootkit.log("ok   %-16s %.2f s" % (name, time.monotonic() - t0))
            except rootkit.Failure as e:
                failures.append(name)
                rootkit.log("FAIL %-16s %s" % (name, e))

        # publish-verify
        def publish_verify():
            env.publish(srv, ["--expires", "7d"])
            env.publish(srv2, ["--expires", "7d", "--index-version", "2"])
            expect(env.run(env.fresh_root("verify"), [], ["repo", "verify", srv]), 0, "repo verify")
            tampered = os.path.join(work, "srv-tampered")
            shutil.copytree(srv, tampered)
            archive = os.path.join(tampered, "archives", "jit_compiler", "2.1.0", "jit_compiler-2.1.0.tar.gz")
            with open(archive, "r+b") as f:
                f.seek(10)
                f.write(b"\xff")
            expect(env.run(env.fresh_root("verify-tampered"), [], ["-o", "json", "repo", "verify", tampered]), 4,
                   "repo verify of a tampered archive", "repo_digest_mismatch")
            r = subprocess.run([env.binary, "-o", "json", "--keyring", env.keyring, "--archives", env.archives,
                                "repo", "index", env.catalog, "--out", srv, "--key", env.key, "--index-version",
                                "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            expect(r, 4, "repo index with a version not above the one in DIR", "repo_rollback")
        case("publish-verify", publish_verify)

        plain = serve(PlainServer(srv))

        def upgrade_from_url():
            root = env.fresh_root("from-url")
            expect(env.run(root, plain.url, UPGRADE), 0, "upgrade from the URL")
            if not installed(root, "jit_compiler", "2.1.0"):
                raise rootkit.Failure("jit_compiler 2.1.0 is not current after the upgrade")
        case("upgrade-from-url", upgrade_from_url)

        def cache_offline():
            root = env.fresh_root("cache")
            r = env.run(root, plain.url, ["-o", "json", "repo", "sync", "--for", "jit_compiler@2.1.0"])
            expect(r, 0, "repo sync --for")
            synced = sorted(json.loads(r.stdout)["archives"])
            if synced != ["gc_engine@2.0.0", "jit_compiler@2.1.0", "runtime_core@2.1.0"]:
                raise rootkit.Failure("repo sync --for fetched %s, not the plan's archives" % synced)
            dead = "http://127.0.0.1:%d/" % free_port()
            expect(env.run(root, dead, UPGRADE), 0, "upgrade from the cache, no server",
                   stderr_has="no mirror answered: using the cached repository index version 1")
            if not installed(root, "jit_compiler", "2.1.0"):
                raise rootkit.Failure("jit_compiler 2.1.0 is not current after the cached upgrade")
        case("cache-offline", cache_offline)

        def unreachable():
            root = base_root(env, "unreachable")
            dead = "http://127.0.0.1:%d/" % free_port()
            refused_unchanged(env, root, dead, 8, "repo_unreachable", "no server, no cache")
        case("unreachable", unreachable)

        plain2 = serve(PlainServer(srv2))

        def rollback():
            root = base_root(env, "rollback", plain2.url)  # has seen version 2
            refused_unchanged(env, root, plain.url, 4, "repo_rollback", "an older index")
        case("rollback", rollback)

        def freeze():
            short = os.path.join(work, "srv-short")
            published = time.monotonic()
            env.publish(short, ["--expires", "3s"])
            server = serve(PlainServer(short))
            root = base_root(env, "freeze-offline", server.url)
            expect(env.run(root, server.url, ["repo", "sync"]), 0, "repo sync before the index expires")
            time.sleep(max(0.0, 3.2 - (time.monotonic() - published)))
            fresh = base_root(env, "freeze")
            refused_unchanged(env, fresh, server.url, 4, "repo_expired", "an expired index")
            server.stop()
            refused_unchanged(env, root, server.url, 4, "repo_expired", "an expired cached index, offline")
            expect(env.run(root, server.url, ["--allow-expired"] + UPGRADE), 0, "--allow-expired, offline")
        case("freeze", freeze)

        other_key = os.path.join(work, "other")
        subprocess.run([env.binary, "keygen", "--out", other_key], check=True, stdout=subprocess.DEVNULL)
        signed_by_other = os.path.join(work, "srv-other")
        env.publish(signed_by_other, ["--index-version", "5"], key=other_key + ".key")
        other = serve(PlainServer(signed_by_other))

        def unknown_key():
            root = base_root(env, "unknown-key", plain.url)
            refused_unchanged(env, root, other.url, 4, "unknown_key", "an index signed by an unknown key")
        case("unknown-key", unknown_key)

        def revoked_key():
            keyring = os.path.join(work, "keyring-revoked")
            shutil.copytree(env.keyring, keyring)
            shutil.copy(other_key + ".pub", keyring)
            key_id = json.loads(subprocess.run([env.binary, "-o", "json", "--keyring", keyring, "repo", "verify",
                                                signed_by_other], stdout=subprocess.PIPE, text=True).stdout)["key_id"]
            rootkit.write(os.path.join(keyring, "revoked"), key_id + "\n", 0o644)
            root = base_root(env, "revoked-key", plain.url)
            refused_unchanged(env, root, other.url, 4, "revoked_key", "an index signed by a revoked key",
                              keyring=keyring)
        case("revoked-key", revoked_key)

        def wrong_bytes():
            bad = serve(Misbehaving(srv2, "wrong_bytes"))
            root = base_root(env, "wrong-bytes", plain2.url)
            refused_unchanged(env, root, bad.url, 4, "repo_digest_mismatch", "a mirror serving other bytes")
            expect(env.run(root, [bad.url, plain2.url], UPGRADE), 0, "failover past a mirror serving other bytes")
            if not installed(root, "jit_compiler", "2.1.0"):
                raise rootkit.Failure("jit_compiler 2.1.0 is not current after the failover")
        case("wrong-bytes", wrong_bytes)

        def endless():
            bad = serve(Misbehaving(srv2, "endless"))
            root = base_root(env, "endless", plain2.url)
            took = refused_unchanged(env, root, bad.url, 4, "repo_too_large", "an endless archive body")
            if took > 5:
                raise rootkit.Failure("the endless body was not stopped at its cap: %.1f s" % took)
            bad_index = serve(Misbehaving(srv2, "endless", everything=True))
            refused_unchanged(env, root, bad_index.url, 4, "repo_too_large", "an endless index body",
                              command=["repo", "sync"])
            huge = serve(Misbehaving(srv2, "oversized", everything=True))
            refused_unchanged(env, root, huge.url, 4, "repo_too_large", "a Content-Length over the cap",
                              command=["repo", "sync"])
        case("endless", endless)

        def not_found():
            missing = serve(Misbehaving(srv2, "not_found", everything=True))
            refused_unchanged(env, base_root(env, "not-found"), missing.url, 8, "repo_unreachable", "a 404 mirror")
            root = env.fresh_root("not-found-failover")
            expect(env.run(root, [missing.url, plain2.url], UPGRADE), 0, "failover past a 404 mirror")
            # The configuration file's catalog setting takes the same list, separated by commas or spaces.
            config = os.path.join(work, "config.yaml")
            rootkit.write(config, "catalog: %s, %s\n" % (missing.url, plain2.url))
            root = env.fresh_root("not-found-config")
            expect(env.run(root, [], ["--config", config] + UPGRADE), 0, "mirrors from the configuration file")
            if not installed(root, "jit_compiler", "2.1.0"):
                raise rootkit.Failure("jit_compiler 2.1.0 is not current after the upgrade from configured mirrors")
        case("not-found", not_found)

        def resume():
            cutting = serve(Misbehaving(srv2, "truncate"))
            root = env.fresh_root("resume")
            expect(env.run(root, cutting.url, UPGRADE), 0, "upgrade through bodies cut short")
            ranged = [p for p, rng in cutting.requests if rng]
            if not ranged or not cutting.cut:
                raise rootkit.Failure("no download was resumed with Range: %s" % cutting.requests[:8])
            if not installed(root, "jit_compiler", "2.1.0"):
                raise rootkit.Failure("jit_compiler 2.1.0 is not current after resumed downloads")
        case("resume", resume)

        def stall():
            staller = serve(Misbehaving(srv2, "stall"))
            root = base_root(env, "stall", plain2.url)
            short = ["--fetch-timeout", "1s"]
            took = refused_unchanged(env, root, staller.url, 8, "repo_unreachable", "a stalled mirror",
                                     command=short + UPGRADE)
            if took > 4:
                raise rootkit.Failure("a stalled transfer outlived --fetch-timeout 1s: %.1f s" % took)
            t0 = time.monotonic()
            expect(env.run(root, [staller.url, plain2.url], short + UPGRADE), 0, "failover past a stalled mirror")
            if time.monotonic() - t0 > 4:
                raise rootkit.Failure("the stalled mirror was waited for more than once: %.1f s"
                                      % (time.monotonic() - t0))
        case("stall", stall)

        def https():
            if shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"):
                skipped.append("https (no nginx)")
                return
            if shutil.which("openssl") is None:
                skipped.append("https (no openssl)")
                return
            os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin"
            ca, cert, key = make_certificates(work)
            server = serve(Nginx(work, srv2, cert, key))
            refused_unchanged(env, base_root(env, "https-no-ca"), server.url, 8, "repo_unreachable",
                              "https without --ca-file")
            root = env.fresh_root("https")
            expect(env.run(root, server.url, ["--ca-file", ca] + UPGRADE), 0, "https with --ca-file")
            if not installed(root, "jit_compiler", "2.1.0"):
                raise rootkit.Failure("jit_compiler 2.1.0 is not current after the https upgrade")
        case("https", https)
    finally:
        for s in servers:
            try:
                s.stop()
            except Exception as e:  # noqa: BLE001
                rootkit.log("stopping a server failed: %s" % e)
        rootkit.release_workdir(work, args.keep or bool(failures))
    rootkit.log("%d case(s) failed, %s skipped, %.1f s" % (len(failures), ", ".join(skipped) or "none",
                                                           time.monotonic() - started))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
