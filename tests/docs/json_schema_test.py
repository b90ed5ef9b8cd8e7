#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The JSON contract, command by command: every command runs with -o json against a demo root built from the example
catalog plus one version the demo runtime reports unhealthy (signed archives, a keyring, installs), once or more
as it succeeds and at least once as it fails (a usage error, an unknown component, a refusal), and a live upgrade
runs against the demo runtime. Each run's stdout must be exactly one JSON document whose first key is api_version
and which validates against the schema in schemas/ named after the command; each line a live run writes to stderr
must validate against schemas/event.json. The error_code enum of schemas/common.json must list exactly the codes
the source's ErrorCode -> name table (src/util/error.cpp) can print, and every command the binary offers must be
run here. help, --help, completion scripts as text and the hidden __complete print text and are exempt."""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import rootkit  # noqa: E402

try:
    import jsonschema
except ImportError:
    # CMake may find a Python of its own; Debian's python3-jsonschema lives here.
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import jsonschema
    except ImportError:
        jsonschema = None

# A version the demo runtime reports unhealthy once activated: a live upgrade to it fails and is rolled back.
UNHEALTHY_VERSION = """---
name: model_gateway
version: 1.3.0
description: Model request router that never gets healthy
type: ai_agent
dependencies:
  telemetry_agent: ">=0.5.0"
hot_swappable: true
health_check: {timeout_ms: 500, retries: 1}
metadata:
  demo_health: unhealthy
"""

# Forms no run here prints, and why.
UNREACHED = {
    # An undo that fails too needs an injected fault, as tests/faults injects; one shape in all three.
    ("upgrade.json", "rollback_failed"): "tests/faults",
    ("apply.json", "rollback_failed"): "tests/faults",
    ("rollback.json", "rollback_failed"): "tests/faults",
    # A rollback whose step fails: the shape of upgrade.json's 'failed', which runs here.
    ("rollback.json", "failed"): "upgrade.json failed",
    # A cancelled upgrade that does not stop within --wait: needs a runtime that hangs.
    ("cancel.json", "still_running"): "a hung runtime",
    ("abort.json", "still_running"): "a hung runtime",
    # A steering request the run does not take within --wait: needs a runtime that hangs.
    ("pause.json", "not_taken"): "a hung runtime",
    ("resume.json", "not_taken"): "a hung runtime",
    ("promote.json", "not_taken"): "a hung runtime",
}

# Commands that print text by design, never JSON.
EXEMPT = {"help", "__complete"}


class Contract:
    """Every schema of schemas/, loaded by its $id, and the validators built on them."""

    def __init__(self, schema_dir):
        self.schemas = {}
        for path in sorted(glob.glob(os.path.join(schema_dir, "*.json"))):
            with open(path) as f:
                schema = json.load(f)
            name = os.path.basename(path)
            if schema.get("$id") != name:
                raise rootkit.Failure("%s: $id is %r, not its file name" % (path, schema.get("$id")))
            jsonschema.Draft202012Validator.check_schema(schema)
            self.schemas[name] = schema
        try:
            import referencing  # jsonschema >= 4.18
            registry = referencing.Registry().with_resources(
                (name, referencing.Resource.from_contents(s)) for name, s in self.schemas.items())
            self._validator = lambda s: jsonschema.Draft202012Validator(s, registry=registry)
        except ImportError:  # jsonschema 4.10 (Debian 12): a resolver with a store
            self._validator = lambda s: jsonschema.Draft202012Validator(
                s, resolver=jsonschema.RefResolver(base_uri=s.get("$id", ""), referrer=s, store=dict(self.schemas)))
        self.validators = {name: self._validator(s) for name, s in self.schemas.items()}

    def forms(self, name):
        """The names of the forms a document may take: the top-level oneOf's branches ("done", "bare_failure")."""
        return [b["$ref"].rsplit("/", 1)[1] for b in self.schemas[name].get("oneOf", [])]

    def form_of(self, name, document):
        """The form `document` takes, or None."""
        for b in self.schemas[name].get("oneOf", []):
            ref = b["$ref"] if not b["$ref"].startswith("#") else name + b["$ref"]
            if self._validator({"$ref": ref}).is_valid(document):
                return ref.rsplit("/", 1)[1]
        return None

    def errors(self, name, document):
        found = sorted(self.validators[name].iter_errors(document), key=lambda e: list(e.absolute_path))
        out = []
        for e in found:
            out.append("%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(top)", e.message[:300]))
            # oneOf failures say little; the reasons of each branch do.
            for sub in sorted(e.context or [], key=lambda s: len(list(s.relative_schema_path)))[:12]:
                out.append("    %s: %s" % ("/".join(str(p) for p in sub.absolute_path) or "(top)",
                                           sub.message[:200]))
        return out


