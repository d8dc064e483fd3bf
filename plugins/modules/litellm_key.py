#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: litellm_key
short_description: Manage one LiteLLM virtual key
version_added: 1.0.0
description:
  - Creates, updates, blocks, rotates or deletes one virtual key on a LiteLLM proxy, the automated form of
    "Creating Virtual Keys for Users" and "Revoking User Access" in the LiteMaaS guide.
  - The key is identified by O(key_alias), which LiteLLM keeps unique.
  - Only the options set in the task are compared with the key; spend and activity are never drift.
  - The key value (C(sk-...)) is returned once, in RV(api_key), when the key is created or rotated.
    LiteLLM cannot show it again, so store it right away (for example in a Kubernetes Secret) and register
    the result with C(no_log) when the output is shared.
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
options:
  key_alias:
    description: Unique name of the key, for example V(user-alice@example.com).
    type: str
    required: true
  state:
    description: Whether the key should exist. V(absent) deletes it for good; use O(blocked) to suspend it.
    type: str
    choices: [present, absent]
    default: present
  models:
    description:
      - Model names (or access groups) the key may call. An empty list means every model.
      - Each name must exist on the proxy unless O(validate_models=false).
    type: list
    elements: str
  user_id:
    description: LiteLLM user the key belongs to, for example the user's e-mail address.
    type: str
  team_id:
    description: LiteLLM team the key belongs to. The team must exist.
    type: str
  max_budget:
    description: Maximum spend in USD before the key stops working.
    type: float
  budget_duration:
    description:
      - How often the spent budget resets, V(<number>s|m|h|d|w|mo) or V(hourly), V(daily), V(weekly), V(monthly).
    type: str
  duration:
    description:
      - How long the key is valid, counted from its creation, V(<number>s|m|h|d|w|mo) (for example V(30d)),
        or V(never).
      - The expiry LiteLLM shows is compared with creation time + O(duration), so reruns never extend a key;
        changing O(duration) moves the expiry to creation time + the new duration.
    type: str
  rpm_limit:
    description: Requests per minute the key may make.
    type: int
  tpm_limit:
    description: Tokens per minute the key may use.
    type: int
  max_parallel_requests:
    description: Concurrent requests the key may make.
    type: int
  metadata:
    description:
      - Metadata to set on the key, for example C(user_email) and C(description).
      - Merged with the key's existing metadata; keys not given here are kept (LiteLLM itself would replace
        the whole metadata).
    type: dict
  blocked:
    description: V(true) blocks the key (requests with it get HTTP 401), V(false) unblocks it.
    type: bool
  key:
    description:
      - Use this value as the key instead of a generated one. Must start with C(sk-) and be at least 16
        characters long.
      - When an existing key has a different value, the key is rotated to this value.
    type: str
  regenerate:
    description:
      - Rotate the key now, even if nothing else changed; the task then always reports a change.
      - Works without a LiteLLM Enterprise licence; a new key with the same alias and settings replaces
        the old one, which is deleted. The new key's spend starts at zero (the old spend stays in the logs).
    type: bool
    default: false
  validate_models:
    description: Fail when O(models) names a model or access group the proxy does not have.
    type: bool
    default: true
extends_documentation_fragment:
  - rhpds.litemaas.litellm
  - rhpds.litemaas.litellm.attributes
seealso:
  - module: rhpds.litemaas.litellm_key_info
  - name: LiteLLM virtual keys
    description: LiteLLM's documentation of virtual keys.
    link: https://docs.litellm.ai/docs/proxy/virtual_keys
