#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: litellm_models
short_description: Manage many model deployments on a LiteLLM proxy in one task
version_added: 1.1.0
description:
  - Creates, updates and deletes many model deployments at once, for example the models of a workshop. Each
    entry of O(models) takes the options of M(rhpds.litemaas.litellm_model) and is compared exactly as that
    module compares one deployment (only the keys you set, write-only credentials through their digest,
    several deployments per O(models[].model_name) told apart by O(models[].model_id)); only what differs is
    written.
  - Reads every deployment with one request, writes at most O(parallel) changes at a time, then re-reads the
    list until the proxy shows every change.
  - With O(purge_selector), every deployment the task writes carries the tag O(purge_selector.tag) in its
    C(model_info) (under C(rhpds_litemaas_tag)). With O(purge=true), database deployments with that tag that
    O(models) does not list are deleted. Deployments without the tag, and those from the proxy's config file,
    are never touched.
  - When some entries fail, the others are still written; the task then fails and names each failed entry
    with what LiteLLM said.
  - The proxy must run with C(STORE_MODEL_IN_DB=True).
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
options:
  models:
    description:
      - The deployments, each with the options of M(rhpds.litemaas.litellm_model).
      - An empty list together with O(purge=true) deletes every deployment that carries the tag.
    type: list
    elements: dict
    required: true
    suboptions:
      model_name:
        description: Public model name; required when O(models[].state=present). Must not contain C(/).
        type: str
      model_id:
        description:
          - Stable identifier of the deployment. Required to tell apart several deployments of one name.
          - When omitted, an existing deployment is found by O(models[].model_name).
        type: str
      state:
        description: Whether the deployment should exist.
        type: str
        choices: [present, absent]
        default: present
      litellm_params:
        description: How LiteLLM reaches the model; see M(rhpds.litemaas.litellm_model).
        type: dict
        suboptions:
          model:
            description: Provider and model, V(<provider>/<model>).
            type: str
          api_key:
            description: Provider API key. Write-only.
            type: str
          api_base:
            description: Endpoint URL.
            type: str
          api_version:
            description: API version (C(azure)).
            type: str
          rpm:
            description: Requests per minute.
            type: int
          tpm:
            description: Tokens per minute.
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
            description: Custom price per input token (USD).
            type: float
          output_cost_per_token:
            description: Custom price per output token (USD).
            type: float
          aws_access_key_id:
            description: AWS access key id (C(bedrock)). Write-only.
            type: str
          aws_secret_access_key:
            description: AWS secret access key (C(bedrock)). Write-only.
            type: str
          aws_session_token:
            description: AWS session token (C(bedrock)). Write-only.
            type: str
          aws_region_name:
            description: AWS region (C(bedrock)).
            type: str
          vertex_project:
            description: Google Cloud project (C(vertex_ai)).
            type: str
          vertex_location:
            description: Google Cloud region (C(vertex_ai)).
            type: str
          vertex_credentials:
            description: Service account JSON (C(vertex_ai)). Write-only.
            type: str
          extra:
            description: Any other provider parameter that is not a credential.
            type: dict
          extra_secrets:
            description: Other write-only provider parameters.
            type: dict
      model_info:
        description:
          - Extra model information; only the keys given are compared.
          - C(max_tokens) and the C(supports_*) capabilities are what the LiteMaaS User Portal shows; see
            M(rhpds.litemaas.litellm_model).
        type: dict
  purge:
    description:
      - Delete the database deployments that carry O(purge_selector.tag) and that O(models) does not list.
      - A deployment an entry that failed could mean (its O(models[].model_id), else every deployment of its
        O(models[].model_name)) is never purged; the task warns that it kept it. Purge runs only after a complete
        read of LiteLLM's deployments.
    type: bool
    default: false
  purge_selector:
    description: Which deployments this task manages, for O(purge). Required when O(purge=true).
    type: dict
    suboptions:
      tag:
        description:
          - Tag written into the C(model_info) of every deployment of O(models) (key C(rhpds_litemaas_tag)),
            for example V(workshop-<guid>). At least two characters.
        type: str
        required: true
  update_secrets:
    description: V(always) or V(on_create), as for M(rhpds.litemaas.litellm_model).
    type: str
    choices: [always, on_create]
    default: always
  parallel:
    description: How many writes are sent at a time (1 sends them one after the other).
    type: int
    default: 4
  consistency_timeout:
    description:
      - Seconds to wait for the proxy to show every change after the writes.
      - With several LiteLLM replicas the others take up to their reload interval (30 s) to show it, hence the
        default.
    type: int
    default: 90
  repair_duplicates:
    description:
      - When an entry's O(models[].model_name) (without O(models[].model_id)) matches several database
        deployments, keep one and delete the others instead of failing that entry; see
        M(rhpds.litemaas.litellm_model).
    type: bool
    default: false
