# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The LiteMaaS backend's model API: the models the User Portal shows, and the sync that fills that list from
LiteLLM. Every call goes through the shared client of module_utils/litellm.py.

Facts this relies on (recorded from the real backend, LiteMaaS main f6b748f with LiteLLM 1.106.12; the recordings
are in tests/data/litemaas-portal/):
- GET /api/v1/models is public and lists only the models whose availability is 'available', in pages
  (page, limit of at most 1000, pagination.totalPages). A model's id is its LiteLLM model_name.
- GET /api/v1/models/<id> answers 200 for a model the backend has marked unavailable as well (without saying
  so), and 404 for a model it never had.
- POST /api/v1/models/sync counts a model as updated on every sync when its capabilities are more than chat or
  embeddings, and unavailableModels counts every model missing from LiteLLM on each sync: what changed for users
  is found by comparing the list before and after.
- The /api/v1/admin/models routes are not used: with an admin API key they fail after their side effect
  (an audit insert with a non-UUID user id), and a retry duplicates the model in LiteLLM.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from urllib.parse import quote

from ansible.module_utils.basic import env_fallback

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMModule, same_value

MODELS_PATH = '/api/v1/models'
SYNC_PATH = '/api/v1/models/sync'
SYNC_STATS_PATH = '/api/v1/models/sync/stats'
PAGE_LIMIT = 1000  # the largest page the backend serves
SYNC_ANSWER_KEYS = ('success', 'totalModels', 'newModels', 'updatedModels', 'unavailableModels', 'errors',
                    'syncedAt')

# The portal's fields of a model, as this collection returns them, and where a list item has them.
# Timestamps and isActive are left out: updatedAt moves with every sync that rewrites a model.
VIEW_FIELDS = (
    ('name', 'name'), ('provider', 'provider'), ('description', 'description'), ('capabilities', 'capabilities'),
    ('context_length', 'contextLength'), ('max_tokens', 'maxTokens'), ('restricted_access', 'restrictedAccess'),
    ('backend_model_name', 'backendModelName'), ('api_base', 'apiBase'), ('tpm', 'tpm'), ('rpm', 'rpm'),
)


