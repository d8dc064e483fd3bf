#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: litemaas_model_sync
short_description: Sync the LiteMaaS User Portal's model list from LiteLLM
version_added: 1.1.0
description:
  - Asks the LiteMaaS backend to read LiteLLM's models now (C(POST /api/v1/models/sync)), so that portal users see
    models added, changed or removed in LiteLLM. Without it they see them only after the backend's next sync of
    its own - at start-up, and every E(LITELLM_SYNC_INTERVAL) minutes (default 60) only when
    E(LITELLM_AUTO_SYNC) is exactly V(true).
  - Reports a change only when the portal's model list changed. It reads the list before and after the sync and
    compares them, because the backend's own counters report updated and unavailable models on every sync even
    when nothing changed.
  - A model deleted in LiteLLM becomes unavailable in the portal (O(mark_unavailable)). The backend keeps its
    record, deactivates its subscriptions and removes it from the portal's API keys; users must subscribe again
    if it comes back.
  - LiteMaaS 0.4 syncs only models in LiteLLM's database (added through the API) when the backend has
    E(LITELLM_DATABASE_URL), as the C(rhpds.litemaas.litemaas) role deploys it. Models from LiteLLM's config
    file never reach the portal.
  - Fails when the backend answers C(success=false) or reports errors, with those errors.
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
options:
  admin_api_key:
    required: true
  force_update:
    description: Rewrite every model from LiteLLM, also those the backend considers unchanged (C(forceUpdate)).
    type: bool
    default: false
  mark_unavailable:
    description:
      - Mark models that LiteLLM no longer has as unavailable (C(markUnavailable)), with the effects on
        subscriptions and portal API keys described above.
      - With V(false), such models stay listed.
    type: bool
    default: true
extends_documentation_fragment:
  - rhpds.litemaas.litemaas
  - rhpds.litemaas.litemaas.action_group
attributes:
  check_mode:
    description: Can run in check mode and return the change it would make without making it.
    support: partial
    details:
      - In check mode nothing is sent to the backend. The module reads the sync statistics
        (C(GET /api/v1/models/sync/stats)), which proves the URL and the key, and returns them.
      - It cannot tell what a sync would change, because the backend compares with LiteLLM itself, so it reports
        no change.
  diff_mode:
    description: Returns the portal models that were added, removed or changed, before and after.
    support: full
seealso:
  - module: rhpds.litemaas.litemaas_model_info
  - module: rhpds.litemaas.litellm_model
'''

EXAMPLES = r'''
- name: Add a model to LiteLLM
  rhpds.litemaas.litellm_model:
    api_url: https://litellm-rhpds.apps.cluster.example.com
    master_key: "{{ litellm_master_key }}"
    model_name: granite-3-8b
    litellm_params:
      model: openai/granite-3-8b-instruct
      api_base: https://granite.apps.cluster.example.com/v1

- name: Show it in the User Portal now
  rhpds.litemaas.litemaas_model_sync:
    litemaas_url: https://litemaas-rhpds.apps.cluster.example.com
    admin_api_key: "{{ litemaas_admin_api_key }}"
  register: portal_sync

- name: Say what users see now
  ansible.builtin.debug:
    msg: "New in the portal: {{ portal_sync.added }}; no longer listed: {{ portal_sync.removed }}"
'''

RETURN = r'''
sync:
  description: The backend's answer to the sync, as it gave it. Its counters are the backend's own
    (see the description); C(changed), RV(added), RV(removed) and RV(modified) say what users see.
  returned: when the sync ran
  type: dict
  contains:
    success:
      description: Whether the sync succeeded.
      type: bool
    totalModels:
      description: Models LiteLLM gave the backend.
      type: int
    newModels:
      description: Models the backend added.
      type: int
    updatedModels:
      description: Models the backend rewrote (also unchanged ones with several capabilities).
      type: int
    unavailableModels:
      description: The backend's models missing from LiteLLM (all of them on every sync, not only new ones).
      type: int
    errors:
      description: The backend's error messages.
      type: list
      elements: str
    syncedAt:
      description: When the sync ran (ISO 8601).
      type: str
  sample: {success: true, totalModels: 2, newModels: 0, updatedModels: 1, unavailableModels: 0, errors: [],
           syncedAt: "2026-12-01T19:04:14.217Z"}
added:
  description: Ids of the models the portal lists now and did not list before.
  returned: when the sync ran
  type: list
  elements: str
removed:
  description: Ids of the models the portal no longer lists (unavailable now).
  returned: when the sync ran
  type: list
  elements: str
modified:
  description: For each model listed before and after whose portal fields changed, those fields before and after.
  returned: when the sync ran
  type: dict
  sample: {portal-chat: {before: {context_length: 8192}, after: {context_length: 16384}}}
models:
  description: The portal's model list after the sync, as M(rhpds.litemaas.litemaas_model_info) returns it.
  returned: when the sync ran
  type: list
  elements: dict
stats:
  description: The backend's sync statistics (C(GET /api/v1/models/sync/stats)).
  returned: in check mode
  type: dict
  contains:
    totalModels:
      description: Models the backend has, available or not.
      type: int
    availableModels:
      description: Models the portal lists.
      type: int
    unavailableModels:
      description: Models the backend keeps as unavailable.
      type: int
    lastSyncAt:
      description: The newest change of any model in the backend (not the time of the last sync), in JavaScript's
        C(Date.toString()) form.
      type: str
'''

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMError
from ansible_collections.rhpds.litemaas.plugins.module_utils.litemaas import (SYNC_STATS_PATH, LiteMaaSModule,
                                                                              litemaas_argument_spec, sync_portal)


def main():
    module = LiteMaaSModule(
        argument_spec=dict(
            admin_api_key=dict(litemaas_argument_spec()['admin_api_key'], required=True),
            force_update=dict(type='bool', default=False),
            mark_unavailable=dict(type='bool', default=True),
        ),
    )
    client = module.client
    try:
        if module.check_mode:
            module.exit_json(changed=False, stats=client.get(SYNC_STATS_PATH),
                             msg='check mode: the sync was not run, and what it would change cannot be known '
                                 'without running it')
        result, errors = sync_portal(client, module.params['force_update'], module.params['mark_unavailable'])
    except LiteLLMError as e:
        module.fail_api(e)
    if not module._diff:
        result.pop('diff', None)
    if errors:
        module.fail_json(msg='LiteMaaS model sync failed: %s' % '; '.join(errors), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
