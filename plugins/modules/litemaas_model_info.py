#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: litemaas_model_info
short_description: List the models the LiteMaaS User Portal shows its users
version_added: 1.1.0
description:
  - Reads the portal's model list (C(GET /api/v1/models), every page), what users can subscribe to. The list holds
    only models that are available. A model the backend has marked unavailable (deleted in LiteLLM at a sync) is
    not listed, and neither are models the backend never synced.
  - With O(names), a name the list does not hold is looked up on its own. A model the backend knows but has marked
    unavailable is returned with RV(models[].available=false); names the backend does not know at all are returned
    in RV(unknown).
  - The portal's view differs from LiteLLM's (M(rhpds.litemaas.litellm_model_info)). It shows only what the
    backend synced, and C(description) and C(restricted_access) exist only in LiteMaaS.
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
options:
  names:
    description:
      - Only the models with these ids. A model's id in LiteMaaS is its LiteLLM C(model_name).
      - When not set, every listed model is returned.
    type: list
    elements: str
    aliases: [name]
extends_documentation_fragment:
  - rhpds.litemaas.litemaas
  - rhpds.litemaas.litemaas.info_attributes
  - rhpds.litemaas.litemaas.action_group
seealso:
  - module: rhpds.litemaas.litemaas_model_sync
  - module: rhpds.litemaas.litellm_model_info
'''

EXAMPLES = r'''
- name: List what portal users can subscribe to
  rhpds.litemaas.litemaas_model_info:
    litemaas_url: https://litemaas-rhpds.apps.cluster.example.com
  register: portal

- name: Show each model with its context length and price
  ansible.builtin.debug:
    msg: "{{ item.id }}: {{ item.context_length }} tokens, {{ item.pricing or 'no price' }}"
  loop: "{{ portal.models }}"
  loop_control:
    label: "{{ item.id }}"

- name: Is granite-3-8b in the portal?
  rhpds.litemaas.litemaas_model_info:
    litemaas_url: https://litemaas-rhpds.apps.cluster.example.com
    names: [granite-3-8b]
  register: granite
'''

RETURN = r'''
models:
  description: The portal's models, sorted by id.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The model's id, its LiteLLM C(model_name).
      type: str
    name:
      description: The name the portal shows.
      type: str
    available:
      description:
        - V(true) for every listed model.
        - V(false) for a model looked up by O(names) that the backend has marked unavailable. Users cannot see
          it, and it has no subscriptions left.
      type: bool
    provider:
      description: The provider, from LiteLLM's C(custom_llm_provider) or the prefix of C(litellm_params.model).
      type: str
    description:
      description: The description set in LiteMaaS (never synced from LiteLLM).
      type: str
    capabilities:
      description: For example V(chat), V(embeddings), V(function_calling), V(vision).
      type: list
      elements: str
    context_length:
      description: From LiteLLM's C(model_info.max_tokens); V(0) when LiteLLM has none.
      type: int
    max_tokens:
      description: The same value as the backend keeps it, or V(null).
      type: int
    pricing:
      description:
        - Cost per token of input and output, as the backend gives them. LiteMaaS labels them C(per_1k_tokens),
          but they are LiteLLM's per-token costs, unchanged.
        - V(null) when the portal shows no price. With LiteLLM 1.106, costs reach the portal only from
          C(litellm_params.input_cost_per_token) and C(litellm_params.output_cost_per_token).
      type: dict
      contains:
        input_cost_per_token:
          description: Cost of one input token.
          type: float
        output_cost_per_token:
          description: Cost of one output token.
          type: float
    restricted_access:
      description: Whether subscriptions need an admin's approval (set in LiteMaaS only).
      type: bool
    backend_model_name:
      description: LiteLLM's C(litellm_params.model) without its provider prefix.
      type: str
    api_base:
      description: The model server's URL as LiteLLM has it. The public list shows it to anyone.
      type: str
    tpm:
      description: Tokens per minute limit from LiteLLM, if any.
      type: int
    rpm:
      description: Requests per minute limit from LiteLLM, if any.
      type: int
  sample:
    - id: portal-chat
      name: portal-chat
      available: true
      provider: openai
      description: ""
      capabilities: [chat, function_calling, vision]
      context_length: 16384
      max_tokens: 16384
      pricing: {input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
      restricted_access: false
      backend_model_name: fake-chat
      api_base: http://model-server.example.com/v1
      tpm: null
      rpm: null
model_names:
  description: The ids of the RV(models) users can see (RV(models[].available=true)).
  returned: always
  type: list
  elements: str
unknown:
  description: The O(names) the backend does not know at all (never synced).
  returned: always
  type: list
  elements: str
'''

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMError
from ansible_collections.rhpds.litemaas.plugins.module_utils.litemaas import LiteMaaSModule, visible_models


def main():
    module = LiteMaaSModule(
        argument_spec=dict(
            names=dict(type='list', elements='str', aliases=['name']),
        ),
    )
    try:
        models, unknown = visible_models(module.client, module.params['names'])
    except LiteLLMError as e:
        module.fail_api(e)
    module.exit_json(changed=False, models=models, unknown=unknown,
                     model_names=[m['id'] for m in models if m['available']])


if __name__ == '__main__':
    main()
