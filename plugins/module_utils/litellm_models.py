# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LiteLLM model deployments: reading, normalising and comparing them, and the writes that change them.

Facts this relies on (checked against the real proxy in the integration tests):
- ``model_name`` is not unique; ``model_info.id`` is the identity and may be chosen by the client.
- Reads go through the router of the pod that answers, so writes are followed by a bounded re-read.
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

from ansible.module_utils.six.moves.urllib.parse import quote

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMError, changed_entries

SECRET_DIGEST_KEY = 'rhpds_litemaas_secret_digest'

# Name segments LiteLLM's SensitiveDataMasker treats as secret (litellm_core_utils/sensitive_data_masker.py),
# plus the parameters it drops outright on read.
SENSITIVE_SEGMENTS = frozenset(['password', 'secret', 'key', 'token', 'auth', 'authorization', 'cookie',
                                'credential', 'credentials', 'access', 'private', 'certificate', 'fingerprint',
                                'tenancy'])
DROPPED_ON_READ = frozenset(['api_key', 'client_secret', 'vertex_credentials', 'vertex_ai_credentials',
                             'aws_access_key_id', 'aws_secret_access_key'])


def is_write_only(param_name):
    """True when LiteLLM never returns this litellm_params entry in clear."""
    if param_name in DROPPED_ON_READ:
        return True
    segments = param_name.lower().replace('-', '_').split('_')
    if 'cost' in segments:
        return False
    return any(s in SENSITIVE_SEGMENTS for s in segments)


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
        'litellm_params': dict((k, v) for k, v in params.items() if not is_write_only(k)),
        'model_info': dict((k, v) for k, v in info.items() if v is not None),
    }


class ModelStore(object):
    """Reads and writes of model deployments through one LiteLLMClient."""

    def __init__(self, client, consistency_timeout=30, sleep=time.sleep, clock=time.time):
        self.client = client
        self.consistency_timeout = consistency_timeout
        self.sleep = sleep
        self.clock = clock

    def list(self):
        payload = self.client.get('/model/info') or {}
        return [deployment_from_api(item) for item in payload.get('data') or []]

    def get(self, model_id):
        payload = self.client.get('/model/info', {'litellm_model_id': model_id}, absent_statuses=(400, 404))
        for item in (payload or {}).get('data') or []:
            deployment = deployment_from_api(item)
            if deployment['model_id'] == model_id:
                return deployment
        return None

    def wait_until(self, model_id, pending, what):
        """Re-read until pending(deployment_or_None) lists nothing, twice in a row (router reloads can
        regress). pending returns the names of the fields that do not show the wanted value yet."""
        deadline = self.clock() + self.consistency_timeout
        delay = 0.2
        streak = 0
        while True:
            current = self.get(model_id)
            missing = pending(current)
            streak = 0 if missing else streak + 1
            if streak >= 2:
                return current
            if self.clock() >= deadline:
                raise LiteLLMError('model %s: after the %s the proxy still does not show %s (waited %ss)' %
                                   (model_id, what, ', '.join(missing), self.consistency_timeout))
            self.sleep(delay)
            delay = min(delay * 2, 2.0)

    def create(self, body):
        model_id = body['model_info']['id']
        self.client.post('/model/new', body, landed=lambda: self.get(model_id))
        return model_id

    def patch(self, model_id, body):
        self.client.patch('/model/%s/update' % quote(model_id, safe=''), body)

    def delete(self, model_id):
        try:
            self.client.post('/model/delete', {'id': model_id}, idempotent=True, absent_statuses=(404,))
        except LiteLLMError as e:
            # LiteLLM answers 400 "Model with id=... not found in db" when a retried delete already landed.
            if not (e.status == 400 and 'not found' in e.message.lower()):
                raise


def new_model_id():
    return str(uuid.uuid4())


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
                params_after[name] = '(write-only, new value)'
            info_patch[SECRET_DIGEST_KEY] = dict(stored, **digests)

    if params_patch:
        patch['litellm_params'] = params_patch
        before['litellm_params'], after['litellm_params'] = params_before, params_after
    if info_patch:
        patch['model_info'] = info_patch
        if info_after:  # the digest is bookkeeping, not shown
            before['model_info'], after['model_info'] = info_before, info_after
    return (patch or None), before, after
