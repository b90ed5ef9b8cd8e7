#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: upgrade
short_description: Upgrade components of a noodle runtime with noodle-upgrade
version_added: "0.1.0"
description:
  - Runs C(noodle-upgrade -o json upgrade NAME VERSION), C(apply BATCH) or C(apply --plan FILE) on the host and turns
    its JSON document and exit code into the task's result.
  - A host already at the version reports C(changed=false) and runs nothing that changes it.
  - In check mode the tool's C(--dry-run) runs every check of the upgrade and changes and records nothing.
  - In diff mode the installed versions of every component before and after are shown.
  - "Exit codes map to outcomes: 1 C(failed_rolled_back) (the tool already rolled the host back),
    2 C(configuration_error) and 4 C(integrity) (C(stop_fleet=true): stop everything), 3 C(refused),
    5 C(locked) (retried with a bounded backoff first), 6 C(runtime_unreachable),
    7 C(needs_operator) (nothing automatic; C(root_state) says where each link points)."
  - The tool's C(--allow-unsigned) and C(--no-rollback) are deliberately not offered.
options:
  name:
    description: Component to upgrade. Needs I(version).
    type: str
  version:
    description: Target version of I(name).
    type: str
  batch:
    description: A batch file of upgrades (C(upgrades:) list), carried out all or nothing.
    type: path
  plan_file:
    description: A plan saved by C(noodle-upgrade plan --save), carried out exactly.
    type: path
  ensure:
    description:
      - C(exact) upgrades unless the component is at I(version).
      - C(at_least) also leaves a component alone when it is above I(version).
    type: str
    choices: [exact, at_least]
    default: exact
  offline:
    description: Change only the files, for a runtime that is stopped or loads C(current) at its next start.
    type: bool
    default: false
  strategy:
    description: Rollout strategy on the running runtime.
    type: str
    choices: [immediate, gradual, canary, blue-green, rolling]
  fallback_strategy:
    description: Strategy used when the runtime cannot run I(strategy).
    type: str
    choices: [immediate, gradual, canary, blue-green, rolling]
  steps:
    description: "gradual: traffic weights, increasing, ending with 100 (C(10,25,50,100))."
    type: str
  step_interval:
    description: "gradual: time between a step and its health gate (C(1s))."
    type: str
  canary_weight:
    description: "canary: traffic share instead of one instance."
    type: int
  analysis:
    description: "canary: how long health is watched before promotion (C(5s))."
    type: str
  health_interval:
    description: "canary: time between health checks (C(500ms))."
    type: str
  max_failures:
    description: "canary: consecutive failed checks that abort."
    type: int
  max_failure_ratio:
    description: "canary: share of failed checks that aborts."
    type: float
  max_unavailable:
    description: "rolling: instances switched at once."
    type: int
  timeout:
    description: How long the change may take before it is rolled back (C(0s) is no limit).
    type: str
  request_timeout:
    description: How long the runtime has to answer each request.
    type: str
  lease:
    description: How long an activation stays provisional without a commit.
    type: str
  validation:
    description: How strict the checks are.
    type: str
    choices: [strict, normal, permissive]
  allow_downgrade:
    description: Allow a move to a lower version.
    type: bool
    default: false
  constraints:
    description: Limits on the versions chosen for components, each C(NAME@RANGE).
    type: list
    elements: str
    default: []
  priority:
    description: Priority 1-10, recorded with the change.
    type: int
  requested_by:
    description: Who asked for the change, recorded in the history.
    type: str
  rollout_id:
    description: The rollout this change belongs to, recorded as the metadata key C(rollout_id).
    type: str
  metadata:
    description: More C(KEY=VALUE) pairs recorded with the change.
    type: dict
    default: {}
extends_documentation_fragment:
  - noodle.fleet.tool
  - noodle.fleet.tool.lock
