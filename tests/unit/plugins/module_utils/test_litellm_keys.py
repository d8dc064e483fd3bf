"""Key comparison: expiry from duration, metadata merge, timestamps (pure functions), and the key list read."""
import datetime

import pytest

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_keys import (
    KeyStore, add_duration, duration_from, generate_body, hash_key, iso_time, key_from_api,
    normalize_budget_duration, parse_time, pick_current, plan_key, plan_update, validate_key)
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import UTC, LiteLLMClient, LiteLLMError, error_message

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
    assert after == {'expires': iso_time(wanted.isoformat())}


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


def test_a_wanted_expiry_in_the_past_converges_once_the_key_has_expired():
    """Created 40 days ago, duration 30d: one run expires the key, the next finds nothing to do."""
    created = '2026-01-01T00:00:00.000Z'
    first = plan_update({'duration': '30d'}, current_key(created_at=created, expires=None), NOW)[0]
    assert first == {'duration': '1s'}
    expired_now = iso_time((NOW + datetime.timedelta(seconds=1)).isoformat())
    assert plan_update({'duration': '30d'}, current_key(created_at=created, expires=expired_now), NOW)[0] is None


def test_the_tolerance_is_at_most_a_tenth_of_the_lifetime():
    created = iso_time(NOW.isoformat())
    sixty = iso_time((NOW + datetime.timedelta(seconds=60)).isoformat())
    assert plan_update({'duration': '60s'}, current_key(created_at=created, expires=sixty), NOW)[0] is None
    assert plan_update({'duration': '240s'}, current_key(created_at=created, expires=sixty), NOW)[0] is not None


def test_creates_send_the_duration_in_seconds_months_included():
    body = generate_body({'duration': '12mo'}, 'a', NOW)
    assert body['duration'] == '%ds' % (365 * 86400)
    assert duration_from(NOW, '2mo') == '%ds' % ((at('2026-04-10T00:00:00Z') - NOW).total_seconds())
    assert 'duration' not in generate_body({'duration': 'never'}, 'a', NOW)


@pytest.mark.parametrize('given, sent', [('weekly', '7d'), ('monthly', '30d'), ('daily', '24h'), ('hourly', '1h'),
                                         ('2w', '14d'), ('Weekly', '7d'), ('30d', '30d'), ('1mo', '1mo')])
def test_budget_periods_are_sent_in_a_form_both_versions_reset_on(given, sent):
    assert normalize_budget_duration(given) == sent


def spec(**kw):
    base = dict((name, None) for name in ('key_alias', 'models', 'user_id', 'team_id', 'max_budget', 'budget_duration',
                                          'duration', 'rpm_limit', 'tpm_limit', 'max_parallel_requests', 'metadata',
                                          'blocked', 'key'))
    base.update(state='present', regenerate=False, key_alias='a', key_mismatch='rotate')
    base.update(kw)
    return base


def test_budget_in_months_other_than_one_is_refused():
    assert validate_key(spec(budget_duration='1mo')) == []
    assert validate_key(spec(budget_duration='2mo'))[0].startswith('budget_duration 2mo')


def test_duplicate_aliases_fail_unless_repaired_then_the_oldest_stays():
    keys = [key_from_api({'key_alias': 'a', 'token': 't2', 'created_at': '2026-01-02T00:00:00Z'}),
            key_from_api({'key_alias': 'a', 'token': 't1', 'created_at': '2026-01-01T00:00:00Z'})]
    with pytest.raises(LiteLLMError) as err:
        pick_current('a', keys)
    assert 'repair_duplicates=true' in err.value.message
    current, duplicates = pick_current('a', keys, repair=True)
    assert current['token'] == 't1' and [k['token'] for k in duplicates] == ['t2']


def test_a_row_read_twice_is_never_its_own_duplicate():
    """review-2 N1: the same token twice (a paged read shifted by another run's create) is one key, not two."""
    row = {'key_alias': 'a', 'token': 't1', 'created_at': '2026-01-01T00:00:00Z'}
    current, duplicates = pick_current('a', [key_from_api(row), key_from_api(dict(row))], repair=True)
    assert current['token'] == 't1' and duplicates == []


