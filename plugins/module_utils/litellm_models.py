# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LiteLLM model deployments: reading, normalising and comparing them, and the writes that change them.

Facts this relies on (checked against the real proxy in the integration tests):
- ``model_name`` is not unique; ``model_info.id`` is the identity and may be chosen by the client.
- Reads go through the router of the pod that answers, so writes are followed by a bounded re-read, and what that
  router does not serve is looked up in the database by id before it is created (a replica that has not reloaded).
- Reads never return ``api_key`` and mask any parameter whose name looks secret, so such parameters
  are compared through a keyed digest kept in ``model_info`` (see ``SECRET_DIGEST_KEY``).
- Reads add runtime defaults and the cost-map entry: only the keys the user set are compared.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import hmac
import json
import time
import uuid
from urllib.parse import quote

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMError, changed_entries
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_versions import capability_floor, format_version, has_capability
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_validation import (
    unknown_custom_provider, validate_deployment, validate_portal_model_info)

SECRET_DIGEST_KEY = 'rhpds_litemaas_secret_digest'
# model_info key that marks the deployments of one purge_selector tag (litellm_models).
TAG_KEY = 'rhpds_litemaas_tag'
RESERVED_MODEL_INFO = ('id', 'db_model', SECRET_DIGEST_KEY, TAG_KEY)
# model_info keys LiteLLM overwrites or derives whenever it loads a deployment (get_model_info_with_id,
# _populate_team_access_on_models), and the Enterprise team-model keys (team models are renamed internally).
LITELLM_OWNED_MODEL_INFO = ('blocked', 'created_at', 'updated_at', 'created_by', 'updated_by', 'access_via_team_ids',
                            'direct_access')
TEAM_MODEL_INFO = ('team_id', 'team_public_model_name')

READABLE_PARAMS = dict(
    model=dict(type='str'), api_base=dict(type='str'), api_version=dict(type='str'),
    rpm=dict(type='int'), tpm=dict(type='int'), timeout=dict(type='float'), stream_timeout=dict(type='float'),
    max_retries=dict(type='int'), max_parallel_requests=dict(type='int'), organization=dict(type='str'),
    custom_llm_provider=dict(type='str'), input_cost_per_token=dict(type='float', no_log=False),
    output_cost_per_token=dict(type='float', no_log=False), aws_region_name=dict(type='str'),
    vertex_project=dict(type='str'), vertex_location=dict(type='str'),
)
SECRET_PARAMS = dict(
    api_key=dict(type='str', no_log=True), aws_access_key_id=dict(type='str', no_log=True),
    aws_secret_access_key=dict(type='str', no_log=True), aws_session_token=dict(type='str', no_log=True),
    vertex_credentials=dict(type='str', no_log=True),
)
LITELLM_PARAMS_OPTIONS = dict(READABLE_PARAMS, extra=dict(type='dict'), extra_secrets=dict(type='dict', no_log=True),
                              **SECRET_PARAMS)

