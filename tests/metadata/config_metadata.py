#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""config/ comes back as it was: owner, group, mode, times, xattrs and ACLs.

Builds the example archives and the demo root, then gives
components/jit_compiler/config/ what a service's configuration has in the
field: a file owned by nobody:nogroup with mode 0600 (only the service may
read it), a setgid directory with a default ACL, a file with an access ACL
(setfacl) and a `user.*` extended attribute, a symlink owned by nobody, and
modification times in the past on all of them. Then:

  - `upgrade jit_compiler 2.1.0` (its rollback point copies config/), and the
    operator edits config/ under 2.1.0 (a file rewritten, one removed, owners
    and modes changed);
  - `rollback jit_compiler` restores the copy.

After the rollback every node of config/, config/ itself included, has the
owner, group, mode, modification time, extended attributes (the ACLs are
the system.posix_acl_access and _default ones) and content it had before the
upgrade, and `getfacl -R` prints what it printed then.

Exit 0 when it held, 1 when not (naming each node and what differs), 77
when not run as root (only root gives files to nobody) or without setfacl
(scripts/install-deps installs Debian's `acl`).
"""

import argparse
import grp
import os
import pwd
import shutil
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from rootkit import (DEMO_UPGRADE, SKIP, build_demo_root, default_workdir, log, make_examples,  # noqa: E402
                     make_workdir, release_workdir, write)

PAST = 1_500_000_000  # 2017-07-14: any time the copy could not have made up


def nobody_ids():
    return pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid


def metadata(top):
    """relative path -> (kind, uid, gid, mode, mtime_ns, {xattr: value}, content or link target)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for path in [dirpath] + [os.path.join(dirpath, n) for n in sorted(dirnames + filenames)]:
            rel = os.path.relpath(path, top)
            if rel in out:
                continue
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                xattrs = {}
                content = os.readlink(path)
            else:
                xattrs = {n: os.getxattr(path, n) for n in sorted(os.listxattr(path))}
                content = open(path, "rb").read() if stat.S_ISREG(st.st_mode) else None
            out[rel] = (stat.S_IFMT(st.st_mode), st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), st.st_mtime_ns,
                        xattrs, content)
    return out


def getfacl(top):
    r = subprocess.run(["getfacl", "-R", "-p", "."], cwd=top, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, check=True)
    return r.stdout


def dress(config):
    """Gives config/ the owners, modes, ACLs, xattrs and times a service's configuration has."""
    uid, gid = nobody_ids()
    secret = os.path.join(config, "secret.key")
    write(secret, "s3cr3t\n")
    os.chown(secret, uid, gid)
    os.chmod(secret, 0o600)
    shared = os.path.join(config, "shared")
    os.makedirs(shared)
    os.chown(shared, 0, gid)
    os.chmod(shared, 0o2750)
    subprocess.run(["setfacl", "-d", "-m", "u:nobody:rx", shared], check=True)
    peers = os.path.join(shared, "peers.yaml")
    write(peers, "peers: [a, b]\n")
    subprocess.run(["setfacl", "-m", "u:nobody:r,g:nogroup:r", peers], check=True)
    jit = os.path.join(config, "jit.yaml")
    os.setxattr(jit, "user.origin", b"ops-team")
    link = os.path.join(config, "current-key")
    os.symlink("secret.key", link)
    os.lchown(link, uid, gid)
    os.chmod(config, 0o750)
    os.chown(config, 0, gid)
    for dirpath, dirnames, filenames in os.walk(config, topdown=False):
        for name in dirnames + filenames:
            os.utime(os.path.join(dirpath, name), (PAST, PAST + 7), follow_symlinks=False)
    os.utime(config, (PAST, PAST + 11))


def edit(config):
    """What the operator does under 2.1.0: every kind of change the rollback must undo."""
    write(os.path.join(config, "jit.yaml"), "tier: 3\n")
    os.remove(os.path.join(config, "shared", "peers.yaml"))
    os.chown(os.path.join(config, "secret.key"), 0, 0)
    os.chmod(os.path.join(config, "secret.key"), 0o644)
    os.removexattr(os.path.join(config, "jit.yaml"), "user.origin")
    write(os.path.join(config, "new.yaml"), "added under 2.1.0\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True, help="the built noodle-upgrade")
    ap.add_argument("--source-dir", required=True, help="the source tree (manifests/, scripts/, examples/)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    if os.geteuid() != 0:
        log("SKIP: only root can give config files to nobody; run as root")
        return SKIP
    if shutil.which("setfacl") is None or shutil.which("getfacl") is None:
        log("SKIP: setfacl and getfacl are missing (Debian's acl package; scripts/install-deps installs it)")
        return SKIP
    started = time.monotonic()
    work = make_workdir("noodle-config-meta-", default_workdir())
    problems = []
    before = {}
    try:
        tool = make_examples(os.path.abspath(args.binary), os.path.abspath(args.source_dir), os.path.join(work, "ex"))
        root = os.path.join(work, "root")
        build_demo_root(tool, root, os.path.abspath(args.source_dir))
        config = os.path.join(root, "components", "jit_compiler", "config")
        dress(config)
        before = metadata(config)
        acl_before = getfacl(config)
        if "user:nobody:r--" not in acl_before or "default:user:nobody:r-x" not in acl_before:
            log("SKIP: the file system under %s keeps no POSIX ACLs" % work)
            return SKIP
        tool.must(root, DEMO_UPGRADE)
        if metadata(config) != before:
            problems.append("the upgrade changed config/")
        edit(config)
        tool.must(root, ["rollback", "jit_compiler", "--offline", "--force"])
        after = metadata(config)
        names = ("kind", "owner", "group", "mode", "mtime", "xattrs", "content")
        for rel in sorted(set(before) | set(after)):
            if rel not in after:
                problems.append("%s: missing after the rollback" % rel)
            elif rel not in before:
                problems.append("%s: left over after the rollback" % rel)
            else:
                for name, was, now in zip(names, before[rel], after[rel]):
                    if was != now:
                        problems.append("%s: %s was %r, is %r" % (rel, name, was, now))
        acl_after = getfacl(config)
        if acl_after != acl_before:
            problems.append("getfacl -R differs:\n--- before\n%s--- after\n%s" % (acl_before, acl_after))
    finally:
        release_workdir(work, args.keep)
    for p in problems:
        log("FAIL " + p)
    log("%d node(s) of config/ compared; %d problem(s); %.1f s" % (len(before), len(problems),
                                                                   time.monotonic() - started))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
