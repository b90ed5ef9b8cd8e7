#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rollback
short_description: Roll back upgrades of a noodle runtime with noodle-upgrade
version_added: "0.1.0"
description:
  - Undoes one upgrade (I(upgrade_id)), every completed upgrade of a rollout (I(rollout_id), newest first), or
    puts one component back to its previous version or to I(to) (I(component)).
  - Does nothing on a host with nothing to undo (an upgrade already rolled back, a rollout with no completed
    upgrade on the host, a component already at I(to)) and then reports C(changed=false).
  - In check mode runs the tool's C(--dry-run), which changes and records nothing.
  - Exit codes map to the same outcomes as M(noodle.fleet.upgrade).
options:
  upgrade_id:
    description: The upgrade to undo, from the history or M(noodle.fleet.upgrade)'s C(upgrade_id).
    type: int
  rollout_id:
    description: Undo every completed upgrade recorded with this C(rollout_id) on the host.
    type: str
  component:
    description: The component to put back to its previous version, or to I(to).
    type: str
  to:
    description: With I(component), the version to go back to.
    type: str
  force:
    description: Roll back even when it breaks a dependency range of the catalog.
    type: bool
    default: false
  offline:
    description: Change only the files.
    type: bool
    default: false
  request_timeout:
    description: How long the runtime has to answer each request.
    type: str
  requested_by:
    description: Who asked for the rollback, recorded in the history.
    type: str
  metadata:
    description: More C(KEY=VALUE) pairs recorded with the rollback (I(rollout_id) is added as one).
    type: dict
    default: {}
extends_documentation_fragment:
  - noodle.fleet.tool
  - noodle.fleet.tool.lock
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - noodle-upgrade maintainers
'''

EXAMPLES = r'''
- name: Undo the upgrade a task just made
  noodle.fleet.rollback:
    upgrade_id: "{{ result.upgrade_id }}"

- name: Undo a whole rollout on this host
  noodle.fleet.rollback:
    rollout_id: "2026-12-04-telemetry"

- name: Put telemetry_agent back to 0.5.0, files only
  noodle.fleet.rollback:
    component: telemetry_agent
    to: 0.5.0
    offline: true
'''

RETURN = r'''
changed:
  description: Whether anything was (in check mode, would be) rolled back.
  returned: always
  type: bool
outcome:
  description: ok, or the outcome of the tool's exit code (see M(noodle.fleet.upgrade)).
  returned: always
  type: str
rc:
  description: The tool's exit code.
  returned: always
  type: int
undone:
  description: The upgrade ids undone (or, in check mode, that would be).
  returned: always
  type: list
  elements: int
rollbacks:
  description: The tool's reports of each rollback (or dry run).
  returned: always
  type: list
  elements: dict
before:
  description: Installed versions before.
  returned: always
  type: dict
after:
  description: Installed versions after.
  returned: always
  type: dict
error:
  description: The tool's error (code, message, details).
  returned: on failure
  type: dict
needs_operator:
  description: True on exit 7.
  returned: always
  type: bool
root_state:
  description: On exit 7, where each component's C(current) link points now.
  returned: on exit 7
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.noodle.fleet.plugins.module_utils.noodle import (
    WHERE_ARGS, fail_with_outcome, installed_versions, metadata_args, run_tool)


def argument_spec():
    spec = dict(
        upgrade_id=dict(type='int'),
        rollout_id=dict(type='str'),
        component=dict(type='str'),
        to=dict(type='str'),
        force=dict(type='bool', default=False),
        offline=dict(type='bool', default=False),
        request_timeout=dict(type='str'),
        requested_by=dict(type='str'),
        metadata=dict(type='dict', default={}),
    )
    spec.update(WHERE_ARGS)
    return spec


def upgrades_of_rollout(module, rollout_id):
    """Ids of the completed, not yet undone upgrades of the rollout on this host, newest first."""
    run = run_tool(module, ['history', '--metadata', 'rollout_id=%s' % rollout_id, '--kind', 'upgrade',
                            '--kind', 'apply', '--status', 'completed', '--limit', '1000'])
    if run.rc != 0 or not isinstance(run.doc, dict):
        fail_with_outcome(module, run, 'cannot read the history of rollout %s' % rollout_id)
    return [h['id'] for h in run.doc.get('history') or [] if not h.get('rolled_back_by')]


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_one_of=[('upgrade_id', 'rollout_id', 'component')],
        mutually_exclusive=[('upgrade_id', 'rollout_id', 'component')],
        required_by={'to': 'component'},
        supports_check_mode=True,
    )
    p = module.params
    result = dict(changed=False, outcome='ok', rc=0, stop_fleet=False, needs_operator=False, undone=[],
                  rollbacks=[])
    before, run = installed_versions(module)
    if before is None:
        fail_with_outcome(module, run, 'cannot read the installed versions')
    result['before'] = before

    common = []
    if p['offline']:
        common.append('--offline')
    if p['request_timeout']:
        common += ['--request-timeout', p['request_timeout']]
    common += metadata_args(dict(requested_by=p['requested_by'], metadata=p['metadata'], rollout_id=p['rollout_id']))
    if module.check_mode:
        common.append('--dry-run')

    if p['component']:
        if p['to'] is not None and before.get(p['component']) == p['to']:
            commands = []
        else:
            command = ['rollback', p['component']]
            if p['to'] is not None:
                command += ['--to', p['to']]
            if p['force']:
                command.append('--force')
            commands = [(None, command)]
    else:
        ids = [p['upgrade_id']] if p['upgrade_id'] is not None else upgrades_of_rollout(module, p['rollout_id'])
        commands = [(i, ['rollback', '--upgrade', str(i)] + (['--force'] if p['force'] else [])) for i in ids]

    for undone, command in commands:
        run = run_tool(module, command + common)
        if run.rc != 0:
            after, _ = installed_versions(module)
            result.update(after=after or {}, changed=bool(result['undone']))
            fail_with_outcome(module, run, 'noodle-upgrade rollback failed', **result)
        doc = run.doc if isinstance(run.doc, dict) else {}
        result['rollbacks'].append(doc)
        if doc.get('no_op') or not doc.get('steps'):
            continue
        result['undone'].append(undone if undone is not None else doc.get('upgrade_id'))

    if module.check_mode:
        after = dict(before)
        for doc in result['rollbacks']:
            for step in doc.get('steps') or []:
                after[step.get('component')] = step.get('to')
    else:
        after, _ = installed_versions(module)
    result['after'] = after or {}
    result['changed'] = bool(result['undone'])
    if module._diff:
        result['diff'] = dict(before=before, after=result['after'])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