# The options of one deployment: litellm_model's own options, and those of each entry of litellm_models' models.
MODEL_OPTIONS = dict(
    model_name=dict(type='str'),
    model_id=dict(type='str'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    litellm_params=dict(type='dict', options=LITELLM_PARAMS_OPTIONS),
    model_info=dict(type='dict'),
)
MODEL_REQUIRED_IF = [('state', 'present', ('model_name', 'litellm_params'))]
MODEL_REQUIRED_ONE_OF = [('model_name', 'model_id')]

# Name segments LiteLLM's SensitiveDataMasker treats as secret (litellm_core_utils/sensitive_data_masker.py),
# plus the parameters it drops outright on read.
SENSITIVE_SEGMENTS = frozenset(['password', 'secret', 'key', 'token', 'auth', 'authorization', 'cookie',
                                'credential', 'credentials', 'access', 'private', 'certificate', 'fingerprint',
                                'tenancy'])
DROPPED_ON_READ = frozenset(['api_key', 'client_secret', 'vertex_credentials', 'vertex_ai_credentials',
                             'aws_access_key_id', 'aws_secret_access_key'])
# Names the masker leaves alone although a segment looks secret (its excluded_keys; the last two from 1.106 on).
SHOWN_ON_READ = frozenset(['litellm_credential_name', 'default_api_key_tpm_limit', 'default_api_key_rpm_limit'])
# A reference LiteLLM resolves from its own environment; 1.106 shows the resolved value on read, 1.81 the reference.
ENV_REFERENCE_PREFIX = 'os.environ/'
# Flags whose default (false) every litellm_params PATCH writes unless they are sent (updateLiteLLMParams).
PATCH_RESET_FLAGS = ('use_in_pass_through', 'use_litellm_proxy', 'merge_reasoning_content_in_choices',
                     'allow_client_keepalive_override')


def is_write_only(param_name):
    """True when LiteLLM never returns this litellm_params entry in clear."""
    if param_name in DROPPED_ON_READ:
        return True
    if param_name in SHOWN_ON_READ:
        return False
    segments = param_name.lower().replace('-', '_').split('_')
    if 'cost' in segments:
        return False
    return any(s in SENSITIVE_SEGMENTS for s in segments)


def nested_write_only(value, path):
    """The paths of the entries inside a dict or list value that LiteLLM masks on read (it masks at any depth)."""
    found = []
    if isinstance(value, dict):
        for name, inner in value.items():
            where = '%s.%s' % (path, name)
            found += [where] if is_write_only(str(name)) else nested_write_only(inner, where)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += nested_write_only(inner, '%s[%d]' % (path, index))
    return found


def strings_in(value):
    """Every string inside value, at any depth."""
    if isinstance(value, dict):
        return [t for v in value.values() for t in strings_in(v)]
    if isinstance(value, list):
        return [t for v in value for t in strings_in(v)]
    return [value] if isinstance(value, str) else []


def write_only_values(value):
    """The strings under the entries nested_write_only finds, to keep them out of every output."""
    if isinstance(value, dict):
        return [t for name, inner in value.items()
                for t in (strings_in(inner) if is_write_only(str(name)) else write_only_values(inner))]
    if isinstance(value, list):
        return [t for inner in value for t in write_only_values(inner)]
    return []


def without_write_only(value):
    """value with every entry LiteLLM masks removed, at any depth (a masked value still shows part of a secret)."""
    if isinstance(value, dict):
        return dict((k, without_write_only(v)) for k, v in value.items() if not is_write_only(str(k)))
    if isinstance(value, list):
        return [without_write_only(v) for v in value]
    return value


def is_env_reference(value):
    return isinstance(value, str) and value.startswith(ENV_REFERENCE_PREFIX)


def secret_digests(master_key, secrets):
    """Keyed digests of write-only values: equal inputs give equal digests, and without the master key
    a digest reveals nothing usable about the value."""
    digest_key = hashlib.sha256(('rhpds.litemaas/secret-digest/v1:' + master_key).encode('utf-8')).digest()
    result = {}
    for name, value in secrets.items():
        payload = ('%s\0%s' % (name, json.dumps(value, sort_keys=True))).encode('utf-8')
        result[name] = hmac.new(digest_key, payload, hashlib.sha256).hexdigest()[:40]
    return result


def deployment_from_api(raw):
    """One /model/info entry -> the shape this collection returns (never a secret)."""
    info = dict(raw.get('model_info') or {})
    params = raw.get('litellm_params') or {}
    return {
        'model_id': info.get('id'),
        'model_name': info.get('team_public_model_name') or raw.get('model_name'),
        'origin': 'database' if info.get('db_model') else 'config',
        'litellm_params': without_write_only(params),
        'model_info': dict((k, v) for k, v in info.items() if v is not None),
    }


class ModelStore(object):
    """Reads and writes of model deployments through one LiteLLMClient."""

    def __init__(self, client, consistency_timeout=90, sleep=time.sleep, clock=time.time):
        self.client = client
        self.ever_served = set()  # set by wait_for
        self.consistency_timeout = consistency_timeout
        self.sleep = sleep
        self.clock = clock

    def list(self):
        payload = self.client.get('/model/info') or {}
        deployments, ids = [], set()
        for item in payload.get('data') or []:
            deployment = deployment_from_api(item)
            # 1.106 adds a row for every model_group_alias, carrying the id of the deployment it points to.
            if deployment['model_id'] not in ids:
                ids.add(deployment['model_id'])
                deployments.append(deployment)
        return deployments

    def get(self, model_id):
        """The deployment as the router of the answering pod serves it, or None."""
        return self._one('/model/info', {'litellm_model_id': model_id}, model_id)

    def get_stored(self, model_id):
        """The deployment as LiteLLM's database holds it, also when no router serves it (/v2/model/info reads the
        database when the router lacks the id), or None."""
        return self._one('/v2/model/info', {'modelId': model_id}, model_id)

    def get_stored_for(self, spec):
        """get_stored of the id an entry's row has: its model_id, else the id a create without one gives its
        model_name (whether the row is the entry's: manages_row)."""
        return self.get_stored(spec['model_id'] or model_id_for(spec['model_name']))

    def _one(self, path, query, model_id):
        payload = self.client.get(path, query, absent_statuses=(400, 404))
        for item in (payload or {}).get('data') or []:
            deployment = deployment_from_api(item)
            if deployment['model_id'] == model_id:
                return deployment
        return None

    def wait_for(self, pending):
        """Re-read until every deployment shows its change in `reads` reads in a row (router reloads can regress,
        and with several replicas each read may come from another pod).

        pending: model_id -> (fields(deployment or None), what, reads): fields returns the names of the fields
        that do not show the wanted value yet, what names the write ('create', 'update', 'delete').
        One id is read by id, several through one list per round.
        Returns (model_id -> deployment or None as last read, model_id -> message for those still pending);
        self.ever_served then holds the ids some read found served.
        """
        deadline = self.clock() + self.consistency_timeout
        delay = 0.2
        streaks = dict((model_id, 0) for model_id in pending)
        seen, missing = {}, {}
        self.ever_served = set()
        waiting = list(pending)
        while waiting:
            if len(waiting) == 1:
                read = dict((model_id, self.get(model_id)) for model_id in waiting)
            else:
                listed = dict((d['model_id'], d) for d in self.list())
                read = dict((model_id, listed.get(model_id)) for model_id in waiting)
            seen.update(read)
            self.ever_served.update(model_id for model_id, deployment in read.items() if deployment is not None)
            for model_id in waiting:
                missing[model_id] = pending[model_id][0](read[model_id])
                streaks[model_id] = 0 if missing[model_id] else streaks[model_id] + 1
            waiting = [model_id for model_id in waiting if streaks[model_id] < pending[model_id][2]]
            if waiting and self.clock() >= deadline:
                return seen, dict((model_id, 'model %s: after the %s the proxy still does not show %s (waited %ss)'
                                   % (model_id, pending[model_id][1], ', '.join(missing[model_id]),
                                      self.consistency_timeout)) for model_id in waiting)
            if any(streaks[model_id] == 0 for model_id in waiting):  # a confirming read goes at once
                self.sleep(delay)
                delay = min(delay * 2, 2.0)
        return seen, {}

    def create(self, body, replace_unserved=True):
        model_id = body['model_info']['id']
        refused = []

        def landed(failure):
            # 1.106 stores the deployment, then answers 500 when its router refuses it: never resend that.
            if failure.status == 500 and 'saved to the database' in failure.message:
                refused.append(failure)
                raise failure
            return self.get(model_id)
        try:
            self.client.post('/model/new', body, landed=landed)
        except LiteLLMError as e:
            if refused:
                self.delete(model_id)
                raise LiteLLMError('model %s: LiteLLM stored the deployment but its router refuses to serve it (%s); '
                                   'it was deleted again, check litellm_params' % (model_id, e.message), status=e.status)
            if not replace_unserved or e.status is None or e.status < 500 or self.get(model_id) is not None \
                    or self.get_stored(model_id) is None:
                raise
            # The id is taken by a row no router serves (refused earlier, or stored by a run that stopped): replace it.
            self.delete(model_id)
            return self.create(body, replace_unserved=False)
        return model_id

    def patch(self, model_id, body):
        self.client.patch('/model/%s/update' % quote(model_id, safe=''), body)

    def delete(self, model_id):
        """Delete the deployment from the database; returns False when the database no longer had it."""
        try:
            return self.client.post('/model/delete', {'id': model_id}, idempotent=True, absent_statuses=(404,)) is not None
        except LiteLLMError as e:
            # LiteLLM answers 400 "Model with id=... not found in db" when a retried delete already landed.
            if not (e.status == 400 and 'not found' in e.message.lower()):
                raise
            return False


def model_id_for(model_name):
    """The id of a deployment created without a model_id: derived from its name, so that two runs creating the
    same model at once meet on the database's primary key instead of making two deployments."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, 'https://github.com/rhpds/rhpds.litemaas/model/' + model_name))


def pending_fields(desired, deployment, digests, update_secrets):
    """Names of the fields the deployment does not show as wanted yet (empty when it converged)."""
    if deployment is None:
        return ['the deployment']
    before = plan_update(desired, deployment, digests, update_secrets)[1]
    names = []
    for key, value in sorted(before.items()):
        if isinstance(value, dict):
            names.extend('%s.%s' % (key, sub) for sub in sorted(value))
        else:
            names.append(key)
    return names


def plan_update(desired, current, digests, update_secrets):
    """Compare what the user set with the deployment read back.

    desired: {'model_name', 'litellm_params' (readable values), 'secrets' (write-only values), 'model_info'}
    Returns (patch_body or None, diff_before, diff_after); diffs list only changed keys.
    """
    patch, before, after = {}, {}, {}
    if desired['model_name'] != current['model_name']:
        patch['model_name'] = desired['model_name']
        before['model_name'], after['model_name'] = current['model_name'], desired['model_name']

    params_patch, params_before = changed_entries(desired['litellm_params'], current['litellm_params'])
    params_after = dict(params_patch)
    info_patch, info_before = changed_entries(desired['model_info'], current['model_info'])
    info_after = dict(info_patch)

    if update_secrets == 'always' and desired['secrets']:
        stored = current['model_info'].get(SECRET_DIGEST_KEY) or {}
        stale = sorted(n for n in desired['secrets'] if stored.get(n) != digests[n])
        if stale:
            for name in stale:
                params_patch[name] = desired['secrets'][name]
                params_before[name] = '(write-only, unknown)' if name not in stored else '(write-only, differs)'
            params_after.update(shown(dict((name, desired['secrets'][name]) for name in stale), ', new value'))
            info_patch[SECRET_DIGEST_KEY] = dict(stored, **digests)

    if params_patch:
        # LiteLLM writes these flags' default (false) with every litellm_params PATCH: resend the ones set.
        flags = dict((name, True) for name in PATCH_RESET_FLAGS
                     if current['litellm_params'].get(name) is True and name not in params_patch)
        patch['litellm_params'] = dict(flags, **params_patch)
        before['litellm_params'], after['litellm_params'] = params_before, params_after
    if info_patch:
        patch['model_info'] = info_patch
        if info_after:  # the digest is bookkeeping, not shown
            before['model_info'], after['model_info'] = info_before, info_after
    return (patch or None), before, after


def desired_state(spec, prefix='', tag=None):
    """Split one deployment's options into readable values, write-only values and model_info, and check them.

    tag: the purge_selector tag that marks the deployment, if any. Returns (desired, messages), each message
    starting with prefix + the field name.
    """
    given = spec['litellm_params'] or {}
    readable = dict((k, given[k]) for k in READABLE_PARAMS if given.get(k) is not None)
    secrets = dict((k, given[k]) for k in SECRET_PARAMS if given.get(k) is not None)
    errors, hidden = [], []
    for name, value in (given.get('extra') or {}).items():
        masked = nested_write_only(value, 'litellm_params.extra.%s' % name)
        # A credential given where it is not expected is refused, and its value kept out of the failure as well.
        if name in SECRET_PARAMS or is_write_only(name):
            hidden.extend(strings_in(value))
        if name in READABLE_PARAMS or name in SECRET_PARAMS:
            errors.append('litellm_params.extra.%s is a regular option: set litellm_params.%s instead' % (name, name))
        elif is_write_only(name):
            errors.append('litellm_params.extra.%s is a credential that LiteLLM never returns: put it in '
                          'litellm_params.extra_secrets' % name)
        elif masked:
            hidden.extend(write_only_values(value))
            errors.append('%s is masked by LiteLLM on read, so it can never be compared: put %s in '
                          'litellm_params.extra_secrets' % (', '.join(masked), name))
        else:
            readable[name] = value
    # A reference is resolved by the proxy, and 1.106 shows the resolved value on read: compare it like a secret.
    for name in [n for n, v in readable.items() if is_env_reference(v)]:
        secrets[name] = readable.pop(name)
    for name, value in (given.get('extra_secrets') or {}).items():
        if name in READABLE_PARAMS or name in SECRET_PARAMS:
            errors.append('litellm_params.extra_secrets.%s is a regular option: set litellm_params.%s instead'
                          % (name, name))
        else:
            secrets[name] = value
    model_info = dict(spec['model_info'] or {})
    for name in sorted(model_info):
        if name == TAG_KEY:
            errors.append('model_info.%s is set through purge_selector.tag of rhpds.litemaas.litellm_models' % name)
        elif name in RESERVED_MODEL_INFO:
            errors.append('model_info.%s is managed by the module%s' % (name, ' (use model_id)' if name == 'id' else ''))
        elif name in LITELLM_OWNED_MODEL_INFO:
            errors.append('model_info.%s is set by LiteLLM itself whenever it loads the deployment, so it cannot be '
                          'managed here' % name)
        elif name in TEAM_MODEL_INFO:
            errors.append('model_info.%s makes a team model (LiteLLM Enterprise, renamed internally), which this '
                          'collection does not manage' % name)
        elif 'cost' in name.split('_'):
            errors.append('model_info.%s: LiteLLM does not keep prices sent in model_info (1.106 drops them), so '
                          'neither LiteLLM nor the LiteMaaS portal would use it: set litellm_params.%s instead'
                          % (name, name))
    errors += validate_portal_model_info(model_info)
    if tag is not None:
        model_info[TAG_KEY] = tag
    if spec['state'] == 'present':
        errors += validate_deployment(spec['model_name'], dict(readable, **secrets))
    # hidden: credentials given in a readable parameter, which the module must mask in its output
    desired = {'model_name': spec['model_name'], 'litellm_params': readable, 'secrets': secrets,
               'model_info': model_info, 'hidden': hidden}
    return desired, [prefix + e for e in errors]


def spec_from_config_entry(entry):
    """A config.yaml model_list entry ({model_name, litellm_params, model_info}) as the options of one deployment of
    litellm_model and litellm_models: a parameter without an option of its own goes to extra, or to extra_secrets
    when LiteLLM treats it (or something inside it) as a credential; model_info.id becomes model_id."""
    litellm_params, extra, extra_secrets = {}, {}, {}
    for name, value in (entry.get('litellm_params') or {}).items():
        if name in READABLE_PARAMS or name in SECRET_PARAMS:
            litellm_params[name] = value
        elif is_write_only(str(name)) or nested_write_only(value, name):
            extra_secrets[name] = value
        else:
            extra[name] = value
    if extra:
        litellm_params['extra'] = extra
    if extra_secrets:
        litellm_params['extra_secrets'] = extra_secrets
    model_info = dict(entry.get('model_info') or {})
    model_id = model_info.pop('id', None)
    spec = {'model_name': entry.get('model_name'), 'model_id': None if model_id is None else str(model_id),
            'state': 'present', 'litellm_params': litellm_params, 'model_info': model_info or None}
    return spec


def select_current(spec, deployments, repair=False):
    """The deployment one entry manages among deployments (as read: by model_id, else by model_name among the
    database deployments), or None. Raises LiteLLMError on ambiguity and for config-file deployments.

    repair: several database deployments of the name (made by two runs at once before ids came from names, or by
    hand) are not an error: the one with the id a create gives the name stays, else the one with the smallest id.
    Returns (deployment or None, the other deployments of the name, to delete)."""
    if spec['model_id']:
        current = next((d for d in deployments if d['model_id'] == spec['model_id']), None)
        if current and current['origin'] != 'database':
            raise LiteLLMError('model_id %s is defined in the proxy config file; it cannot be changed through '
                               'the API (edit the litellm-config ConfigMap instead)' % spec['model_id'], param='model_id')
        return current, []
    matches = [d for d in deployments if d['model_name'] == spec['model_name']]
    in_db = [d for d in matches if d['origin'] == 'database']
    duplicates = []
    if len(in_db) > 1:
        if not repair:
            raise LiteLLMError('model_name %s matches %d deployments (model_id %s); set model_id to choose one, or '
                               'repair_duplicates=true to keep one and delete the others'
                               % (spec['model_name'], len(in_db), ', '.join(sorted(d['model_id'] for d in in_db))),
                               param='model_name')
        own = model_id_for(spec['model_name'])
        keep = min(in_db, key=lambda d: (d['model_id'] != own, d['model_id']))
        duplicates = [d for d in in_db if d is not keep]
        in_db = [keep]
    if not in_db and matches:
        raise LiteLLMError('model_name %s is defined in the proxy config file; it cannot be changed through the '
                           'API (edit the litellm-config ConfigMap instead)' % spec['model_name'], param='model_name')
    return (in_db[0] if in_db else None), duplicates


def env_reference_errors(client, desired, prefix=''):
    """os.environ/ references in parameters that this proxy's LiteLLM would not resolve (one version read, only
    when there are such references)."""
    names = sorted(name for name, value in desired['secrets'].items() if is_env_reference(value) and not is_write_only(name))
    if not names:
        return []
    version = client.litellm_version()
    if has_capability(version, 'resolves_all_env_references'):
        return []
    shown_version = format_version(version) or 'of unknown version'
    minimum = capability_floor('resolves_all_env_references')
    return ['%slitellm_params.%s: LiteLLM %s resolves os.environ/ references in credentials only, and would send '
            'the reference itself; give the value, or upgrade to %s or later' % (prefix, name, shown_version, minimum)
            for name in names]


def shown(secrets, note=''):
    """How a diff shows write-only values: references as written, everything else not at all."""
    return dict((name, value if is_env_reference(value) else '(write-only%s)' % note) for name, value in secrets.items())


class ModelChange(object):
    """What one deployment's options ask of the proxy: an action (create, update, delete or none), the request
    body, the diff, the predicted result, and how to tell that the proxy shows it."""

    def __init__(self, action, model_id, current=None, body=None, before=None, after=None, predicted=None,
                 desired=None, digests=None, update_secrets=None):
        self.action = action
        self.model_id = model_id
        self.current = current
        self.body = body
        self.diff = {'before': before or {}, 'after': after or {}}
        self.predicted = predicted
        self.desired = desired
        self.digests = digests
        self.update_secrets = update_secrets

    def pending(self, deployment):
        """Names of what the deployment (as read, or None) does not show of this change yet."""
        if self.action == 'delete':
            return [] if deployment is None else ['its removal']
        return pending_fields(self.desired, deployment, self.digests, self.update_secrets)


def deletion(current):
    return ModelChange('delete', current['model_id'], current,
                       before={'model_id': current['model_id'], 'model_name': current['model_name']})


def plan_model(spec, desired, current, digests, update_secrets):
    """Compare one deployment's options (desired_state) with the deployment it manages (select_current)."""
    if spec['state'] == 'absent':
        return ModelChange('none', spec['model_id']) if current is None else deletion(current)
    if current is None:
        model_id = spec['model_id'] or model_id_for(desired['model_name'])
        model_info = dict(desired['model_info'], id=model_id)
        if digests:
            model_info[SECRET_DIGEST_KEY] = digests
        body = {'model_name': desired['model_name'],
                'litellm_params': dict(desired['litellm_params'], **desired['secrets']),
                'model_info': model_info}
        visible_info = dict((k, v) for k, v in model_info.items() if k != SECRET_DIGEST_KEY)
        after = {'model_id': model_id, 'model_name': desired['model_name'],
                 'litellm_params': dict(desired['litellm_params'], **shown(desired['secrets'])),
                 'model_info': visible_info}
        predicted = {'model_id': model_id, 'model_name': desired['model_name'], 'origin': 'database',
                     'litellm_params': desired['litellm_params'], 'model_info': visible_info}
        return ModelChange('create', model_id, body=body, after=after, predicted=predicted, desired=desired,
                           digests=digests, update_secrets=update_secrets)
    patch, before, after = plan_update(desired, current, digests, update_secrets)
    if patch is None:
        return ModelChange('none', current['model_id'], current, predicted=current, desired=desired)
    predicted = dict(current, model_name=desired['model_name'],
                     litellm_params=dict(current['litellm_params'], **desired['litellm_params']),
                     model_info=dict(current['model_info'], **desired['model_info']))
    return ModelChange('update', current['model_id'], current, body=patch, before=before, after=after,
                       predicted=predicted, desired=desired, digests=digests, update_secrets=update_secrets)


