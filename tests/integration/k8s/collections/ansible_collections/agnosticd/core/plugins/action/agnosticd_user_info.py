# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test stand-in for AgnosticD v2's agnosticd.core.agnosticd_user_info: appends each call's msg and data
as one JSON line to $AGNOSTICD_USER_INFO_FILE, so the k8s tests can check what the workload reports."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('msg', 'data', 'user', 'body'))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        path = os.environ.get('AGNOSTICD_USER_INFO_FILE')
        if path:
            with open(path, 'a') as f:
                f.write(json.dumps({k: self._task.args.get(k) for k in ('msg', 'data', 'user')}) + '\n')
        result['changed'] = False
        return result
