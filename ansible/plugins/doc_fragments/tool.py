# -*- coding: utf-8 -*-
# SPDX-License-Identifier: Apache-2.0
# The options every module of the collection shares: where the tool, the
# root and its inputs are; and, for the modules that change a root, how a
# locked root is retried.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  binary:
    description: The noodle-upgrade executable.
    type: str
    default: noodle-upgrade
  root:
    description: The runtime root (the tool's default C(/var/lib/noodle) when unset).
    type: path
  catalog:
    description: Manifest catalog directory.
    type: path
  keyring:
    description: Directory of trusted public keys.
    type: path
  archives:
    description: Directory of signed archives.
    type: path
  socket:
    description: The runtime's control socket.
    type: path
  config:
    description: The tool's configuration file.
    type: path
'''

    LOCK = r'''
options:
  lock_timeout:
    description: How long one run waits for the root's lock before it exits 5.
    type: str
    default: 5s
  lock_retries:
    description: How many times a run that found the root locked is tried again.
    type: int
    default: 3
  lock_backoff:
    description: Seconds before the first retry of a locked run; doubled each time, at most 60.
    type: float
    default: 2.0
'''
