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
    DURATION_RE, NEVER_EXPIRES)

# Expiry is set by the proxy while it handles the request; allow for that and for clock differences.
EXPIRY_TOLERANCE_SECONDS = 300
UTC = datetime.timezone.utc

# Fields compared one to one with the key as read back; the module option has the same name.
SCALAR_FIELDS = ('max_budget', 'budget_duration', 'user_id', 'team_id', 'rpm_limit', 'tpm_limit',
                 'max_parallel_requests', 'blocked')


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
        'budget_reset_at': raw.get('budget_reset_at'),
        'spend': raw.get('spend') or 0.0,
        'rpm_limit': raw.get('rpm_limit'),
        'tpm_limit': raw.get('tpm_limit'),
        'max_parallel_requests': raw.get('max_parallel_requests'),
        'metadata': dict(raw.get('metadata') or {}),
        'blocked': bool(raw.get('blocked')),
        'expires': raw.get('expires'),
        'created_at': raw.get('created_at'),
        'last_active': raw.get('last_active'),
    }


class KeyStore(object):
    """Reads and writes of virtual keys through one LiteLLMClient."""

    def __init__(self, client):
        self.client = client

    def list(self, key_alias=None, user_id=None, team_id=None, token=None):
        query = {'return_full_object': True, 'key_alias': key_alias, 'user_id': user_id, 'team_id': team_id,
                 'key_hash': token}
        return [key_from_api(k) for k in self.client.paginate('/key/list', 'keys', query)
                if isinstance(k, dict)]

    def find(self, key_alias):
        # Older proxies matched key_alias loosely, so filter exactly here as well.
        matches = [k for k in self.list(key_alias=key_alias) if k['key_alias'] == key_alias]
        if len(matches) > 1:
            raise LiteLLMError('key_alias %s matches %d keys; LiteLLM should keep aliases unique'
                               % (key_alias, len(matches)), param='key_alias')
        return matches[0] if matches else None

    def generate(self, body):
        """Create a key; returns its plaintext value, or None when the create landed but its answer was lost."""
        alias = body['key_alias']
        created = self.client.post('/key/generate', body, landed=lambda: self.find(alias) and {'landed': True})
        return created.get('key')

    def update(self, token, body):
        payload = dict(body, key=token)
        self.client.post('/key/update', payload, idempotent=True)

    def delete(self, token):
        self.client.post('/key/delete', {'keys': [token]}, idempotent=True, absent_statuses=(404,))

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
