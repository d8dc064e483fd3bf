# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LiteLLM virtual keys: reading, normalising and comparing them, and the writes that change them.

Facts this relies on (checked against the real proxy in the integration tests):
- ``key_alias`` is unique (enforced by the proxy), so it is the identity; the DB id is ``token``, the
  sha256 of the key. The plaintext key is shown once, by /key/generate, and never again.
- /key/update replaces ``metadata`` wholesale, so the module sends the merged metadata.
- Sending ``duration`` moves the expiry to now + duration, so it is sent only when the expiry is wrong;
  the wanted expiry is ``created_at + duration``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import calendar
import datetime
import hashlib
import re

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMError, changed_entries, same_value
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_validation import (
    BUDGET_DURATION_ALIASES, DURATION_RE, NEVER_EXPIRES, check_duration, check_non_negative)

# Expiry is set by the proxy while it handles the request; allow for that and for clock differences.
EXPIRY_TOLERANCE_SECONDS = 300
UTC = datetime.timezone.utc
# Keys deleted by one /key/delete request.
DELETE_BATCH = 100

# Fields compared one to one with the key as read back; the module option has the same name.
SCALAR_FIELDS = ('max_budget', 'budget_duration', 'user_id', 'team_id', 'rpm_limit', 'tpm_limit',
                 'max_parallel_requests', 'blocked')
OPTIONS_SENT_ON_CREATE = SCALAR_FIELDS + ('models', 'metadata')

# The options of one key: litellm_key's own options, and those of each entry of litellm_keys' keys.
KEY_OPTIONS = dict(
    key_alias=dict(type='str', required=True, no_log=False),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    models=dict(type='list', elements='str'),
    user_id=dict(type='str'),
    team_id=dict(type='str'),
    max_budget=dict(type='float'),
    budget_duration=dict(type='str'),
    duration=dict(type='str'),
    rpm_limit=dict(type='int'),
    tpm_limit=dict(type='int'),
    max_parallel_requests=dict(type='int'),
    metadata=dict(type='dict'),
    blocked=dict(type='bool'),
    key=dict(type='str', no_log=True),
    regenerate=dict(type='bool', default=False),
)


def hash_key(plaintext):
    """LiteLLM's token: sha256 hex of the plaintext key."""
    return hashlib.sha256(plaintext.encode('utf-8')).hexdigest()


def parse_time(value):
    """ISO-8601 from LiteLLM ('...Z', '...+00:00', or naive UTC) -> aware datetime, None stays None."""
    if not value:
        return None
    text = value.strip().replace('Z', '+00:00')
    match = re.match(r'^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})(\.\d+)?([+-]\d{2}:?\d{2})?$', text)
    if not match:
        raise ValueError('unrecognised timestamp %r' % value)
    base = datetime.datetime.strptime(match.group(1).replace(' ', 'T'), '%Y-%m-%dT%H:%M:%S')
    if match.group(2):
        base = base.replace(microsecond=int((match.group(2)[1:] + '000000')[:6]))
    offset = match.group(3)
    if offset:
        sign = 1 if offset[0] == '+' else -1
        hours, minutes = int(offset[1:3]), int(offset[-2:])
        base -= sign * datetime.timedelta(hours=hours, minutes=minutes)
    return base.replace(tzinfo=UTC)


def add_duration(start, duration):
    """start + a LiteLLM duration ('30d', '1mo', ...), the way LiteLLM computes key expiry."""
    match = DURATION_RE.match(duration.strip())
    if not match:
        raise ValueError('invalid duration %r' % duration)
    value, unit = int(match.group(1)), match.group(2)
    if unit == 'mo':
        months = start.month - 1 + value
        year, month = start.year + months // 12, months % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return start.replace(year=year, month=month, day=day)
    seconds = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}[unit] * value
    return start + datetime.timedelta(seconds=seconds)


