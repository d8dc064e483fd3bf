"""litellm_key and litellm_key_info against the real proxy: lifecycle, check mode, diff, idempotency, real
authentication through the proxy, and the quirks (metadata replaced on update, duration resets expiry)."""
import hashlib
import time

import pytest

from support import chat, key_rows, rows, run_module, unique


@pytest.fixture(scope='module')
def chat_model(conn, litellm_proxy):
    """A model served by the fake upstream, so keys can make real completions through the proxy."""
    name = unique('key-test-model')
    result = run_module('litellm_model', dict(conn, model_name=name, litellm_params={
        'model': 'openai/fake-key-test', 'api_key': 'sk-upstream-for-keys-00', 'api_base': litellm_proxy.upstream_url}))
    assert result['changed'], result
    yield name
    run_module('litellm_model', dict(conn, model_name=name, state='absent'))


def test_lifecycle_with_real_authentication(conn, litellm_api, litellm_db, chat_model):
    alias = unique('user-alice')
    args = dict(conn, key_alias=alias, models=[chat_model], user_id='alice@example.com', max_budget=100,
                duration='30d', metadata={'user_email': 'alice@example.com', 'description': 'User access key'})

    predicted = run_module('litellm_key', args, check=True)
    assert predicted['changed'] and 'api_key' not in predicted
    assert predicted['diff']['after']['models'] == [chat_model] and predicted['diff']['after']['max_budget'] == 100
    assert key_rows(litellm_db, alias) == []

    created = run_module('litellm_key', args)
    assert created['changed'] and created['api_key'].startswith('sk-')
    value = created['api_key']
    row = key_rows(litellm_db, alias)[0]
    assert row['token'] == hashlib.sha256(value.encode()).hexdigest()
    assert row['models'] == [chat_model] and row['max_budget'] == 100 and row['user_id'] == 'alice@example.com'
    assert row['metadata'] == {'user_email': 'alice@example.com', 'description': 'User access key'}
    assert abs((row['expires'] - row['created_at']).total_seconds() - 30 * 86400) < 60
    assert value not in str(created['key'])
    assert chat(litellm_api, value, chat_model).status_code == 200
    assert chat(litellm_api, value, 'some-other-model').status_code in (400, 401, 403)

    again = run_module('litellm_key', args)
    assert again['changed'] is False and 'api_key' not in again
    assert key_rows(litellm_db, alias)[0]['expires'] == row['expires']

    more = dict(args, max_budget=200)
    predicted = run_module('litellm_key', more, check=True)
    assert predicted['diff'] == {'before': {'max_budget': 100.0}, 'after': {'max_budget': 200.0}}
    assert key_rows(litellm_db, alias)[0]['max_budget'] == 100
    assert run_module('litellm_key', more)['changed']
    assert key_rows(litellm_db, alias)[0]['max_budget'] == 200
    assert run_module('litellm_key', more)['changed'] is False

    blocked = run_module('litellm_key', dict(more, blocked=True))
    assert blocked['changed'] and blocked['diff'] == {'before': {'blocked': False}, 'after': {'blocked': True}}
    assert key_rows(litellm_db, alias)[0]['blocked'] is True
    assert chat(litellm_api, value, chat_model).status_code == 401
    assert run_module('litellm_key', dict(more, blocked=True))['changed'] is False
    assert run_module('litellm_key', dict(more, blocked=False))['changed']
    assert chat(litellm_api, value, chat_model).status_code == 200

    absent = dict(conn, key_alias=alias, state='absent')
    assert run_module('litellm_key', absent, check=True)['changed']
    assert key_rows(litellm_db, alias)
    assert run_module('litellm_key', absent)['changed']
    assert key_rows(litellm_db, alias) == []
    assert rows(litellm_db, 'SELECT token FROM "LiteLLM_DeletedVerificationToken" WHERE token = %s', row['token'])
    assert chat(litellm_api, value, chat_model).status_code == 401
    assert run_module('litellm_key', absent)['changed'] is False


