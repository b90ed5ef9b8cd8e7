# -*- coding: utf-8 -*-
# SPDX-License-Identifier: Apache-2.0
"""Each module's DOCUMENTATION says exactly what its argument_spec takes (names, types, defaults, choices,
elements), and its EXAMPLES and RETURN are YAML: what ansible-test's validate-modules checks, offline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import unittest

import yaml

from .standin import StandInCase  # noqa: F401  (makes the collection importable)
from ansible_collections.noodle.fleet.plugins.modules import info, rollback, upgrade


def with_fragments(doc):
    """The module's options with those of its documentation fragments, merged as Ansible merges them:
    noodle.fleet.NAME is the fragment's DOCUMENTATION, noodle.fleet.NAME.PART its attribute PART."""
    options = dict(doc.get('options') or {})
    for fragment in doc.get('extends_documentation_fragment', []):
        parts = fragment.split('.')
        assert parts[:2] == ['noodle', 'fleet'], fragment
        holder = importlib.import_module('ansible_collections.noodle.fleet.plugins.doc_fragments.' + parts[2])
        text = getattr(holder.ModuleDocFragment, parts[3].upper() if len(parts) > 3 else 'DOCUMENTATION')
        for name, option in yaml.safe_load(text)['options'].items():
            assert name not in options, '%s is in the module and in %s' % (name, fragment)
            options[name] = option
    return options


class DocumentationTest(unittest.TestCase):

    def test_documentation_matches_the_argument_spec_of_every_module(self):
        for module in (upgrade, rollback, info):
            with self.subTest(module=module.__name__):
                doc = yaml.safe_load(module.DOCUMENTATION)
                yaml.safe_load(module.EXAMPLES)
                returned = yaml.safe_load(module.RETURN)
                self.assertTrue(returned)
                spec = module.argument_spec()
                options = with_fragments(doc)
                self.assertEqual(sorted(options), sorted(spec))
                for name, option in options.items():
                    arg = spec[name]
                    self.assertTrue(option.get('description'), name)
                    self.assertEqual(option.get('type', 'str'), arg.get('type', 'str'), name)
                    self.assertEqual(option.get('default'), arg.get('default'), name)
                    self.assertEqual(option.get('choices'), arg.get('choices'), name)
                    self.assertEqual(option.get('elements'), arg.get('elements'), name)


if __name__ == '__main__':
    unittest.main()
