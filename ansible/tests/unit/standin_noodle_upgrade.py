# SPDX-License-Identifier: Apache-2.0
"""A stand-in for noodle-upgrade in the modules' unit tests: it replays documents the real binary printed
(fixtures/tool-json.json), chosen per subcommand by the scenario file named in NOODLE_STANDIN_SCENARIO:

  {"status": ["status_before", "status_after"], "upgrade": ["upgrade_locked", "upgrade_completed"]}

Each call of a subcommand takes the next name of its list (the last one repeats) and exits with the code
the real binary exited with. Every command line is appended to the scenario's .log file as a JSON line.
`version compare A B` is answered by comparing the release numbers."""

import json
import os
import sys

# Global options of the tool that take a value.
VALUED = {"--root", "--catalog", "--keyring", "--archives", "--socket", "--lock-timeout", "-o", "--output",
          "--config"}


def subcommand(argv):
    i = 0
    while i < len(argv):
        if argv[i] in VALUED:
            i += 2
        elif argv[i].startswith("-"):
            i += 1
        else:
            return argv[i], argv[i + 1:]
    return None, []


def main():
    scenario_path = os.environ["NOODLE_STANDIN_SCENARIO"]
    with open(scenario_path + ".log", "a") as log:
        log.write(json.dumps(sys.argv[1:]) + "\n")
    command, rest = subcommand(sys.argv[1:])
    if command == "version" and rest[:1] == ["compare"]:
        a, b = (tuple(int(x) for x in v.split("-")[0].split(".")) for v in rest[1:3])
        print((a > b) - (a < b))
        return 0
    with open(scenario_path) as f:
        scenario = json.load(f)
    names = scenario.get(command)
    if not names:
        sys.stderr.write("noodle-upgrade: error: the stand-in has no answer for '%s'\n" % command)
        return 2
    counts_path = scenario_path + ".counts"
    counts = {}
    if os.path.exists(counts_path):
        with open(counts_path) as f:
            counts = json.load(f)
    n = counts.get(command, 0)
    counts[command] = n + 1
    with open(counts_path, "w") as f:
        json.dump(counts, f)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "tool-json.json")) as f:
        doc = json.load(f)[names[min(n, len(names) - 1)]]
    sys.stdout.write(doc["stdout"])
    return doc["rc"]


if __name__ == "__main__":
    sys.exit(main())
