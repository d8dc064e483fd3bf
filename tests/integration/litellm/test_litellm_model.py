"""litellm_model and litellm_model_info against the real proxy: lifecycle, check mode, diff, idempotency,
and the LiteLLM quirks the module exists for (non-unique names, write-only api_key, runtime defaults)."""
import pytest

from support import model_by_id, model_rows, run_module, unique, chat


def model_args(conn, **kw):
    args = dict(conn, model_name=kw.pop('model_name'), litellm_params=kw.pop('litellm_params'))
    args.update(kw)
    return args


def test_lifecycle_check_mode_diff_and_idempotency(conn, litellm_api, litellm_db):
    model_id, name = unique('lifecycle'), unique('gpt-4o')
    args = model_args(conn, model_name=name, model_id=model_id,
                      litellm_params={'model': 'openai/gpt-4o', 'api_key': 'sk-upstream-lifecycle-0001',
                                      'api_base': 'http://127.0.0.1:9/v1', 'rpm': 60},
                      model_info={'mode': 'chat'})

    predicted = run_module('litellm_model', args, check=True)
    assert predicted['changed'] and not predicted['failed'], predicted
    assert predicted['diff']['before'] == {}
    assert predicted['diff']['after']['litellm_params'] == {'model': 'openai/gpt-4o', 'api_base': 'http://127.0.0.1:9/v1',
                                                            'rpm': 60, 'api_key': '(write-only)'}
    assert model_by_id(litellm_api, model_id) is None and model_rows(litellm_db, model_id) == []

    created = run_module('litellm_model', args)
    assert created['changed'] and created['model']['model_id'] == model_id
    shown = model_by_id(litellm_api, model_id)
    assert shown['model_name'] == name
    assert shown['litellm_params']['api_base'] == 'http://127.0.0.1:9/v1' and shown['litellm_params']['rpm'] == 60
    assert shown['model_info']['mode'] == 'chat' and shown['model_info']['db_model'] is True
    assert [r['model_name'] for r in model_rows(litellm_db, model_id)] == [name]
    assert 'api_key' not in created['model']['litellm_params']

    assert run_module('litellm_model', args)['changed'] is False
    assert run_module('litellm_model', args, check=True)['changed'] is False

    changed_args = dict(args, litellm_params=dict(args['litellm_params'], rpm=30))
    predicted = run_module('litellm_model', changed_args, check=True)
    assert predicted['changed']
    assert predicted['diff'] == {'before': {'litellm_params': {'rpm': 60}}, 'after': {'litellm_params': {'rpm': 30}}}
    assert model_by_id(litellm_api, model_id)['litellm_params']['rpm'] == 60

    updated = run_module('litellm_model', changed_args)
    assert updated['changed'] and updated['diff']['after'] == {'litellm_params': {'rpm': 30}}
    assert model_by_id(litellm_api, model_id)['litellm_params']['rpm'] == 30
    assert run_module('litellm_model', changed_args)['changed'] is False

    absent = dict(conn, model_id=model_id, state='absent')
    predicted = run_module('litellm_model', absent, check=True)
    assert predicted['changed'] and predicted['diff']['before']['model_id'] == model_id
    assert model_rows(litellm_db, model_id)
    deleted = run_module('litellm_model', absent)
    assert deleted['changed'] and deleted['model'] is None
    assert model_by_id(litellm_api, model_id) is None and model_rows(litellm_db, model_id) == []
    assert run_module('litellm_model', absent)['changed'] is False


def test_found_by_name_when_unambiguous_and_renamed_by_id(conn, litellm_api, litellm_db):
    name = unique('by-name')
    args = model_args(conn, model_name=name, litellm_params={'model': 'openai/gpt-4o-mini'})
    created = run_module('litellm_model', args)
    model_id = created['model']['model_id']
    assert created['changed'] and model_rows(litellm_db, model_id)
    assert run_module('litellm_model', args)['changed'] is False

    updated = run_module('litellm_model', dict(args, litellm_params={'model': 'openai/gpt-4o-mini', 'tpm': 1000}))
    assert updated['changed'] and updated['model']['model_id'] == model_id
    assert model_by_id(litellm_api, model_id)['litellm_params']['tpm'] == 1000

    new_name = unique('renamed')
    renamed_args = dict(args, model_name=new_name, model_id=model_id,
                        litellm_params={'model': 'openai/gpt-4o-mini', 'tpm': 1000})
    renamed = run_module('litellm_model', renamed_args)
    assert renamed['diff'] == {'before': {'model_name': name}, 'after': {'model_name': new_name}}
    assert model_by_id(litellm_api, model_id)['model_name'] == new_name
    assert run_module('litellm_model', dict(conn, model_name=new_name, state='absent'))['changed']
    assert model_rows(litellm_db, model_id) == []


def test_load_balanced_deployments_share_a_name(conn, litellm_api, litellm_proxy, fake_upstream):
    """Guide scenario 4: several deployments under one model_name, each with its own model_id."""
    name = unique('lb')
    ids = [unique('east'), unique('west')]
    for model_id, key in zip(ids, ('sk-lb-east-0000000001', 'sk-lb-west-0000000002')):
        args = model_args(conn, model_name=name, model_id=model_id,
                          litellm_params={'model': 'openai/fake-lb', 'api_key': key, 'api_base': litellm_proxy.upstream_url})
        assert run_module('litellm_model', args)['changed']
        assert run_module('litellm_model', args)['changed'] is False
    listed = run_module('litellm_model_info', dict(conn, model_name=name))
    assert sorted(m['model_id'] for m in listed['models']) == sorted(ids)

    ambiguous = run_module('litellm_model', model_args(conn, model_name=name, litellm_params={'model': 'openai/fake-lb'}))
    assert ambiguous['failed'] and 'matches 2 deployments' in ambiguous['msg'] and 'set model_id' in ambiguous['msg']

    fake_upstream.clear()
    for dummy in range(20):
        assert chat(litellm_api, None, name).status_code == 200
    used_keys = set(r['headers'].get('Authorization') or r['headers'].get('authorization') for r in fake_upstream.requests())
    assert used_keys == {'Bearer sk-lb-east-0000000001', 'Bearer sk-lb-west-0000000002'}
    for model_id in ids:
        run_module('litellm_model', dict(conn, model_id=model_id, state='absent'))
    assert run_module('litellm_model_info', dict(conn, model_name=name))['models'] == []


