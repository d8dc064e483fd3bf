"""Benchmark callback: the wall time of every task (summed over its loop items and hosts), written as JSON to
$TASK_TIMES_FILE when the play ends - what ansible.posix.profile_tasks prints, read by tests/benchmark/workload.py."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = '''
name: task_times
type: aggregate
short_description: Wall time per task as JSON (benchmark only)
description: Writes {task name -> seconds} to the file named by the environment variable TASK_TIMES_FILE.
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'task_times'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.times, self.current, self.started = {}, None, None

    def _close(self):
        if self.current is not None:
            self.times[self.current] = self.times.get(self.current, 0.0) + time.monotonic() - self.started
        self.current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self.current, self.started = task.get_name(), time.monotonic()

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def v2_playbook_on_stats(self, stats):
        self._close()
        path = os.environ.get('TASK_TIMES_FILE')
        if path:
            with open(path, 'w', encoding='utf-8') as f:
                json.dump(self.times, f)
