#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: litellm_keys
short_description: Manage a fleet of LiteLLM virtual keys in one task
version_added: 1.1.0
description:
  - Creates, updates, rotates and deletes many virtual keys at once, for example one key per workshop
    attendee. Each entry of O(keys) takes the options of M(rhpds.litemaas.litellm_key) and is compared
    exactly as that module compares one key; only what differs is written.
  - Reads every key with one paged list (100 keys per request, O(parallel) pages at a time), never one request
    per key, and writes at most O(parallel) changes at a time. Keys are deleted 100 per request.
  - With O(purge=true), keys whose alias starts with O(purge_selector.key_alias_prefix) and that O(keys)
    does not list are deleted. Nothing else on the proxy is ever touched.
  - The value of each key created or rotated by this task is returned once, in RV(api_keys). LiteLLM cannot
    show it again, so store it right away (the role C(rhpds.litemaas.litellm_user_keys) keeps it in a
    Kubernetes Secret) and run the task with C(no_log).
  - When some entries fail, the others are still written; the task then fails, names each failed entry with
    what LiteLLM said, and still returns the values of the keys it created.
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
options:
  keys:
    description:
      - The keys, each with the options of M(rhpds.litemaas.litellm_key). Aliases must be unique.
      - An empty list together with O(purge=true) deletes every key the selector selects.
    type: list
    elements: dict
    required: true
    suboptions:
      key_alias:
        description: Unique name of the key (M(rhpds.litemaas.litellm_key)'s O(rhpds.litemaas.litellm_key#module:key_alias)).
        type: str
        required: true
      state:
        description: Whether the key should exist.
        type: str
        choices: [present, absent]
        default: present
      models:
        description: Model names (or access groups) the key may call; an empty list means every model.
        type: list
        elements: str
      user_id:
        description: LiteLLM user the key belongs to.
        type: str
      team_id:
        description: LiteLLM team the key belongs to. The team must exist.
        type: str
      max_budget:
        description: Maximum spend in USD.
        type: float
      budget_duration:
        description: How often the spent budget resets, V(<number>s|m|h|d|w|mo) or V(hourly), V(daily), V(weekly), V(monthly).
        type: str
      duration:
        description:
          - How long the key is valid, counted from its creation (V(30d), V(12h), ...), or V(never).
          - Reruns never extend a key; see M(rhpds.litemaas.litellm_key).
        type: str
      rpm_limit:
        description: Requests per minute.
        type: int
      tpm_limit:
        description: Tokens per minute.
        type: int
      max_parallel_requests:
        description: Concurrent requests.
        type: int
      metadata:
        description: Metadata merged into the key's metadata.
        type: dict
      blocked:
        description: V(true) blocks the key, V(false) unblocks it.
        type: bool
      key:
        description: Use this value (C(sk-...), at least 16 characters) as the key; a different existing value is rotated to it.
        type: str
      key_mismatch:
        description:
          - When the key exists with a value that is not O(keys[].key), V(rotate) rotates it to O(keys[].key) and
            V(keep) leaves it (O(keys[].key) is then only the value a create uses); see M(rhpds.litemaas.litellm_key).
        type: str
        choices: [rotate, keep]
        default: rotate
      regenerate:
        description: Rotate the key now (a new value with the same alias and settings).
        type: bool
        default: false
  purge:
    description:
      - Delete the keys selected by O(purge_selector) that O(keys) does not list.
    type: bool
    default: false
  purge_selector:
    description:
      - Which keys this task manages, for O(purge). Required when O(purge=true).
    type: dict
    suboptions:
      key_alias_prefix:
        description:
          - Keys whose alias starts with this prefix, for example the workshop's V(<guid>-). At least two
            characters.
        type: str
        required: true
  parallel:
    description: How many requests are sent at a time (1 sends them one after the other).
    type: int
    default: 4
  repair_duplicates:
    description:
      - When several keys share an alias (two runs created it at once with an older version, or it was made by
        hand), keep the oldest and delete the others instead of failing. Whoever holds the others' values loses
        access, so this is off by default.
    type: bool
    default: false
  validate_models:
    description:
      - Fail before writing anything when an entry names a model or access group the proxy does not have.
      - A name the answering LiteLLM pod does not serve also counts when LiteLLM's database holds a deployment of it
        created without a model_id (a replica that has not reloaded since another one created it).
    type: bool
    default: true
extends_documentation_fragment:
  - rhpds.litemaas.litellm
  - rhpds.litemaas.litellm.attributes
notes:
  - With C(--diff), each created, changed or deleted key is shown on its own, under its alias.
seealso:
  - module: rhpds.litemaas.litellm_key
  - module: rhpds.litemaas.litellm_key_info
  - module: rhpds.litemaas.litellm_models
'''

EXAMPLES = r'''
- name: One key per workshop attendee; keys of this workshop that are no longer listed are deleted
  rhpds.litemaas.litellm_keys:
    api_url: https://litellm-rhpds.apps.cluster.example.com
    master_key: "{{ litellm_master_key }}"
    keys:
      - key_alias: wksp1-user1
        user_id: user1
        models: [granite-3-8b]
        max_budget: 10
        duration: 2d
      - key_alias: wksp1-user2
        user_id: user2
        models: [granite-3-8b]
        max_budget: 10
        duration: 2d
    purge: true
    purge_selector:
      key_alias_prefix: wksp1-
  register: fleet
  no_log: true  # fleet.api_keys holds the values of the keys created now

- name: Keep the new values (here in a file; rhpds.litemaas.litellm_user_keys keeps them in a Secret)
  ansible.builtin.copy:
    dest: /tmp/wksp1-keys.json
    content: "{{ fleet.api_keys | to_json }}"
    mode: "0600"
  no_log: true
  when: fleet.api_keys | length > 0

- name: Tear the workshop down
  rhpds.litemaas.litellm_keys:
    keys: []
    purge: true
    purge_selector:
      key_alias_prefix: wksp1-
'''

RETURN = r'''
api_keys:
  description:
    - Alias -> value (C(sk-...)) of each key this task created or rotated, returned once. Never the value of
      any other key, never in check mode.
    - Also holds the value of a key whose entry failed after the key was created (a rotation whose old key could
      not be deleted). The key works, and the next run finishes what is left.
  returned: always
  type: dict
  sample: {wksp1-user1: sk-Xq3b9Lw0hD2rC1VYt0x1Aa}
virtual_keys:
  description:
    - One entry per key of O(keys), in their order, then one per key deleted by O(purge).
    - Each holds the key as the proxy shows it after the task (predicted in check mode), with the fields
      M(rhpds.litemaas.litellm_key) returns in RV(rhpds.litemaas.litellm_key#module:key), plus RV(virtual_keys[].action).
  returned: always
  type: list
  elements: dict
  contains:
    key_alias:
      description: The key's alias.
      type: str
    action:
      description: V(created), V(updated), V(rotated), V(deleted), V(unchanged) or V(failed).
      type: str
    token:
      description: LiteLLM's id of the key, the sha256 of its value.
      type: str
    key_name:
      description: Abbreviated key value.
      type: str
    expires:
      description: Expiry time (ISO 8601), null when the key never expires.
      type: str
    status:
      description:
        - V(active), V(blocked) or V(expired), as M(rhpds.litemaas.litellm_key_info) reports it. Not returned for
          deleted keys nor for keys predicted in check mode.
      type: str
    msg:
      description: What went wrong, for V(failed) entries.
      type: str
repaired:
  description:
    - Alias -> what was repaired before planning, as M(rhpds.litemaas.litellm_key) returns it (C(rotation),
      C(duplicates_deleted)).
  returned: when something was repaired
  type: dict
counts:
  description: How many keys were created, updated, rotated, deleted, left unchanged and failed.
  returned: always
  type: dict
  sample: {created: 48, updated: 2, rotated: 0, deleted: 1, unchanged: 450, failed: 0}
failures:
  description: The entries that failed, with LiteLLM's answer.
  returned: when some entries failed
  type: list
  elements: dict
  sample: [{key_alias: wksp1-user7, msg: "POST /key/generate returned HTTP 500: Internal Server Error", status: 500}]
'''

import datetime

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import UTC, LiteLLMError, LiteLLMModule, run_parallel
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_keys import (
    KEY_OPTIONS, LOST_TO_ANOTHER_RUN, PARKING_SUFFIX, KeyChange, KeyStore, apply_key_change, hash_key, oldest,
    plan_key, reference_errors, settle_existing, settled_key, validate_key, with_status)

DONE = {'create': 'created', 'update': 'updated', 'rotate': 'rotated', 'delete': 'deleted', 'none': 'unchanged'}


def input_errors(p):
    errors = []
    seen = {}
    for index, spec in enumerate(p['keys']):
        errors += validate_key(spec, 'keys[%d].' % index)
        alias = spec['key_alias']
        if alias in seen:
            errors.append('keys[%d].key_alias %s is already used by keys[%d]' % (index, alias, seen[alias]))
        seen.setdefault(alias, index)
    values = {}
    for index, spec in enumerate(p['keys']):
        if spec['key'] is not None:
            if hash_key(spec['key']) in values:
                errors.append('keys[%d].key is the same value as keys[%d].key' % (index, values[hash_key(spec['key'])]))
            values.setdefault(hash_key(spec['key']), index)
    prefix = (p['purge_selector'] or {}).get('key_alias_prefix')
    if p['purge_selector'] is not None and (not prefix or len(prefix.strip()) < 2):
        errors.append('purge_selector.key_alias_prefix must be at least two characters, got %r' % prefix)
    if p['parallel'] < 1:
        errors.append('parallel must be at least 1, got %d' % p['parallel'])
    return errors


def shown_key(key, alias, action, now):
    """What virtual_keys shows for one key: the key as read (with its status when that is known) and the action."""
    shown = dict(key or {}, key_alias=alias, action=action)
    if all(name in shown for name in ('blocked', 'expires', 'max_budget', 'spend')):
        shown = with_status(shown, now)
    return shown


def failure(alias, error, current, now):
    shown = dict(shown_key(current, alias, 'failed', now), msg=error.describe())
    return shown, {'key_alias': alias, 'msg': error.describe(), 'status': error.status}


class Fleet(object):
    """The result being built: one entry per key, the failures, the values of new keys, the notes of repairs."""

    def __init__(self, now):
        self.now = now
        self.entries, self.failures, self.api_keys, self.notes = [], [], {}, {}
        self.wrote = False

    def add(self):
        self.entries.append(None)
        return len(self.entries) - 1

    def show(self, index, key, alias, action):
        self.entries[index] = shown_key(key, alias, action, self.now)

    def fail(self, index, alias, error, key):
        self.entries[index], failed = failure(alias, error, key, self.now)
        self.failures.append(failed)

    def note(self, alias, notes):
        if notes:
            self.notes[alias] = notes
            self.wrote = True


def plan(module, store, fleet, listed):
    """The change of every entry (and of every stale key, with purge), after repairing what earlier runs left."""
    p = module.params
    by_alias = {}
    for key in listed:
        by_alias.setdefault(key['key_alias'], []).append(key)
    tokens = set(key['token'] for key in listed)

    def existing(alias):
        keys = by_alias.get(alias) or []
        return keys, None if keys else (by_alias.get(alias + PARKING_SUFFIX) or [None])[0]

    # Validation first: a task that fails it has written nothing, not even a repair.
    errors = reference_errors(store, [('keys[%d].' % i, spec, settled_key(*existing(spec['key_alias'])))
                                      for i, spec in enumerate(p['keys'])], p['validate_models'])
    if errors:
        module.fail_json(msg='; '.join(errors), errors=errors)
    changes, current = [], {}
    for spec in p['keys']:
        alias = spec['key_alias']
        index = fleet.add()
        keys, parked = existing(alias)
        try:
            current[alias], notes = settle_existing(store, alias, keys, parked, p['repair_duplicates'], module.check_mode)
            fleet.note(alias, notes)
        except LiteLLMError as e:
            fleet.fail(index, alias, e, keys[0] if keys else None)
            continue
        changes.append((index, spec))
    planned = []
    for index, spec in changes:
        alias = spec['key_alias']
        try:
            planned.append((index, plan_key(spec, current[alias], fleet.now, token_taken=tokens.__contains__)))
        except LiteLLMError as e:
            fleet.fail(index, alias, e, current[alias])
    if p['purge']:
        prefix = p['purge_selector']['key_alias_prefix']
        managed = set(spec['key_alias'] for spec in p['keys'])
        managed |= set(alias + PARKING_SUFFIX for alias in managed)
        for key in sorted(listed, key=lambda k: (k['key_alias'] or '', k['token'])):
            if (key['key_alias'] or '').startswith(prefix) and key['key_alias'] not in managed:
                planned.append((fleet.add(), KeyChange(key['key_alias'], 'delete', key, before={
                    'key_alias': key['key_alias'], 'key_name': key['key_name']})))
    return planned


def apply(module, store, fleet, writes):
    """Send the writes, at most `parallel` at a time (deletes batched), then settle the created keys together."""
    deletes = [(index, change) for index, change in writes if change.action == 'delete']
    others = [(index, change) for index, change in writes if change.action != 'delete']
    jobs = [lambda change=change: apply_key_change(store, change, fleet.now, settle=False) for index, change in others]
    if deletes:
        jobs.append(lambda: store.delete([change.current['token'] for index, change in deletes]))
    outcomes = run_parallel(jobs, module.params['parallel'])
    created = {}
    for (index, change), (outcome, error) in zip(others, outcomes):
        if error is not None:
            fleet.fail(index, change.alias, error, change.current)
            if getattr(error, 'key_value', None) is not None:
                fleet.wrote = True
                fleet.api_keys[change.alias] = error.key_value
            continue
        fleet.wrote = True
        fleet.show(index, outcome['key'], change.alias, DONE[change.action])
        if change.action not in ('create', 'rotate'):
            continue
        if outcome['note'] == LOST_TO_ANOTHER_RUN:
            fleet.show(index, outcome['key'], change.alias, 'unchanged')
            fleet.entries[index]['msg'] = LOST_TO_ANOTHER_RUN
        elif outcome['value'] is None:
            fleet.fail(index, change.alias, LiteLLMError(
                'key %s was created but the answer carrying its value was lost; give it regenerate=true to get a new '
                'value' % change.alias), outcome['key'])
        else:
            fleet.api_keys[change.alias] = outcome['value']
            if change.action == 'create':
                created[change.alias] = (index, outcome['key']['token'])
    delete_error = outcomes[-1][1] if deletes else None
    for index, change in deletes:
        if delete_error is not None:
            fleet.fail(index, change.alias, delete_error, change.current)
        else:
            fleet.wrote = True
            fleet.show(index, {'token': change.current['token'], 'key_name': change.current['key_name']},
                       change.alias, 'deleted')
    if created:
        settle(store, fleet, created)


def settle(store, fleet, created):
    """Another run may have created some of the same aliases at the same time (LiteLLM checks aliases in code, not
    in the database): one more read of every key; where an alias has several, the oldest stays, ours go."""
    by_alias = {}
    for key in store.list():
        if key['key_alias'] in created:
            by_alias.setdefault(key['key_alias'], []).append(key)
    lost = []
    for alias, (index, token) in created.items():
        keys = by_alias.get(alias) or []
        if len(keys) > 1 and oldest(keys)['token'] != token:
            lost.append(token)
            fleet.api_keys.pop(alias)
            fleet.show(index, oldest(keys), alias, 'unchanged')
            fleet.entries[index]['msg'] = LOST_TO_ANOTHER_RUN
    if lost:
        store.delete(lost)


def main():
    module = LiteLLMModule(
        argument_spec=dict(
            keys=dict(type='list', elements='dict', required=True, options=KEY_OPTIONS, no_log=False),
            purge=dict(type='bool', default=False),
            purge_selector=dict(type='dict', options=dict(key_alias_prefix=dict(type='str', required=True, no_log=False))),
            parallel=dict(type='int', default=4),
            validate_models=dict(type='bool', default=True),
            repair_duplicates=dict(type='bool', default=False),
        ),
        required_if=[('purge', True, ('purge_selector',))],
    )
    p = module.params
    errors = input_errors(p)
    if errors:
        module.fail_json(msg='; '.join(errors), errors=errors)
    store = KeyStore(module.client, workers=p['parallel'])
    fleet = Fleet(datetime.datetime.now(UTC))
    try:
        planned = plan(module, store, fleet, store.list())
    except LiteLLMError as e:
        module.fail_api(e)
    writes = [(index, change) for index, change in planned if change.action != 'none']
    for index, change in planned:
        if change.action == 'none':
            fleet.show(index, change.current, change.alias, 'unchanged')
    if module.check_mode:
        for index, change in writes:
            predicted = change.predicted() or {'token': change.current['token'], 'key_name': change.current['key_name']}
            fleet.show(index, predicted, change.alias, DONE[change.action])
        fleet.wrote = fleet.wrote or bool(writes)
    elif writes:
        try:
            apply(module, store, fleet, writes)
        except LiteLLMError as e:
            module.fail_api(e, **fleet_result(fleet, writes))
    result = fleet_result(fleet, writes)
    if fleet.failures:
        module.fail_json(msg='%d of %d keys failed: %s' % (len(fleet.failures), len(fleet.entries), '; '.join(
            '%s: %s' % (f['key_alias'], f['msg']) for f in fleet.failures)), failures=fleet.failures, **result)
    module.exit_json(**result)


def fleet_result(fleet, writes):
    counts = dict((action, 0) for action in ('created', 'updated', 'rotated', 'deleted', 'unchanged', 'failed'))
    for entry in fleet.entries:
        if entry is not None:
            counts[entry['action']] += 1
    diff = [dict(change.diff, before_header='key %s' % change.alias, after_header='key %s' % change.alias)
            for index, change in writes if (fleet.entries[index] or {}).get('action') not in (None, 'failed')]
    result = dict(changed=fleet.wrote, virtual_keys=[e for e in fleet.entries if e is not None],
                  api_keys=fleet.api_keys, counts=counts, diff=diff)
    if fleet.notes:
        result['repaired'] = fleet.notes
    return result


if __name__ == '__main__':
    main()