notes:
  - Needs noodle-upgrade on the host. Supports check mode and diff mode.
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - noodle-upgrade maintainers
'''

EXAMPLES = r'''
- name: Upgrade telemetry_agent to 1.0.0 with a canary
  noodle.fleet.upgrade:
    name: telemetry_agent
    version: 1.0.0
    strategy: canary
    analysis: 10s
    rollout_id: "2026-12-04-telemetry"
    requested_by: ops

- name: Make sure jit_compiler is at least 2.1.0, files only
  noodle.fleet.upgrade:
    name: jit_compiler
    version: 2.1.0
    ensure: at_least
    offline: true

- name: Carry out a saved plan
  noodle.fleet.upgrade:
    plan_file: /srv/plans/q4.json
'''

RETURN = r'''
changed:
  description: Whether a component changed (in check mode, whether one would).
  returned: always
  type: bool
outcome:
  description: "ok, or the outcome of the exit code: failed_rolled_back, configuration_error, refused, integrity,
    locked, runtime_unreachable, needs_operator, interrupted."
  returned: always
  type: str
  sample: ok
rc:
  description: The tool's exit code.
  returned: always
  type: int
stop_fleet:
  description: True when the outcome means the rollout must stop on every host (exit 2, 4, 7 or a signal).
  returned: always
  type: bool
upgrade_id:
  description: The id of the upgrade in the host's history.
  returned: when the tool started a transaction
  type: int
  sample: 42
status:
  description: The transaction's status (completed, failed, rolled_back, ...), or C(unchanged) or C(dry_run).
  returned: always
  type: str
before:
  description: Installed version of every component before the run.
  returned: always
  type: dict
  sample: {telemetry_agent: 0.5.0}
after:
  description: Installed version of every component after the run (in check mode, what it would be).
  returned: always
  type: dict
  sample: {telemetry_agent: 1.0.0}
steps:
  description: The tool's steps (transaction steps, or the dry run's actions).
  returned: always
  type: list
  elements: dict
rolled_back:
  description: True when the tool failed and rolled the host back itself (exit 1 or a signal).
  returned: always
  type: bool
error:
  description: The tool's error (code, message, details).
  returned: on failure
  type: dict
  sample: {code: health_check_failed, message: "...", details: []}
needs_operator:
  description: True on exit 7, when the tool's own rollback failed and a person must act.
  returned: always
  type: bool
root_state:
  description: On exit 7, where each component's C(current) link points now.
  returned: on exit 7
  type: list
  elements: str
lock_retries:
  description: How many times the run was tried again because the root was locked.
  returned: always
  type: int
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.noodle.fleet.plugins.module_utils.noodle import (
    WHERE_ARGS, compare_versions, fail_with_outcome, installed_versions, metadata_args, run_tool)

STRATEGIES = ['immediate', 'gradual', 'canary', 'blue-green', 'rolling']

# option -> flag of the tool, for the options passed through as they are.
PASSED = [
    ('strategy', '--strategy'), ('fallback_strategy', '--fallback-strategy'), ('steps', '--steps'),
    ('step_interval', '--step-interval'), ('canary_weight', '--canary-weight'), ('analysis', '--analysis'),
    ('health_interval', '--health-interval'), ('max_failures', '--max-failures'),
    ('max_failure_ratio', '--max-failure-ratio'), ('max_unavailable', '--max-unavailable'),
    ('timeout', '--timeout'), ('request_timeout', '--request-timeout'), ('lease', '--lease'),
    ('validation', '--validation'),
]


