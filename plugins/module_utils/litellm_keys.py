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
import contextlib
import datetime
import hashlib
import secrets

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import (
    LiteLLMError, changed_entries, parse_time, same_value)
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import ModelStore, manages_row
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_validation import (
    BUDGET_DURATION_ALIASES, DURATION_RE, NEVER_EXPIRES, check_duration, check_non_negative)

# Expiry is set by the proxy while it handles the request; allow for that and for clock differences, but never
# more than a tenth of the key's lifetime (a 60 s key must not pass for a 240 s one).
EXPIRY_TOLERANCE_SECONDS = 300
# Keys deleted by one /key/delete request.
DELETE_BATCH = 100
# A rotation parks the old key under <alias>--rotating and marks the new key with the old key's token until the old
# key is gone, so that a run that stops half way can be finished or undone by the next one.
PARKING_SUFFIX = '--rotating'
REPLACES_KEY = 'rhpds_litemaas_replaces'
CUSTOM_VALUES_DISABLED = 'Custom API key values are disabled'

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
    key_mismatch=dict(type='str', default='rotate', choices=['rotate', 'keep']),
    regenerate=dict(type='bool', default=False),
)


def hash_key(plaintext):
    """LiteLLM's token: sha256 hex of the plaintext key."""
    return hashlib.sha256(plaintext.encode('utf-8')).hexdigest()


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


def alias_taken(error):
    """Whether LiteLLM refused a create because a key with its alias exists."""
    return error.status == 400 and error.param == 'key_alias' and 'already exists' in error.message


def new_key_value():
    """A key value as LiteLLM makes them: sk- and 16 random bytes, URL-safe base64."""
    return 'sk-' + secrets.token_urlsafe(16)


def oldest(keys):
    return min(keys, key=lambda k: (k['created_at'] or '', k['token']))


def pick_current(alias, keys, repair=False):
    """The key that has this alias among keys (all with that alias). Several keys with one alias (two runs created
    it at once on an older collection, or by hand) fail, unless repair: then the oldest is the key, and the others
    are returned for deletion. Returns the key or None, and with repair (key, duplicates)."""
    duplicates = []
    if len(keys) > 1:
        if not repair:
            raise LiteLLMError('key_alias %s matches %d keys; LiteLLM should keep aliases unique. Set '
                               'repair_duplicates=true to keep the oldest (created %s) and delete the others'
                               % (alias, len(keys), oldest(keys)['created_at']), param='key_alias')
        # by token: a row read twice (a paged read that another run's create shifted) is one key, never a duplicate
        keep = oldest(keys)
        duplicates = [k for k in keys if k['token'] != keep['token']]
        keys = [keep]
    current = keys[0] if keys else None
    return (current, duplicates) if repair else current


# Reads of /key/list before a list whose pages kept disagreeing on the total is used as it is.
LIST_READS = 3


