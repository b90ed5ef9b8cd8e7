# -*- coding: utf-8 -*-
# SPDX-License-Identifier: Apache-2.0
"""noodle.fleet.upgrade against a stand-in replaying the real tool's documents: idempotence, check and diff
modes, the metadata recorded, the exit-code table, and the bounded retry of a locked root."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import unittest

from .standin import StandInCase
from ansible_collections.noodle.fleet.plugins.modules import upgrade

UP = dict(name='telemetry_agent', version='1.0.0', strategy='immediate')


class UpgradeModuleTest(StandInCase):

    def test_a_completed_upgrade_is_changed_with_versions_before_and_after_and_a_diff(self):
        failed, r, calls = self.run_module(
            upgrade, {'status': ['status_before', 'status_after'], 'upgrade': ['upgrade_completed']}, diff=True,
            rollout_id='r1', requested_by='ops', metadata={'ticket': 'OPS-7'}, **UP)
        self.assertFalse(failed, r)
        self.assertTrue(r['changed'])
        self.assertEqual(r['outcome'], 'ok')
        self.assertEqual(r['upgrade_id'], 8)
        self.assertEqual(r['status'], 'completed')
        self.assertEqual(r['before']['telemetry_agent'], '0.5.0')
        self.assertEqual(r['after']['telemetry_agent'], '1.0.0')
        self.assertEqual(r['diff']['after']['telemetry_agent'], '1.0.0')
        self.assertEqual(r['steps'][0]['component'], 'telemetry_agent')
        up = [c for c in calls if 'upgrade' in c][0]
        self.assertIn('-o', up)
        for pair in (['--metadata', 'rollout_id=r1'], ['--metadata', 'ticket=OPS-7'], ['--requested-by', 'ops'],
                     ['--strategy', 'immediate']):
            self.assertTrue(any(up[i:i + 2] == pair for i in range(len(up))), (pair, up))

    def test_a_host_already_at_the_version_is_unchanged_and_never_upgraded(self):
        failed, r, calls = self.run_module(upgrade, {'status': ['status_after']}, **UP)
        self.assertFalse(failed, r)
        self.assertFalse(r['changed'])
        self.assertEqual(r['status'], 'unchanged')
        self.assertNotIn('upgrade', self.subcommands(calls))

    def test_ensure_at_least_leaves_a_newer_version_alone_and_exact_does_not(self):
        older = dict(UP, version='0.5.0')
        failed, r, calls = self.run_module(upgrade, {'status': ['status_after']}, ensure='at_least', **older)
        self.assertFalse(failed, r)
        self.assertFalse(r['changed'])
        self.assertNotIn('upgrade', self.subcommands(calls))
        self.tearDown()
        self.setUp()
        failed, r, calls = self.run_module(upgrade, {'status': ['status_after'], 'upgrade': ['upgrade_refused']},
                                           ensure='exact', **older)
        self.assertTrue(failed)
        self.assertEqual(r['outcome'], 'refused')

    def test_the_tools_own_no_op_is_unchanged(self):
        failed, r, _ = self.run_module(upgrade, {'status': ['status_before'], 'upgrade': ['upgrade_no_op']}, **UP)
        self.assertFalse(failed, r)
        self.assertFalse(r['changed'])

    def test_check_mode_runs_the_dry_run_and_reports_what_would_change(self):
        failed, r, calls = self.run_module(upgrade, {'status': ['status_before'], 'upgrade': ['upgrade_dry_run']},
                                           check_mode=True, diff=True, **UP)
        self.assertFalse(failed, r)
        self.assertTrue(r['changed'])
        self.assertEqual(r['status'], 'dry_run')
        self.assertEqual(r['after']['telemetry_agent'], '1.0.0')
        self.assertEqual(r['diff']['before']['telemetry_agent'], '0.5.0')
        up = [c for c in calls if 'upgrade' in c]
        self.assertEqual(len(up), 1)
        self.assertIn('--dry-run', up[0])

    def test_every_exit_code_maps_to_its_documented_outcome(self):
        table = [
            ('upgrade_failed_rolled_back', 1, 'failed_rolled_back', False),
            ('upgrade_configuration_error', 2, 'configuration_error', True),
            ('upgrade_refused', 3, 'refused', False),
            ('upgrade_integrity', 4, 'integrity', True),
            ('upgrade_locked', 5, 'locked', False),
            ('upgrade_runtime_unreachable', 6, 'runtime_unreachable', False),
            ('upgrade_needs_operator', 7, 'needs_operator', True),
        ]
        for doc, rc, outcome, stop in table:
            with self.subTest(rc=rc):
                self.tearDown()
                self.setUp()
                failed, r, _ = self.run_module(upgrade, {'status': ['status_before'], 'upgrade': [doc]},
                                               lock_retries=0, **UP)
                self.assertTrue(failed)
                self.assertEqual(r['rc'], rc)
                self.assertEqual(r['outcome'], outcome)
                self.assertEqual(r['stop_fleet'], stop)
                self.assertEqual(r['rolled_back'], rc == 1)
                self.assertEqual(r['needs_operator'], rc == 7)
                self.assertTrue(r['error']['code'])
                self.assertIn('exit %d' % rc, r['msg'])
                if rc == 7:
                    self.assertIn('runtime_core: current -> versions/1.5.0', r['root_state'])
                else:
                    self.assertNotIn('root_state', r)
                if rc == 1:
                    self.assertEqual(r['status'], 'rolled_back')

    def test_a_locked_root_is_retried_and_then_upgraded(self):
        failed, r, calls = self.run_module(
            upgrade, {'status': ['status_before', 'status_after'],
                      'upgrade': ['upgrade_locked', 'upgrade_locked', 'upgrade_completed']}, **UP)
        self.assertFalse(failed, r)
        self.assertTrue(r['changed'])
        self.assertEqual(r['lock_retries'], 2)
        self.assertEqual(self.subcommands(calls).count('upgrade'), 3)

    def test_a_lock_held_past_the_retries_fails_as_locked(self):
        failed, r, calls = self.run_module(upgrade, {'status': ['status_before'], 'upgrade': ['upgrade_locked']},
                                           lock_retries=2, **UP)
        self.assertTrue(failed)
        self.assertEqual(r['outcome'], 'locked')
        self.assertEqual(r['lock_retries'], 2)
        self.assertEqual(self.subcommands(calls).count('upgrade'), 3)

    def test_allow_unsigned_and_no_rollback_are_not_options(self):
        spec = upgrade.argument_spec()
        self.assertNotIn('allow_unsigned', spec)
        self.assertNotIn('no_rollback', spec)
        failed, r, calls = self.run_module(upgrade, {'status': ['status_before']}, allow_unsigned=True, **UP)
        self.assertTrue(failed)
        self.assertIn('allow_unsigned', r['msg'])
        self.assertNotIn('upgrade', self.subcommands(calls))

    def test_a_batch_and_a_plan_file_run_apply(self):
        failed, r, calls = self.run_module(upgrade, {'status': ['status_before', 'status_after'],
                                                     'apply': ['upgrade_completed']}, batch='/srv/batch.yaml')
        self.assertFalse(failed, r)
        self.assertIn(['apply', '/srv/batch.yaml'], [c[c.index('apply'):c.index('apply') + 2] for c in calls
                                                     if 'apply' in c])
        self.tearDown()
        self.setUp()
        failed, r, calls = self.run_module(upgrade, {'status': ['status_before', 'status_after'],
                                                     'apply': ['upgrade_completed']}, plan_file='/srv/plan.json')
        self.assertFalse(failed, r)
        apply = [c for c in calls if 'apply' in c][0]
        self.assertEqual(apply[apply.index('apply'):apply.index('apply') + 3], ['apply', '--plan', '/srv/plan.json'])


if __name__ == '__main__':
    unittest.main()
