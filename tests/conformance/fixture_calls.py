# SPDX-License-Identifier: Apache-2.0
"""Turns the calls node-semver's own tests make (recorded by
record_fixture_calls.js) into the conformance check's commands, and says for
every call that cannot be asked why not."""

import collections
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))

NOT_IN_CLI = "not part of npm semver's command line, so not part of the version toolkit either"
REASONS = {
    "functions/clean": NOT_IN_CLI,
    "functions/truncate": NOT_IN_CLI,
    "ranges/subset": NOT_IN_CLI,
    "ranges/simplify": NOT_IN_CLI,
    "ranges/to-comparators": NOT_IN_CLI,
}
COMPARE_FUNCTIONS = {"compare", "rcompare", "gt", "gte", "lt", "lte", "eq", "neq", "compare-loose"}
VERSION_FUNCTIONS = {"valid", "parse", "major", "minor", "patch", "prerelease"}
CMP_OPERATORS = {"", "=", "==", "===", "!=", "!==", ">", ">=", "<", "<="}


def _is_object(x):
    return isinstance(x, dict) and "object" in x


def _text(x):
    """The text a command line would carry for a JavaScript value, or None."""
    if isinstance(x, str):
        return x
    if _is_object(x) and "text" in x:
        return x["text"]
    return None


def _flags(*values, rtl=False):
    """npm's options (true for loose, or an object), merged with the options
    of SemVer/Range/Comparator arguments, as the probe's flag letters."""
    loose = pre = right = False
    for v in values:
        opts = v.get("options") if _is_object(v) else v
        if opts is True:
            loose = True
        elif isinstance(opts, dict) and "undefined" not in opts and "object" not in opts:
            loose = loose or bool(opts.get("loose"))
            pre = pre or bool(opts.get("includePrerelease"))
            right = right or (rtl and bool(opts.get("rtl")))
    out = ("l" if loose else "") + ("p" if pre else "") + ("r" if right else "")
    return out or "-"


def _arg(args, i):
    return args[i] if i < len(args) else {"undefined": True}


def command_for(call):
    """(category, arguments) for the probe and node, or (None, reason)."""
    fn, args = call["fn"], call["args"]
    if fn in REASONS:
        return None, REASONS[fn]
    if not call["plain"]:
        return None, "an argument is a JavaScript object, not text a command line can pass"
    group, name = fn.split("/", 1)
    texts = [_text(a) for a in args]

    def need(*idx):
        return all(i < len(texts) and texts[i] is not None for i in idx)

    not_text = (None, "an argument is not text (npm answers for a number, null or undefined)")
    if group == "functions" and name in VERSION_FUNCTIONS:
        return (("valid_o", (_flags(_arg(args, 1), args[0] if args else None), texts[0])) if need(0) else not_text)
    if group == "functions" and name in COMPARE_FUNCTIONS:
        if not need(0, 1):
            return not_text
        flags = "l" if name == "compare-loose" else _flags(_arg(args, 2), args[0], args[1])
        return "compare_o", (flags, texts[0], texts[1])
    if fn == "functions/cmp":
        if not need(0, 1, 2):
            return not_text
        if texts[1] not in CMP_OPERATORS:
            return None, "an operator npm refuses by throwing, which a command cannot be asked"
        return "compare_o", (_flags(_arg(args, 3), args[0], args[2]), texts[0], texts[2])
    if fn == "functions/compare-build":
        return ("compare_build", (texts[0], texts[1])) if need(0, 1) else not_text
    if fn in ("functions/sort", "functions/rsort"):
        items = args[0] if args and isinstance(args[0], list) else None
        if items is None or not all(isinstance(x, str) for x in items):
            return not_text
        # A sort is decided by compareBuild of every pair.
        return "pairs", [("compare_build", (a, b)) for a in items for b in items]
    if fn == "functions/satisfies":
        return ("satisfies_o", (_flags(_arg(args, 2), args[0], args[1]), texts[0], texts[1])) if need(0, 1) \
            else not_text
    if fn == "functions/inc":
        if not need(0, 1):
            return not_text
        options, preid, base = _arg(args, 2), _arg(args, 3), _arg(args, 4)
        if isinstance(options, str):  # inc(version, release, identifier, identifierBase)
            options, preid, base = {"undefined": True}, options, preid
        preid_text = "~" if _is_undefined(preid) else _text(preid)
        base_text = "~" if _is_undefined(base) else ("false" if base is False else _text(base))
        if preid_text is None or base_text is None:
            return not_text
        return "inc_o", (_flags(options, args[0]), texts[0], texts[1], preid_text, base_text)
    if fn == "functions/diff":
        return ("diff_o", (_flags(args[0], args[1]), texts[0], texts[1])) if need(0, 1) else not_text
    if fn == "functions/coerce":
        return ("coerce_o", (_flags(_arg(args, 1), rtl=True), texts[0])) if need(0) else not_text
    if fn == "ranges/valid":
        return ("range_o", (_flags(_arg(args, 1), args[0] if args else None), texts[0])) if need(0) else not_text
    if fn == "ranges/intersects":
        return ("intersects_o", (_flags(_arg(args, 2), args[0], args[1]), texts[0], texts[1])) if need(0, 1) \
            else not_text
    if fn in ("ranges/gtr", "ranges/ltr"):
        if not need(0, 1):
            return not_text
        return "outside_o", (_flags(_arg(args, 2), args[0], args[1]), texts[0], texts[1],
                             ">" if fn == "ranges/gtr" else "<")
    if fn == "ranges/outside":
        if not need(0, 1, 2):
            return not_text
        if texts[2] not in (">", "<"):
            return None, "a direction other than > or <, which npm refuses by throwing"
        return "outside_o", (_flags(_arg(args, 3), args[0], args[1]), texts[0], texts[1], texts[2])
    if fn == "ranges/min-version":
        return ("min_version_o", (_flags(_arg(args, 1), args[0] if args else None), texts[0])) if need(0) \
            else not_text
    if fn in ("ranges/min-satisfying", "ranges/max-satisfying"):
        items = args[0] if args and isinstance(args[0], list) else None
        if items is None or not all(isinstance(x, str) for x in items) or not need(1):
            return not_text
        cat = "min_sat_o" if fn == "ranges/min-satisfying" else "max_sat_o"
        return cat, (_flags(_arg(args, 2), args[1]), texts[1]) + tuple(items)
    return None, "no counterpart in the version toolkit"


def _is_undefined(x):
    return isinstance(x, dict) and x.get("undefined") is True


def fixture_commands(node, checkout, tmp):
    """Records node-semver's test calls and converts them: returns the
    commands, a Counter of calls asked per function, and a Counter of
    (function, reason) for the calls that cannot be asked."""
    calls_path = os.path.join(tmp, "calls.jsonl")
    subprocess.run([node, os.path.join(HERE, "record_fixture_calls.js"), checkout, calls_path], check=True,
                   timeout=300)
    commands = []
    asked = collections.Counter()
    unasked = collections.Counter()
    with open(calls_path, encoding="utf-8") as f:
        for line in f:
            call = json.loads(line)
            cat, payload = command_for(call)
            if cat is None:
                unasked[(call["fn"], payload)] += 1
                continue
            asked[call["fn"]] += 1
            if cat == "pairs":
                commands += payload
            else:
                commands.append((cat, payload))
    return commands, asked, unasked