class KeyStore(object):
    """Reads and writes of virtual keys through one LiteLLMClient."""

    def __init__(self, client, workers=1):
        self.client = client
        self.workers = workers
        self.custom_values = True

    def list(self, key_alias=None, user_id=None, team_id=None, token=None):
        query = {'return_full_object': True, 'key_alias': key_alias, 'user_id': user_id, 'team_id': team_id,
                 'key_hash': token}
        # LiteLLM pages by created_at: a key another run creates or deletes between two page reads shifts the later
        # pages, so a row can come twice or not at all. When the pages disagree on the total the list is read again
        # (at most LIST_READS times; then the last read is used: each token is still one key).
        for dummy in range(LIST_READS):
            totals = set()
            rows = list(self.client.paginate('/key/list', 'keys', query, workers=self.workers,
                                             on_page=lambda payload: totals.add(payload.get('total_count'))
                                             if isinstance(payload, dict) else None))
            if len(totals) <= 1:
                break
        keys, seen = [], set()
        for row in rows:
            if isinstance(row, dict):
                key = key_from_api(row)
                if key['token'] is None or key['token'] not in seen:
                    seen.add(key['token'])
                    keys.append(key)
        return keys

    def find(self, key_alias):
        """The key with this alias, or None; raises LiteLLMError when several keys share it."""
        return pick_current(key_alias, self.aliased(key_alias))

    def aliased(self, key_alias):
        # Older proxies matched key_alias loosely, so filter exactly here as well.
        return [k for k in self.list(key_alias=key_alias) if k['key_alias'] == key_alias]

    def generate(self, body):
        """Create a key. Returns {'key': the new key as the proxy shows it, 'value': its value}.

        The value is made here unless given (or the proxy refuses given values), so that it is known even when
        the answer is lost, and a resent create cannot make a second key: the same token is the same row."""
        alias = body['key_alias']
        made_here = 'key' not in body and self.custom_values
        if made_here:
            body = dict(body, key=new_key_value())

        def landed(failure):
            found = self.find(alias)
            # Only our own key proves the create landed; another key with the alias means it never will.
            if found and (body.get('key') is None or found['token'] == hash_key(body['key'])):
                return found
            return None
        try:
            created = self.client.post('/key/generate', body, landed=landed)
        except LiteLLMError as e:
            if made_here and e.status == 403 and CUSTOM_VALUES_DISABLED in e.message:
                self.custom_values = False
                return self.generate(dict((k, v) for k, v in body.items() if k != 'key'))
            # A first attempt that timed out on this side can commit after the retry was sent: the retry then meets
            # "already exists" from our own key. Its token says so (review-2 N3).
            if alias_taken(e) and body.get('key'):
                found = landed(e)
                if found is not None:
                    return {'key': found, 'value': body['key']}
            raise
        return {'key': key_from_api(created), 'value': created.get('key') or body.get('key')}

    def settle(self, alias, token):
        """After creating the key with this token: when another run created one with the same alias at the same
        time (LiteLLM checks aliases in code, not in the database), the oldest stays and this run deletes its own
        if it is not the oldest. Returns the key that stays, or None."""
        keys = self.aliased(alias)
        if len(keys) <= 1:
            return keys[0] if keys else None
        keep = oldest(keys)
        if keep['token'] != token and any(k['token'] == token for k in keys):
            self.delete([token])
        return keep

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

    def stored_model_names(self, names):
        """Of names the router of the pod that answered does not serve, those LiteLLM's database holds under the id a
        create without model_id gives the name: a replica takes a new model only at its next reload (every 30 s)."""
        models = ModelStore(self.client)
        specs = [{'model_id': None, 'model_name': name} for name in names]
        return set(spec['model_name'] for spec in specs if manages_row(spec, models.get_stored_for(spec)))

    def team_exists(self, team_id):
        return self.client.get('/team/info', {'team_id': team_id}, absent_statuses=(400, 404)) is not None


def wanted_expiry(created_at, duration):
    if duration in NEVER_EXPIRES:
        return None
    return add_duration(parse_time(created_at), duration)


def duration_until(when, now):
    """A duration string that makes LiteLLM set expires = when (at least one second from now)."""
    return '%ds' % max(1, int(round((when - now).total_seconds())))


def duration_from(now, duration):
    """The duration to send for a key that should live `duration` from now, in seconds: LiteLLM 1.81 gets months
    wrong (Nmo answers HTTP 500 or is cut to one month), and seconds mean the same to every version."""
    return duration_until(add_duration(now, duration), now)


def expiry_tolerance(created, expiry):
    return min(EXPIRY_TOLERANCE_SECONDS, max(1.0, (expiry - created).total_seconds() / 10))


def normalize_budget_duration(value):
    """The budget period in the form both 1.81 and 1.106 reset on correctly: the named periods as 1.106 maps them,
    weeks in days (1.81 has no 'w' and resets those, and every name but daily, at midnight every day)."""
    text = str(value).strip().lower()
    if text in BUDGET_DURATION_ALIASES:
        return BUDGET_DURATION_ALIASES[text]
    match = DURATION_RE.match(text)
    if match and match.group(2) == 'w':
        return '%dd' % (7 * int(match.group(1)))
    return text


def expiry_converged(expiry, actual, created, now):
    """Whether a key expiring at `actual` (None: never) honours the wanted `expiry`. A wanted expiry in the past
    cannot be set, only approached: a key that has expired (or expires now) has converged."""
    if actual is None:
        return False
    tolerance = expiry_tolerance(created, expiry)
    if expiry <= now:
        return (actual - now).total_seconds() <= tolerance
    return abs((actual - expiry).total_seconds()) <= tolerance


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
        elif expiry is not None and not expiry_converged(expiry, actual, parse_time(current['created_at']), now):
            before['expires'] = current['expires']
            after['expires'] = iso_time(expiry.isoformat())
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
    months = DURATION_RE.match(str(spec['budget_duration'] or '').strip())
    if months and months.group(2) == 'mo' and int(months.group(1)) != 1:
        errors.append('budget_duration %s: LiteLLM resets budgets monthly only (1mo or monthly); every other number '
                      'of months makes its budget reset job fail' % spec['budget_duration'])
    if spec['key'] is not None and (not spec['key'].startswith('sk-') or len(spec['key']) < 16):
        errors.append("key must start with 'sk-' and be at least 16 characters long")
    if spec['models'] is not None and any(not m or not m.strip() for m in spec['models']):
        errors.append('models must not contain empty names')
    return [prefix + e for e in errors]


