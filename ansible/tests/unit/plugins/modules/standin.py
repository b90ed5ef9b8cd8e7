# -*- coding: utf-8 -*-
# SPDX-License-Identifier: Apache-2.0
"""Running a noodle.fleet module in-process against the stand-in binary (tests/unit/standin_noodle_upgrade.py),
which replays the real tool's documents named by a scenario."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

UNIT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTION = os.path.dirname(os.path.dirname(UNIT))
STANDIN = os.path.join(UNIT, 'standin_noodle_upgrade.py')


def _importable_collection():
    """Makes ansible_collections.noodle.fleet importable from this source tree (not an installed copy)."""
    try:
        import ansible_collections.noodle.fleet.plugins.module_utils.noodle as found
        if os.path.realpath(found.__file__).startswith(os.path.realpath(COLLECTION)):
            return
    except ImportError:
        pass
    top = tempfile.mkdtemp(prefix='noodle-fleet-unit-')
    atexit.register(shutil.rmtree, top, True)  # the link tree outlives every test, not the process
    os.makedirs(os.path.join(top, 'ansible_collections', 'noodle'))
    os.symlink(COLLECTION, os.path.join(top, 'ansible_collections', 'noodle', 'fleet'))
    sys.path.insert(0, top)
    for name in [m for m in sys.modules if m == 'ansible_collections' or m.startswith('ansible_collections.')]:
        del sys.modules[name]


_importable_collection()


class StandInCase(unittest.TestCase):
    """A test case with a scenario directory; run_module() returns (failed, result, calls)."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix='noodle-standin-')
        self.scenario = os.path.join(self.work, 'scenario.json')
        # The stand-in runs under this interpreter (not whatever `env python3` finds first, which may be
        # a slow shim); it reads its fixtures beside the original.
        self.standin = os.path.join(self.work, 'noodle-upgrade')
        with open(STANDIN) as f:
            text = f.read()
        with open(self.standin, 'w') as f:
            f.write('#!%s\n' % sys.executable + text.replace(
                'os.path.dirname(os.path.abspath(__file__))', repr(UNIT)))
        os.chmod(self.standin, 0o755)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def run_module(self, module, scenario, check_mode=False, diff=False, **args):
        from ansible.module_utils import basic
        from ansible.module_utils.common.text.converters import to_bytes
        with open(self.scenario, 'w') as f:
            json.dump(scenario, f)
        args.setdefault('binary', self.standin)
        args.setdefault('root', os.path.join(self.work, 'root'))
        args.setdefault('lock_backoff', 0)
        args['_ansible_check_mode'] = check_mode
        args['_ansible_diff'] = diff
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
        os.environ['NOODLE_STANDIN_SCENARIO'] = self.scenario
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                with self.assertRaises(SystemExit) as exited:
                    module.main()
        finally:
            basic._ANSIBLE_ARGS = None
            del os.environ['NOODLE_STANDIN_SCENARIO']
        result = json.loads(out.getvalue())
        return exited.exception.code != 0, result, self.calls()

    def calls(self):
        path = self.scenario + '.log'
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f]

    @staticmethod
    def subcommands(calls):
        """The subcommand of each call, in order (the word after the global options)."""
        valued = {'--root', '--catalog', '--keyring', '--archives', '--socket', '--lock-timeout', '-o', '--config'}
        out = []
        for argv in calls:
            i = 0
            while i < len(argv):
                if argv[i] in valued:
                    i += 2
                elif argv[i].startswith('-'):
                    i += 1
                else:
                    out.append(argv[i])
                    break
        return out