def converge(store, changes):
    """Wait until the proxy shows every change. Returns (model_id -> deployment or None as last read,
    model_id -> message for the changes that did not converge, warnings).

    - A created deployment that no read ever showed was refused by the router (LiteLLM 1.81 answers 200 and stores
      it anyway): it is deleted again and reported. One that some read showed is served by some pod (the last read
      may come from a replica that has not reloaded yet): it stays, and is reported as not converged (review-2 N6).
    - A deleted deployment that is still served at the end is deleted once more: when LiteLLM answers that the
      database no longer has it, the delete converged and a router serves a stale copy, which is reported as a
      warning. LiteLLM re-adds a deployment that a periodic reload (every 30 s) read just before the delete, and
      drops it at that pod's next reload; before 1.106 a reload drops nothing when the database holds no model at
      all, so deleting the last database model leaves it on every pod that did not handle the delete until it
      restarts.
    """
    reads = dict((change.model_id, 2) for change in changes)
    metadata_only = [c for c in changes if c.action == 'update' and 'litellm_params' not in c.body]
    if metadata_only and not has_capability(store.client.litellm_version(), 'propagates_metadata_changes'):
        # Before 1.106 a replica reloading from the database compares litellm_params only, so it never takes a
        # change of model_name or model_info alone: one read that shows it proves the write, the rest cannot.
        reads.update((c.model_id, 1) for c in metadata_only)
    seen, failed = store.wait_for(dict((c.model_id, (c.pending, c.action, reads[c.model_id])) for c in changes))
    warnings = ['model %s: with several LiteLLM replicas, LiteLLM before 1.106 shows a change of only model_name or '
                'model_info on the replica that made it, and on the others only after they restart (oc rollout '
                'restart deployment/litellm)' % c.model_id
                for c in changes if reads[c.model_id] == 1 and c.model_id not in failed]
    for change in changes:
        if change.model_id not in failed:
            continue
        if change.action == 'create' and change.model_id not in store.ever_served:
            if store.get_stored(change.model_id) is not None:
                store.delete(change.model_id)
                failed[change.model_id] = ('model %s: LiteLLM stored the deployment but never served it (waited %ss); '
                                           'it was deleted again, check litellm_params' % (change.model_id,
                                                                                           store.consistency_timeout))
        elif change.action == 'delete' and not store.delete(change.model_id):
            del failed[change.model_id]
            warnings.append(stale_delete_warning(store, change.model_id))
    return seen, failed, warnings


