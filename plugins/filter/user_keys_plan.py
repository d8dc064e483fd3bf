# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the role litellm_user_keys: the values to store before litellm_keys runs, and afterwards which value
each key gives its user and which Secret entries go."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: user_keys_plan
short_description: The key values a fleet hands out, and the Secret entries to remove
version_added: 1.1.0
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
description:
  - Used by the role C(rhpds.litemaas.litellm_user_keys), after M(rhpds.litemaas.litellm_keys) ran with the
    entries of P(rhpds.litemaas.user_keys_write_ahead#filter). Takes the fleet's Secret (C(data) alias -> base64
    key value, the values written ahead included) and the result of the module.
  - A key gets the stored value only when the stored value is that key's value (its sha256 is the key's token);
    otherwise the key is reported as unusable (value lost, or changed elsewhere).
  - Entries of deleted keys are to be removed from the Secret, and with O(purge) every entry the run does not
    manage. An alias written ahead stays in the Secret's pending annotation until its key is seen.
options:
  _input:
    description: The Secret as read (C(data), C(metadata.annotations)); empty when there is no Secret yet.
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
"""

EXAMPLES = r"""
- name: Work out the key values
  ansible.builtin.set_fact:
    fleet_plan: "{{ (secret.resources | first | default({})) | rhpds.litemaas.user_keys_plan(applied, purge=true) }}"
  no_log: true
"""

RETURN = r"""
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
    remove:
      description: Secret entries to remove.
      type: list
      elements: str
    unusable:
      description: Aliases of existing keys whose value is not stored (or not theirs); rotating them repairs it.
      type: list
      elements: str
    annotations:
      description: The Secret's pending annotation after this run (null removes it).
      type: dict
    settled:
      description: Whether the pending annotation stays as it is.
      type: bool
"""

import base64

from ansible.errors import AnsibleFilterError
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_keys import hash_key, new_key_value

SHOWN = ('key_alias', 'token', 'key_name', 'models', 'expires', 'status', 'action')


def _decode(value):
    try:
        return base64.b64decode(value).decode('utf-8')
    except (TypeError, ValueError):
        return None


def _encode(value):
    return base64.b64encode(value.encode('utf-8')).decode('ascii')


def _usable_value(value):
    """A stored value a key can have (what litellm_keys accepts as key), else None."""
    return value if isinstance(value, str) and value.startswith('sk-') and len(value) >= 16 else None


def user_keys_plan(secret, applied, rotated=None, purge=False):
    if not isinstance(applied, dict) or 'virtual_keys' not in applied:
        raise AnsibleFilterError('user_keys_plan needs the result of rhpds.litemaas.litellm_keys, got %r'
                                 % (sorted(applied) if isinstance(applied, dict) else type(applied).__name__))
    stored = dict((alias, _decode(value)) for alias, value in ((secret or {}).get('data') or {}).items())
    pending = _pending(secret)
    entries = dict((k['key_alias'], k) for k in applied['virtual_keys'])
    for entry in (rotated or {}).get('virtual_keys') or []:
        entries[entry['key_alias']] = entry

    keys, remove, unusable = [], [], []
    for alias, entry in entries.items():
        if entry['action'] == 'deleted':
            if alias in stored:
                remove.append(alias)
            continue
        shown = dict((name, entry.get(name)) for name in SHOWN)
        shown['problem'] = None
        value = stored.get(alias)
        matches = value is not None and entry.get('token') and hash_key(value) == entry['token']
        shown['api_key'] = value if matches else None
        if entry['action'] == 'failed':
            shown['problem'] = entry.get('msg')
        elif entry['action'] in ('created', 'rotated') and not entry.get('token'):
            pass  # check mode: the key does not exist yet, and its value is not stored yet
        elif not matches:
            unusable.append(alias)
            shown['problem'] = ('its value is not stored in the Secret' if value is None else
                                'the stored value is no longer this key\'s value (was it rotated elsewhere?)')
        if shown['problem'] is None and shown['status'] in ('blocked', 'expired'):
            shown['problem'] = 'the key is %s' % shown['status']
        keys.append(shown)
    if purge:
        remove.extend(alias for alias in sorted(stored) if alias not in entries)
    # An alias stays pending until its key is seen: a key not made yet (check mode, a failed create) stays so.
    still_pending = sorted(a for a in pending if a in entries and entries[a]['action'] != 'deleted'
                           and not entries[a].get('token') and a not in remove)
    return {'keys': keys, 'remove': sorted(set(remove)), 'unusable': sorted(unusable),
            'annotations': {PENDING_ANNOTATION: ','.join(still_pending) or None},
            'settled': still_pending == sorted(pending)}


# Annotation of the fleet's Secret: the aliases whose values were written ahead and whose keys were not seen yet.
PENDING_ANNOTATION = 'litemaas.rhpds.io/pending-keys'


def _pending(secret):
    annotations = ((secret or {}).get('metadata') or {}).get('annotations') or {}
    return set(a for a in (annotations.get(PENDING_ANNOTATION) or '').split(',') if a)


def user_keys_write_ahead(secret, keys, check=None, checked_secret=None, rotate=False):
    """The entries to give litellm_keys, each with the value its key is to have, and what to store in the Secret
    before LiteLLM sees them (write-ahead: a run killed at any point leaves no key whose value nobody has).

    secret: the fleet's Secret as read (or None). keys: the fleet's entries. check: the result of litellm_keys in
    check mode with these entries, which tells the keys to be created; checked_secret: the Secret as read before
    that check. rotate: a new value for every entry."""
    if not isinstance(keys, list) or not all(isinstance(k, dict) and k.get('key_alias') for k in keys):
        raise AnsibleFilterError('user_keys_write_ahead needs a list of litellm_keys entries, each with key_alias')
    stored = dict((alias, _decode(value)) for alias, value in ((secret or {}).get('data') or {}).items())
    pending = _pending(secret)
    creating = set(k['key_alias'] for k in (check or {}).get('virtual_keys') or [] if k.get('action') == 'created')
    # A value another run stored since the check (while it created the key) is that run's key's: it is taken as is.
    unchanged = dict((alias, value) for alias, value in ((checked_secret or {}).get('data') or {}).items()
                     if ((secret or {}).get('data') or {}).get(alias) == value)
    entries, put = [], {}
    for entry in keys:
        alias, entry = entry['key_alias'], dict(entry)
        value = _usable_value(stored.get(alias))
        if entry.get('key'):
            value = entry['key']  # a value the caller declares: the key is rotated to it
        elif entry.pop('regenerate', False) or rotate:
            value = new_key_value()
        else:
            # A key to be created gets the stored value only when it was written ahead by a run that did not see the
            # key made (pending), or by another run since the check: the value of a key deleted by hand stays dead.
            # An existing key keeps its value.
            if value is None or (alias in creating and alias not in pending and alias in unchanged):
                value = new_key_value()
            entry['key_mismatch'] = 'keep'
        entry['key'] = value
        if stored.get(alias) != value:
            put[alias] = _encode(value)
        entries.append(entry)
    pending = sorted(pending | set(put))
    data = dict((secret or {}).get('data') or {}, **put)
    return {'keys': entries, 'put': put, 'annotations': {PENDING_ANNOTATION: ','.join(pending) or None},
            'written': {'data': data, 'metadata': {'annotations': {PENDING_ANNOTATION: ','.join(pending)}}}}


class FilterModule(object):
    def filters(self):
        return {'user_keys_plan': user_keys_plan, 'user_keys_write_ahead': user_keys_write_ahead}