'''

EXAMPLES = r'''
- name: Create a key for a user (the guide's helper script, as a task)
  rhpds.litemaas.litellm_key:
    api_url: https://litellm-rhpds.apps.cluster.example.com
    master_key: "{{ litellm_master_key }}"
    key_alias: user-alice@example.com
    user_id: alice@example.com
    models: [deepseek-chat]
    max_budget: 100
    duration: 30d
    metadata:
      user_email: alice@example.com
      description: User access key
  register: alice_key
  no_log: true

- name: Block the key when the user leaves
  rhpds.litemaas.litellm_key:
    key_alias: user-alice@example.com
    blocked: true

- name: Rotate the key
  rhpds.litemaas.litellm_key:
    key_alias: user-alice@example.com
    regenerate: true
  register: rotated
  no_log: true

- name: Delete the key
  rhpds.litemaas.litellm_key:
    key_alias: user-alice@example.com
    state: absent
'''

RETURN = r'''
api_key:
  description:
    - The key value (C(sk-...)) users authenticate with.
    - Returned only when the key was created or rotated by this task, never in check mode, and never again.
  returned: when the key was created or rotated
  type: str
  sample: sk-Xq3b9Lw0hD2rC1VYt0x1Aa
key:
  description: The key as the proxy shows it after the task (predicted in check mode); absent after O(state=absent).
  returned: success
  type: dict
  contains:
    key_alias:
      description: The key's alias.
      type: str
      sample: user-alice@example.com
    token:
      description: LiteLLM's id of the key, the sha256 of its value. Use it with C(/key/info) instead of the value.
      type: str
    key_name:
      description: Abbreviated key value, C(sk-...) plus the last four characters.
      type: str
      sample: sk-...1Aa
    models:
      description: Models the key may call (empty means all).
      type: list
      elements: str
    user_id:
      description: Owning user.
      type: str
    team_id:
      description: Owning team.
      type: str
    max_budget:
      description: Budget in USD.
      type: float
    budget_duration:
      description: Budget reset period.
      type: str
    budget_reset_at:
      description: When the spent budget resets next.
      type: str
    spend:
      description: Spend so far in USD.
      type: float
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
      description: The key's metadata.
      type: dict
    blocked:
      description: Whether the key is blocked.
      type: bool
    expires:
      description: Expiry time (ISO 8601), null when the key never expires.
      type: str
    created_at:
      description: Creation time (ISO 8601).
      type: str
    last_active:
      description: Last time the key was used.
      type: str
'''

import datetime

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMError, LiteLLMModule
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_keys import (
    SCALAR_FIELDS, UTC, KeyStore, duration_until, hash_key, parse_time, plan_update, wanted_expiry)
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_validation import (
    BUDGET_DURATION_ALIASES, NEVER_EXPIRES, check_duration, check_non_negative)

OPTIONS_SENT_ON_CREATE = SCALAR_FIELDS + ('models', 'metadata')


def validate(p):
    errors = []
    if not p['key_alias'] or not p['key_alias'].strip():
        errors.append('key_alias must be a non-empty string')
    for name in ('max_budget', 'rpm_limit', 'tpm_limit', 'max_parallel_requests'):
        errors += check_non_negative(name, p[name])
    errors += check_duration('duration', p['duration'], allow_never=True)
    errors += check_duration('budget_duration', p['budget_duration'], aliases=BUDGET_DURATION_ALIASES)
    if p['key'] is not None and (not p['key'].startswith('sk-') or len(p['key']) < 16):
        errors.append("key must start with 'sk-' and be at least 16 characters long")
    if p['models'] is not None and any(not m or not m.strip() for m in p['models']):
        errors.append('models must not contain empty names')
    return errors


def desired_options(p):
    desired = dict((name, p[name]) for name in OPTIONS_SENT_ON_CREATE + ('duration',) if p[name] is not None)
    if 'duration' in desired and desired['duration'] in NEVER_EXPIRES:
        desired['duration'] = 'never'
    return desired


def check_references(module, store, current):
    """Fail before any write when the key would point at models or a team the proxy does not have."""
    p = module.params
    new_models = set(p['models'] or []) - set(current['models'] if current else [])
    if new_models and p['validate_models']:
        known = store.known_model_names()
        unknown = sorted(new_models - known)
        if unknown:
            module.fail_json(msg='models: %s not on this proxy (known: %s); add the model first or set '
                                 'validate_models=false' % (', '.join(unknown), ', '.join(sorted(known)) or 'none'))
    if p['team_id'] and (current is None or current['team_id'] != p['team_id']) and not store.team_exists(p['team_id']):
        module.fail_json(msg='team_id: team %s does not exist on this proxy' % p['team_id'])


def generate_body(desired, alias, now, current=None, key_value=None):
    """Body for /key/generate: the wanted options, and for a rotation the old key's settings under them."""
    body = {}
    if current is not None:
        body.update((name, current[name]) for name in OPTIONS_SENT_ON_CREATE if current[name] not in (None, {}, []))
    body.update((name, desired[name]) for name in OPTIONS_SENT_ON_CREATE if name in desired)
    if current is not None and 'metadata' in desired:
        body['metadata'] = dict(current['metadata'], **desired['metadata'])
    body['key_alias'] = alias
    if current is None:
        if desired.get('duration') not in (None, 'never'):
            body['duration'] = desired['duration']
    else:
        expiry = (wanted_expiry(current['created_at'], desired['duration']) if 'duration' in desired
                  else parse_time(current['expires']))
        if expiry is not None:
            body['duration'] = duration_until(expiry, now)
    if key_value is not None:
        body['key'] = key_value
    return body


def rotate(store, current, desired, key_value, now):
    """Replace the key by a new one with the same alias and settings, without LiteLLM Enterprise."""
    alias = current['key_alias']
    parking_alias = '%s--rotating-%s' % (alias, current['token'][:12])
    store.update(current['token'], {'key_alias': parking_alias})
    try:
        value = store.generate(generate_body(desired, alias, now, current=current, key_value=key_value))
    except LiteLLMError:
        store.update(current['token'], {'key_alias': alias})
        raise
    store.delete(current['token'])
    return value


def finish(module, store, alias, value, diff):
    """Exit after a create or rotation, returning the new key value once."""
    if value is None:
        module.fail_json(msg='key %s was created but the answer carrying its value was lost; rerun with '
                             'regenerate=true to get a new value' % alias)
    module.exit_json(changed=True, key=store.find(alias), api_key=value, diff=diff)


def main():
    module = LiteLLMModule(
        argument_spec=dict(
            key_alias=dict(type='str', required=True, no_log=False),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            models=dict(type='list', elements='str'),
            user_id=dict(type='str'),
            team_id=dict(type='str'),
            max_budget=dict(type='float'),
            budget_duration=dict(type='str'),
            duration=dict(type='str'),
            rpm_limit=dict(type='int'),
            tpm_limit=dict(type='int'),
            max_parallel_requests=dict(type='int'),
            metadata=dict(type='dict'),
            blocked=dict(type='bool'),
            key=dict(type='str', no_log=True),
            regenerate=dict(type='bool', default=False),
            validate_models=dict(type='bool', default=True),
        ),
    )
    p = module.params
    errors = validate(p)
    if errors:
        module.fail_json(msg='; '.join(errors), errors=errors)
    store = KeyStore(module.client)
    alias = p['key_alias']
    now = datetime.datetime.now(UTC)
    try:
        current = store.find(alias)
        if p['state'] == 'absent':
            if current is None:
                module.exit_json(changed=False, key=None)
            diff = {'before': {'key_alias': alias, 'key_name': current['key_name']}, 'after': {}}
            if not module.check_mode:
                store.delete(current['token'])
            module.exit_json(changed=True, key=None, diff=diff)

        desired = desired_options(p)
        check_references(module, store, current)

        if current is None:
            if p['key'] is not None and store.list(token=hash_key(p['key'])):
                module.fail_json(msg='key: this key value already belongs to another key alias')
            body = generate_body(desired, alias, now, key_value=p['key'])
            diff = {'before': {}, 'after': dict((k, v) for k, v in body.items() if k != 'key')}
            if module.check_mode:
                module.exit_json(changed=True, key=dict(diff['after']), diff=diff)
            value = store.generate(body)
            finish(module, store, alias, value, diff)

        rotation = p['regenerate'] or (p['key'] is not None and hash_key(p['key']) != current['token'])
        body, before, after = plan_update(desired, current, now)
        if rotation:
            before['key_name'], after['key_name'] = current['key_name'], '(new key)'
            diff = {'before': before, 'after': after}
            if module.check_mode:
                module.exit_json(changed=True, key=current, diff=diff)
            value = rotate(store, current, desired, p['key'], now)
            finish(module, store, alias, value, diff)
        if body is None:
            module.exit_json(changed=False, key=current)
        diff = {'before': before, 'after': after}
        if module.check_mode:
            predicted = dict(current, **dict((k, v) for k, v in after.items() if k in current and k != 'metadata'))
            if 'metadata' in body:
                predicted['metadata'] = body['metadata']
            module.exit_json(changed=True, key=predicted, diff=diff)
        store.update(current['token'], body)
        module.exit_json(changed=True, key=store.find(alias), diff=diff)
    except LiteLLMError as e:
        module.fail_api(e)


if __name__ == '__main__':
    main()
