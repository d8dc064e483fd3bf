"""Rotation: the steps it takes, what a failure at each step leaves, and how the next run finishes or undoes it."""
import datetime

import pytest

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import UTC, LiteLLMClient, LiteLLMError
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_keys import (
    REPLACES_KEY, KeyStore, hash_key, key_from_api, recover, rotate)

OLD = key_from_api({'key_alias': 'alice', 'token': 'a' * 64, 'models': ['m'], 'max_budget': 5.0,
                    'metadata': {'owner': 'ops'}, 'created_at': '2026-01-01T00:00:00Z',
                    'expires': '2026-01-31T00:00:00Z'})
NOW = datetime.datetime(2026, 1, 10, tzinfo=UTC)


def store_for(url):
    return KeyStore(LiteLLMClient(url, 'sk-unit-master-key-00000000', sleep=lambda s: None))


def test_rotation_parks_the_old_key_creates_the_new_one_marked_then_deletes_the_old(stub):
    stub.reply(200, {})
    stub.reply(200, {'key': 'will be ignored', 'token': 'b' * 64, 'key_alias': 'alice',
                     'metadata': {'owner': 'ops', REPLACES_KEY: 'a' * 64}})
    stub.reply(200, {'keys': [{'key_alias': 'alice', 'token': 'b' * 64}], 'total_pages': 1})  # settle: ours alone
    stub.reply(200, {'deleted_keys': ['a' * 64]}).reply(200, {'token': 'b' * 64, 'key_alias': 'alice',
                                                              'metadata': {'owner': 'ops'}})
    created = rotate(store_for(stub.url), OLD, {}, None, NOW)
    park, generate, settled, delete, unmark = [r['body'] for r in stub.requests]
    assert settled is None and stub.requests[2]['path'].startswith('/key/list')
    assert park == {'key': 'a' * 64, 'key_alias': 'alice--rotating'}
    assert generate['key_alias'] == 'alice' and generate['models'] == ['m'] and generate['max_budget'] == 5.0
    assert generate['metadata'] == {'owner': 'ops', REPLACES_KEY: 'a' * 64}
    # The value is made by the module, so it is known even if the answer is lost.
    assert generate['key'].startswith('sk-') and len(generate['key']) == 25
    assert created['value'] == 'will be ignored'  # the proxy's answer wins when there is one
    # The new key lives as long as the old one was meant to (30 days), counted from now.
    assert generate['duration'] == '%ds' % (30 * 86400)
    assert delete == {'keys': ['a' * 64]}
    assert unmark == {'key': 'b' * 64, 'metadata': {'owner': 'ops'}}
    assert created['key']['metadata'] == {'owner': 'ops'}


def test_a_wanted_duration_counts_from_the_new_key(stub):
    stub.reply(200, {}).reply(200, {'key': 'x', 'token': 'b' * 64, 'metadata': {}}).reply(200, {'keys': []})
    stub.reply(200, {}).reply(200, {})
    rotate(store_for(stub.url), OLD, {'duration': '7d'}, None, NOW)
    assert stub.requests[1]['body']['duration'] == '%ds' % (7 * 86400)


def test_a_rotation_of_an_expired_key_gives_a_working_key(stub):
    expired = dict(OLD, expires='2026-01-05T00:00:00.000Z', created_at='2026-01-01T00:00:00.000Z')
    stub.reply(200, {}).reply(200, {'key': 'x', 'token': 'b' * 64, 'metadata': {}}).reply(200, {'keys': []})
    stub.reply(200, {}).reply(200, {})
    rotate(store_for(stub.url), expired, {}, None, NOW)
    assert stub.requests[1]['body']['duration'] == '%ds' % (4 * 86400)


def test_failed_create_gives_the_old_key_its_alias_back(stub):
    stub.reply(200, {}).reply(400, {'error': {'message': 'bad request'}}).reply(200, {})
    with pytest.raises(LiteLLMError):
        rotate(store_for(stub.url), OLD, {}, None, NOW)
    assert stub.requests[-1]['body'] == {'key': 'a' * 64, 'key_alias': 'alice'}
    assert len(stub.requests) == 3


def test_a_rotation_that_meets_another_runs_rotation_of_the_key_leaves_that_one(stub):
    """review-2 N11: the other run's new key has the alias already; the old key is not given its alias back (that
    would leave two keys), and this run keeps no key."""
    theirs = {'key_alias': 'alice', 'token': 'c' * 64, 'metadata': {REPLACES_KEY: 'a' * 64}}
    stub.reply(200, {})
    stub.reply(400, {'error': {'message': 'Key with alias alice already exists.', 'param': 'key_alias', 'code': '400'}})
    stub.reply(200, {'keys': [theirs], 'total_pages': 1})  # generate: not this run's own slow create (N3)
    stub.reply(200, {'keys': [theirs], 'total_pages': 1})
    outcome = rotate(store_for(stub.url), OLD, {}, None, NOW)
    assert outcome['value'] is None and outcome['key']['token'] == 'c' * 64 and outcome['note']
    assert len(stub.requests) == 4 and all(r['method'] == 'GET' for r in stub.requests[2:])