def source_error_codes(source_dir):
    """The names of src/util/error.cpp's ErrorCode -> name table, and the enum members of error.hpp."""
    with open(os.path.join(source_dir, "src", "util", "error.cpp")) as f:
        table = re.findall(r'case ErrorCode::(\w+):\s*return "(\w+)";', f.read())
    with open(os.path.join(source_dir, "include", "noodle", "util", "error.hpp")) as f:
        header = f.read()
    body = re.search(r"enum class ErrorCode \{(.*?)\};", header, re.S).group(1)
    members = re.findall(r"^\s*(\w+),", re.sub(r"//[^\n]*", "", body), re.M)
    if not table or not members:
        raise rootkit.Failure("could not read the ErrorCode table from the source")
    return table, members


def check_error_codes(contract, source_dir):
    table, members = source_error_codes(source_dir)
    problems = []
    mapped = {m for m, _ in table}
    for m in members:
        if m not in mapped:
            problems.append("ErrorCode::%s has no JSON name in src/util/error.cpp" % m)
    names = [n for _, n in table]
    listed = contract.schemas["common.json"]["$defs"]["error_code"]["enum"]
    for n in names:
        if n not in listed:
            problems.append("error code '%s' is printed by the binary but missing from common.json's error_code" % n)
    for n in listed:
        if n not in names:
            problems.append("common.json's error_code lists '%s', which the binary never prints" % n)
    return problems


class Runner:
    def __init__(self, tool, contract, root):
        self.tool = tool
        self.contract = contract
        self.root = root
        self.problems = []
        self.seen = {}  # schema -> set of ok values seen
        self.forms = {}  # schema -> the forms of it seen
        self.commands = set()
        self.events = 0

    def check_stdout(self, label, schema, stdout, ok=None):
        """Exactly one JSON document, api_version first, valid against `schema`; returns it (or None)."""
        decoder = json.JSONDecoder(object_pairs_hook=lambda pairs: pairs)
        try:
            pairs, end = decoder.raw_decode(stdout)
        except ValueError as e:
            self.problems.append("%s: stdout is not a JSON document (%s): %r" % (label, e, stdout[:300]))
            return None
        if stdout[end:].strip() or not stdout.endswith("\n"):
            self.problems.append("%s: stdout holds more than one JSON document: %r" % (label, stdout[end:][:200]))
        if not isinstance(pairs, list) or not pairs or pairs[0][0] != "api_version":
            self.problems.append("%s: the first key is not api_version: %r" % (label, stdout[:120]))
        document = json.loads(stdout)
        for e in self.contract.errors(schema, document):
            self.problems.append("%s: does not match %s: %s" % (label, schema, e))
        if ok is not None and document.get("ok") is not ok:
            self.problems.append("%s: ok is %r, expected %r" % (label, document.get("ok"), ok))
        self.seen.setdefault(schema, set()).add(document.get("ok"))
        self.forms.setdefault(schema, set()).add(self.contract.form_of(schema, document))
        return document

    def check_lines(self, label, schema, stdout, ok=None, at_least=1):
        """A stream of JSON lines (status --watch): each one compact document, api_version first, valid against
        `schema`; returns them."""
        documents = []
        lines = stdout.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        else:
            self.problems.append("%s: the stream does not end with a newline: %r" % (label, stdout[-200:]))
        for line in lines:
            document = self.check_stdout(label + " (a line)", schema, line + "\n", ok)
            if document is not None:
                documents.append(document)
        if len(documents) < at_least:
            self.problems.append("%s: expected at least %d JSON lines, got %d" % (label, at_least, len(documents)))
        return documents

    def check_events(self, label, stderr, at_least=1):
        lines = [line for line in stderr.split("\n") if line.strip()]
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                self.problems.append("%s: a stderr line is not a JSON event: %r" % (label, line[:200]))
                continue
            for e in self.contract.errors("event.json", event):
                self.problems.append("%s: event does not match event.json: %s: %s" % (label, e, line[:200]))
            self.events += 1
        if len(lines) < at_least:
            self.problems.append("%s: expected live events on stderr, got %r" % (label, stderr[:300]))

    def run(self, schema, command, code, ok=None, live=False):
        """Runs `command` with -o json, expects exit `code`; returns the parsed document."""
        label = " ".join(command)
        self.commands.add(command[0])
        if len(command) > 1:
            self.commands.add("%s %s" % (command[0], command[1]))
        r = self.tool.run(self.root, ["-o", "json"] + command)
        if r.returncode != code:
            self.problems.append("%s: exit %d, expected %d\n%s%s" % (label, r.returncode, code, r.stdout[:600],
                                                                      r.stderr[:600]))
        document = self.check_stdout(label, schema, r.stdout, ok)
        if live:
            self.check_events(label, r.stderr)
        elif r.stderr.strip():
            self.problems.append("%s: -o json wrote to stderr: %r" % (label, r.stderr[:300]))
        return document or {}