def litemaas_argument_spec():
    """Connection options of the LiteMaaS modules (documented in the rhpds.litemaas.litemaas doc fragment)."""
    return dict(
        litemaas_url=dict(type='str', required=True, fallback=(env_fallback, ['LITEMAAS_API_URL'])),
        admin_api_key=dict(type='str', no_log=True, fallback=(env_fallback, ['LITEMAAS_ADMIN_API_KEY'])),
        validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['LITEMAAS_VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['LITEMAAS_CA_PATH'])),
        timeout=dict(type='int', default=30),
        retries=dict(type='int', default=3),
    )


class LiteMaaSModule(LiteLLMModule):
    """A module of the rhpds.litemaas.litemaas group: the shared client, pointed at the LiteMaaS backend."""

    url_option = 'litemaas_url'
    token_option = 'admin_api_key'
    connection_spec = staticmethod(litemaas_argument_spec)


def portal_model(item, available=True):
    """One model of the portal as this collection returns it, from a list item or a detail answer."""
    view = dict(id=item.get('id'), available=available)
    for name, key in VIEW_FIELDS:
        view[name] = item.get(key)
    pricing = item.get('pricing') or {}
    costs = dict(input_cost_per_token=item.get('inputCostPerToken', pricing.get('input')),
                 output_cost_per_token=item.get('outputCostPerToken', pricing.get('output')))
    view['pricing'] = costs if any(value is not None for value in costs.values()) else None
    return view


def read_portal_models(client):
    """Every model the portal lists (all pages), keyed by id."""
    items = client.paginate(MODELS_PATH, 'data', page_size=PAGE_LIMIT, size_param='limit',
                            total_pages_at=('pagination', 'totalPages'))
    return dict((item['id'], portal_model(item)) for item in items)


def look_up_portal_model(client, model_id):
    """A model the list does not hold: the backend still knows it when it marked it unavailable (None: unknown)."""
    found = client.get('%s/%s' % (MODELS_PATH, quote(model_id, safe='')), absent_statuses=(404,))
    return portal_model(found, available=False) if found else None


def _comparable(view):
    return dict(view, capabilities=sorted(view.get('capabilities') or []))


def portal_changes(before, after):
    """What changed in the portal's list between two reads (dicts keyed by id): added and removed ids, and for
    each model in both whose fields differ, those fields before and after."""
    modified = {}
    for model_id in sorted(set(before) & set(after)):
        old, new = _comparable(before[model_id]), _comparable(after[model_id])
        fields = sorted(k for k in set(old) | set(new) if not same_value(old.get(k), new.get(k)))
        if fields:
            modified[model_id] = dict(before=dict((k, before[model_id].get(k)) for k in fields),
                                      after=dict((k, after[model_id].get(k)) for k in fields))
    return dict(added=sorted(set(after) - set(before)), removed=sorted(set(before) - set(after)), modified=modified)


def changes_diff(before, after, changes):
    """The --diff of a sync: the models that were added, removed or modified, before and after."""
    ids = set(changes['added']) | set(changes['removed']) | set(changes['modified'])
    return dict(before=dict((i, before[i]) for i in sorted(ids) if i in before),
                after=dict((i, after[i]) for i in sorted(ids) if i in after),
                before_header='LiteMaaS portal models', after_header='LiteMaaS portal models')


def sync_request_body(force_update, mark_unavailable):
    """The sync's body: only what differs from the backend's defaults (forceUpdate false, markUnavailable true)."""
    body = {}
    if force_update:
        body['forceUpdate'] = True
    if not mark_unavailable:
        body['markUnavailable'] = False
    return body


def sync_errors(answer):
    """Why a sync answer is a failure, or [] when it succeeded."""
    if not isinstance(answer, dict):
        return ['the backend answered %r instead of a sync result' % (answer,)]
    errors = [str(e) for e in answer.get('errors') or []]
    if answer.get('success') is not True and not errors:
        errors = ['the backend reported success=%r without errors' % (answer.get('success'),)]
    return errors


def sync_portal(client, force_update=False, mark_unavailable=True):
    """Run one sync and compare the portal's list before and after. Returns the sync module's result (with a diff
    only when the list changed) and the sync's errors ([] on success)."""
    before = read_portal_models(client)
    answer = client.post(SYNC_PATH, sync_request_body(force_update, mark_unavailable), idempotent=True)
    after = read_portal_models(client)
    changes = portal_changes(before, after)
    changed = bool(changes['added'] or changes['removed'] or changes['modified'])
    result = dict(changed=changed, models=sorted(after.values(), key=lambda m: m['id']), **changes)
    if isinstance(answer, dict):
        result['sync'] = dict((k, answer.get(k)) for k in SYNC_ANSWER_KEYS)
    if changed:
        result['diff'] = changes_diff(before, after, changes)
    return result, sync_errors(answer)


def visible_models(client, names=None):
    """The portal's view for litemaas_model_info: every listed model, or only those with these ids, each name the
    list does not hold looked up on its own. Returns (models sorted by id, names the backend does not know)."""
    listed = read_portal_models(client)
    if names is None:
        return sorted(listed.values(), key=lambda m: m['id']), []
    models, unknown = [], []
    for name in sorted(set(names)):
        found = listed.get(name) or look_up_portal_model(client, name)
        if found:
            models.append(found)
        else:
            unknown.append(name)
    return models, unknown


NOT_VISIBLE_REASONS = dict(
    config_file='defined in LiteLLM\'s config file (ConfigMap litellm-config), not in its database: LiteMaaS 0.4 '
                'lists only models in LiteLLM\'s database (LiteLLM_ProxyModelTable) when LITELLM_DATABASE_URL is '
                'set, as the litemaas role sets it; add the model through the API (playbooks/models.yml) instead',
    not_synced='in LiteLLM\'s database but not synced to the portal yet: run playbooks/models.yml or '
               'rhpds.litemaas.litemaas_model_sync; the backend syncs on its own at start-up, and every '
               'LITELLM_SYNC_INTERVAL minutes only when LITELLM_AUTO_SYNC is exactly "true"',
    unavailable='marked unavailable by the portal (it was missing from LiteLLM at an earlier sync): a sync makes it '
                'available again, and its users must subscribe again',
)


def not_visible_in_portal(litellm_models, portal_models):
    """The models LiteLLM serves that portal users cannot see, and why.

    litellm_models: the models of rhpds.litemaas.litellm_model_info (model_name, origin);
    portal_models: the models of rhpds.litemaas.litemaas_model_info for those names (id, available).
    Returns [{model_name, cause, reason}] sorted by name; cause is config_file, not_synced or unavailable.
    """
    origins = {}
    for deployment in litellm_models:
        origins.setdefault(deployment['model_name'], set()).add(deployment.get('origin'))
    portal = dict((m['id'], m) for m in portal_models)
    hidden = []
    for name in sorted(origins):
        known = portal.get(name)
        if known and known.get('available'):
            continue
        if 'database' not in origins[name]:
            cause = 'config_file'
        elif known:
            cause = 'unavailable'
        else:
            cause = 'not_synced'
        hidden.append(dict(model_name=name, cause=cause, reason=NOT_VISIBLE_REASONS[cause]))
    return hidden