def test_the_key_list_holds_each_token_once(stub):
    page = {'keys': [{'key_alias': 'a', 'token': 't1'}, {'key_alias': 'b', 'token': 't2'}], 'total_pages': 2}
    stub.reply(200, page).reply(200, dict(page, keys=[{'key_alias': 'b', 'token': 't2'}, {'key_alias': 'c', 'token': 't3'}]))
    listed = KeyStore(LiteLLMClient(stub.url, 'sk-unit', sleep=lambda s: None)).list()
    assert [k['token'] for k in listed] == ['t1', 't2', 't3']


def test_a_retry_that_meets_its_own_slow_first_create_keeps_the_value(stub):
    """review-2 N3: attempt 1 times out and is not visible yet, attempt 1 then commits, the retry gets "already
    exists": that key has this run's token, so it is this run's key, with the value this run sent."""
    value = 'sk-given-value-for-the-n3-case'
    mine = {'key_alias': 'a', 'token': hash_key(value), 'created_at': CREATED}
    stub.reply(504, {'error': 'upstream timeout'})        # attempt 1: no answer
    stub.reply(200, {'keys': [], 'total_pages': 1})          # landed(): not there yet
    stub.reply(400, {'error': {'message': 'Key with alias a already exists.', 'param': 'key_alias', 'code': '400'}})
    stub.reply(200, {'keys': [mine], 'total_pages': 1})      # the alias holds our token
    created = KeyStore(LiteLLMClient(stub.url, 'sk-unit', sleep=lambda s: None)).generate({'key_alias': 'a', 'key': value})
    assert created['value'] == value and created['key']['token'] == hash_key(value)


def test_a_key_list_whose_total_moved_while_paging_is_read_again(stub):
    """review-2 N1: another run's create between two page reads shifts page 2 (t2 twice, t3 missing); the pages
    disagree on total_count, so the list is read again."""
    def page(keys, total):
        return {'keys': [{'key_alias': t, 'token': t} for t in keys], 'total_count': total, 'total_pages': 2}
    stub.reply(200, page(['t1', 't2'], 3)).reply(200, page(['t2', 't3'], 4))        # shifted by a new key t0
    stub.reply(200, page(['t0', 't1'], 4)).reply(200, page(['t2', 't3'], 4))        # consistent
    listed = KeyStore(LiteLLMClient(stub.url, 'sk-unit', sleep=lambda s: None)).list()
    assert [k['token'] for k in listed] == ['t0', 't1', 't2', 't3'] and len(stub.requests) == 4


def test_a_401_never_repeats_the_key_that_was_sent():
    body = {'error': {'message': 'Authentication Error, Invalid proxy server token passed. Received API Key = '
                                 'sk-...WXYZ, Key Hash (Token) =0123abcdef. Unable to find token in cache or '
                                 'LiteLLM_VerificationTokenTable'}}
    message = error_message(body, 'HTTP 401')[0]
    assert 'WXYZ' not in message and '0123abcdef' not in message and 'Unable to find token' in message


def test_key_mismatch_keep_leaves_an_existing_key_and_creates_with_the_value():
    """A caller that stored a value ahead (the role litellm_user_keys) never rotates a key whose value differs."""
    value = 'sk-written-ahead-value-000'
    current = key_from_api({'key_alias': 'a', 'token': 'not-this-value', 'created_at': CREATED})
    taken = []
    kept = plan_key(spec(key=value, key_mismatch='keep'), current, NOW, token_taken=taken.append)
    assert kept.action == 'none' and taken == []
    assert plan_key(spec(key=value), current, NOW, token_taken=lambda t: False).action == 'rotate'
    created = plan_key(spec(key=value, key_mismatch='keep'), None, NOW, token_taken=lambda t: False)
    assert created.action == 'create' and created.body['key'] == value
