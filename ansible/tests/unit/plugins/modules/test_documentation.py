# -*- coding: utf-8 -*-
# SPDX-License-Identifier: Apache-2.0
"""Each module's DOCUMENTATION says exactly what its argument_spec takes (names, types, defaults, choices,
elements), and its EXAMPLES and RETURN are YAML: what ansible-test's validate-modules checks, offline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import unittest

import yaml

from .standin import StandInCase  # noqa: F401  (makes the collection importable)
from ansible_collections.noodle.fleet.plugins.modules import info, rollback, upgrade


class DocumentationTest(unittest.TestCase):

    def test_documentation_matches_the_argument_spec_of_every_module(self):
        for module in (upgrade, rollback, info):
            with self.subTest(module=module.__name__):
                doc = yaml.safe_load(module.DOCUMENTATION)
                yaml.safe_load(module.EXAMPLES)
                returned = yaml.safe_load(module.RETURN)
                self.assertTrue(returned)
                spec = module.argument_spec()
                self.assertEqual(sorted(doc['options']), sorted(spec))
                for name, option in doc['options'].items():
                    arg = spec[name]
                    self.assertTrue(option.get('description'), name)
                    self.assertEqual(option.get('type', 'str'), arg.get('type', 'str'), name)
                    self.assertEqual(option.get('default'), arg.get('default'), name)
                    self.assertEqual(option.get('choices'), arg.get('choices'), name)
                    self.assertEqual(option.get('elements'), arg.get('elements'), name)


if __name__ == '__main__':
    unittest.main()