def argument_spec():
    spec = dict(
        name=dict(type='str'),
        version=dict(type='str'),
        batch=dict(type='path'),
        plan_file=dict(type='path'),
        ensure=dict(type='str', choices=['exact', 'at_least'], default='exact'),
        offline=dict(type='bool', default=False),
        strategy=dict(type='str', choices=STRATEGIES),
        fallback_strategy=dict(type='str', choices=STRATEGIES),
        steps=dict(type='str'),
        step_interval=dict(type='str'),
        canary_weight=dict(type='int'),
        analysis=dict(type='str'),
        health_interval=dict(type='str'),
        max_failures=dict(type='int'),
        max_failure_ratio=dict(type='float'),
        max_unavailable=dict(type='int'),
        timeout=dict(type='str'),
        request_timeout=dict(type='str'),
        lease=dict(type='str'),
        validation=dict(type='str', choices=['strict', 'normal', 'permissive']),
        allow_downgrade=dict(type='bool', default=False),
        constraints=dict(type='list', elements='str', default=[]),
        priority=dict(type='int'),
        requested_by=dict(type='str'),
        rollout_id=dict(type='str'),
        metadata=dict(type='dict', default={}),
    )
    spec.update(WHERE_ARGS)
    return spec


def change_args(params, is_upgrade):
    argv = []
    if params['offline']:
        argv.append('--offline')
    for option, flag in PASSED:
        if params.get(option) is not None:
            argv += [flag, str(params[option])]
    if params['allow_downgrade']:
        argv.append('--allow-downgrade')
    if is_upgrade:
        for c in params['constraints']:
            argv += ['--constraint', c]
        if params.get('priority') is not None:
            argv += ['--priority', str(params['priority'])]
    return argv + metadata_args(params)


def already_there(module, before):
    """True when name is at version (exact) or at or above it (at_least)."""
    p = module.params
    current = before.get(p['name'])
    if current is None:
        return False
    if p['ensure'] == 'exact':
        return current == p['version']
    return compare_versions(module, current, p['version']) >= 0


def planned_after(before, actions):
    after = dict(before)
    for a in actions or []:
        if isinstance(a, dict) and a.get('component'):
            after[a['component']] = a.get('to')
    return after


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[('name', 'batch', 'plan_file')],
        required_one_of=[('name', 'batch', 'plan_file')],
        required_together=[('name', 'version')],
        supports_check_mode=True,
    )
    p = module.params
    result = dict(changed=False, outcome='ok', rc=0, stop_fleet=False, rolled_back=False, needs_operator=False,
                  steps=[], lock_retries=0)

    before, run = installed_versions(module)
    if before is None:
        fail_with_outcome(module, run, 'cannot read the installed versions', before={}, after={})
    result['before'] = before

    if p['name'] and already_there(module, before):
        result.update(status='unchanged', after=dict(before))
        module.exit_json(**result)

    if p['name']:
        command = ['upgrade', p['name'], p['version']] + change_args(p, True)
    elif p['batch']:
        command = ['apply', p['batch']] + change_args(p, False)
    else:
        command = ['apply', '--plan', p['plan_file']] + change_args(p, False)
    if module.check_mode:
        command.append('--dry-run')

    run = run_tool(module, command)
    result['lock_retries'] = run.lock_retries
    doc = run.doc if isinstance(run.doc, dict) else {}
    if run.rc != 0:
        after, _ = installed_versions(module)
        fail_with_outcome(module, run, 'noodle-upgrade %s failed' % command[0], before=before,
                          after=after if after is not None else {}, changed=bool(after and after != before))

    if module.check_mode or doc.get('dry_run'):
        actions = doc.get('actions') or []
        result.update(status='dry_run', steps=actions, after=planned_after(before, actions))
        result['changed'] = result['after'] != before
    elif doc.get('no_op'):
        result.update(status='unchanged', after=dict(before))
    else:
        after, _ = installed_versions(module)
        result.update(status=doc.get('status', 'completed'), upgrade_id=doc.get('upgrade_id'),
                      steps=doc.get('steps') or [], after=after if after is not None else {})
        result['changed'] = bool(result['steps']) or result['after'] != before
    if module._diff:
        result['diff'] = dict(before=before, after=result['after'], before_header='installed versions',
                              after_header='installed versions')
    module.exit_json(**result)


if __name__ == '__main__':
    main()
