# -*- coding: utf-8 -*-
# SPDX-License-Identifier: Apache-2.0
"""noodle.fleet.rollback against a stand-in replaying the real tool's documents: by rollout, by upgrade id,
nothing to undo, check mode and failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import unittest

from .standin import StandInCase
from ansible_collections.noodle.fleet.plugins.modules import rollback


class RollbackModuleTest(StandInCase):

    def test_a_rollout_is_undone_upgrade_by_upgrade_and_recorded_with_its_id(self):
        failed, r, calls = self.run_module(
            rollback, {'status': ['status_after', 'status_before'], 'history': ['history_rollout'],
                       'rollback': ['rollback_completed']}, rollout_id='r1', diff=True)
        self.assertFalse(failed, r)
        self.assertTrue(r['changed'])
        self.assertEqual(r['undone'], [8])
        self.assertEqual(r['before']['telemetry_agent'], '1.0.0')
        self.assertEqual(r['after']['telemetry_agent'], '0.5.0')
        back = [c for c in calls if 'rollback' in c][0]
        self.assertEqual(back[back.index('rollback'):back.index('rollback') + 3], ['rollback', '--upgrade', '8'])
        self.assertIn('rollout_id=r1', back)
        hist = [c for c in calls if 'history' in c][0]
        self.assertIn('rollout_id=r1', hist)

    def test_a_rollout_with_nothing_on_the_host_changes_nothing(self):
        failed, r, calls = self.run_module(rollback, {'status': ['status_before'], 'history': ['history_empty']},
                                           rollout_id='none')
        self.assertFalse(failed, r)
        self.assertFalse(r['changed'])
        self.assertNotIn('rollback', self.subcommands(calls))

    def test_an_upgrade_already_rolled_back_is_unchanged(self):
        failed, r, _ = self.run_module(rollback, {'status': ['status_before'], 'rollback': ['rollback_no_op']},
                                       upgrade_id=8)
        self.assertFalse(failed, r)
        self.assertFalse(r['changed'])
        self.assertEqual(r['undone'], [])

    def test_check_mode_runs_the_dry_run_and_says_what_would_go_back(self):
        failed, r, calls = self.run_module(rollback, {'status': ['status_after'], 'rollback': ['rollback_dry_run']},
                                           upgrade_id=8, check_mode=True)
        self.assertFalse(failed, r)
        self.assertTrue(r['changed'])
        self.assertEqual(r['after']['telemetry_agent'], '0.5.0')
        self.assertIn('--dry-run', [c for c in calls if 'rollback' in c][0])
        self.assertEqual(self.subcommands(calls).count('status'), 1)

    def test_a_component_already_at_the_target_is_unchanged(self):
        failed, r, calls = self.run_module(rollback, {'status': ['status_before']}, component='telemetry_agent',
                                           to='0.5.0')
        self.assertFalse(failed, r)
        self.assertFalse(r['changed'])
        self.assertNotIn('rollback', self.subcommands(calls))

    def test_a_stopped_runtime_fails_with_its_outcome(self):
        failed, r, _ = self.run_module(rollback, {'status': ['status_after'],
                                                  'rollback': ['upgrade_runtime_unreachable']}, upgrade_id=8)
        self.assertTrue(failed)
        self.assertEqual(r['outcome'], 'runtime_unreachable')
        self.assertEqual(r['rc'], 6)


if __name__ == '__main__':
    unittest.main()
