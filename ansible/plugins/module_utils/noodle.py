# -*- coding: utf-8 -*-
# SPDX-License-Identifier: Apache-2.0
"""Running noodle-upgrade with -o json for the noodle.fleet modules.

The tool is the per-host step: its JSON document on stdout and its exit code
become the module's result. This file holds what the modules share: the
options that say where the runtime is, one run of the tool (with the bounded
retry of a locked root), the table of exit codes and their outcomes, and
reading the installed versions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

# Options every module takes: where the tool, the root and its parts are.
WHERE_ARGS = dict(
    binary=dict(type='str', default='noodle-upgrade'),
    root=dict(type='path'),
    catalog=dict(type='path'),
    keyring=dict(type='path'),
    archives=dict(type='path'),
    socket=dict(type='path'),
    config=dict(type='path'),
    lock_timeout=dict(type='str', default='5s'),
    lock_retries=dict(type='int', default=3),
    lock_backoff=dict(type='float', default=2.0),
)

# exit code -> (outcome, stop_fleet): what the code means for a rollout. A
# failed upgrade (1) has been rolled back on the host by the tool itself; a
# configuration (2) or integrity (4) error says the release or its setup is
# bad everywhere, so the whole rollout stops; 7 leaves the host to an operator.
OUTCOMES = {
    0: ('ok', False),
    1: ('failed_rolled_back', False),
    2: ('configuration_error', True),
    3: ('refused', False),
    4: ('integrity', True),
    5: ('locked', False),
    6: ('runtime_unreachable', False),
    7: ('needs_operator', True),
}

EXIT_LOCKED = 5
EXIT_NEEDS_OPERATOR = 7


def outcome_of(rc):
    """(outcome, stop_fleet) of an exit code; a signal's code (129, 130, 143) or any other is 'interrupted'."""
    return OUTCOMES.get(rc, ('interrupted', True))


class ToolRun(object):
    """One finished run: exit code, the parsed JSON document (None when stdout held none), the
    command, stderr, and how many times a locked root made it wait and try again."""

    def __init__(self, rc, doc, cmd, stderr, lock_retries):
        self.rc = rc
        self.doc = doc
        self.cmd = cmd
        self.stderr = stderr
        self.lock_retries = lock_retries


def global_argv(params):
    argv = [params['binary'], '-o', 'json', '--no-progress', '--no-color']
    for name in ('root', 'catalog', 'keyring', 'archives', 'socket', 'config'):
        if params.get(name):
            argv += ['--' + name, params[name]]
    if params.get('lock_timeout'):
        argv += ['--lock-timeout', params['lock_timeout']]
    return argv


def parse_document(stdout):
    """The JSON document of stdout (the tool prints exactly one with -o json), or None."""
    text = (stdout or '').strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def run_tool(module, command, retry_locked=True, sleep=time.sleep):
    """Runs the tool's `command` (a list after the global options). A locked root (exit 5) is tried
    again after lock_backoff seconds, doubled each time, at most lock_retries times; the last run is
    returned whatever its code."""
    params = module.params
    argv = global_argv(params) + list(command)
    retries = 0
    delay = max(float(params.get('lock_backoff') or 0), 0.0)
    while True:
        rc, stdout, stderr = module.run_command(argv)
        if rc == EXIT_LOCKED and retry_locked and retries < max(params.get('lock_retries') or 0, 0):
            retries += 1
            sleep(delay)
            delay = min(delay * 2, 60.0)
            continue
        return ToolRun(rc, parse_document(stdout), argv, stderr, retries)


def error_of(doc, stderr=''):
    """The error object (code, message, details) of a failed run's document; built from stderr when
    the tool printed no document."""
    if isinstance(doc, dict) and isinstance(doc.get('error'), dict):
        err = doc['error']
        return dict(code=err.get('code'), message=err.get('message'), details=err.get('details'))
    message = (stderr or '').strip().splitlines()
    return dict(code=None, message=message[-1] if message else 'no JSON document on stdout', details=None)


def installed_versions(module, only=None):
    """{component: version} of the root's `current` links (status --offline; reading only)."""
    command = ['status', '--offline']
    if only:
        command.append(only)
    run = run_tool(module, command)
    if run.rc != 0 or not isinstance(run.doc, dict):
        return None, run
    versions = {}
    for c in run.doc.get('components') or []:
        versions[c.get('name')] = c.get('version')
    return versions, run


def compare_versions(module, a, b):
    """-1, 0 or 1 as semantic version a sorts before, with or after b, by the tool's own rules."""
    rc, stdout, stderr = module.run_command([module.params['binary'], 'version', 'compare', a, b])
    if rc != 0:
        module.fail_json(msg='cannot compare versions %r and %r: %s' % (a, b, (stderr or stdout).strip()),
                         outcome='configuration_error', stop_fleet=True)
    return int(stdout.strip())


def metadata_args(params):
    """--requested-by and --metadata KEY=VALUE for the history; rollout_id is one metadata key."""
    argv = []
    if params.get('requested_by'):
        argv += ['--requested-by', params['requested_by']]
    pairs = dict(params.get('metadata') or {})
    if params.get('rollout_id'):
        pairs['rollout_id'] = params['rollout_id']
    for key in sorted(pairs):
        argv += ['--metadata', '%s=%s' % (key, pairs[key])]
    return argv


def fail_with_outcome(module, run, msg, **result):
    """Fails the task with the outcome of the run's exit code, the error, and on exit 7 what the
    tool says each link points at (needs_operator)."""
    outcome, stop_fleet = outcome_of(run.rc)
    doc = run.doc if isinstance(run.doc, dict) else {}
    result.update(
        rc=run.rc,
        outcome=outcome,
        stop_fleet=stop_fleet,
        error=error_of(run.doc, run.stderr),
        rolled_back=run.rc in (1, 129, 130, 143),
        needs_operator=run.rc == EXIT_NEEDS_OPERATOR,
        lock_retries=run.lock_retries,
        cmd=run.cmd,
    )
    if run.rc == EXIT_NEEDS_OPERATOR:
        result['root_state'] = doc.get('root_state') or []
    if 'upgrade_id' in doc and 'upgrade_id' not in result:
        result['upgrade_id'] = doc.get('upgrade_id')
    if 'status' in doc and 'status' not in result:
        result['status'] = doc.get('status')
    if 'steps' in doc and 'steps' not in result:
        result['steps'] = doc.get('steps')
    module.fail_json(msg='%s: %s (exit %d, %s)' % (msg, result['error'].get('message'), run.rc, outcome),
                     **result)
