#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: litellm_key_info
short_description: Show LiteLLM virtual keys with their spend, budget, expiry and status
version_added: 1.0.0
description:
  - Lists virtual keys, the automated form of "Monitoring User Usage" in the LiteMaaS guide.
  - Reads one page of up to 100 keys per request, however many keys the proxy has.
  - Never returns a key value, only its alias, abbreviated name and token (the sha256 of the value).
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
options:
  key_alias:
    description: Only the key with this alias.
    type: str
  user_id:
    description: Only keys of this user.
    type: str
  team_id:
    description: Only keys of this team.
    type: str
extends_documentation_fragment:
  - rhpds.litemaas.litellm
  - rhpds.litemaas.litellm.info_attributes
seealso:
  - module: rhpds.litemaas.litellm_key
'''

EXAMPLES = r'''
- name: Spend and budget of one key
  rhpds.litemaas.litellm_key_info:
    api_url: https://litellm-rhpds.apps.cluster.example.com
    master_key: "{{ litellm_master_key }}"
    key_alias: user-alice@example.com
  register: alice

- name: Every key of a user
  rhpds.litemaas.litellm_key_info:
    user_id: alice@example.com
  register: alice_keys

- name: Keys that are blocked or expired
  ansible.builtin.debug:
    msg: "{{ alice_keys.virtual_keys | selectattr('status', 'ne', 'active') | map(attribute='key_alias') | list }}"
'''

RETURN = r'''
virtual_keys:
  description: Matching keys, sorted by alias.
  returned: always
  type: list
  elements: dict
  contains:
    key_alias:
      description: The key's alias.
      type: str
    token:
      description: LiteLLM's id of the key (sha256 of its value).
      type: str
    key_name:
      description: Abbreviated key value, C(sk-...) plus the last four characters.
      type: str
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
    spend:
      description: Spend so far in USD.
      type: float
    max_budget:
      description: Budget in USD, null when unlimited.
      type: float
    budget_remaining:
      description: RV(virtual_keys[].max_budget) minus RV(virtual_keys[].spend), null when unlimited.
      type: float
    budget_duration:
      description: Budget reset period.
      type: str
    budget_reset_at:
      description: When the spent budget resets next.
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
      description: The key's metadata.
      type: dict
    blocked:
      description: Whether the key is blocked.
      type: bool
    expires:
      description: Expiry time (ISO 8601), null when the key never expires.
      type: str
    status:
      description: V(active), V(blocked) or V(expired).
      type: str
    created_at:
      description: Creation time.
      type: str
    last_active:
      description: Last time the key was used.
      type: str
litellm_version:
  description:
    - The LiteLLM version the proxy answers with (C(/health/readiness), or C(/health/readiness/details) where only
      that one tells it), V(null) when it does not say. Compare it with the advisories in the collection's
      C(meta/litellm_advisories.yml), as C(playbooks/status.yml) does; managing a vulnerable proxy is not refused.
  returned: always
  type: str
  sample: 1.108.7
'''

import datetime

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import UTC, LiteLLMError, LiteLLMModule, proxy_version
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_keys import KeyStore, with_status


def main():
    module = LiteLLMModule(
        argument_spec=dict(
            key_alias=dict(type='str', no_log=False),
            user_id=dict(type='str'),
            team_id=dict(type='str'),
        ),
    )
    p = module.params
    store = KeyStore(module.client)
    try:
        keys = store.list(key_alias=p['key_alias'], user_id=p['user_id'], team_id=p['team_id'])
    except LiteLLMError as e:
        module.fail_api(e)
    if p['key_alias']:
        keys = [k for k in keys if k['key_alias'] == p['key_alias']]
    now = datetime.datetime.now(UTC)
    keys = sorted((with_status(k, now) for k in keys), key=lambda k: (k['key_alias'] or '', k['token'] or ''))
    module.exit_json(changed=False, virtual_keys=keys, litellm_version=proxy_version(module.client))


if __name__ == '__main__':
    main()