def test_metadata_fields_the_user_does_not_manage_survive_an_update(conn, litellm_api, litellm_db):
    """/key/update replaces metadata; model_rpm_limit & co. live in metadata and would be wiped."""
    alias = unique('meta')
    created = run_module('litellm_key', dict(conn, key_alias=alias, metadata={'owner': 'ops'}))
    token = created['key']['token']
    r = litellm_api.post('/key/update', json={'key': token, 'model_rpm_limit': {'gpt-4o': 3}, 'tpm_limit': 500})
    assert r.status_code == 200, r.text
    assert key_rows(litellm_db, alias)[0]['metadata'].get('model_rpm_limit') == {'gpt-4o': 3}

    result = run_module('litellm_key', dict(conn, key_alias=alias, metadata={'owner': 'ops', 'ticket': 'T-1'}))
    assert result['changed'] and result['diff'] == {'before': {'metadata': {'ticket': None}},
                                                    'after': {'metadata': {'ticket': 'T-1'}}}
    metadata = key_rows(litellm_db, alias)[0]['metadata']
    assert metadata['owner'] == 'ops' and metadata['ticket'] == 'T-1'
    assert metadata['model_rpm_limit'] == {'gpt-4o': 3}
    assert key_rows(litellm_db, alias)[0]['tpm_limit'] == 500
    assert run_module('litellm_key', dict(conn, key_alias=alias, metadata={'ticket': 'T-1'}))['changed'] is False
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_duration_is_counted_from_creation_and_never_extended_by_reruns(conn, litellm_db):
    alias = unique('expiry')
    args = dict(conn, key_alias=alias, duration='30d')
    run_module('litellm_key', args)
    # Pretend the key was made ten days ago: a rerun must not move its expiry to now + 30d.
    rows(litellm_db, 'UPDATE "LiteLLM_VerificationToken" SET created_at = created_at - interval \'10 days\', '
                     'expires = expires - interval \'10 days\' WHERE key_alias = %s', alias)
    before = key_rows(litellm_db, alias)[0]
    assert run_module('litellm_key', args)['changed'] is False
    assert key_rows(litellm_db, alias)[0]['expires'] == before['expires']

    longer = run_module('litellm_key', dict(args, duration='60d'))
    assert longer['changed'] and list(longer['diff']['after']) == ['expires']
    row = key_rows(litellm_db, alias)[0]
    assert abs((row['expires'] - row['created_at']).total_seconds() - 60 * 86400) < 120
    assert run_module('litellm_key', dict(args, duration='60d'))['changed'] is False

    never = run_module('litellm_key', dict(args, duration='never'))
    assert never['changed'] and key_rows(litellm_db, alias)[0]['expires'] is None
    assert run_module('litellm_key', dict(args, duration='never'))['changed'] is False
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_rotation_without_enterprise_keeps_alias_and_settings(conn, litellm_api, litellm_db, chat_model):
    alias = unique('rotate')
    args = dict(conn, key_alias=alias, models=[chat_model], max_budget=7, duration='30d', metadata={'owner': 'ops'})
    old_value = run_module('litellm_key', args)['api_key']
    old_row = key_rows(litellm_db, alias)[0]

    predicted = run_module('litellm_key', dict(args, regenerate=True), check=True)
    assert predicted['changed'] and 'api_key' not in predicted
    assert key_rows(litellm_db, alias)[0]['token'] == old_row['token']

    rotated = run_module('litellm_key', dict(args, regenerate=True))
    new_value = rotated['api_key']
    assert rotated['changed'] and new_value != old_value
    new_row = key_rows(litellm_db, alias)[0]
    assert new_row['token'] == hashlib.sha256(new_value.encode()).hexdigest()
    assert (new_row['models'], new_row['max_budget'], new_row['metadata']) == ([chat_model], 7, {'owner': 'ops'})
    assert abs((new_row['expires'] - old_row['expires']).total_seconds()) < 120
    assert len(rows(litellm_db, 'SELECT 1 FROM "LiteLLM_VerificationToken" WHERE key_alias LIKE %s', alias + '%')) == 1
    assert chat(litellm_api, old_value, chat_model).status_code == 401
    assert chat(litellm_api, new_value, chat_model).status_code == 200
    assert run_module('litellm_key', args)['changed'] is False
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_user_supplied_key_value(conn, litellm_api, litellm_db, chat_model):
    alias = unique('custom')
    value = 'sk-custom-' + unique('v') + '-0123456789'
    args = dict(conn, key_alias=alias, key=value, models=[chat_model])
    created = run_module('litellm_key', args)
    assert created['changed'] and key_rows(litellm_db, alias)[0]['token'] == hashlib.sha256(value.encode()).hexdigest()
    assert run_module('litellm_key', args)['changed'] is False
    assert chat(litellm_api, value, chat_model).status_code == 200

    taken = run_module('litellm_key', dict(conn, key_alias=unique('other'), key=value))
    assert taken['failed'] and 'already belongs to another key' in taken['msg']

    second = 'sk-custom-' + unique('w') + '-0123456789'
    changed = run_module('litellm_key', dict(args, key=second))
    assert changed['changed'] and key_rows(litellm_db, alias)[0]['token'] == hashlib.sha256(second.encode()).hexdigest()
    assert chat(litellm_api, value, chat_model).status_code == 401
    assert chat(litellm_api, second, chat_model).status_code == 200
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_team_keys(conn, litellm_api, litellm_db):
    team_id = unique('team')
    r = litellm_api.post('/team/new', json={'team_id': team_id, 'team_alias': team_id})
    assert r.status_code == 200, r.text
    alias = unique('team-key')
    assert run_module('litellm_key', dict(conn, key_alias=alias, team_id=team_id))['changed']
    assert key_rows(litellm_db, alias)[0]['team_id'] == team_id
    listed = run_module('litellm_key_info', dict(conn, team_id=team_id))
    assert [k['key_alias'] for k in listed['virtual_keys']] == [alias]
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))
    litellm_api.post('/team/delete', json={'team_ids': [team_id]})


