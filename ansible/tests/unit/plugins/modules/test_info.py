# -*- coding: utf-8 -*-
# SPDX-License-Identifier: Apache-2.0
"""noodle.fleet.info against a stand-in replaying the real tool's documents: read-only, in check mode too."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import unittest

from .standin import StandInCase
from ansible_collections.noodle.fleet.plugins.modules import info


class InfoModuleTest(StandInCase):

    def test_info_returns_versions_running_history_of_the_rollout_and_check(self):
        for check_mode in (False, True):
            with self.subTest(check_mode=check_mode):
                self.tearDown()
                self.setUp()
                failed, r, calls = self.run_module(info, {'status': ['status_live'], 'history': ['history_rollout'],
                                                          'check': ['check_intact']}, rollout_id='r1',
                                                   check_mode=check_mode)
                self.assertFalse(failed, r)
                self.assertFalse(r['changed'])
                self.assertEqual(r['versions']['telemetry_agent'], '0.5.0')
                self.assertEqual(r['running']['telemetry_agent'], '0.5.0')
                self.assertEqual(r['last_upgrade']['metadata']['rollout_id'], 'r1')
                self.assertTrue(r['intact'])
                self.assertEqual(sorted(set(self.subcommands(calls))), ['check', 'history', 'status'])
                self.assertIn('rollout_id=r1', [c for c in calls if 'history' in c][0])

    def test_a_changed_file_is_reported_not_failed(self):
        failed, r, _ = self.run_module(info, {'status': ['status_before'], 'history': ['history_empty'],
                                              'check': ['check_changed']}, offline=True)
        self.assertFalse(failed, r)
        self.assertFalse(r['intact'])
        self.assertFalse(r['check']['intact'])
        self.assertIsNone(r['last_upgrade'])


if __name__ == '__main__':
    unittest.main()
