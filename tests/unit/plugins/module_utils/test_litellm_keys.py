"""Key comparison: expiry from duration, metadata merge, timestamps (pure functions, no HTTP)."""
import datetime

import pytest

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_keys import (
    UTC, add_duration, hash_key, key_from_api, parse_time, plan_update)

CREATED = '2026-01-31T10:00:00.500000Z'


def at(text):
    return parse_time(text)


@pytest.mark.parametrize('text, expected', [
    ('2026-12-28T04:55:25.742000Z', datetime.datetime(2026, 12, 28, 4, 55, 25, 742000, tzinfo=UTC)),
    ('2026-12-28T04:55:25.742000+00:00', datetime.datetime(2026, 12, 28, 4, 55, 25, 742000, tzinfo=UTC)),
    ('2026-12-28T06:55:25+02:00', datetime.datetime(2026, 12, 28, 4, 55, 25, tzinfo=UTC)),
    ('2026-12-28 04:55:25', datetime.datetime(2026, 12, 28, 4, 55, 25, tzinfo=UTC)),
    (None, None),
])
def test_parse_time(text, expected):
    assert parse_time(text) == expected


def test_add_duration_matches_litellms_units():
    start = at(CREATED)
    assert add_duration(start, '30d') - start == datetime.timedelta(days=30)
    assert add_duration(start, '12h') - start == datetime.timedelta(hours=12)
    assert add_duration(start, '2w') - start == datetime.timedelta(weeks=2)
    assert add_duration(start, '1mo') == at('2026-02-28T10:00:00.500000Z')  # clamped to the month's end
    assert add_duration(start, '13mo') == at('2027-02-28T10:00:00.500000Z')


def test_hash_key_is_litellms_token():
    assert hash_key('sk-1234') == '88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b'


def current_key(**kw):
    raw = {'key_alias': 'a', 'token': 't', 'models': ['m1', 'm2'], 'max_budget': 10.0, 'metadata':
           {'user_email': 'u@example.com', 'model_rpm_limit': {'m1': 3}}, 'blocked': None,
           'created_at': CREATED, 'expires': '2026-03-02T10:00:00.700000Z'}
    raw.update(kw)
    return key_from_api(raw)


NOW = at('2026-02-10T00:00:00Z')


def test_no_change_when_expiry_matches_creation_plus_duration():
    wanted = {'models': ['m2', 'm1'], 'max_budget': 10, 'duration': '30d', 'blocked': False,
              'metadata': {'user_email': 'u@example.com'}}
    assert plan_update(wanted, current_key(), NOW) == (None, {}, {})


def test_new_duration_moves_expiry_relative_to_creation_not_now():
    body, before, after = plan_update({'duration': '60d'}, current_key(), NOW)
    wanted = at(CREATED) + datetime.timedelta(days=60)
    assert body == {'duration': '%ds' % round((wanted - NOW).total_seconds())}
    assert after == {'expires': wanted.isoformat()}


def test_duration_already_passed_expires_the_key_at_once():
    body = plan_update({'duration': '1d'}, current_key(), NOW)[0]
    assert body == {'duration': '1s'}


def test_never_clears_the_expiry_and_a_key_without_expiry_gets_one():
    assert plan_update({'duration': 'never'}, current_key(), NOW)[0] == {'duration': '-1'}
    assert plan_update({'duration': 'never'}, current_key(expires=None), NOW)[0] is None
    assert plan_update({'duration': '30d'}, current_key(expires=None), NOW)[0] is not None


def test_metadata_is_merged_so_fields_the_user_does_not_manage_survive():
    body, before, after = plan_update({'metadata': {'team': 'x'}}, current_key(), NOW)
    assert body == {'metadata': {'user_email': 'u@example.com', 'model_rpm_limit': {'m1': 3}, 'team': 'x'}}
    assert (before, after) == ({'metadata': {'team': None}}, {'metadata': {'team': 'x'}})


def test_scalars_and_block():
    body, before, after = plan_update({'max_budget': 20, 'blocked': True, 'rpm_limit': 5}, current_key(), NOW)
    assert body == {'max_budget': 20, 'blocked': True, 'rpm_limit': 5}
    assert before == {'max_budget': 10.0, 'blocked': False, 'rpm_limit': None}