extends_documentation_fragment:
  - rhpds.litemaas.litellm
  - rhpds.litemaas.litellm.attributes
notes:
  - With C(--diff), each created, changed or deleted deployment is shown on its own.
seealso:
  - module: rhpds.litemaas.litellm_model
  - module: rhpds.litemaas.litellm_model_info
  - module: rhpds.litemaas.litellm_keys
'''

EXAMPLES = r'''
- name: The models of a workshop, all served by one OpenShift AI endpoint
  rhpds.litemaas.litellm_models:
    api_url: https://litellm-rhpds.apps.cluster.example.com
    master_key: "{{ litellm_master_key }}"
    models:
      - model_name: granite-3-8b
        litellm_params:
          model: openai/granite-3-8b-instruct
          api_base: https://granite-inference.apps.cluster.example.com/v1
          api_key: "{{ rhoai_token }}"
        model_info:
          mode: chat
      - model_name: mistral-7b
        litellm_params:
          model: openai/mistral-7b-instruct
          api_base: https://mistral-inference.apps.cluster.example.com/v1
          api_key: "{{ rhoai_token }}"
    purge: true
    purge_selector:
      tag: workshop-wksp1

- name: Show what a change would do, deployment by deployment
  rhpds.litemaas.litellm_models:
    models:
      - model_name: granite-3-8b
        litellm_params:
          model: openai/granite-3-8b-instruct
          api_base: https://granite-inference.apps.cluster.example.com/v1
          rpm: 120
    purge_selector:
      tag: workshop-wksp1
  check_mode: true
  diff: true
