#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The progress line: drawn on a terminal's stderr only, never into a pipe,
never with --no-progress or -o json, never with an escape sequence; waiting
for the root's lock counts seconds on a terminal and is one note elsewhere."""

import argparse
import errno
import fcntl
import json
import os
import re
import subprocess
import sys
import tempfile

PROGRESS = re.compile(r"\r(verify|extract) \d+% \d+\.\d/\d+\.\d MB")


def run(binary, args, stderr_tty, env=None):
    """Runs the binary with stdout to a pipe and stderr to a new pseudo-terminal
    (or a pipe); returns (exit code, stdout, stderr)."""
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    full_env.update(env or {})
    if not stderr_tty:
        p = subprocess.run([binary] + args, stdin=subprocess.DEVNULL, capture_output=True, env=full_env, timeout=60)
        return p.returncode, p.stdout.decode(), p.stderr.decode()
    master, slave = os.openpty()
    p = subprocess.Popen([binary] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env=full_env)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError as e:  # EIO: the last holder of the terminal closed it
            if e.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        err += chunk
    out = p.stdout.read()
    p.wait(timeout=60)
    os.close(master)
    return p.returncode, out.decode(), err.decode().replace("\r\n", "\n")


def check(condition, what, detail=""):
    if not condition:
        print(f"FAIL: {what}\n{detail!r}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    binary = parser.parse_args().binary

    with tempfile.TemporaryDirectory() as tmp:
        comp = os.path.join(tmp, "comp")
        os.makedirs(os.path.join(comp, "lib"))
        with open(os.path.join(comp, "manifest.yaml"), "w") as f:
            f.write("name: jit_compiler\nversion: 2.1.0\ntype: compiler\n")
        with open(os.path.join(comp, "lib", "blob"), "wb") as f:
            f.write(os.urandom(6 * 1024 * 1024))  # incompressible: a few MB of archive
        archive = os.path.join(tmp, "jit.tar.gz")
        keyring = os.path.join(tmp, "keys")
        os.makedirs(keyring)
        for cmd in (["keygen", "--out", os.path.join(tmp, "release")],
                    ["pack", comp, "--out", archive]):
            subprocess.run([binary] + cmd, check=True, capture_output=True)
        os.rename(os.path.join(tmp, "release.pub"), os.path.join(keyring, "release.pub"))
        subprocess.run([binary, "sign", archive, "--key", os.path.join(tmp, "release.key")], check=True,
                       capture_output=True)

        counter = [0]

        def verify(extra, stderr_tty, env=None):
            counter[0] += 1
            dest = os.path.join(tmp, f"out{counter[0]}")
            code, out, err = run(binary, ["--keyring", keyring, "--root", os.path.join(tmp, "root")] + extra +
                                 ["verify", archive, "--extract-to", dest], stderr_tty, env)
            check(code == 0, f"verify {' '.join(extra)} (tty={stderr_tty}) succeeds", err)
            check(os.path.getsize(os.path.join(dest, "lib", "blob")) == 6 * 1024 * 1024, "the blob is extracted")
            return out, err

        out, err = verify([], True)
        check(PROGRESS.search(err) is not None, "a terminal's stderr shows the progress line", err)
        check("extract 100%" in err, "extraction reaches 100%", err)
        check("\x1b" not in err, "the line holds no escape sequence", err)
        check(err.rstrip(" ").endswith("\r"), "the line is erased at the end", err[-200:])
        check("\r" not in out and "%" not in out, "stdout holds no progress", out)

        _, err = verify([], True, {"NO_COLOR": "1"})
        check(PROGRESS.search(err) is not None and "\x1b" not in err, "NO_COLOR: the line, without escapes", err)

        _, err = verify([], False)
        check("\r" not in err and "%" not in err, "a pipe gets no progress", err)

        _, err = verify(["--no-progress"], True)
        check("\r" not in err and "%" not in err, "--no-progress draws nothing on a terminal", err)

        _, err = verify(["-q"], True)
        check("\r" not in err, "--quiet draws nothing on a terminal", err)

        for tty in (True, False):
            out, err = verify(["-o", "json"], tty)
            check(err == "", f"-o json (tty={tty}) writes nothing to stderr", err)
            body = json.loads(out)  # fails on anything besides the one object
            check(body["ok"] is True and "\r" not in out, "stdout is the one JSON object", out)

        # Another process holds the root's lock for the whole run.
        root = os.path.join(tmp, "locked-root")
        os.makedirs(os.path.join(root, ".noodle-upgrade"), mode=0o700)
        lock = os.open(os.path.join(root, ".noodle-upgrade", "lock"), os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(lock, fcntl.LOCK_EX)
        args = ["--root", root, "--lock-timeout", "1.3", "recover"]
        code, _, err = run(binary, args, True)
        check(code == 5, "recover on a locked root exits 5", err)
        check(re.search(r"\rwaiting for the root's lock: 1 s", err) is not None,
              "a terminal sees the wait counting seconds", err)
        check("waiting up to" not in err, "and no note", err)
        code, _, err = run(binary, args, False)
        check(code == 5 and "waiting up to 1.3 s for the root's lock" in err and "\r" not in err,
              "a pipe gets the note, no line", err)
        os.close(lock)


if __name__ == "__main__":
    main()