def stale_delete_warning(store, model_id):
    message = ('model %s is deleted from LiteLLM\'s database, but a LiteLLM pod still served it after %ss; a pod '
               'whose reload read the database just before the delete serves it until its next reload'
               % (model_id, store.consistency_timeout))
    if not has_capability(store.client.litellm_version(), 'drops_deleted_when_empty'):
        message += (', and when the database holds no other model LiteLLM before 1.106 keeps serving it on every '
                    'pod that did not handle the delete until the pod restarts (oc rollout restart deployment/litellm)')
    return message


def manages_row(spec, stored):
    """Whether the database row read by ModelStore.get_stored_for(spec) (or None) is the entry's: always when the entry
    gives a model_id, else when the row has the entry's model_name."""
    return stored is not None and bool(spec['model_id'] or stored['model_name'] == spec['model_name'])


# LiteLLM's routers reload from the database every 30 s: a database row that no read shows served for a little
# longer than that is refused by the router, whichever pod answers (review-2 N7).
RELOAD_WINDOW = 40


def refused_rows(store, rows):
    """Of database rows the answering pod does not serve (those plan_entry reports as not served yet), the ids that
    no read shows served within RELOAD_WINDOW seconds (at most the store's consistency_timeout)."""
    if not rows:
        return set()
    waiter = ModelStore(store.client, consistency_timeout=min(RELOAD_WINDOW, store.consistency_timeout),
                        sleep=store.sleep, clock=store.clock)
    dummy, pending = waiter.wait_for(dict((row['model_id'], (lambda d: [] if d else ['the deployment'], 'reload', 1))
                                          for row in rows))
    return set(pending)


