#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: litellm_model
short_description: Manage one model deployment on a LiteLLM proxy
version_added: 1.0.0
description:
  - Creates, updates or deletes one model deployment (one entry of LiteLLM's model list) through the
    LiteLLM management API, the automated form of "Admin UI, Add Model" in the LiteMaaS guide.
  - The deployment is identified by O(model_id) when given, else by O(model_name) when exactly one
    database deployment has that name. Several deployments may share one O(model_name) (LiteLLM load balances
    between them); give each its own O(model_id) to manage them side by side.
  - Only the parameters set in the task are compared with the proxy; runtime defaults and cost-map data
    that LiteLLM adds on read are never reported as drift.
  - Write-only parameters (O(litellm_params.api_key) and every other credential LiteLLM will not return)
    are compared through a keyed digest stored in the deployment's C(model_info) under
    C(rhpds_litemaas_secret_digest). The digest is an HMAC keyed with the master key, so it reveals nothing
    usable about the value. Rotating the master key makes the next run re-send the credentials once.
  - Deployments defined in the proxy's config file are reported in errors but never changed.
  - A deployment created without O(model_id) gets an id derived from O(model_name), so two runs creating the
    same model at once meet on the database's primary key instead of making two deployments.
  - V(os.environ/NAME) references are compared as written, like write-only values (LiteLLM 1.106 shows the
    resolved value on read). LiteLLM before 1.106 resolves them in credentials only, so there they are refused
    in other parameters.
  - A row LiteLLM stored but its router does not serve (refused parameters) is deleted again when this module
    made it, removed by O(state=absent), and replaced by a create with the same id.
  - Every C(litellm_params) change resends the boolean flags that are set (C(use_in_pass_through), ...), because
    LiteLLM writes their default with every such PATCH.
  - With several LiteLLM replicas, the module waits until the change shows in two reads in a row (the others
    reload every 30 s). LiteLLM before 1.106 never passes a change of only O(model_name) or O(model_info) to the
    other replicas; the module then waits for one read and warns that they need a restart. A replica that has
    not reloaded yet answers without a deployment another one just created; the module then compares with the
    database row (by O(model_id), or the id derived from O(model_name)) instead of creating it again, and warns
    when nothing needs to change.
  - The proxy must run with C(STORE_MODEL_IN_DB=True).
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
options:
  model_name:
    description:
      - Public model name that users and keys refer to, for example V(gpt-4o). Must not contain C(/).
      - Required when O(state=present).
    type: str
  model_id:
    description:
      - Stable identifier of this deployment (LiteLLM's C(model_info.id)), chosen by you.
      - When omitted, an existing deployment is found by O(model_name), and a new one gets an id derived from
        O(model_name) (a UUID version 5), so that two runs creating it at once make one deployment.
    type: str
  state:
    description: Whether the deployment should exist.
    type: str
    choices: [present, absent]
    default: present
  litellm_params:
    description:
      - How LiteLLM reaches the model. Mirrors C(litellm_params) of LiteLLM's config file.
      - Parameters not listed here go into O(litellm_params.extra), or O(litellm_params.extra_secrets) for
        credentials.
    type: dict
    suboptions:
      model:
        description:
          - Provider and model, V(<provider>/<model>), for example V(openai/gpt-4o), V(azure/gpt-4),
            V(ollama/llama3), V(deepseek/deepseek-chat), or V(openai/granite-7b-instruct) with O(litellm_params.api_base)
            for any OpenAI-compatible endpoint such as OpenShift AI. Required when O(state=present).
        type: str
      api_key:
        description:
          - Provider API key. Write-only; see O(update_secrets). May be an V(os.environ/NAME) reference
            resolved by the proxy.
        type: str
      api_base:
        description: Endpoint URL. Required for C(azure) and C(ollama), and for OpenAI-compatible servers.
        type: str
      api_version:
        description: API version, required for C(azure), for example V(2024-06-01).
        type: str
      rpm:
        description: Requests per minute this deployment may receive.
        type: int
      tpm:
        description: Tokens per minute this deployment may receive.
        type: int
      timeout:
        description: Seconds before a provider call times out.
        type: float
      stream_timeout:
        description: Seconds before a streaming provider call times out.
        type: float
      max_retries:
        description: Retries LiteLLM makes against the provider.
        type: int
      max_parallel_requests:
        description: Concurrent requests this deployment may receive.
        type: int
      organization:
        description: OpenAI organization id.
        type: str
      custom_llm_provider:
        description: Provider to use when the model string has no usable prefix.
        type: str
      input_cost_per_token:
        description: Custom price per input token (USD); LiteLLM's spend tracking and the LiteMaaS portal use it.
        type: float
      output_cost_per_token:
        description: Custom price per output token (USD); LiteLLM's spend tracking and the LiteMaaS portal use it.
        type: float
      aws_access_key_id:
        description: AWS access key id for C(bedrock). Write-only.
        type: str
      aws_secret_access_key:
        description: AWS secret access key for C(bedrock). Write-only.
        type: str
      aws_session_token:
        description: AWS session token for C(bedrock). Write-only.
        type: str
      aws_region_name:
        description: AWS region for C(bedrock), for example V(us-east-1).
        type: str
      vertex_project:
        description: Google Cloud project for C(vertex_ai).
        type: str
      vertex_location:
        description: Google Cloud region for C(vertex_ai).
        type: str
      vertex_credentials:
        description: Service account JSON (as a string) for C(vertex_ai). Write-only.
        type: str
      extra:
        description:
          - Any other provider parameter, passed as is. Names that LiteLLM treats as secret (containing
            C(key), C(token), C(secret), C(password), C(credential), C(auth), C(access), ...) are refused here,
            at any depth (LiteLLM masks them inside dicts too, for example C(extra_headers.Authorization)); put
            the parameter in O(litellm_params.extra_secrets). C(litellm_credential_name) is not a secret.
        type: dict
      extra_secrets:
        description: Other write-only provider parameters, such as C(client_secret) or C(azure_ad_token).
        type: dict
  model_info:
    description:
      - Extra model information stored with the deployment, for example C(mode), C(base_model),
        C(access_groups) or your own markers. Only the keys given are compared.
      - What the LiteMaaS User Portal shows of a model comes from here - C(max_tokens) (a whole number, shown as its
        context length) and the capabilities C(supports_vision), C(supports_function_calling),
        C(supports_parallel_function_calling), C(supports_tool_choice), C(supports_embeddings) (true or false) -
        and from the prices O(litellm_params.input_cost_per_token) and O(litellm_params.output_cost_per_token).
        These are checked before anything is written. Prices given here (C(*_cost_per_token)) are refused, because
        LiteLLM does not keep them in C(model_info) (1.106 drops them), so the portal would show none.
      - The portal's description and restricted access are set in LiteMaaS itself, not here.
      - C(id) is set through O(model_id).
    type: dict
  update_secrets:
    description:
      - V(always) compares write-only parameters through their digest and sends them when they differ (or
        when the deployment has no digest yet, for example because it was created in the Admin UI).
      - V(on_create) sends them only when the deployment is created and never reports them as changed.
    type: str
    choices: [always, on_create]
    default: always
  consistency_timeout:
    description:
      - Seconds to wait for the proxy to show a change after a write.
      - With several LiteLLM replicas the others take up to their reload interval (30 s) to show it, hence the
        default.
    type: int
    default: 90
  repair_duplicates:
    description:
      - When O(model_name) (without O(model_id)) matches several database deployments, keep one and delete the
        others instead of failing - the one whose id is the one this module gives a new deployment of that name,
        else the one with the smallest id. For duplicates left by concurrent runs of older versions.
    type: bool
    default: false
extends_documentation_fragment:
  - rhpds.litemaas.litellm
  - rhpds.litemaas.litellm.attributes
seealso:
  - module: rhpds.litemaas.litellm_model_info
  - name: LiteLLM model management
    description: LiteLLM's documentation of the model endpoints.
    link: https://docs.litellm.ai/docs/proxy/model_management
'''

EXAMPLES = r'''
- name: Add DeepSeek (guide scenario 1)
  rhpds.litemaas.litellm_model:
    api_url: https://litellm-rhpds.apps.cluster.example.com
    master_key: "{{ litellm_master_key }}"
    model_name: deepseek-chat
    litellm_params:
      model: deepseek/deepseek-chat
      api_key: "{{ deepseek_api_key }}"
    model_info:
      mode: chat

- name: Two Azure deployments behind one name, load balanced (guide scenario 4)
  rhpds.litemaas.litellm_model:
    model_name: azure-gpt-4
    model_id: "azure-gpt-4-{{ region }}"
    litellm_params:
      model: azure/gpt-4
      api_key: "{{ {'east': azure_east_key, 'west': azure_west_key}[region] }}"
      api_base: "https://{{ region }}-instance.openai.azure.com/"
      api_version: "2023-05-15"
      rpm: 60
  # Loop over names, not over dicts holding keys: Ansible prints loop items at -vvv.
  loop: [east, west]
  loop_control:
    loop_var: region

- name: OpenShift AI model served with an OpenAI-compatible endpoint (guide scenario 5)
  rhpds.litemaas.litellm_model:
    model_name: granite-7b
    litellm_params:
      model: openai/granite-7b-instruct
      api_base: https://granite-inference-route.apps.cluster.example.com/v1
      api_key: "{{ rhoai_token }}"

- name: Remove a deployment
  rhpds.litemaas.litellm_model:
    model_id: azure-gpt-4-west
    state: absent
'''

RETURN = r'''
duplicates_deleted:
  description: Ids of the deployments deleted by O(repair_duplicates).
  returned: when duplicates were deleted
  type: list
  elements: str
model:
  description:
    - The deployment as the proxy shows it after the task (the predicted state in check mode); absent after
      O(state=absent). Write-only parameters are never returned.
  returned: success
  type: dict
  contains:
    model_id:
      description: The deployment's identifier.
      type: str
      sample: azure-gpt-4-east
    model_name:
      description: Public model name.
      type: str
      sample: azure-gpt-4
    origin:
      description: V(database) for deployments managed through the API, V(config) for the proxy's config file.
      type: str
      sample: database
    litellm_params:
      description: Readable LiteLLM parameters (runtime defaults included).
      type: dict
      sample: {model: azure/gpt-4, api_base: "https://east-instance.openai.azure.com/", api_version: "2023-05-15"}
    model_info:
      description: Model information, including what LiteLLM adds from its cost map.
      type: dict
      sample: {id: azure-gpt-4-east, db_model: true, mode: chat}
'''

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMError, LiteLLMModule
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import (
    MODEL_OPTIONS, MODEL_REQUIRED_IF, MODEL_REQUIRED_ONE_OF, ModelStore, apply_model_change, converge, deletion,
    desired_state, env_reference_errors, not_served_yet_warning, plan_entry, refused_rows, secret_digests,
    select_current)


def main():
    module = LiteLLMModule(
        argument_spec=dict(
            MODEL_OPTIONS,
            update_secrets=dict(type='str', default='always', choices=['always', 'on_create'], no_log=False),
            consistency_timeout=dict(type='int', default=90),
            repair_duplicates=dict(type='bool', default=False),
        ),
        required_if=MODEL_REQUIRED_IF,
        required_one_of=MODEL_REQUIRED_ONE_OF,
    )
    p = module.params
    desired, errors = desired_state(p)
    module.no_log_values.update(desired['hidden'])
    if errors:
        module.fail_json(msg='; '.join(errors), errors=errors)

    store = ModelStore(module.client, consistency_timeout=p['consistency_timeout'])
    digests = secret_digests(p['master_key'], desired['secrets'])
    try:
        errors = env_reference_errors(module.client, desired)
        if errors:
            module.fail_json(msg='; '.join(errors), errors=errors)
        if p['model_id']:
            found = store.get(p['model_id'])
            current, duplicates = select_current(p, [found] if found else [])
        else:
            current, duplicates = select_current(p, store.list(), repair=p['repair_duplicates'])
        stored = store.get_stored_for(p) if current is None else None
        change, not_served = plan_entry(p, desired, current, stored, digests, p['update_secrets'])
        if not_served and refused_rows(store, [change.current]):
            change, not_served = plan_entry(p, desired, current, stored, digests, p['update_secrets'], refused=True)
        if not_served:
            module.warn(not_served_yet_warning([change.current]))
        repaired = dict(duplicates_deleted=[d['model_id'] for d in duplicates]) if duplicates else {}
        if change.action == 'none' and not duplicates:
            module.exit_json(changed=False, model=change.predicted)
        if module.check_mode:
            module.exit_json(changed=True, model=change.predicted, diff=change.diff, **repaired)
        changes = [deletion(d) for d in duplicates] + ([change] if change.action != 'none' else [])
        for each in changes:
            apply_model_change(store, each)
        seen, failed, warnings = converge(store, changes)
        for warning in warnings:
            module.warn(warning)
        if failed:
            raise LiteLLMError('; '.join(failed.values()))
    except LiteLLMError as e:
        module.fail_api(e)
    module.exit_json(changed=True, model=seen.get(change.model_id) if change.action != 'none' else change.predicted,
                     diff=change.diff, **repaired)


if __name__ == '__main__':
    main()
