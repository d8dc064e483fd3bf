"""Test callback: ansible-playbook kills itself with SIGKILL when a task whose name contains $KILL_AT_TASK starts, as
a cancelled AAP job or a lost controller would end it: the tasks before it have finished, that task has not begun."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = '''
name: kill_at_task
type: aggregate
short_description: SIGKILL ansible-playbook when a given task starts (tests only)
description: Kills the ansible-playbook process when a task whose name contains the environment variable KILL_AT_TASK starts.
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
'''

import os
import signal

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'kill_at_task'
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_task_start(self, task, is_conditional):
        marker = os.environ.get('KILL_AT_TASK')
        if marker and marker in task.get_name():
            os.kill(os.getpid(), signal.SIGKILL)
