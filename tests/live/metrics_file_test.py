#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The metrics file (--metrics-file, metrics_file, NOODLE_METRICS_FILE) after real changes.

svc 1.0.0 -> 1.1.0 by a canary against the demo runtime (completed), -> 1.2.0 (unhealthy: the gate fails
and it rolls back), -> 1.0.0 (refused: below the floor), then a `rollback` whose metrics directory is
missing (a warning, exit 0 kept). After each, the file is read with the strict parser below: every line is
a # HELP, # TYPE, comment or sample line of the Prometheus text format 0.0.4, names and label names match
their grammar, label values are escaped, values are Go floats (+Inf, -Inf, NaN), each TYPE comes before
its samples, no series repeats, and a histogram's buckets are cumulative with le="+Inf" equal to _count
and a _sum.
"""

import argparse
import json
import math
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import rootkit  # noqa: E402

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
FLOAT = re.compile(r"[+-]?(Inf|NaN|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)\Z")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_value(text, where):
    if not FLOAT.match(text):
        raise rootkit.Failure("%s: %r is not a float" % (where, text))
    return float(text.replace("Inf", "inf").replace("NaN", "nan"))


def parse_labels(text, i, where):
    """Labels from text[i] == '{' to the matching '}'; returns (dict, index after '}')."""
    labels = {}
    i += 1
    while True:
        if text[i] == "}":
            return labels, i + 1
        m = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*").match(text, i)
        if not m or not LABEL_NAME.match(m.group(0)):
            raise rootkit.Failure("%s: bad label name at %d" % (where, i))
        name = m.group(0)
        i = m.end()
        if text[i:i + 2] != '="':
            raise rootkit.Failure("%s: expected =\" after %s" % (where, name))
        i += 2
        value = ""
        while True:
            if i >= len(text):
                raise rootkit.Failure("%s: unterminated label value" % where)
            c = text[i]
            if c == "\\":
                nxt = text[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise rootkit.Failure("%s: bad escape \\%s in a label value" % (where, nxt))
                value += {"\\": "\\", '"': '"', "n": "\n"}[nxt]
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise rootkit.Failure("%s: raw newline in a label value" % where)
            else:
                value += c
                i += 1
        if name in labels:
            raise rootkit.Failure("%s: label %s twice" % (where, name))
        labels[name] = value
        if text[i] == ",":
            i += 1
        elif text[i] != "}":
            raise rootkit.Failure("%s: expected , or } at %d" % (where, i))


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[:-len(suffix)]) == "histogram":
            return name[:-len(suffix)]
    return name


def parse_exposition(text):
    """{family: {"type", "help", "samples": [(name, labels, value)]}}; raises Failure on any breach."""
    if text and not text.endswith("\n"):
        raise rootkit.Failure("the file does not end with a newline")
    types, helps, samples, seen = {}, {}, {}, set()
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d %r" % (n, line)
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not METRIC_NAME.match(name):
                    raise rootkit.Failure("%s: bad metric name" % where)
                if parts[1] == "TYPE":
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise rootkit.Failure("%s: bad type" % where)
                    if name in types or name in samples:
                        raise rootkit.Failure("%s: TYPE twice or after its samples" % where)
                    types[name] = parts[3]
                else:
                    if name in helps:
                        raise rootkit.Failure("%s: HELP twice" % where)
                    doc = parts[3] if len(parts) == 4 else ""
                    if re.search(r"\\[^\\n]", doc):
                        raise rootkit.Failure("%s: bad escape in HELP" % where)
                    helps[name] = doc
            continue
        m = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*").match(line)
        if not m:
            raise rootkit.Failure("%s: not a sample" % where)
        name, i = m.group(0), m.end()
        labels = {}
        if i < len(line) and line[i] == "{":
            labels, i = parse_labels(line, i, where)
        rest = line[i:]
        if not rest.startswith(" "):
            raise rootkit.Failure("%s: no space before the value" % where)
        fields = rest.strip(" ").split(" ")
        if len(fields) not in (1, 2):
            raise rootkit.Failure("%s: trailing text" % where)
        value = parse_value(fields[0], where)
        if len(fields) == 2 and not re.match(r"-?\d+\Z", fields[1]):
            raise rootkit.Failure("%s: bad timestamp" % where)
        family = family_of(name, types)
        if family not in types:
            raise rootkit.Failure("%s: sample before (or without) its TYPE" % where)
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            raise rootkit.Failure("%s: duplicate series" % where)
        seen.add(key)
        if types[family] == "histogram" and name == family:
            raise rootkit.Failure("%s: a histogram's sample without _bucket/_sum/_count" % where)
        samples.setdefault(family, []).append((name, labels, value))
    for family, kind in types.items():
        if kind == "histogram":
            check_histogram(family, samples.get(family, []))
    return {f: {"type": t, "help": helps.get(f), "samples": samples.get(f, [])} for f, t in types.items()}


def check_histogram(family, rows):
    groups = {}
    for name, labels, value in rows:
        base = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        g = groups.setdefault(base, {"buckets": [], "sum": None, "count": None})
        if name.endswith("_bucket"):
            if "le" not in labels:
                raise rootkit.Failure("%s: a bucket without le" % family)
            g["buckets"].append((parse_value(labels["le"], family + " le"), value))
        elif name.endswith("_sum"):
            g["sum"] = value
        else:
            g["count"] = value
    for base, g in groups.items():
        what = "%s%s" % (family, dict(base))
        bounds = [b for b, _ in g["buckets"]]
        if not bounds or bounds[-1] != math.inf or bounds != sorted(bounds):
            raise rootkit.Failure("%s: buckets not ascending up to le=\"+Inf\"" % what)
        counts = [c for _, c in g["buckets"]]
        if counts != sorted(counts):
            raise rootkit.Failure("%s: buckets not cumulative: %s" % (what, counts))
        if g["sum"] is None or g["count"] is None or g["count"] != counts[-1]:
            raise rootkit.Failure("%s: _sum missing or _count %s != +Inf bucket %s" % (what, g["count"], counts[-1]))


def self_test():
    """The parser refuses what the format forbids (so a pass below means something)."""
    good = '# HELP a_total x\n# TYPE a_total counter\na_total{k="q\\"\\\\\\n"} 1\n'
    parse_exposition(good)
    bad = [
        "a_total 1\n",                                               # no TYPE
        '# TYPE a counter\na{k="x"} 1\na{k="x"} 2\n',                # duplicate series
        '# TYPE a counter\na{k="\\x"} 1\n',                           # bad escape
        "# TYPE a counter\na 1.2.3\n",                               # bad float
        "# TYPE a counter\na{1k=\"x\"} 1\n",                         # bad label name
        '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',  # not cumulative
        '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n',                     # count != +Inf
        '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n',                               # no _sum
        "# TYPE a counter\na 1",                                     # no final newline
    ]
    for text in bad:
        try:
            parse_exposition(text)
        except rootkit.Failure:
            continue
        raise rootkit.Failure("the parser accepted %r" % text)
    for v in ("+Inf", "-Inf", "NaN", "1e+20", "0.5", "3"):
        parse_value(v, "self-test")


def read_metrics(path):
    with open(path) as f:
        text = f.read()
    families = parse_exposition(text)
    for family in families:
        if not family.startswith("noodle_upgrade_") or families[family]["help"] is None:
            raise rootkit.Failure("%s: not noodle_upgrade_* or no HELP" % family)
    return families


def value(families, family, name=None, **labels):
    for n, l, v in families[family]["samples"]:
        if n == (name or family) and all(l.get(k) == w for k, w in labels.items()):
            return v
    return None


def expect(what, got, want):
    if got != want:
        raise rootkit.Failure("%s: expected %r, got %r" % (what, want, got))
    rootkit.log("ok: %s = %r" % (what, got))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--demo-runtime", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    work = rootkit.make_workdir("noodle-metrics-")
    try:
        self_test()
        catalog = os.path.join(args.source_dir, "tests", "data", "live-catalog")
        tool = rootkit.make_examples(args.binary, args.source_dir, os.path.join(work, "examples"), catalog=catalog)
        root = os.path.join(work, "root")
        tool.must(root, ["upgrade", "svc", "1.0.0", "--offline"])
        metrics = os.path.join(work, "textfile", "noodle.prom")
        os.makedirs(os.path.dirname(metrics))
        canary = ["--strategy", "canary", "--analysis", "200ms", "--health-interval", "50ms"]
        with rootkit.DemoRuntime(args.demo_runtime, root):
            # Completed, the file named by the flag.
            tool.must(root, ["--metrics-file", metrics, "upgrade", "svc", "1.1.0"] + canary)
            m = read_metrics(metrics)
            expect("completed upgrades", value(m, "noodle_upgrade_upgrades_total", kind="upgrade",
                                               status="completed"), 2)
            expect("last success of svc", value(m, "noodle_upgrade_last_success_timestamp_seconds",
                                                 component="svc", version="1.1.0") is not None, True)
            expect("canary durations", value(m, "noodle_upgrade_change_duration_seconds",
                                             "noodle_upgrade_change_duration_seconds_count", strategy="canary"), 1)
            expect("lock waits", value(m, "noodle_upgrade_lock_wait_seconds", "noodle_upgrade_lock_wait_seconds_count"),
                   2)
            # Rolled back by the failed gate, the file named by the environment.
            os.environ["NOODLE_METRICS_FILE"] = metrics
            try:
                ran = tool.run(root, ["upgrade", "svc", "1.2.0"] + canary)
            finally:
                del os.environ["NOODLE_METRICS_FILE"]
            if ran.returncode == 0:
                raise rootkit.Failure("svc 1.2.0 should fail its gate\n%s%s" % (ran.stdout, ran.stderr))
            m = read_metrics(metrics)
            expect("rolled-back upgrades", value(m, "noodle_upgrade_upgrades_total", kind="upgrade",
                                                 status="rolled_back"), 1)
            expect("automatic rollbacks", value(m, "noodle_upgrade_rollbacks_total", trigger="automatic"), 1)
            expect("svc still last at 1.1.0", value(m, "noodle_upgrade_last_success_timestamp_seconds",
                                                    component="svc", version="1.1.0") is not None, True)
        # Refused (below the floor), the file named by the configuration.
        config = os.path.join(work, "config.yaml")
        rootkit.write(config, "metrics_file: %s\n" % metrics)
        ran = tool.run(root, ["--config", config, "upgrade", "svc", "1.0.0", "--offline"])
        if ran.returncode != 3:
            raise rootkit.Failure("a downgrade should be refused with 3, got %d\n%s" % (ran.returncode, ran.stderr))
        m = read_metrics(metrics)
        expect("refusals below the floor", value(m, "noodle_upgrade_refusals_total", action="upgrade",
                                                 code="downgrade_refused"), 1)
        shown = tool.must(root, ["--config", config, "-o", "json", "config", "show", "--origin"])
        settings = {s["key"]: s for s in json.loads(shown.stdout)["settings"]}
        expect("config show --origin", (settings["metrics_file"]["value"], settings["metrics_file"]["origin"]),
               (metrics, "file " + config))
        # A directory that is not there: a warning, the change stands, exit 0 kept (text and JSON).
        missing = os.path.join(work, "no-such-dir", "noodle.prom")
        ran = tool.run(root, ["--metrics-file", missing, "rollback", "svc", "--offline"])
        if ran.returncode != 0 or "warning: metrics file '%s' not written" % missing not in ran.stderr:
            raise rootkit.Failure("a failed metrics write must only warn, exit 0; got %d\n%s" %
                                  (ran.returncode, ran.stderr))
        rootkit.log("ok: a missing metrics directory only warns and keeps exit 0")
        ran = tool.run(root, ["-o", "json", "--metrics-file", missing, "upgrade", "svc", "1.1.0", "--offline"])
        out = json.loads(ran.stdout)
        said = " ".join(d.get("message", "") for d in out.get("diagnostics", []))
        if ran.returncode != 0 or not out["ok"] or "metrics file '%s' not written" % missing not in said:
            raise rootkit.Failure("JSON: a failed metrics write must be a diagnostic of a successful result: %s" %
                                  ran.stdout)
        rootkit.log("ok: with -o json the warning is in the result's diagnostics")
        tool.must(root, ["--metrics-file", metrics, "recover"])
        m = read_metrics(metrics)
        expect("rollback commands", value(m, "noodle_upgrade_rollbacks_total", trigger="command"), 1)
        expect("offline durations counted", value(m, "noodle_upgrade_change_duration_seconds",
                                                  "noodle_upgrade_change_duration_seconds_count",
                                                  strategy="offline") >= 2, True)
        # The file is a function of the history: written again, byte for byte the same.
        with open(metrics, "rb") as f:
            first = f.read()
        tool.must(root, ["--metrics-file", metrics, "recover"])
        with open(metrics, "rb") as f:
            if f.read() != first:
                raise rootkit.Failure("the same history gave two different metrics files")
        rootkit.log("ok: the same history writes the same file")
        leftovers = [n for n in os.listdir(os.path.dirname(metrics)) if n != "noodle.prom"]
        if leftovers:
            raise rootkit.Failure("temporary files left beside the metrics file: %s" % leftovers)
        print("ok: the metrics file after a completed, a rolled-back and a refused upgrade")
        return 0
    except rootkit.Failure as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        rootkit.release_workdir(work, args.keep)


if __name__ == "__main__":
    sys.exit(main())
