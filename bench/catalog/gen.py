# SPDX-License-Identifier: Apache-2.0
"""Seeded generators of a large catalog and of an apt Packages file of the
same packages, for bench/catalog/run.py."""

import os
import random

VERSIONS = ["1.0.0", "1.1.0", "2.0.0", "2.1.0"]
PER_DIR = 100  # components per subdirectory


def name(i):
    return "c%06d" % i


def deps_of(rng, i):
    """Up to three lower-numbered components, each with a range."""
    if i == 0:
        return []
    picks = sorted({rng.randrange(0, i) for _ in range(rng.randrange(0, 4))})
    return [(name(j), rng.choice(["^1.0.0", ">=1.1.0", "^2.0.0 || ^1.0.0", "*"])) for j in picks]


def make_catalog(dest, count, versions=4, seed=20261204):
    """`count` components of `versions` versions each, one YAML file per
    version, PER_DIR components per subdirectory. Returns the number of files."""
    rng = random.Random(seed)
    files = 0
    for i in range(count):
        d = os.path.join(dest, "d%04d" % (i // PER_DIR))
        if i % PER_DIR == 0:
            os.makedirs(d, exist_ok=True)
        deps = deps_of(rng, i)
        for k, v in enumerate(VERSIONS[:versions]):
            lines = ["name: %s" % name(i), "version: %s" % v,
                     "description: generated component %d, version %s" % (i, v),
                     "type: %s" % ("runtime", "compiler", "system", "deployment")[i % 4]]
            if deps:
                lines.append("dependencies:")
                lines += ['  %s: "%s"' % (n, r) for n, r in deps]
            if k > 0:
                lines.append('upgrade_from: ">=1.0.0 <%s"' % v)
            lines.append("hot_swappable: %s" % ("true" if i % 3 else "false"))
            lines.append("resources: {memory_mb: %d, cpu_cores: 1}" % (64 + i % 512))
            with open(os.path.join(d, "%s-%s.yaml" % (name(i), v)), "w") as f:
                f.write("\n".join(lines) + "\n")
            files += 1
    return files


def make_packages(path, count, versions=4, seed=20261204):
    """An apt Packages file with the same names, versions and dependencies."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        for i in range(count):
            deps = deps_of(rng, i)
            for v in VERSIONS[:versions]:
                f.write("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: Bench <bench@example.org>\n"
                        "Installed-Size: %d\nFilename: pool/%s_%s_all.deb\nSize: 1000\n"
                        "Description: generated component %d, version %s\n" % (name(i), v, 64 + i % 512, name(i), v,
                                                                                 i, v))
                if deps:
                    f.write("Depends: %s\n" % ", ".join("%s (>= 1.0.0)" % n for n, _ in deps))
                f.write("\n")
