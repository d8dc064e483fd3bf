# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: what a fleet's key Secret must hold after a litellm_keys run, and which value each key gives its user."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: user_keys_plan
short_description: The key values a fleet hands out, and the Secret entries to write or remove
version_added: 1.1.0
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
description:
  - Used by the role C(rhpds.litemaas.litellm_user_keys). Takes the C(data) of the fleet's Secret (alias ->
    base64 key value) and the result of M(rhpds.litemaas.litellm_keys), and works out the value of every key.
  - A key created or rotated by the run gets its new value, which is also written to the Secret. A key that
    already existed gets the stored value, but only when the stored value is that key's value (its sha256 is the
    key's token); otherwise the key is reported as unusable (value lost or changed elsewhere).
  - Entries of deleted keys are removed from the Secret, and with O(purge) every entry the run does not manage.
options:
  _input:
    description: The Secret's C(data), alias -> base64 value; empty when there is no Secret yet.
    type: dict
    required: true
  applied:
    description: The registered result of M(rhpds.litemaas.litellm_keys).
    type: dict
    required: true
  rotated:
    description: The result of a second M(rhpds.litemaas.litellm_keys) run that rotated the unusable keys, if any.
    type: dict
  purge:
    description: Remove Secret entries for aliases the run does not manage.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Work out the key values
  ansible.builtin.set_fact:
    fleet_plan: "{{ (secret.resources[0].data | default({})) | rhpds.litemaas.user_keys_plan(applied, purge=true) }}"
  no_log: true
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    keys:
      description:
        - One entry per key of the run (deleted ones excluded) - C(key_alias), C(api_key) (null when unknown),
          C(token), C(key_name), C(models), C(expires), C(status), C(action), and C(problem) (null when the value
          is usable).
      type: list
      elements: dict
    put:
      description: Secret entries to write, alias -> base64 value.
      type: dict
    remove:
      description: Secret entries to remove.
      type: list
      elements: str
    unusable:
      description: Aliases of existing keys whose value is not stored (or not theirs); rotating them repairs it.
      type: list
      elements: str
'''

import base64
import hashlib

from ansible.errors import AnsibleFilterError

SHOWN = ('key_alias', 'token', 'key_name', 'models', 'expires', 'status', 'action')


def _decode(value):
    try:
        return base64.b64decode(value).decode('utf-8')
    except (TypeError, ValueError):
        return None


def user_keys_plan(stored, applied, rotated=None, purge=False):
    if not isinstance(applied, dict) or 'virtual_keys' not in applied:
        raise AnsibleFilterError('user_keys_plan needs the result of rhpds.litemaas.litellm_keys, got %r'
                                 % (sorted(applied) if isinstance(applied, dict) else type(applied).__name__))
    stored = dict((alias, _decode(value)) for alias, value in (stored or {}).items())
    entries = dict((k['key_alias'], k) for k in applied['virtual_keys'])
    new_values = dict(applied.get('api_keys') or {})
    for entry in (rotated or {}).get('virtual_keys') or []:
        entries[entry['key_alias']] = entry
    new_values.update((rotated or {}).get('api_keys') or {})

    keys, put, remove, unusable = [], {}, [], []
    for alias, entry in entries.items():
        if entry['action'] == 'deleted':
            if alias in stored:
                remove.append(alias)
            continue
        shown = dict((name, entry.get(name)) for name in SHOWN)
        shown['problem'] = None
        if alias in new_values:
            shown['api_key'] = new_values[alias]
            put[alias] = base64.b64encode(new_values[alias].encode('utf-8')).decode('ascii')
        elif entry['action'] in ('created', 'rotated'):
            shown['api_key'] = None  # check mode: no value yet
        else:
            value = stored.get(alias)
            matches = value is not None and entry.get('token') and \
                hashlib.sha256(value.encode('utf-8')).hexdigest() == entry['token']
            shown['api_key'] = value if matches else None
            if entry['action'] == 'failed':
                shown['problem'] = entry.get('msg')
            elif not matches:
                unusable.append(alias)
                shown['problem'] = ('its value is not stored in the Secret' if value is None else
                                    'the stored value is no longer this key\'s value (was it rotated elsewhere?)')
        if shown['problem'] is None and shown['status'] in ('blocked', 'expired'):
            shown['problem'] = 'the key is %s' % shown['status']
        keys.append(shown)
    if purge:
        remove.extend(alias for alias in sorted(stored) if alias not in entries)
    return {'keys': keys, 'put': put, 'remove': sorted(set(remove)), 'unusable': sorted(unusable)}


class FilterModule(object):
    def filters(self):
        return {'user_keys_plan': user_keys_plan}
