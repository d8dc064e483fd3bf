# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: a LiteLLM config.yaml model_list as entries of the rhpds.litemaas.litellm_models module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: litellm_model_specs
short_description: A LiteLLM config.yaml model list as entries of the litellm_models module
version_added: 1.1.0
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
description:
  - Turns each C({model_name, litellm_params, model_info}) entry of a LiteLLM C(config.yaml) C(model_list) (the
    C(litemaas_litellm_models) variable of the C(rhpds.litemaas.litemaas) role) into the options of one
    deployment of M(rhpds.litemaas.litellm_models).
  - Parameters without an option of their own go to C(litellm_params.extra), or to C(litellm_params.extra_secrets)
    when LiteLLM treats them, or something inside them, as a credential. C(model_info.id) becomes C(model_id).
options:
  _input:
    description: A list of C({model_name, litellm_params, model_info}) entries.
    type: list
    elements: dict
    required: true
'''

EXAMPLES = r'''
- name: Create the inventory's models through the LiteLLM API
  rhpds.litemaas.litellm_models:
    models: "{{ litemaas_litellm_models | rhpds.litemaas.litellm_model_specs }}"
    purge: true
    purge_selector:
      tag: litemaas-rhpds
'''

RETURN = r'''
_value:
  description: One entry per model, with C(model_name), C(model_id), C(state), C(litellm_params) and C(model_info).
  type: list
  elements: dict
'''

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import spec_from_config_entry


def litellm_model_specs(models):
    if models is None:
        return []
    if not is_sequence(models) or isinstance(models, str) or not all(isinstance(m, dict) for m in models):
        raise AnsibleFilterError('litellm_model_specs expects a list of model_list entries (dicts)')
    return [spec_from_config_entry(entry) for entry in models]


class FilterModule(object):
    def filters(self):
        return {'litellm_model_specs': litellm_model_specs}