def test_key_info_reports_spend_budget_expiry_and_status_never_the_value(conn, litellm_api, litellm_db, chat_model):
    user = unique('bob') + '@example.com'
    values = {}
    for suffix, extra in (('a', {}), ('b', {'blocked': True}), ('c', {'duration': '1s'})):
        alias = 'info-%s-%s' % (user, suffix)
        values[alias] = run_module('litellm_key', dict(conn, key_alias=alias, user_id=user, models=[chat_model],
                                                       max_budget=10, **extra))['api_key']
    assert chat(litellm_api, values['info-%s-a' % user], chat_model).status_code == 200
    time.sleep(1.5)  # let the one-second key expire

    result = run_module('litellm_key_info', dict(conn, user_id=user))
    assert result['changed'] is False
    keys = dict((k['key_alias'], k) for k in result['virtual_keys'])
    assert sorted(keys) == sorted(values)
    assert keys['info-%s-a' % user]['status'] == 'active'
    assert keys['info-%s-b' % user]['status'] == 'blocked'
    assert keys['info-%s-c' % user]['status'] == 'expired'
    assert all(k['max_budget'] == 10 and k['budget_remaining'] <= 10 for k in keys.values())
    for value in values.values():
        assert value not in str(result) and value[-4:] in str(result)
    single = run_module('litellm_key_info', dict(conn, key_alias='info-%s-a' % user))
    assert [k['key_alias'] for k in single['virtual_keys']] == ['info-%s-a' % user]
    for alias in values:
        run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_key_info_reads_every_page(conn, litellm_api):
    """More keys than one /key/list page (100): all are returned."""
    user = unique('fleet') + '@example.com'
    for n in range(130):
        r = litellm_api.post('/key/generate', json={'key_alias': '%s-%03d' % (user, n), 'user_id': user})
        assert r.status_code == 200, r.text
    result = run_module('litellm_key_info', dict(conn, user_id=user))
    assert len(result['virtual_keys']) == 130
    r = litellm_api.post('/key/delete', json={'key_aliases': ['%s-%03d' % (user, n) for n in range(130)]})
    assert r.status_code == 200, r.text