def test_two_rotations_whose_creates_both_landed_keep_the_oldest_new_key(stub):
    """review-2 N11: both creates passed LiteLLM's alias check; this run's key is the younger, so it deletes it and
    leaves the old key to the run whose new key stays."""
    theirs = {'key_alias': 'alice', 'token': 'c' * 64, 'created_at': '2026-01-10T00:00:00Z'}
    ours = {'key_alias': 'alice', 'token': 'b' * 64, 'created_at': '2026-01-10T00:00:01Z'}
    stub.reply(200, {}).reply(200, dict(ours, key='sk-ours-0000000000000', metadata={}))
    stub.reply(200, {'keys': [ours, theirs], 'total_pages': 1}).reply(200, {'deleted_keys': ['b' * 64]})
    outcome = rotate(store_for(stub.url), OLD, {}, None, NOW)
    assert outcome['value'] is None and outcome['key']['token'] == 'c' * 64 and outcome['note']
    assert stub.requests[-1]['body'] == {'keys': ['b' * 64]} and len(stub.requests) == 4


def test_the_next_run_gives_a_parked_key_its_alias_back(stub):
    parked = dict(OLD, key_alias='alice--rotating')
    stub.reply(200, dict(parked, key_alias='alice'))
    key, what = recover(store_for(stub.url), None, parked, check_mode=False)
    assert what == 'undone' and key['key_alias'] == 'alice'
    assert stub.requests[0]['body'] == {'key': 'a' * 64, 'key_alias': 'alice'}


def test_the_next_run_deletes_the_replaced_key_and_the_mark(stub):
    new = key_from_api({'key_alias': 'alice', 'token': 'b' * 64, 'metadata': {'owner': 'ops', REPLACES_KEY: 'a' * 64},
                        'created_at': '2026-01-10T00:00:00Z'})
    stub.reply(200, {}).reply(200, {'token': 'b' * 64, 'key_alias': 'alice', 'metadata': {'owner': 'ops'}})
    key, what = recover(store_for(stub.url), new, None, check_mode=False)
    assert what == 'finished' and key['metadata'] == {'owner': 'ops'}
    assert [r['body'] for r in stub.requests] == [{'keys': ['a' * 64]}, {'key': 'b' * 64, 'metadata': {'owner': 'ops'}}]


def test_recovery_in_check_mode_writes_nothing(stub):
    parked = dict(OLD, key_alias='alice--rotating')
    key, what = recover(store_for(stub.url), None, parked, check_mode=True)
    assert what == 'undone' and key['key_alias'] == 'alice' and stub.requests == []


def test_a_create_whose_answer_is_lost_returns_the_value_it_sent(stub):
    stub.reply(502, {})
    stub.reply(200, {'keys': [], 'total_pages': 0})  # not there yet: resend
    stub.reply(200, {'key': None, 'token': 'c' * 64, 'key_alias': 'bob'})
    created = store_for(stub.url).generate({'key_alias': 'bob'})
    first, resent = stub.requests[0]['body'], stub.requests[2]['body']
    assert first['key'] == resent['key']  # the same token: a resend can never make a second key
    assert created['value'] == first['key']


def test_a_proxy_that_refuses_given_values_gets_none(stub):
    stub.reply(403, {'detail': {'error': 'Custom API key values are disabled by your administrator.'}})
    stub.reply(200, {'key': 'sk-from-the-proxy-0000', 'token': 'd' * 64, 'key_alias': 'carol'})
    created = store_for(stub.url).generate({'key_alias': 'carol'})
    assert 'key' not in stub.requests[1]['body'] and created['value'] == 'sk-from-the-proxy-0000'


def test_the_landed_check_only_accepts_our_own_key(stub):
    stub.reply(502, {})
    stub.reply(200, {'keys': [{'key_alias': 'dave', 'token': hash_key('sk-someone-else-000000')}], 'total_pages': 1})
    stub.reply(400, {'error': {'message': 'Key with alias dave already exists', 'param': 'key_alias'}})
    # "already exists" is checked once more for our own token (a slow first attempt): still someone else's
    stub.reply(200, {'keys': [{'key_alias': 'dave', 'token': hash_key('sk-someone-else-000000')}], 'total_pages': 1})
    with pytest.raises(LiteLLMError) as err:
        store_for(stub.url).generate({'key_alias': 'dave'})
    assert 'already exists' in err.value.message