def desired_options(spec):
    desired = dict((name, spec[name]) for name in OPTIONS_SENT_ON_CREATE + ('duration',) if spec[name] is not None)
    if 'duration' in desired and desired['duration'] in NEVER_EXPIRES:
        desired['duration'] = 'never'
    if 'budget_duration' in desired:
        desired['budget_duration'] = normalize_budget_duration(desired['budget_duration'])
    return desired


# Names a key may list that are not model names: LiteLLM's special values, and wildcards such as openai/*.
SPECIAL_MODEL_NAMES = frozenset(['all-proxy-models', 'all-team-models', 'no-default-models'])


def special_model_name(name):
    return name in SPECIAL_MODEL_NAMES or '*' in name


def reference_errors(store, entries, validate_models):
    """Models and teams the keys would point at but the proxy does not have, before any write.

    entries: (prefix, spec, current key or None). One /model/info read at most (and one /v2/model/info read for each
    model name that the answering pod does not serve), one /team/info per team.
    """
    errors = []
    added = [(prefix, set(m for m in spec['models'] or [] if not special_model_name(m))
              - set(current['models'] if current else []))
             for prefix, spec, current in entries if spec['state'] == 'present']
    if validate_models and any(models for prefix, models in added):
        known = store.known_model_names()
        known |= store.stored_model_names(set().union(*(models - known for prefix, models in added)))
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
    if desired.get('duration') not in (None, 'never'):
        # From the new key's creation: a rotated key gets the full lifetime again, as reruns then measure it.
        body['duration'] = duration_from(now, desired['duration'])
    elif current is not None and 'duration' not in desired and current['expires'] is not None:
        # No duration asked for: the new key lives as long as the old one was meant to.
        lifetime = parse_time(current['expires']) - parse_time(current['created_at'])
        body['duration'] = '%ds' % max(1, int(round(lifetime.total_seconds())))
    if key_value is not None:
        body['key'] = key_value
    return body


def rotate(store, current, desired, key_value, now):
    """Replace the key by a new one with the same alias and settings, without LiteLLM Enterprise. Returns
    {'key': the new key as the proxy shows it, 'value': its value, 'note': LOST_TO_ANOTHER_RUN when another run's
    rotation of the same key won, else None}.

    The old key is parked under <alias>--rotating, the new key is created with the old key's token in its metadata,
    then the old key is deleted and the mark removed. A run that stops in between leaves either the parked key
    (recover() gives it its alias back) or the mark (recover() deletes the old key): never a second working key.
    Two runs rotating the same key at once leave one new key (the oldest), whose value the run that made it has."""
    alias = current['key_alias']
    store.update(current['token'], {'key_alias': alias + PARKING_SUFFIX})
    body = generate_body(desired, alias, now, current=current, key_value=key_value)
    body['metadata'] = dict(body.get('metadata') or {}, **{REPLACES_KEY: current['token']})
    try:
        created = store.generate(body)
        if created['value'] is None:
            # The proxy refuses values made here and the answer carrying its own was lost: a key nobody can use.
            store.delete([created['key']['token']])
            raise LiteLLMError('key %s: the answer carrying the new value was lost, so the rotation was undone; '
                               'rerun it' % alias)
    except LiteLLMError as e:
        other = store.find(alias) if alias_taken(e) else None
        if other is not None and other['token'] != current['token']:
            # Another run rotates the same key at the same time (review-2 N11): its new key stays, and that run
            # deletes the old one; giving the old key its alias back would leave two.
            return {'key': other, 'value': None, 'note': LOST_TO_ANOTHER_RUN}
        try:
            store.update(current['token'], {'key_alias': alias})
        except LiteLLMError:
            pass  # the next run gives the parked key its alias back
        raise
    with value_kept_on_failure(created['value'], 'the new key works; the next run deletes the old one'):
        # Both runs' creates can pass LiteLLM's alias check at once: the oldest new key stays, as for creates.
        kept = store.settle(alias, created['key']['token'])
        if kept is not None and kept['token'] != created['key']['token']:
            return {'key': kept, 'value': None, 'note': LOST_TO_ANOTHER_RUN}
        store.delete([current['token']])
        metadata = dict((k, v) for k, v in created['key']['metadata'].items() if k != REPLACES_KEY)
        return {'key': store.update(created['key']['token'], {'metadata': metadata}), 'value': created['value'],
                'note': None}


