# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: the models LiteLLM serves that LiteMaaS portal users cannot see, and why (module_utils/litemaas)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: portal_hidden_models
short_description: Models LiteLLM serves that the LiteMaaS User Portal does not show
version_added: 1.1.0
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
description:
  - Compares the models of a LiteLLM proxy with the models its LiteMaaS User Portal shows, and says for each model
    name that users cannot see why, the guide's "Users can't see new models".
  - V(config_file) - the model is only in LiteLLM's config file (ConfigMap C(litellm-config)). LiteMaaS 0.4 lists
    only models in LiteLLM's database when the backend has E(LITELLM_DATABASE_URL).
  - V(not_synced) - a database model the backend does not know yet.
  - V(unavailable) - a database model the backend has marked unavailable, because it was missing from LiteLLM at
    an earlier sync.
options:
  _input:
    description: The C(models) that M(rhpds.litemaas.litellm_model_info) returns.
    type: list
    elements: dict
    required: true
  portal_models:
    description:
      - The C(models) that M(rhpds.litemaas.litemaas_model_info) returns when run with its C(names) option set to
        LiteLLM's model names, so that unavailable models are among them.
    type: list
    elements: dict
    required: true
'''

EXAMPLES = r'''
- name: Say which models users cannot see, and why
  ansible.builtin.debug:
    msg: "{{ item.model_name }}: {{ item.reason }}"
  loop: "{{ litellm_models.models | rhpds.litemaas.portal_hidden_models(portal_models.models) }}"
  loop_control:
    label: "{{ item.model_name }}"
'''

RETURN = r'''
_value:
  description: One entry per model name users cannot see, sorted by name.
  type: list
  elements: dict
  contains:
    model_name:
      description: LiteLLM's model name, the portal's id.
      type: str
    cause:
      description: V(config_file), V(not_synced) or V(unavailable).
      type: str
    reason:
      description: The cause in words, with what to do about it.
      type: str
'''

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

from ansible_collections.rhpds.litemaas.plugins.module_utils.litemaas import not_visible_in_portal


def portal_hidden_models(litellm_models, portal_models):
    for name, value, key in (('the input', litellm_models, 'model_name'), ('portal_models', portal_models, 'id')):
        if not is_sequence(value) or not all(isinstance(m, dict) and key in m for m in value):
            raise AnsibleFilterError('portal_hidden_models: %s must be a list of models, each with %s' % (name, key))
    return not_visible_in_portal(litellm_models, portal_models)


class FilterModule(object):
    def filters(self):
        return {'portal_hidden_models': portal_hidden_models}