def test_write_only_api_key_change_is_detected_through_the_digest(conn, litellm_api, litellm_proxy, fake_upstream):
    """LiteLLM never returns api_key; the module still notices a new key, and the proxy really uses it."""
    model_id, name = unique('secret'), unique('secret-model')
    params = {'model': 'openai/fake-secret', 'api_base': litellm_proxy.upstream_url}
    args = model_args(conn, model_name=name, model_id=model_id, litellm_params=dict(params, api_key='sk-provider-key-one-000'))

    def key_used_upstream():
        fake_upstream.clear()
        assert chat(litellm_api, None, name).status_code == 200
        return [r['headers'].get('Authorization') or r['headers'].get('authorization') for r in fake_upstream.requests()]

    assert run_module('litellm_model', args)['changed']
    assert key_used_upstream() == ['Bearer sk-provider-key-one-000']
    shown = model_by_id(litellm_api, model_id)
    assert 'api_key' not in shown['litellm_params']
    assert 'sk-provider-key-one-000' not in str(shown)
    assert run_module('litellm_model', args)['changed'] is False

    rotated = dict(args, litellm_params=dict(params, api_key='sk-provider-key-two-000'))
    predicted = run_module('litellm_model', rotated, check=True)
    assert predicted['changed']
    assert predicted['diff'] == {'before': {'litellm_params': {'api_key': '(write-only, differs)'}},
                                 'after': {'litellm_params': {'api_key': '(write-only, new value)'}}}
    assert key_used_upstream() == ['Bearer sk-provider-key-one-000']
    assert 'sk-provider-key' not in str(predicted)

    assert run_module('litellm_model', rotated)['changed']
    assert key_used_upstream() == ['Bearer sk-provider-key-two-000']
    assert run_module('litellm_model', rotated)['changed'] is False

    on_create = dict(rotated, litellm_params=dict(params, api_key='sk-provider-key-three-0'), update_secrets='on_create')
    assert run_module('litellm_model', on_create)['changed'] is False
    assert key_used_upstream() == ['Bearer sk-provider-key-two-000']
    run_module('litellm_model', dict(conn, model_id=model_id, state='absent'))


def test_runtime_defaults_and_cost_map_data_are_not_drift(conn, litellm_api):
    """Reads add use_in_pass_through & co. and the whole cost-map entry; none of it is the user's."""
    model_id = unique('defaults')
    args = model_args(conn, model_name=unique('gpt-4o'), model_id=model_id,
                      litellm_params={'model': 'openai/gpt-4o', 'timeout': 30, 'input_cost_per_token': 0.000001},
                      model_info={'mode': 'chat', 'base_model': 'gpt-4o', 'max_tokens': 1000, 'team': 'ops'})
    assert run_module('litellm_model', args)['changed']
    shown = model_by_id(litellm_api, model_id)
    assert 'use_in_pass_through' in shown['litellm_params']
    assert shown['model_info']['litellm_provider'] == 'openai'
    assert shown['model_info']['max_tokens'] == 1000 and shown['model_info']['team'] == 'ops'
    assert run_module('litellm_model', args)['changed'] is False
    run_module('litellm_model', dict(conn, model_id=model_id, state='absent'))


def test_model_info_lists_origin_and_never_secrets(conn, litellm_proxy):
    model_id = unique('info')
    args = model_args(conn, model_name=unique('info-model'), model_id=model_id,
                      litellm_params={'model': 'azure/gpt-4', 'api_key': 'azure-secret-key-info-0',
                                      'api_base': 'https://east.example.com/', 'api_version': '2024-06-01'})
    run_module('litellm_model', args)
    everything = run_module('litellm_model_info', conn)
    assert not everything['failed'] and everything['changed'] is False
    mine = [m for m in everything['models'] if m['model_id'] == model_id]
    assert len(mine) == 1 and mine[0]['origin'] == 'database'
    assert mine[0]['litellm_params']['api_version'] == '2024-06-01'
    assert 'azure-secret-key-info-0' not in str(everything)
    by_id = run_module('litellm_model_info', dict(conn, model_id=model_id))
    assert [m['model_id'] for m in by_id['models']] == [model_id]
    assert run_module('litellm_model_info', dict(conn, model_id=unique('nope')))['models'] == []
    config_only = run_module('litellm_model_info', dict(conn, origin='config'))
    assert all(m['origin'] == 'config' for m in config_only['models'])
    run_module('litellm_model', dict(conn, model_id=model_id, state='absent'))


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_config_file_models_are_reported_never_edited(conn, litellm_api, state):
    config_models = run_module('litellm_model_info', dict(conn, origin='config'))['models']
    if not config_models:
        pytest.fail('the harness proxy has no config-file model to test with')
    target = config_models[0]
    args = dict(conn, model_id=target['model_id'], state=state)
    if state == 'present':
        args.update(model_name=target['model_name'], litellm_params={'model': 'openai/changed'})
    result = run_module('litellm_model', args)
    assert result['failed'] and 'config file' in result['msg']
    assert model_by_id(litellm_api, target['model_id'])['litellm_params']['model'] == target['litellm_params']['model']