def offered_commands(tool, root):
    """The commands the binary offers: the top-level ones it names when given an unknown one, and for each, the
    subcommands its --help lists ("version parse", "floor reset", ...)."""
    r = tool.run(root, ["-o", "json", "no-such-command"])
    listed = json.loads(r.stdout)["error"]["message"].split("expected one of: ", 1)[1]
    commands = {c.strip() for c in listed.split(",")}
    for command in sorted(commands - EXEMPT):
        shown = tool.run(root, [command, "--help"]).stdout
        block = re.search(r"^Subcommands:\n(.*?)(?:\n\n|\Z)", shown, re.S | re.M)
        for line in (block.group(1).split("\n") if block else []):
            if line.strip():
                commands.add("%s %s" % (command, line.split()[0]))
    return commands


def scenario(tool, run, work, source_dir, demo_runtime):
    root = run.root
    ex = os.path.dirname(tool.keyring)

    # Read-only commands.
    run.run("status.json", ["status"], 0, True)
    run.run("status.json", ["status", "jit_compiler"], 0, True)
    run.run("status.json", ["status", "no_such_component"], 2, False)
    run.run("status.json", ["status", "--no-such-flag"], 2, False)
    run.run("components-list.json", ["components", "list"], 0, True)
    run.run("components-list.json", ["components", "list", "extra"], 2, False)
    run.run("components-show.json", ["components", "show", "jit_compiler"], 0, True)
    run.run("components-show.json", ["components", "show", "jit_compiler@2.1.0"], 0, True)
    run.run("components-show.json", ["components", "show", "no_such_component"], 2, False)
    run.run("deps.json", ["deps", "jit_compiler"], 0, True)
    run.run("deps.json", ["deps", "runtime_core", "--reverse"], 0, True)
    run.run("deps.json", ["deps", "no_such_component"], 2, False)
    run.run("path.json", ["path", "runtime_core", "--to", "2.1.0"], 0, True)
    run.run("path.json", ["path", "jit_compiler", "--to", "9.9.9"], 2, False)
    run.run("path.json", ["path", "jit_compiler"], 2, False)
    run.run("validate.json", ["validate"], 0, True)
    bad = os.path.join(work, "bad.yaml")
    rootkit.write(bad, "name: broken\nversion: not-a-version\n")
    run.run("validate.json", ["validate", bad], 2, False)
    run.run("validate.json", ["validate", os.path.join(work, "missing.yaml")], 2, False)
    run.run("validate.json", ["validate", "--no-such-flag"], 2, False)

    run.run("version.json", ["version", "parse", "1.2.3-rc.1+build.5"], 0, True)
    run.run("version.json", ["version", "parse", "1.2"], 2, False)
    run.run("version.json", ["version", "compare", "1.0.0", "2.0.0"], 0, True)
    run.run("version.json", ["version", "compare", "1.0.0", "x"], 2, False)
    run.run("version.json", ["version", "match", "^1.0.0", "1.2.0", "2.0.0"], 0, True)
    run.run("version.json", ["version", "match", "^3.0.0", "1.2.0"], 1, True)
    run.run("version.json", ["version", "match", ">>1"], 2, False)
    run.run("version.json", ["version", "sort", "2.0.0", "1.0.0-rc.1", "1.0.0"], 0, True)
    run.run("version.json", ["version", "sort", "2.0.0", "two"], 2, False)
    run.run("version.json", ["version", "compat", "1.0.0", "1.1.0"], 0, True)
    run.run("version.json", ["version", "compat", "1.0.0", "2.0.0"], 1, True)
    run.run("version.json", ["version", "compat", "1.0.0"], 2, False)
    run.run("version.json", ["version"], 2, False)
    run.run("version.json", ["version", "inc", "1.2.3", "minor"], 0, True)
    run.run("version.json", ["version", "inc", "1.2.3", "bogus"], 2, False)
    run.run("version.json", ["version", "diff", "1.2.3", "2.0.0"], 0, True)
    run.run("version.json", ["version", "diff", "1.0.0", "1.0.0"], 1, True)
    run.run("version.json", ["version", "coerce", "v2"], 0, True)
    run.run("version.json", ["version", "coerce", "none"], 1, True)
    run.run("version.json", ["version", "intersects", "^1", "^1.5"], 0, True)
    run.run("version.json", ["version", "intersects", "^1", "^2"], 1, True)
    run.run("version.json", ["version", "outside", "3.0.0", "^1", "--gtr"], 0, True)
    run.run("version.json", ["version", "outside", "1.5.0", "^1", "--ltr"], 1, True)
    run.run("version.json", ["version", "min-satisfying", "^1", "1.0.0", "1.5.0"], 0, True)
    run.run("version.json", ["version", "max-satisfying", "^3", "1.0.0"], 1, True)
    run.run("version.json", ["version", "min-version", "^1.2"], 0, True)
    run.run("version.json", ["version", "min-version", ">>1"], 2, False)

    run.run("config-show.json", ["config", "show"], 0, True)
    run.run("config-show.json", ["config", "show", "--origin"], 0, True)
    run.run("config-show.json", ["config", "show", "extra"], 2, False)
    run.run("completion.json", ["completion", "bash"], 0, True)
    run.run("completion.json", ["completion", "tcsh"], 2, False)

    # Keys and archives: an example archive is verified and extracted, packed again and signed by a key the
    # keyring does not hold.
    key = os.path.join(work, "extra-key")
    run.run("keygen.json", ["keygen", "--out", key], 0, True)
    run.run("keygen.json", ["keygen", "--out", key], 1, False)
    example = os.path.join(tool.archives, "gc_engine-1.3.0.tar.gz")
    extracted = os.path.join(work, "extracted")
    run.run("verify.json", ["verify", example], 0, True)
    run.run("verify.json", ["verify", example, "--extract-to", extracted], 0, True)
    archive = os.path.join(work, "gc_engine-1.3.0.tar.gz")
    run.run("pack.json", ["pack", extracted, "--out", archive], 0, True)
    run.run("pack.json", ["pack", work, "--out", os.path.join(work, "none.tar.gz")], 2, False)
    run.run("sign.json", ["sign", archive, "--key", key + ".key"], 0, True)
    run.run("sign.json", ["sign", archive], 2, False)
    run.run("verify.json", ["verify", archive], 4, False)  # signed by a key outside the keyring

    # A repository: published from the catalog, verified whole and tampered with, synced into the root's cache
    # from its directory, and asked of a mirror that does not answer.
    repository = os.path.join(work, "repository")
    release_key = os.path.join(ex, "demo-test-key.key")
    run.run("repo-index.json", ["repo", "index", tool.catalog, "--out", repository, "--key", release_key], 0, True)
    run.run("repo-index.json", ["repo", "index", tool.catalog, "--out", repository, "--key", release_key,
                                "--index-version", "1"], 4, False)  # repo_rollback: versions only go up
    run.run("repo-index.json", ["repo", "index", tool.catalog], 2, False)
    run.run("repo-verify.json", ["repo", "verify", repository], 0, True)
    run.run("repo-verify.json", ["repo", "verify", work], 2, False)  # no index.json
    tampered = os.path.join(work, "repository-tampered")
    shutil.copytree(repository, tampered)
    with open(os.path.join(tampered, "archives", "gc_engine", "1.3.0", "gc_engine-1.3.0.tar.gz"), "r+b") as f:
        f.write(b"\0")
    run.run("repo-verify.json", ["repo", "verify", tampered], 4, False)  # repo_digest_mismatch
    with open(os.path.join(tampered, "index.json.sig"), "w") as f:
        f.write("noodle-signature 1\n")
    run.run("repo-verify.json", ["repo", "verify", tampered], 4, False)  # repo_invalid: not an index signature
    plain_tool = run.tool
    run.tool = rootkit.Tool(tool.binary, repository, ex)
    run.run("repo-sync.json", ["repo", "sync", "jit_compiler@2.1.0"], 0, True)
    run.run("repo-sync.json", ["repo", "sync", "no_such_component"], 2, False)
    run.run("repo-sync.json", ["repo", "sync", "--for", "code_assistant@1.1.0"], 0, True)
    run.run("repo-sync.json", ["repo", "sync", "--for", "code_assistant"], 2, False)
    run.tool = rootkit.Tool(tool.binary, "http://127.0.0.1:1/", ex)
    run.run("repo-sync.json", ["repo", "sync", "--connect-timeout", "1s"], 8, False)  # repo_unreachable
    run.tool = plain_tool
    run.run("repo-sync.json", ["repo", "sync"], 2, False)  # --catalog names no repository

    # Plans (offline here; with the runtime asked below, and without one listening).
    run.run("plan.json", ["plan", "jit_compiler", "2.1.0", "--offline"], 0, True)
    run.run("plan.json", ["plan", "jit_compiler", "9.9.9", "--offline"], 2, False)
    run.run("plan.json", ["plan", "jit_compiler", "1.0.0", "--offline"], 3, False)
    run.run("plan.json", ["plan"], 2, False)
    run.run("plan.json", ["plan", "jit_compiler", "2.1.0"], 6, False)  # no runtime listens, as the run would say
    run.run("upgrade.json", ["upgrade", "jit_compiler", "2.1.0", "--dry-run"], 6, False)

    # Offline changes, their refusals and no-ops.
    run.run("upgrade.json", ["upgrade", "jit_compiler", "1.4.0", "--offline"], 0, True)  # no-op
    run.run("upgrade.json", ["upgrade", "jit_compiler", "1.0.0", "--offline"], 3, False)  # downgrade refused
    run.run("upgrade.json", ["upgrade", "no_such_component", "1.0.0", "--offline"], 2, False)
    run.run("upgrade.json", ["upgrade", "jit_compiler", "2.1.0", "--offline", "--dry-run"], 0, True)
    run.run("upgrade.json", ["upgrade", "jit_compiler", "2.1.0"], 6, False)  # no runtime listens
    run.run("upgrade.json", ["upgrade", "jit_compiler"], 2, False)
    run.run("upgrade.json", ["upgrade", "jit_compiler", "2.1.0", "--offline", "--allow-unsigned", "--validation",
                             "strict"], 3, False)
    done = run.run("upgrade.json", ["upgrade", "jit_compiler", "2.1.0", "--offline"], 0, True)
    upgrade_id = str(done.get("upgrade_id", 1))

    run.run("history.json", ["history"], 0, True)
    run.run("history.json", ["history", "jit_compiler", "--status", "completed"], 0, True)
    run.run("history.json", ["history", "--audit"], 0, True)
    run.run("history.json", ["history", "--status", "nonsense"], 2, False)
    run.run("history-show.json", ["history", "show", upgrade_id], 0, True)
    run.run("history-show.json", ["history", "show", "9999"], 2, False)
    run.run("rollback-list.json", ["rollback", "list"], 0, True)
    run.run("rollback-list.json", ["rollback", "list", "no_such_component"], 2, False)
    run.run("snapshot.json", ["snapshot", "jit_compiler"], 0, True)
    run.run("snapshot.json", ["snapshot", "no_such_component"], 2, False)

    batch = os.path.join(work, "batch.yaml")
    rootkit.write(batch, "upgrades:\n  - {component: deploy_controller, version: 3.2.0}\n")
    run.run("apply.json", ["apply", batch, "--offline", "--dry-run"], 0, True)
    applied = run.run("apply.json", ["apply", batch, "--offline"], 0, True)
    applied_id = str(applied.get("upgrade_id", 1))
    run.run("apply.json", ["apply", batch, "--offline"], 0, True)  # nothing left to do
    run.run("apply.json", ["apply"], 2, False)
    run.run("apply.json", ["apply", os.path.join(work, "missing.yaml"), "--offline"], 2, False)
    downgrade = os.path.join(work, "downgrade.yaml")
    rootkit.write(downgrade, "upgrades:\n  - {component: jit_compiler, version: 1.0.0}\n")
    run.run("apply.json", ["apply", downgrade, "--offline"], 3, False)
    run.run("apply.json", ["apply", batch, "--offline", "--allow-unsigned", "--validation", "strict"], 3, False)
    altered = os.path.join(tool.archives, "telemetry_agent-1.0.0.tar.gz")
    with open(altered, "rb") as f:
        signed_bytes = f.read()
    try:
        with open(altered, "ab") as f:
            f.write(b"appended after signing")
        failing = os.path.join(work, "failing.yaml")
        rootkit.write(failing, "upgrades:\n  - {component: telemetry_agent, version: 1.0.0}\n")
        run.run("apply.json", ["apply", failing, "--offline"], 4, False)
    finally:
        with open(altered, "wb") as f:
            f.write(signed_bytes)
    saved = os.path.join(work, "plan.json")
    run.run("plan.json", ["plan", "model_gateway", "1.2.0", "--offline", "--save", saved], 0, True)
    run.run("apply.json", ["apply", "--plan", saved, "--offline", "--dry-run"], 0, True)
    run.run("apply.json", ["apply", "--plan", saved, "--offline"], 0, True)
    run.run("apply.json", ["apply", "--plan", saved, "--offline"], 3, False)  # the root changed since: drift

    run.run("rollback.json", ["rollback", "--upgrade", applied_id, "--offline", "--dry-run"], 0, True)
    run.run("rollback.json", ["rollback", "--upgrade", applied_id, "--offline"], 0, True)
    run.run("rollback.json", ["rollback", "--upgrade", applied_id, "--offline"], 0, True)  # already undone
    run.run("rollback.json", ["rollback", "no_such_component", "--offline"], 2, False)
    run.run("rollback.json", ["rollback"], 2, False)

    run.run("floor-list.json", ["floor", "list"], 0, True)
    run.run("floor-list.json", ["floor", "list", "no_such_component"], 2, False)
    run.run("floor-reset.json", ["floor", "reset", "gc_engine", "--reason", "schema test"], 0, True)
    run.run("floor-reset.json", ["floor", "reset", "gc_engine", "--reason", ""], 2, False)
    run.run("floor-reset.json", ["floor", "reset", "no_such_component", "--reason", "x"], 2, False)

    run.run("check.json", ["check"], 0, True)
    run.run("check.json", ["check", "no_such_component"], 2, False)
    run.run("recover.json", ["recover", "--dry-run"], 0, True)
    run.run("recover.json", ["recover"], 0, True)
    run.run("recover.json", ["recover", "extra"], 2, False)
    run.run("gc.json", ["gc", "--dry-run"], 0, True)
    run.run("gc.json", ["gc", "--keep", "1"], 0, True)
    run.run("gc.json", ["gc", "--keep", "-1"], 2, False)
    run.run("cancel.json", ["cancel", "9999"], 2, False)
    run.run("cancel.json", ["cancel", "0"], 2, False)

    # A damaged version: check still carries the versions.
    current = os.path.join(root, "components", "jit_compiler", "current")
    entry = os.path.join(current, "bin", "jit_compiler")
    with open(entry, "a") as f:
        f.write("# changed\n")
    run.run("check.json", ["check"], 4, False)
    run.run("check.json", ["check", "jit_compiler"], 4, False)

    # Live: canary upgrades on the demo runtime steered while they watch health (paused, resumed, cancelled,
    # aborted, promoted), and a failing one.
    with rootkit.DemoRuntime(demo_runtime, root):
        def start_slow():
            slow = tool.start(root, ["-o", "json", "upgrade", "telemetry_agent", "1.0.0", "--strategy", "canary",
                                     "--analysis", "60"])
            running_id = None
            deadline = time.monotonic() + 30
            while running_id is None and time.monotonic() < deadline and slow.poll() is None:
                status = json.loads(tool.must(root, ["-o", "json", "status"]).stdout)
                if status["running"]:
                    running_id = status["running"][0]["id"]
                    run.check_stdout("status (an upgrade running)", "status.json",
                                     tool.must(root, ["-o", "json", "status"]).stdout, True)
                else:
                    time.sleep(0.05)
            if running_id is None:
                slow.kill()
                out, err = slow.communicate()
                raise rootkit.Failure("the slow upgrade never showed as running: %s%s" % (out[-500:], err[-500:]))
            return slow, running_id

        def stopped(slow, how):
            out, err = slow.communicate(timeout=rootkit.STEP_TIMEOUT)
            if slow.returncode != 143:
                run.problems.append("the %s upgrade exited %d, expected 143" % (how, slow.returncode))
            document = run.check_stdout("upgrade telemetry_agent (%s)" % how, "upgrade.json", out, False)
            if document and document.get("status") != "cancelled":
                run.problems.append("the %s upgrade's status is %r" % (how, document.get("status")))
            run.check_events("upgrade telemetry_agent (%s)" % how, err)

        # Steered: paused, resumed, then cancelled; another aborted; a third promoted to the end.
        slow, running_id = start_slow()
        run.run("pause.json", ["pause", str(running_id)], 0, True)
        run.run("pause.json", ["pause", "9999"], 2, False)
        run.run("status.json", ["status", "--offline"], 0, True)  # a running upgrade that is paused
        run.run("resume.json", ["resume", str(running_id)], 0, True)
        run.run("resume.json", ["resume", str(running_id)], 2, False)
        run.run("cancel.json", ["cancel", str(running_id), "--wait", "60s"], 0, True)
        stopped(slow, "cancelled")
        slow, running_id = start_slow()
        run.run("abort.json", ["abort", str(running_id), "--wait", "60s"], 0, True)
        run.run("abort.json", ["abort", str(running_id)], 2, False)
        stopped(slow, "aborted")
        slow, running_id = start_slow()
        # Watched while it runs: a JSON line per refresh until the promoted rollout ends.
        watcher = tool.start(root, ["-o", "json", "status", "--watch", "--interval", "50ms", "--offline"])
        run.commands.add("status")
        time.sleep(0.3)
        run.run("promote.json", ["promote", str(running_id)], 0, True)
        run.run("promote.json", ["promote", "0"], 2, False)
        out, err = slow.communicate(timeout=rootkit.STEP_TIMEOUT)
        if slow.returncode != 0:
            run.problems.append("the promoted upgrade exited %d, expected 0" % slow.returncode)
        run.check_stdout("upgrade telemetry_agent (promoted)", "upgrade.json", out, True)
        run.check_events("upgrade telemetry_agent (promoted)", err)
        try:
            out, err = watcher.communicate(timeout=rootkit.STEP_TIMEOUT)
        except subprocess.TimeoutExpired:
            watcher.kill()
            out, err = watcher.communicate()
            run.problems.append("status --watch did not end after the upgrade it watched")
        if watcher.returncode != 0:
            run.problems.append("status --watch exited %d, expected 0: %s" % (watcher.returncode, err[-300:]))
        lines = run.check_lines("status --watch", "status-watch.json", out, True, at_least=2)
        if not any(d.get("running") and d["running"][0].get("progress") for d in lines):
            run.problems.append("status --watch never showed the rollout's progress")
        if lines and lines[-1].get("running"):
            run.problems.append("status --watch's last line still shows a running upgrade")
        run.run("status-watch.json", ["status", "--watch", "--interval", "0"], 2, False)
        run.run("upgrade.json", ["upgrade", "model_gateway", "1.3.0", "--strategy", "no-such-strategy"], 2, False)
        failed = run.run("upgrade.json", ["upgrade", "model_gateway", "1.3.0", "--strategy", "canary", "--analysis",
                                          "1"], 1, False, live=True)
        if failed.get("status") != "rolled_back":
            run.problems.append("the unhealthy upgrade's status is %r, not rolled_back" % failed.get("status"))
        unhealthy = os.path.join(work, "unhealthy.yaml")
        rootkit.write(unhealthy, "upgrades:\n  - {component: model_gateway, version: 1.3.0}\n")
        run.run("apply.json", ["apply", unhealthy, "--strategy", "canary", "--analysis", "1"], 1, False, live=True)
        # deploy_controller is not hot-swappable: refused before anything changes, and plan and --dry-run say so.
        run.run("upgrade.json", ["upgrade", "deploy_controller", "3.2.0"], 3, False)
        run.run("plan.json", ["plan", "deploy_controller", "3.2.0"], 3, False)
        run.run("upgrade.json", ["upgrade", "deploy_controller", "3.2.0", "--dry-run"], 3, False)
        run.run("plan.json", ["plan", "model_gateway", "1.3.0", "--strategy", "canary"], 0, True)
        run.run("upgrade.json", ["upgrade", "model_gateway", "1.3.0", "--strategy", "canary", "--dry-run"], 0, True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--demo-runtime", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if jsonschema is None:
        print("jsonschema is not installed (python3-jsonschema)")
        return rootkit.SKIP
    work = rootkit.make_workdir("noodle-json-schema-")
    try:
        contract = Contract(os.path.join(args.source_dir, "schemas"))
        problems = check_error_codes(contract, args.source_dir)
        catalog = os.path.join(work, "catalog")
        shutil.copytree(os.path.join(args.source_dir, "manifests"), catalog)
        with open(os.path.join(catalog, "model_gateway.yaml"), "a") as f:
            f.write(UNHEALTHY_VERSION)
        tool = rootkit.make_examples(args.binary, args.source_dir, os.path.join(work, "examples"), catalog)
        root = os.path.join(work, "root")
        rootkit.build_demo_root(tool, root, args.source_dir)
        run = Runner(tool, contract, root)
        scenario(tool, run, work, args.source_dir, args.demo_runtime)
        problems += run.problems

        # Every command is covered, and every command's schema saw it succeed and fail.
        for command in sorted(offered_commands(tool, root) - EXEMPT - run.commands):
            problems.append("command '%s' is never run here: give it a schema and cases" % command)
        for name in sorted(set(contract.schemas) - {"common.json", "event.json"}):
            seen = run.seen.get(name, set())
            for ok in (True, False):
                if ok not in seen:
                    problems.append("%s: no run printed ok %s" % (name, "true" if ok else "false"))
        for name in sorted(set(contract.schemas) - {"common.json", "event.json"}):
            for form in contract.forms(name):
                if form not in run.forms.get(name, set()) and (name, form) not in UNREACHED:
                    problems.append("%s: no run printed its '%s' form" % (name, form))
        if run.events == 0:
            problems.append("no live event was seen on stderr")
        if problems:
            raise rootkit.Failure("%d problem(s):\n  %s" % (len(problems), "\n  ".join(problems)))
        print("ok: %d schemas, %d live events; every command's JSON output matches its schema"
              % (len(contract.schemas), run.events))
        return 0
    except rootkit.Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        rootkit.release_workdir(work, args.keep)


if __name__ == "__main__":
    sys.exit(main())