@contextlib.contextmanager
def value_kept_on_failure(value, what_is_left):
    """A failure once a key exists carries its value (error.key_value), so the module still returns it: the user
    would otherwise hold nothing while the next run finishes the work around that key (review-2 N2)."""
    try:
        yield
    except LiteLLMError as e:
        if value is not None:
            e.key_value = value
            e.message = '%s (the key was created and its value is returned in api_key: %s)' % (e.message, what_is_left)
        raise


def recover(store, current, parked, check_mode):
    """Finish or undo a rotation an earlier run left half done. current: the key with the alias (or None), parked:
    the key with the alias + '--rotating' (or None). Returns (the key with the alias afterwards, 'finished',
    'undone' or None). In check mode nothing is written and the key is predicted."""
    if current is None and parked is not None:
        alias = parked['key_alias'][:-len(PARKING_SUFFIX)]
        restored = dict(parked, key_alias=alias) if check_mode else store.update(parked['token'], {'key_alias': alias})
        return restored, 'undone'
    if current is not None and REPLACES_KEY in current['metadata']:
        metadata = dict((k, v) for k, v in current['metadata'].items() if k != REPLACES_KEY)
        if check_mode:
            return dict(current, metadata=metadata), 'finished'
        store.delete([current['metadata'][REPLACES_KEY]] + ([parked['token']] if parked else []))
        return store.update(current['token'], {'metadata': metadata}), 'finished'
    return current, None


def settled_key(keys, parked):
    """The key settle_existing will leave for an alias, worked out without writing (the oldest of several, else the
    parked key of a stopped rotation): what validation compares a task with before anything is written."""
    return oldest(keys) if keys else parked


def settle_existing(store, alias, keys, parked, repair, check_mode):
    """The key with this alias, once what earlier runs left behind is repaired: several keys with the alias (only with
    repair: the oldest stays), a rotation stopped half way. keys: every key with the alias; parked: the key with the
    alias + '--rotating', or None. Returns (key or None, notes for the result: 'rotation' and 'duplicates_deleted').
    Nothing is written in check mode."""
    notes = {}
    if repair:
        current, duplicates = pick_current(alias, keys, repair=True)
        if duplicates:
            if not check_mode:
                store.delete([k['token'] for k in duplicates])
            notes['duplicates_deleted'] = [k['key_name'] for k in duplicates]
    else:
        current = pick_current(alias, keys)
    current, rotation = recover(store, current, parked, check_mode)
    if rotation:
        notes['rotation'] = rotation
    return current, notes


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
    if new_value and current is not None and spec['key_mismatch'] == 'keep':
        # The key exists with another value and is to stay as it is: key is only the value a create would use.
        new_value, key_value = False, None
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


LOST_TO_ANOTHER_RUN = 'another run made this key at the same time and holds its value'


def apply_key_change(store, change, now, settle=True):
    """Make the change on the proxy. Returns {'key': the key as the proxy shows it afterwards (None when deleted),
    'value': the new value of a created or rotated key, 'note': why a created key has no value here}.
    settle: right after a create, check for a key another run created with the same alias (see KeyStore.settle);
    a caller that creates many keys settles them together instead."""
    if change.action == 'delete':
        store.delete([change.current['token']])
        return {'key': None, 'value': None, 'note': None}
    if change.action == 'update':
        return {'key': store.update(change.current['token'], change.body), 'value': None, 'note': None}
    if change.action == 'rotate':
        return rotate(store, change.current, change.desired, change.key_value, now)
    try:
        created = store.generate(change.body)
    except LiteLLMError as e:
        # Another run created the alias between our read and our create: its key is the key now.
        if alias_taken(e):
            return {'key': store.find(change.alias), 'value': None, 'note': LOST_TO_ANOTHER_RUN}
        raise
    if settle:
        with value_kept_on_failure(created['value'], 'a rerun checks it for another run\'s key of the same alias'):
            kept = store.settle(change.alias, created['key']['token'])
        if kept is not None and kept['token'] != created['key']['token']:
            return {'key': kept, 'value': None, 'note': LOST_TO_ANOTHER_RUN}
    return dict(created, note=None)