def plan_entry(spec, desired, current, stored, digests, update_secrets, refused=False):
    """plan_model, also for an entry whose deployment the router of the pod that answered does not serve (current
    None) but LiteLLM's database holds (stored: ModelStore.get_stored_for(spec) then, else None):
    - state=absent deletes the row;
    - state=present compares with the row, unless the router refuses it (then the create replaces it): a replica
      takes what another one wrote only at its next reload from the database (every 30 s), and a create of the
      same id would fail. The router refuses a row whose provider it does not know, and one that refused_rows
      found never served (refused=True): never "not served yet" for ever (review-2 N7).
    Returns (change, True when the change is none although the answering pod does not serve the deployment)."""
    if current is None and manages_row(spec, stored):
        if spec['state'] == 'absent':
            return deletion(stored), False
        if unknown_custom_provider(stored['litellm_params']) is None and not refused:
            change = plan_model(spec, desired, dict(stored, origin='database'), digests, update_secrets)
            return change, change.action == 'none'
    return plan_model(spec, desired, current, digests, update_secrets), False


def not_served_yet_warning(deployments):
    """For the deployments plan_entry found as asked in the database but not served by the pod that answered."""
    return ('LiteLLM\'s database holds %s as asked, but the LiteLLM pod that answered does not serve %s yet (a '
            'replica or worker takes changes at its next reload from the database, every 30 s): %s'
            % ('this model' if len(deployments) == 1 else '%d models' % len(deployments),
               'it' if len(deployments) == 1 else 'them',
               ', '.join('%s (%s)' % (d['model_name'], d['model_id']) for d in deployments)))


def apply_model_change(store, change):
    """Send the write; the caller waits for the proxy to show it (converge)."""
    if change.action == 'create':
        store.create(change.body)
    elif change.action == 'update':
        store.patch(change.model_id, change.body)
    elif change.action == 'delete':
        store.delete(change.model_id)
