"""Rotation edge case: when creating the replacement fails, the old key gets its alias back."""
import datetime

import pytest

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMClient, LiteLLMError
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_keys import UTC, KeyStore, key_from_api, rotate

OLD = key_from_api({'key_alias': 'alice', 'token': 'a' * 64, 'models': ['m'], 'max_budget': 5.0,
                    'metadata': {'owner': 'ops'}, 'created_at': '2026-01-01T00:00:00Z',
                    'expires': '2026-01-31T00:00:00Z'})
NOW = datetime.datetime(2026, 1, 10, tzinfo=UTC)


def store_for(url):
    return KeyStore(LiteLLMClient(url, 'sk-unit-master-key-00000000', sleep=lambda s: None))


def test_rotation_parks_the_old_key_creates_the_new_one_then_deletes_the_old(stub):
    stub.reply(200, {}).reply(200, {'key': 'sk-new-value-000000', 'token': 'b' * 64, 'key_alias': 'alice'})
    stub.reply(200, {'deleted_keys': ['a' * 64]})
    created = rotate(store_for(stub.url), OLD, {}, None, NOW)
    assert created['value'] == 'sk-new-value-000000' and created['key']['token'] == 'b' * 64
    park, generate, delete = [r['body'] for r in stub.requests]
    assert park == {'key': 'a' * 64, 'key_alias': 'alice--rotating-' + 'a' * 12}
    assert generate['key_alias'] == 'alice' and generate['models'] == ['m'] and generate['max_budget'] == 5.0
    assert generate['metadata'] == {'owner': 'ops'}
    assert generate['duration'] == '%ds' % (21 * 86400)  # same expiry as the old key
    assert delete == {'keys': ['a' * 64]}


def test_failed_rotation_gives_the_old_key_its_alias_back(stub):
    stub.reply(200, {}).reply(400, {'error': {'message': 'bad request'}}).reply(200, {})
    with pytest.raises(LiteLLMError):
        rotate(store_for(stub.url), OLD, {}, None, NOW)
    assert stub.requests[-1]['body'] == {'key': 'a' * 64, 'key_alias': 'alice'}
    assert len(stub.requests) == 3
