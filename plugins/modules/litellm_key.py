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
  - The key is identified by O(key_alias). LiteLLM checks that aliases are unique in its code, not in its
    database, so two runs creating one alias at the same time can both succeed; right after a create the module
    reads the alias again, and when another key has it too the oldest stays and this run deletes its own (and
    warns that the other run holds the value).
  - The key value is made by the module (C(sk-) and 16 random bytes, as LiteLLM makes them) unless given, so it
    is known even when the answer to the create is lost, and a resent create cannot make a second key. A proxy
    with C(disable_custom_api_keys) makes its own values instead.
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
      - Sent in the form every supported LiteLLM resets on correctly - V(1h), V(24h), V(7d) and V(30d) for the
        names, weeks in days (LiteLLM 1.81 resets V(2w) and every name but V(daily) at the next midnight).
        Months other than V(1mo) are refused (LiteLLM's budget reset job fails on them).
    type: str
  duration:
    description:
      - How long the key is valid, counted from its creation, V(<number>s|m|h|d|w|mo) (for example V(30d)),
        or V(never).
      - The expiry LiteLLM shows is compared with creation time + O(duration), so reruns never extend a key;
        changing O(duration) moves the expiry to creation time + the new duration. When that time has passed,
        the key is expired once and then left alone. Expiry within a tenth of the lifetime (at most 5 minutes)
        counts as equal.
      - A rotated key gets the full O(duration) again from its own creation; without O(duration), it lives as
        long as the old key was meant to.
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
      - When an existing key has a different value, the key is rotated to this value (see O(key_mismatch)).
      - As the value is a C(no_log) option, Ansible masks it wherever it appears, also in RV(api_key).
    type: str
  key_mismatch:
    description:
      - What to do when the key exists and its value is not O(key).
      - V(rotate) replaces it by a key with the value O(key) (as O(regenerate) does).
      - V(keep) leaves it as it is; O(key) is then only the value a create uses. A caller that stores a value
        before creating the key (write-ahead, as the role C(rhpds.litemaas.litellm_user_keys) does) compares
        RV(key.token) with the value's sha256 to see whether the key is the one it stored.
    type: str
    choices: [rotate, keep]
    default: rotate
  regenerate:
    description:
      - Rotate the key now, even if nothing else changed; the task then always reports a change.
      - Works without a LiteLLM Enterprise licence; a new key with the same alias and settings replaces
        the old one, which is deleted. The new key's spend starts at zero (the old spend stays in the logs).
      - The old key is parked under C(<alias>--rotating) and the new key marked with its token until the old
        key is deleted. A run that stops half way never leaves two working keys nor none; the next run finishes
        the rotation (deletes the old key) or undoes it (gives the parked key its alias back) and says so in
        RV(rotation).
    type: bool
    default: false
  repair_duplicates:
    description:
      - When several keys share an alias (two runs created it at once with an older version, or it was made by
        hand), keep the oldest and delete the others instead of failing. Whoever holds the others' values loses
        access, so this is off by default.
    type: bool
    default: false
  validate_models:
    description:
      - Fail when O(models) names a model or access group the proxy does not have.
      - A name the answering LiteLLM pod does not serve also counts when LiteLLM's database holds a deployment of it
        created without a model_id (a replica that has not reloaded since another one created it).
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
    - Also returned when the task fails after the key was created (a later step, such as deleting the old key of
      a rotation, failed). The key works, and the next run finishes what is left.
  returned: when the key was created or rotated
  type: str
  sample: sk-Xq3b9Lw0hD2rC1VYt0x1Aa
rotation:
  description:
    - V(finished) when this run deleted the old key of a rotation an earlier run stopped half way (the new key was
      made), V(undone) when it gave a parked old key its alias back (the new key was never made).
  returned: when a stopped rotation was repaired
  type: str
  sample: finished
duplicates_deleted:
  description: Abbreviated values of the keys deleted by O(repair_duplicates).
  returned: when duplicates were deleted
  type: list
  elements: str
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

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import UTC, LiteLLMError, LiteLLMModule
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_keys import (
    KEY_OPTIONS, LOST_TO_ANOTHER_RUN, PARKING_SUFFIX, KeyStore, apply_key_change, plan_key, reference_errors,
    settle_existing, settled_key, validate_key)


def main():
    module = LiteLLMModule(argument_spec=dict(KEY_OPTIONS, validate_models=dict(type='bool', default=True),
                                              repair_duplicates=dict(type='bool', default=False)))
    p = module.params
    errors = validate_key(p)
    if errors:
        module.fail_json(msg='; '.join(errors), errors=errors)
    store = KeyStore(module.client)
    now = datetime.datetime.now(UTC)
    alias = p['key_alias']
    try:
        keys = store.aliased(alias)
        # A rotation stopped half way may have left the key parked; it is only looked for when the alias is free.
        parked = None if keys else store.find(alias + PARKING_SUFFIX)
        # Validation first: a task that fails it has written nothing, not even a repair.
        errors = reference_errors(store, [('', p, settled_key(keys, parked))], p['validate_models'])
        if errors:
            module.fail_json(msg='; '.join(errors), errors=errors)
        current, notes = settle_existing(store, alias, keys, parked, p['repair_duplicates'], module.check_mode)
        change = plan_key(p, current, now, token_taken=lambda token: bool(store.list(token=token)))
        if change.action == 'none':
            module.exit_json(changed=bool(notes), key=current, **notes)
        if module.check_mode:
            module.exit_json(changed=True, key=change.predicted(), diff=change.diff, **notes)
        outcome = apply_key_change(store, change, now)
    except LiteLLMError as e:
        module.fail_api(e)
    result = dict(changed=True, key=outcome['key'], diff=change.diff, **notes)
    if change.action in ('create', 'rotate'):
        if outcome['note'] == LOST_TO_ANOTHER_RUN:
            module.warn('key %s: %s; this run keeps no key of its own' % (alias, LOST_TO_ANOTHER_RUN))
            result['changed'] = bool(notes)
            module.exit_json(**result)
        if outcome['value'] is None:
            module.fail_json(msg='key %s was created but the answer carrying its value was lost; rerun with '
                                 'regenerate=true to get a new value' % alias, **result)
        result['api_key'] = outcome['value']
    module.exit_json(**result)


if __name__ == '__main__':
    main()
