"""Normalising and comparing model deployments (pure functions, no HTTP)."""
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import (
    SECRET_DIGEST_KEY, deployment_from_api, is_write_only, plan_update, secret_digests)


def test_write_only_follows_litellms_masker():
    for name in ('api_key', 'client_secret', 'azure_ad_token', 'vertex_credentials', 'aws_access_key_id',
                 'aws_session_token', 'db_password', 'x-auth-header'):
        assert is_write_only(name), name
    for name in ('api_base', 'api_version', 'max_tokens', 'input_cost_per_token', 'rpm', 'aws_region_name',
                 'organization'):
        assert not is_write_only(name), name


def test_digests_are_stable_keyed_and_reveal_nothing():
    a = secret_digests('sk-master-1', {'api_key': 'sk-provider'})
    assert a == secret_digests('sk-master-1', {'api_key': 'sk-provider'})
    assert a != secret_digests('sk-master-2', {'api_key': 'sk-provider'})
    assert a != secret_digests('sk-master-1', {'api_key': 'sk-provider2'})
    assert 'sk-provider' not in a['api_key'] and len(a['api_key']) == 40


API_ENTRY = {
    'model_name': 'm',
    'litellm_params': {'model': 'openai/gpt-4o', 'api_base': 'http://up/v1', 'rpm': 5,
                       'use_in_pass_through': False, 'azure_ad_token': 'abcd****wxyz'},
    'model_info': {'id': 'm-1', 'db_model': True, 'mode': 'chat', 'max_tokens': 16384, 'tpm': None,
                   SECRET_DIGEST_KEY: {'api_key': 'd1'}},
}


def test_deployment_from_api_drops_secrets_and_nulls():
    d = deployment_from_api(API_ENTRY)
    assert d['model_id'] == 'm-1' and d['origin'] == 'database'
    assert 'azure_ad_token' not in d['litellm_params']
    assert 'tpm' not in d['model_info']


def test_team_models_are_named_by_their_public_name():
    entry = dict(API_ENTRY, model_name='model_name_team1_uuid',
                 model_info={'id': 'x', 'team_public_model_name': 'gpt-4o'})
    d = deployment_from_api(entry)
    assert d['model_name'] == 'gpt-4o' and d['origin'] == 'config'


def desired(**kw):
    base = {'model_name': 'm', 'litellm_params': {'model': 'openai/gpt-4o', 'rpm': 5.0}, 'secrets': {},
            'model_info': {'mode': 'chat'}}
    base.update(kw)
    return base


def test_nothing_to_do_when_user_keys_match_and_runtime_defaults_are_ignored():
    current = deployment_from_api(API_ENTRY)
    assert plan_update(desired(), current, {}, 'always') == (None, {}, {})


def test_only_changed_keys_are_patched_and_shown():
    current = deployment_from_api(API_ENTRY)
    patch, before, after = plan_update(desired(litellm_params={'model': 'openai/gpt-4o', 'rpm': 9}), current,
                                       {}, 'always')
    assert patch == {'litellm_params': {'rpm': 9}}
    assert (before, after) == ({'litellm_params': {'rpm': 5}}, {'litellm_params': {'rpm': 9}})


def test_rename_is_a_patch():
    patch, before, after = plan_update(desired(model_name='m2'), deployment_from_api(API_ENTRY), {}, 'always')
    assert patch == {'model_name': 'm2'} and before == {'model_name': 'm'} and after == {'model_name': 'm2'}


def test_changed_secret_is_sent_with_its_new_digest_and_never_shown():
    current = deployment_from_api(API_ENTRY)
    patch, before, after = plan_update(desired(secrets={'api_key': 'sk-new'}), current, {'api_key': 'd2'}, 'always')
    assert patch['litellm_params'] == {'api_key': 'sk-new'}
    assert patch['model_info'] == {SECRET_DIGEST_KEY: {'api_key': 'd2'}}
    assert before == {'litellm_params': {'api_key': '(write-only, differs)'}}
    assert after == {'litellm_params': {'api_key': '(write-only, new value)'}}
    assert 'sk-new' not in repr((before, after))


def test_unchanged_secret_is_not_sent():
    current = deployment_from_api(API_ENTRY)
    assert plan_update(desired(secrets={'api_key': 'sk-same'}), current, {'api_key': 'd1'}, 'always')[0] is None


def test_secret_without_digest_counts_as_unknown_and_on_create_never_compares():
    entry = dict(API_ENTRY, model_info={'id': 'm-1', 'db_model': True, 'mode': 'chat'})
    current = deployment_from_api(entry)
    before = plan_update(desired(secrets={'api_key': 'k'}), current, {'api_key': 'd'}, 'always')[1]
    assert before['litellm_params']['api_key'] == '(write-only, unknown)'
    assert plan_update(desired(secrets={'api_key': 'k'}), current, {'api_key': 'd'}, 'on_create')[0] is None


def store_for(url):
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMClient
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import ModelStore
    return ModelStore(LiteLLMClient(url, 'sk-unit-master-key-00000000', sleep=lambda s: None),
                      consistency_timeout=1, sleep=lambda s: None)


def test_delete_that_landed_before_a_lost_answer_is_not_an_error(stub):
    stub.reply(502, {}).reply(400, {'error': {'message': "{'error': 'Model with id=m not found in db'}"}})
    store_for(stub.url).delete('m')
    assert [r['path'] for r in stub.requests] == ['/model/delete', '/model/delete']


def test_delete_of_a_config_model_still_fails(stub):
    import pytest
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMError
    stub.reply(400, {'error': {'message': 'Cannot delete config-based model'}})
    with pytest.raises(LiteLLMError):
        store_for(stub.url).delete('m')


def test_create_after_a_lost_answer_is_not_sent_twice_when_the_model_exists(stub):
    stub.reply(500, {}).reply(200, {'data': [dict(API_ENTRY, model_info={'id': 'm-1', 'db_model': True})]})
    store_for(stub.url).create({'model_name': 'm', 'litellm_params': {}, 'model_info': {'id': 'm-1'}})
    assert [r['method'] for r in stub.requests] == ['POST', 'GET']


def test_wait_names_the_fields_that_never_showed(stub):
    import pytest
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMError
    for dummy in range(50):
        stub.reply(200, {'data': [API_ENTRY]})
    clock = iter(range(100))
    store = store_for(stub.url)
    store.clock = lambda: next(clock)
    with pytest.raises(LiteLLMError) as err:
        store.wait_until('m-1', lambda d: ['litellm_params.rpm'], 'update')
    assert 'after the update the proxy still does not show litellm_params.rpm' in err.value.message