def iso_time(value):
    """A LiteLLM timestamp in one form, UTC to the millisecond the database keeps, whichever endpoint gave it
    (/key/generate answers with microseconds and 'Z', /key/list with milliseconds and '+00:00')."""
    try:
        when = parse_time(value)
    except ValueError:
        return value
    if when is None:
        return None
    return when.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (when.microsecond // 1000)


def key_from_api(raw):
    """One /key/list full object or /key/info 'info' -> the shape this collection returns (no plaintext)."""
    return {
        'key_alias': raw.get('key_alias'),
        'token': raw.get('token') or raw.get('token_id'),
        'key_name': raw.get('key_name'),
        'models': list(raw.get('models') or []),
        'user_id': raw.get('user_id'),
        'team_id': raw.get('team_id'),
        'max_budget': raw.get('max_budget'),
        'budget_duration': raw.get('budget_duration'),
        'budget_reset_at': iso_time(raw.get('budget_reset_at')),
        'spend': raw.get('spend') or 0.0,
        'rpm_limit': raw.get('rpm_limit'),
        'tpm_limit': raw.get('tpm_limit'),
        'max_parallel_requests': raw.get('max_parallel_requests'),
        'metadata': dict(raw.get('metadata') or {}),
        'blocked': bool(raw.get('blocked')),
        'expires': iso_time(raw.get('expires')),
        'created_at': iso_time(raw.get('created_at')),
        'last_active': iso_time(raw.get('last_active')),
    }


def with_status(key, now):
    """The key with its status (active, blocked or expired) and the budget it has left."""
    expires = parse_time(key['expires'])
    if key['blocked']:
        status = 'blocked'
    elif expires is not None and expires <= now:
        status = 'expired'
    else:
        status = 'active'
    remaining = None if key['max_budget'] is None else round(key['max_budget'] - key['spend'], 6)
    return dict(key, status=status, budget_remaining=remaining)


class KeyStore(object):
    """Reads and writes of virtual keys through one LiteLLMClient."""

    def __init__(self, client, workers=1):
        self.client = client
        self.workers = workers

    def list(self, key_alias=None, user_id=None, team_id=None, token=None):
        query = {'return_full_object': True, 'key_alias': key_alias, 'user_id': user_id, 'team_id': team_id,
                 'key_hash': token}
        return [key_from_api(k) for k in self.client.paginate('/key/list', 'keys', query, workers=self.workers)
                if isinstance(k, dict)]

    def find(self, key_alias):
        # Older proxies matched key_alias loosely, so filter exactly here as well.
        matches = [k for k in self.list(key_alias=key_alias) if k['key_alias'] == key_alias]
        if len(matches) > 1:
            raise LiteLLMError('key_alias %s matches %d keys; LiteLLM should keep aliases unique'
                               % (key_alias, len(matches)), param='key_alias')
        return matches[0] if matches else None

    def generate(self, body):
        """Create a key. Returns {'key': the new key as the proxy shows it, 'value': its value, None when the
        create landed but the answer carrying the value was lost}."""
        alias = body['key_alias']
        created = self.client.post('/key/generate', body, landed=lambda: self.find(alias))
        return {'key': key_from_api(created), 'value': created.get('key') or body.get('key')}

    def update(self, token, body):
        """Change a key; returns it as the proxy shows it afterwards."""
        payload = dict(body, key=token)
        return key_from_api(self.client.post('/key/update', payload, idempotent=True))

    def delete(self, tokens):
        """Delete keys by token, at most DELETE_BATCH per request."""
        for start in range(0, len(tokens), DELETE_BATCH):
            self.client.post('/key/delete', {'keys': tokens[start:start + DELETE_BATCH]}, idempotent=True,
                             absent_statuses=(404,))

    def known_model_names(self):
        names = set()
        for item in (self.client.get('/model/info') or {}).get('data') or []:
            info = item.get('model_info') or {}
            names.add(info.get('team_public_model_name') or item.get('model_name'))
            names.update(info.get('access_groups') or [])
        return names

    def team_exists(self, team_id):
        return self.client.get('/team/info', {'team_id': team_id}, absent_statuses=(400, 404)) is not None


def wanted_expiry(created_at, duration):
    if duration in NEVER_EXPIRES:
        return None
    return add_duration(parse_time(created_at), duration)


def duration_until(when, now):
    """A duration string that makes LiteLLM set expires = when (at least one second from now)."""
    return '%ds' % max(1, int(round((when - now).total_seconds())))


def plan_update(desired, current, now):
    """Compare the options the user set with the key read back.

    desired: option name -> value, only options the user set ('models', 'metadata', 'duration' and
    SCALAR_FIELDS). Returns (update_body or None, diff_before, diff_after).
    """
    body, before, after = {}, {}, {}

    def changed(name, old, new):
        before[name], after[name] = old, new
        body[name] = new

    if 'models' in desired and sorted(desired['models']) != sorted(current['models']):
        changed('models', current['models'], desired['models'])
    for name in SCALAR_FIELDS:
        if name in desired and not same_value(desired[name], current[name]):
            changed(name, current[name], desired[name])
    if 'metadata' in desired:
        stale, old_values = changed_entries(desired['metadata'], current['metadata'])
        if stale:
            before['metadata'], after['metadata'] = old_values, stale
            body['metadata'] = dict(current['metadata'], **desired['metadata'])
    if 'duration' in desired:
        expiry = wanted_expiry(current['created_at'], desired['duration'])
        actual = parse_time(current['expires'])
        if expiry is None and actual is not None:
            before['expires'], after['expires'] = current['expires'], None
            # "-1" clears the expiry on every supported LiteLLM; null does so only from 1.9x on.
            body['duration'] = '-1'
        elif expiry is not None and (actual is None or
                                     abs((actual - expiry).total_seconds()) > EXPIRY_TOLERANCE_SECONDS):
            before['expires'] = current['expires']
            after['expires'] = expiry.isoformat()
            body['duration'] = duration_until(expiry, now)
    return (body or None), before, after


def validate_key(spec, prefix=''):
    """Problems with one key's options, each message starting with prefix + the field name."""
    errors = []
    if not spec['key_alias'] or not spec['key_alias'].strip():
        errors.append('key_alias must be a non-empty string')
    for name in ('max_budget', 'rpm_limit', 'tpm_limit', 'max_parallel_requests'):
        errors += check_non_negative(name, spec[name])
    errors += check_duration('duration', spec['duration'], allow_never=True)
    errors += check_duration('budget_duration', spec['budget_duration'], aliases=BUDGET_DURATION_ALIASES)
    if spec['key'] is not None and (not spec['key'].startswith('sk-') or len(spec['key']) < 16):
        errors.append("key must start with 'sk-' and be at least 16 characters long")
    if spec['models'] is not None and any(not m or not m.strip() for m in spec['models']):
        errors.append('models must not contain empty names')
    return [prefix + e for e in errors]


def desired_options(spec):
    desired = dict((name, spec[name]) for name in OPTIONS_SENT_ON_CREATE + ('duration',) if spec[name] is not None)
    if 'duration' in desired and desired['duration'] in NEVER_EXPIRES:
        desired['duration'] = 'never'
    return desired


def reference_errors(store, entries, validate_models):
    """Models and teams the keys would point at but the proxy does not have, before any write.

    entries: (prefix, spec, current key or None). One /model/info read at most, one /team/info per team.
    """
    errors = []
    added = [(prefix, set(spec['models'] or []) - set(current['models'] if current else []))
             for prefix, spec, current in entries if spec['state'] == 'present']
    if validate_models and any(models for prefix, models in added):
        known = store.known_model_names()
        for prefix, models in added:
            unknown = sorted(models - known)
            if unknown:
                errors.append('%smodels: %s not on this proxy (known: %s); add the model first or set '
                              'validate_models=false' % (prefix, ', '.join(unknown), ', '.join(sorted(known)) or 'none'))
    teams = {}
    for prefix, spec, current in entries:
        team_id = spec['team_id']
        if spec['state'] != 'present' or not team_id or (current is not None and current['team_id'] == team_id):
            continue
        if team_id not in teams:
            teams[team_id] = store.team_exists(team_id)
        if not teams[team_id]:
            errors.append('%steam_id: team %s does not exist on this proxy' % (prefix, team_id))
    return errors


def generate_body(desired, alias, now, current=None, key_value=None):
    """Body for /key/generate: the wanted options, and for a rotation the old key's settings under them."""
    body = {}
    if current is not None:
        body.update((name, current[name]) for name in OPTIONS_SENT_ON_CREATE if current[name] not in (None, {}, []))
    body.update((name, desired[name]) for name in OPTIONS_SENT_ON_CREATE if name in desired)
    if current is not None and 'metadata' in desired:
        body['metadata'] = dict(current['metadata'], **desired['metadata'])
    body['key_alias'] = alias
    if current is None:
        if desired.get('duration') not in (None, 'never'):
            body['duration'] = desired['duration']
    else:
        expiry = (wanted_expiry(current['created_at'], desired['duration']) if 'duration' in desired
                  else parse_time(current['expires']))
        if expiry is not None:
            body['duration'] = duration_until(expiry, now)
    if key_value is not None:
        body['key'] = key_value
    return body


def rotate(store, current, desired, key_value, now):
    """Replace the key by a new one with the same alias and settings, without LiteLLM Enterprise.
    Returns (new key as the proxy shows it, its value)."""
    alias = current['key_alias']
    parking_alias = '%s--rotating-%s' % (alias, current['token'][:12])
    store.update(current['token'], {'key_alias': parking_alias})
    try:
        created = store.generate(generate_body(desired, alias, now, current=current, key_value=key_value))
    except LiteLLMError:
        store.update(current['token'], {'key_alias': alias})
        raise
    store.delete([current['token']])
    return created


class KeyChange(object):
    """What one key's options ask of the proxy: an action and the request body and diff that go with it.

    action: create, update, rotate, delete or none.
    """

    def __init__(self, alias, action, current=None, body=None, before=None, after=None, desired=None,
                 key_value=None):
        self.alias = alias
        self.action = action
        self.current = current
        self.body = body
        self.diff = {'before': before or {}, 'after': after or {}}
        self.desired = desired
        self.key_value = key_value

    def predicted(self):
        """The key as it would look after the change (check mode)."""
        if self.action == 'delete':
            return None
        if self.action == 'create':
            return dict(self.diff['after'])
        if self.action != 'update':
            return self.current
        after = self.diff['after']
        predicted = dict(self.current, **dict((k, v) for k, v in after.items() if k in self.current and k != 'metadata'))
        if 'metadata' in self.body:
            predicted['metadata'] = self.body['metadata']
        return predicted


def plan_key(spec, current, now, token_taken):
    """Compare one key's options (validated, see validate_key) with the key as read (or None).

    token_taken(token) tells whether a key with that token exists; it is asked only when spec['key'] would
    become the value of this key. Raises LiteLLMError when the options cannot be applied.
    """
    alias = spec['key_alias']
    if spec['state'] == 'absent':
        if current is None:
            return KeyChange(alias, 'none')
        return KeyChange(alias, 'delete', current, before={'key_alias': alias, 'key_name': current['key_name']})
    key_value = spec['key']
    new_value = key_value is not None and (current is None or hash_key(key_value) != current['token'])
    if new_value and token_taken(hash_key(key_value)):
        raise LiteLLMError('key: this key value already belongs to another key alias', param='key')
    desired = desired_options(spec)
    if current is None:
        body = generate_body(desired, alias, now, key_value=key_value)
        return KeyChange(alias, 'create', body=body, after=dict((k, v) for k, v in body.items() if k != 'key'),
                         desired=desired, key_value=key_value)
    body, before, after = plan_update(desired, current, now)
    if spec['regenerate'] or new_value:
        before['key_name'], after['key_name'] = current['key_name'], '(new key)'
        return KeyChange(alias, 'rotate', current, before=before, after=after, desired=desired, key_value=key_value)
    if body is None:
        return KeyChange(alias, 'none', current)
    return KeyChange(alias, 'update', current, body=body, before=before, after=after)


def apply_key_change(store, change, now):
    """Make the change on the proxy. Returns (the key as the proxy shows it afterwards, or None when it is
    gone, and the new value for a create or rotation, None when its answer was lost)."""
    if change.action == 'delete':
        store.delete([change.current['token']])
        return None, None
    if change.action == 'create':
        created = store.generate(change.body)
    elif change.action == 'rotate':
        created = rotate(store, change.current, change.desired, change.key_value, now)
    else:
        return store.update(change.current['token'], change.body), None
    return created['key'], created['value']
