# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: validate a LiteLLM model_list before anything is written (rules: module_utils/litellm_validation)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: litellm_model_errors
short_description: Problems in a LiteLLM model list
version_added: 1.0.0
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
description:
  - Checks every entry of a LiteLLM C(config.yaml) C(model_list) (the C(litemaas_litellm_models) variable of the
    C(rhpds.litemaas.litemaas) role) with the same rules as the C(rhpds.litemaas.litellm_model) module
    (provider prefix, required C(api_base)/C(api_version), C(model_name) without C(/), non-negative limits).
  - With O(storage=database), also the rules of creating the models through the API (what
    M(rhpds.litemaas.litellm_models) checks - credentials nested in readable parameters, C(model_info) keys LiteLLM
    owns or drops such as prices, the portal's C(max_tokens) and C(supports_*) fields).
  - Returns an empty list when the list is valid. Messages name the entry and the field, never an API key value.
options:
  _input:
    description: A list of C({model_name, litellm_params, model_info}) entries.
    type: list
    elements: dict
    required: true
  variable:
    description: The variable name the messages start with.
    type: str
    default: litemaas_litellm_models
  storage:
    description: Where the models will live, V(config) (C(config.yaml)) or V(database) (created through the API).
    type: str
    default: config
    choices: [config, database]
'''

EXAMPLES = r'''
- name: Fail early on a bad model list
  ansible.builtin.assert:
    that: litemaas_litellm_models | rhpds.litemaas.litellm_model_errors | length == 0
    fail_msg: "{{ litemaas_litellm_models | rhpds.litemaas.litellm_model_errors | join('; ') }}"
'''

RETURN = r'''
_value:
  description: One message per problem, each starting with C(litemaas_litellm_models[<index>]).
  type: list
  elements: str
'''

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import desired_state, spec_from_config_entry
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_validation import validate_deployment


def litellm_model_errors(models, variable='litemaas_litellm_models', storage='config'):
    if models is None:
        return []
    if not is_sequence(models) or isinstance(models, str):
        raise AnsibleFilterError('%s must be a list of model_list entries' % variable)
    errors = []
    for index, entry in enumerate(models):
        where = '%s[%d]' % (variable, index)
        if not isinstance(entry, dict):
            errors.append('%s must be a dict with model_name and litellm_params' % where)
            continue
        name = entry.get('model_name')
        if isinstance(name, str) and name:
            where = '%s (%s)' % (where, name)
        params = entry.get('litellm_params')
        if not isinstance(params, dict):
            errors.append('%s: litellm_params must be a dict with at least model' % where)
            continue
        if storage == 'database':
            errors.extend(desired_state(spec_from_config_entry(entry), '%s: ' % where)[1])
        else:
            errors.extend('%s: %s' % (where, message) for message in validate_deployment(name, params))
    return errors


class FilterModule(object):
    def filters(self):
        return {'litellm_model_errors': litellm_model_errors}
