#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: info
short_description: Read the state of a noodle runtime root with noodle-upgrade
version_added: "0.1.0"
description:
  - Returns the tool's C(status), its C(history) (of one rollout when I(rollout_id) is given) and the result of
    C(check), which re-hashes the active versions and rollback targets. Changes nothing, in check mode or not.
options:
  rollout_id:
    description: Only the history recorded with this C(rollout_id).
    type: str
  component:
    description: Only this component (status, history and check).
    type: str
  offline:
    description: Do not ask the runtime what it runs (C(running) is then null).
    type: bool
    default: false
  history_limit:
    description: At most this many history entries, newest first.
    type: int
    default: 20
  check:
    description: Run C(check) too.
    type: bool
    default: true
  lock_timeout:
    description: Passed to the tool; the reading commands do not take the lock.
    type: str
    default: 5s
  lock_retries:
    description: How many times a run that found the root locked is tried again.
    type: int
    default: 3
  lock_backoff:
    description: Seconds before the first retry of a locked run; doubled each time.
    type: float
    default: 2.0
extends_documentation_fragment:
  - noodle.fleet.tool
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author:
  - noodle-upgrade maintainers
'''

EXAMPLES = r'''
- name: What runs here, and what the rollout did
  noodle.fleet.info:
    rollout_id: "2026-12-04-telemetry"
  register: state

- name: Show the version of telemetry_agent
  ansible.builtin.debug:
    msg: "{{ state.versions.telemetry_agent }}"
'''

RETURN = r'''
versions:
  description: Installed version of every component.
  returned: always
  type: dict
  sample: {telemetry_agent: 1.0.0}
running:
  description: The version the runtime says it runs, per component (null when not asked or unknown).
  returned: always
  type: dict
status:
  description: The tool's C(status) document.
  returned: always
  type: dict
history:
  description: The tool's history entries (of I(rollout_id) when given), newest first.
  returned: always
  type: list
  elements: dict
last_upgrade:
  description: The newest history entry, or null.
  returned: always
  type: dict
check:
  description: The tool's C(check) document, with C(intact) true when its exit code was 0.
  returned: when I(check) is true
  type: dict
intact:
  description: False when C(check) found a changed, missing or extra file (exit 4).
  returned: always
  type: bool
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.noodle.fleet.plugins.module_utils.noodle import WHERE_ARGS, fail_with_outcome, run_tool


def argument_spec():
    spec = dict(
        rollout_id=dict(type='str'),
        component=dict(type='str'),
        offline=dict(type='bool', default=False),
        history_limit=dict(type='int', default=20),
        check=dict(type='bool', default=True),
    )
    spec.update(WHERE_ARGS)
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    p = module.params
    only = [p['component']] if p['component'] else []

    status = run_tool(module, ['status'] + (['--offline'] if p['offline'] else []) + only)
    if status.rc != 0 or not isinstance(status.doc, dict):
        fail_with_outcome(module, status, 'noodle-upgrade status failed')
    versions = {}
    running = {}
    for c in status.doc.get('components') or []:
        versions[c.get('name')] = c.get('version')
        running[c.get('name')] = c.get('running')

    command = ['history', '--limit', str(p['history_limit'])] + only
    if p['rollout_id']:
        command += ['--metadata', 'rollout_id=%s' % p['rollout_id']]
    history = run_tool(module, command)
    if history.rc != 0 or not isinstance(history.doc, dict):
        fail_with_outcome(module, history, 'noodle-upgrade history failed')
    entries = history.doc.get('history') or []

    result = dict(changed=False, versions=versions, running=running, status=status.doc, history=entries,
                  last_upgrade=entries[0] if entries else None, intact=True)
    if p['check']:
        check = run_tool(module, ['check'] + only)
        if check.rc not in (0, 4) or not isinstance(check.doc, dict):
            fail_with_outcome(module, check, 'noodle-upgrade check failed')
        result['check'] = dict(check.doc, intact=check.rc == 0)
        result['intact'] = check.rc == 0
    module.exit_json(**result)


if __name__ == '__main__':
    main()
