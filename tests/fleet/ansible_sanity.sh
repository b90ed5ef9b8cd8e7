#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `ansible-test sanity` on the noodle.fleet collection, the subset that runs
# offline: ansible-test needs the collection under
# ansible_collections/noodle/fleet, so it runs on a copy. The tests left out
# (ansible-doc, import, pep8, pylint, runtime-metadata, validate-modules,
# yamllint) install their requirements with pip into a virtual environment,
# which needs the network; in their place every module's and role's
# documentation is rendered by ansible-doc, and the modules' unit tests
# check DOCUMENTATION against each argument_spec.
# Usage: ansible_sanity.sh SOURCE_DIR. Exit 77 (skipped) without ansible-test.
set -euo pipefail
src=$(cd "$1" && pwd)/ansible
command -v ansible-test >/dev/null || { echo "skipped: ansible-test is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dst="$work/ansible_collections/noodle/fleet"
mkdir -p "$(dirname "$dst")"
cp -r "$src" "$dst"
find "$dst" -name __pycache__ -prune -exec rm -rf {} +
rm -rf "$dst/tests/output"
cd "$dst"
python=$(sed -n '1s/^#! *//p' "$(command -v ansible-test)" | awk '{print $NF}')
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
offline_only=(--skip-test ansible-doc --skip-test import --skip-test pep8 --skip-test pylint
              --skip-test runtime-metadata --skip-test validate-modules --skip-test yamllint)
ansible-test sanity --local --python "$version" "${offline_only[@]}"
export ANSIBLE_COLLECTIONS_PATH="$work"
for module in upgrade rollback info; do
  ansible-doc -t module "noodle.fleet.$module" >/dev/null
done
ansible-doc -t role noodle.fleet.rollout >/dev/null
ansible-doc -t role noodle.fleet.report >/dev/null
echo "ok: ansible-test sanity (offline subset) and ansible-doc of every module and role"