'''

RETURN = r'''
models:
  description:
    - One entry per deployment of O(models), in their order, then one per deployment deleted by O(purge).
    - Each holds the deployment as the proxy shows it after the task (predicted in check mode), with the
      fields M(rhpds.litemaas.litellm_model) returns in RV(rhpds.litemaas.litellm_model#module:model), plus
      RV(models[].action). Its C(model_info) holds only the keys the entry sets, C(id), C(db_model) and the tag,
      not the cost-map data LiteLLM adds on read. Write-only parameters are never returned.
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
    action:
      description: V(created), V(updated), V(deleted), V(unchanged) or V(failed).
      type: str
    msg:
      description: What went wrong, for V(failed) entries.
      type: str
counts:
  description: How many deployments were created, updated, deleted, left unchanged and failed.
  returned: always
  type: dict
  sample: {created: 2, updated: 0, deleted: 1, unchanged: 97, failed: 0}
failures:
  description: The entries that failed, with LiteLLM's answer.
  returned: when some entries failed
  type: list
  elements: dict
'''

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMError, LiteLLMModule, run_parallel
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import (
    MODEL_OPTIONS, MODEL_REQUIRED_IF, MODEL_REQUIRED_ONE_OF, TAG_KEY, ModelStore, apply_model_change, converge,
    deletion, desired_state, env_reference_errors, not_served_yet_warning, plan_entry, refused_rows, secret_digests,
    select_current)

DONE = {'create': 'created', 'update': 'updated', 'delete': 'deleted', 'none': 'unchanged'}


def input_errors(p, tag):
    """Every problem with the input, before anything is read or written; also the desired state per entry."""
    errors, desired, hidden = [], [], []
    ids, names = {}, {}
    for index, spec in enumerate(p['models']):
        wanted, problems = desired_state(spec, 'models[%d].' % index, tag=tag)
        hidden.extend(wanted['hidden'])
        desired.append(wanted)
        errors += problems
        if spec['model_id']:
            if spec['model_id'] in ids:
                errors.append('models[%d].model_id %s is already used by models[%d]' % (index, spec['model_id'], ids[spec['model_id']]))
            ids.setdefault(spec['model_id'], index)
        elif spec['model_name']:
            if spec['model_name'] in names:
                errors.append('models[%d].model_name %s is already used by models[%d] without a model_id; give each '
                              'deployment of one name its own model_id' % (index, spec['model_name'], names[spec['model_name']]))
            names.setdefault(spec['model_name'], index)
    if tag is not None and len(tag.strip()) < 2:
        errors.append('purge_selector.tag must be at least two characters, got %r' % tag)
    if p['parallel'] < 1:
        errors.append('parallel must be at least 1, got %d' % p['parallel'])
    return errors, desired, hidden


def shown_model(deployment, change, action):
    """What models shows for one deployment: as read (or predicted), with only the model_info keys the entry
    manages (LiteLLM adds its whole cost-map entry on read), and the action."""
    shown = dict(deployment or {'model_id': change.model_id}, action=action)
    if 'model_info' in shown:
        managed = set((change.desired or {}).get('model_info') or ()) | set(['id', 'db_model', TAG_KEY])
        shown['model_info'] = dict((k, v) for k, v in shown['model_info'].items() if k in managed)
    return shown


def failure(change_or_spec, error, current=None):
    name = (current or {}).get('model_name') or change_or_spec.get('model_name')
    model_id = (current or {}).get('model_id') or change_or_spec.get('model_id')
    entry = dict(current or {}, model_id=model_id, model_name=name, action='failed', msg=error.describe())
    return entry, {'model_id': model_id, 'model_name': name, 'msg': error.describe(), 'status': error.status}


def label(change):
    model = change.current or change.predicted or {}
    return 'model %s (%s)' % (model.get('model_name'), change.model_id)


def main():
    module = LiteLLMModule(
        argument_spec=dict(
            models=dict(type='list', elements='dict', required=True, options=MODEL_OPTIONS,
                        required_if=MODEL_REQUIRED_IF, required_one_of=MODEL_REQUIRED_ONE_OF),
            purge=dict(type='bool', default=False),
            purge_selector=dict(type='dict', options=dict(tag=dict(type='str', required=True))),
            update_secrets=dict(type='str', default='always', choices=['always', 'on_create'], no_log=False),
            parallel=dict(type='int', default=4),
            consistency_timeout=dict(type='int', default=90),
            repair_duplicates=dict(type='bool', default=False),
        ),
        required_if=[('purge', True, ('purge_selector',))],
    )
    p = module.params
    tag = (p['purge_selector'] or {}).get('tag')
    errors, desired, hidden = input_errors(p, tag)
    module.no_log_values.update(hidden)
    if errors:
        module.fail_json(msg='; '.join(errors), errors=errors)
    store = ModelStore(module.client, consistency_timeout=p['consistency_timeout'])
    try:
        errors = [e for index, wanted in enumerate(desired)
                  for e in env_reference_errors(module.client, wanted, 'models[%d].' % index)]
        if errors:
            module.fail_json(msg='; '.join(errors), errors=errors)
        deployments = store.list()
    except LiteLLMError as e:
        module.fail_api(e)

    selected = []
    # A deployment an entry names by model_id is that entry's: an entry by name never selects it, nor repairs it away.
    claimed = set(spec['model_id'] for spec in p['models'] if spec['model_id'])
    for spec in p['models']:
        candidates = deployments if spec['model_id'] else [d for d in deployments if d['model_id'] not in claimed]
        try:
            selected.append(select_current(spec, candidates, repair=p['repair_duplicates']))
        except LiteLLMError as e:
            selected.append(e)
    # What the router of the pod that answered does not serve, LiteLLM's database may still hold (see plan_entry).
    unseen = [index for index, selection in enumerate(selected)
              if not isinstance(selection, LiteLLMError) and selection[0] is None]
    stored_reads = dict(zip(unseen, run_parallel(
        [lambda spec=p['models'][index]: store.get_stored_for(spec) for index in unseen], p['parallel'])))

    entries, failures, changes, not_served_yet = [], [], [], []
    managed = {}
    # The deployments an entry that failed could mean: purge never deletes them (the entry declares the model).
    protected = set()
    for index, spec in enumerate(p['models']):
        try:
            if isinstance(selected[index], LiteLLMError):
                raise selected[index]
            current, duplicates = selected[index]
            stored, error = stored_reads.get(index, (None, None))
            if error is not None:
                raise error
            for duplicate in duplicates:
                entries.append(None)
                changes.append((len(entries) - 1, deletion(duplicate)))
                managed[duplicate['model_id']] = index
            if current is not None and current['model_id'] in managed:
                raise LiteLLMError('model_name %s selects deployment %s, which models[%d] manages already; give '
                                   'each entry its own model_id' % (spec['model_name'], current['model_id'],
                                                                    managed[current['model_id']]))
            digests = secret_digests(p['master_key'], desired[index]['secrets'])
            change, not_served = plan_entry(spec, desired[index], current, stored, digests, p['update_secrets'])
            if not_served:
                not_served_yet.append((len(changes), index, current, stored, digests))
        except LiteLLMError as e:
            entry, failed = failure(spec, e)
            entries.append(entry)
            failures.append(failed)
            protected.update(d['model_id'] for d in deployments if d['model_id'] == spec['model_id']
                             or (not spec['model_id'] and d['model_name'] == spec['model_name']))
            continue
        if change.current is not None:
            managed[change.current['model_id']] = index
        entries.append(None)
        changes.append((len(entries) - 1, change))
    # A row still served by no pod after a reload is refused by the router: it is created again (replaced).
    refused = refused_rows(store, [stored for dummy, dummy, dummy, stored, dummy in not_served_yet])
    for position, index, current, stored, digests in not_served_yet:
        if stored['model_id'] in refused:
            changes[position] = (changes[position][0], plan_entry(
                p['models'][index], desired[index], current, stored, digests, p['update_secrets'], refused=True)[0])
    waiting = [stored for dummy, dummy, dummy, stored, dummy in not_served_yet if stored['model_id'] not in refused]
    if waiting:
        module.warn(not_served_yet_warning(waiting))
    if p['purge']:
        wanted_ids = set(spec['model_id'] for spec in p['models'] if spec['model_id'])
        kept = []
        for deployment in sorted(deployments, key=lambda d: (d['model_name'] or '', d['model_id'] or '')):
            if (deployment['origin'] == 'database' and deployment['model_info'].get(TAG_KEY) == tag
                    and deployment['model_id'] not in managed and deployment['model_id'] not in wanted_ids):
                if deployment['model_id'] in protected:
                    kept.append('%s (%s)' % (deployment['model_name'], deployment['model_id']))
                    continue
                entries.append(None)
                changes.append((len(entries) - 1, deletion(deployment)))
        if kept:
            module.warn('purge kept %s: an entry that failed declares them' % ', '.join(kept))

    writes = [(index, change) for index, change in changes if change.action != 'none']
    for index, change in changes:
        if change.action == 'none':
            entries[index] = shown_model(change.predicted, change, 'unchanged')
    if module.check_mode:
        for index, change in writes:
            predicted = change.predicted or {'model_id': change.model_id, 'model_name': change.current['model_name']}
            entries[index] = shown_model(predicted, change, DONE[change.action])
    elif writes:
        outcomes = run_parallel([lambda change=change: apply_model_change(store, change) for index, change in writes],
                                p['parallel'])
        sent = [(index, change) for (index, change), (dummy, error) in zip(writes, outcomes) if error is None]
        for (index, change), (dummy, error) in zip(writes, outcomes):
            if error is not None:
                entries[index], failed = failure({'model_id': change.model_id}, error, change.current or change.predicted)
                failures.append(failed)
        try:
            seen, pending, warnings = converge(store, [change for index, change in sent])
        except LiteLLMError as e:
            seen, pending, warnings = {}, dict((change.model_id, e.describe()) for index, change in sent), []
        for warning in warnings:
            module.warn(warning)
        for index, change in sent:
            if change.model_id in pending:
                error = LiteLLMError(pending[change.model_id])
                entries[index], failed = failure({'model_id': change.model_id}, error, change.current or change.predicted)
                failures.append(failed)
            elif change.action == 'delete':
                entries[index] = {'model_id': change.model_id, 'model_name': change.current['model_name'],
                                  'action': 'deleted'}
            else:
                entries[index] = shown_model(seen[change.model_id], change, DONE[change.action])

    counts = dict((action, 0) for action in ('created', 'updated', 'deleted', 'unchanged', 'failed'))
    for entry in entries:
        counts[entry['action']] += 1
    diff = [dict(change.diff, before_header=label(change), after_header=label(change))
            for index, change in writes if entries[index]['action'] != 'failed']
    result = dict(changed=bool(diff), models=entries, counts=counts, diff=diff)
    if failures:
        module.fail_json(msg='%d of %d models failed: %s' % (len(failures), len(entries), '; '.join(
            '%s (%s): %s' % (f['model_name'], f['model_id'], f['msg']) for f in failures)), failures=failures, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
