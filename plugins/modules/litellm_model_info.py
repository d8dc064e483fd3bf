#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: litellm_model_info
short_description: List the model deployments of a LiteLLM proxy
version_added: 1.0.0
description:
  - Lists model deployments, the automated form of "Checking Model Status" in the LiteMaaS guide.
  - Shows where each deployment comes from (the proxy's config file or its database) and never returns
    credentials.
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
options:
  model_name:
    description: Only deployments with this public model name.
    type: str
  model_id:
    description: Only the deployment with this id.
    type: str
  origin:
    description: Only deployments from the config file (V(config)) or the database (V(database)).
    type: str
    choices: [all, config, database]
    default: all
extends_documentation_fragment:
  - rhpds.litemaas.litellm
  - rhpds.litemaas.litellm.info_attributes
seealso:
  - module: rhpds.litemaas.litellm_model
'''

EXAMPLES = r'''
- name: List every model
  rhpds.litemaas.litellm_model_info:
    api_url: https://litellm-rhpds.apps.cluster.example.com
    master_key: "{{ litellm_master_key }}"
  register: models

- name: Show model names and where they come from
  ansible.builtin.debug:
    msg: "{{ models.models | map(attribute='model_name') | zip(models.models | map(attribute='origin')) | list }}"

- name: The deployments behind one name
  rhpds.litemaas.litellm_model_info:
    model_name: azure-gpt-4
  register: azure
'''

RETURN = r'''
models:
  description: Matching deployments, sorted by model name and id.
  returned: always
  type: list
  elements: dict
  contains:
    model_id:
      description: The deployment's identifier.
      type: str
    model_name:
      description: Public model name.
      type: str
    origin:
      description: V(database) or V(config).
      type: str
    litellm_params:
      description: Readable LiteLLM parameters; credentials are never returned.
      type: dict
    model_info:
      description: Model information, including what LiteLLM adds from its cost map.
      type: dict
model_names:
  description: The distinct public model names among RV(models).
  returned: always
  type: list
  elements: str
  sample: [deepseek-chat, gpt-4o]
litellm_version:
  description:
    - The LiteLLM version the proxy answers with (C(/health/readiness), or C(/health/readiness/details) where only
      that one tells it), V(null) when it does not say. Compare it with the advisories in the collection's
      C(meta/litellm_advisories.yml), as C(playbooks/status.yml) does; managing a vulnerable proxy is not refused.
  returned: always
  type: str
  sample: 1.108.7
'''

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMError, LiteLLMModule, proxy_version
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import ModelStore


def main():
    module = LiteLLMModule(
        argument_spec=dict(
            model_name=dict(type='str'),
            model_id=dict(type='str'),
            origin=dict(type='str', default='all', choices=['all', 'config', 'database']),
        ),
    )
    p = module.params
    store = ModelStore(module.client)
    try:
        if p['model_id']:
            found = store.get(p['model_id'])
            models = [found] if found else []
        else:
            models = store.list()
    except LiteLLMError as e:
        module.fail_api(e)
    models = [m for m in models
              if (p['model_name'] is None or m['model_name'] == p['model_name'])
              and (p['origin'] == 'all' or m['origin'] == p['origin'])]
    models.sort(key=lambda m: (m['model_name'] or '', m['model_id'] or ''))
    module.exit_json(changed=False, models=models, model_names=sorted(set(m['model_name'] for m in models)),
                     litellm_version=proxy_version(module.client))


if __name__ == '__main__':
    main()
