"""Normalising and comparing model deployments (pure functions, no HTTP)."""
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import (
    SECRET_DIGEST_KEY, deployment_from_api, is_write_only, plan_update, secret_digests, spec_from_config_entry)


def test_write_only_follows_litellms_masker():
    for name in ('api_key', 'client_secret', 'azure_ad_token', 'vertex_credentials', 'aws_access_key_id',
                 'aws_session_token', 'db_password', 'x-auth-header'):
        assert is_write_only(name), name
    for name in ('api_base', 'api_version', 'max_tokens', 'input_cost_per_token', 'rpm', 'aws_region_name',
                 'organization', 'litellm_credential_name', 'default_api_key_rpm_limit'):
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
    assert patch['litellm_params'] == {'api_key': 'sk-new'}  # use_in_pass_through is false: nothing to keep
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
    seen, failed = store.wait_for({'m-1': (lambda d: ['litellm_params.rpm'], 'update', 2)})
    assert 'after the update the proxy still does not show litellm_params.rpm' in failed['m-1']


def model_spec(**kw):
    base = {'model_name': 'm', 'model_id': None, 'state': 'present', 'model_info': None,
            'litellm_params': {'model': 'openai/x', 'api_base': None, 'extra': None, 'extra_secrets': None}}
    base.update(kw)
    return base


def test_a_secret_nested_in_a_readable_parameter_is_refused_naming_it():
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import desired_state
    headers = {'Authorization': 'Bearer s', 'X-Trace': 'on'}
    spec = model_spec(litellm_params={'model': 'openai/x', 'extra': {'extra_headers': headers}})
    errors = desired_state(spec)[1]
    assert errors == ['litellm_params.extra.extra_headers.Authorization is masked by LiteLLM on read, so it can never '
                      'be compared: put extra_headers in litellm_params.extra_secrets']
    assert 'Bearer' not in repr(errors)


def test_masked_values_are_dropped_at_any_depth_on_read():
    entry = dict(API_ENTRY, litellm_params={'model': 'openai/x', 'extra_headers': {'Authorization': 'Bear*****r s',
                                                                                   'X-Trace': 'on'}})
    assert deployment_from_api(entry)['litellm_params']['extra_headers'] == {'X-Trace': 'on'}


def test_environment_references_are_compared_like_secrets_and_shown_as_written():
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import desired_state, plan_update
    wanted = desired_state(model_spec(litellm_params={'model': 'openai/x', 'api_base': 'os.environ/GRANITE_URL'}))[0]
    assert wanted['secrets'] == {'api_base': 'os.environ/GRANITE_URL'} and 'api_base' not in wanted['litellm_params']
    # 1.106 shows the resolved URL: that is not a change.
    resolved = deployment_from_api(dict(API_ENTRY, litellm_params={'model': 'openai/x', 'api_base': 'http://g/v1'},
                                        model_info={'id': 'm-1', 'db_model': True,
                                                    SECRET_DIGEST_KEY: {'api_base': 'dg'}}))
    assert plan_update(wanted, resolved, {'api_base': 'dg'}, 'always')[0] is None
    after = plan_update(wanted, resolved, {'api_base': 'other'}, 'always')[2]
    assert after['litellm_params'] == {'api_base': 'os.environ/GRANITE_URL'}


def test_a_litellm_params_patch_resends_the_flags_it_would_reset():
    current = deployment_from_api(dict(API_ENTRY, litellm_params=dict(API_ENTRY['litellm_params'],
                                                                      merge_reasoning_content_in_choices=True)))
    patch = plan_update(desired(litellm_params={'model': 'openai/gpt-4o', 'rpm': 9}), current, {}, 'always')[0]
    assert patch == {'litellm_params': {'rpm': 9, 'merge_reasoning_content_in_choices': True}}


def test_model_info_keys_litellm_owns_are_refused():
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import desired_state
    for name in ('blocked', 'created_at', 'direct_access', 'team_id'):
        errors = desired_state(model_spec(model_info={name: 'x'}))[1]
        assert errors and errors[0].startswith('model_info.%s ' % name), name


def test_an_unknown_custom_llm_provider_is_refused():
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_validation import validate_deployment
    errors = validate_deployment('m', {'model': 'openai/x', 'custom_llm_provider': 'opnai'})
    assert errors == ["litellm_params.custom_llm_provider has unknown provider 'opnai' (did you mean 'openai'?)"]


def test_a_create_without_model_id_gets_an_id_from_the_name():
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import model_id_for
    assert model_id_for('gpt-4o') == model_id_for('gpt-4o') != model_id_for('gpt-4o-mini')


def test_alias_rows_carrying_a_deployments_id_are_ignored(stub):
    stub.reply(200, {'data': [API_ENTRY, dict(API_ENTRY, model_name='an-alias')]})
    assert [d['model_name'] for d in store_for(stub.url).list()] == ['m']


def test_a_create_the_router_refuses_is_deleted_again_and_not_resent(stub):
    import pytest
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMError
    stub.reply(500, {'error': {'message': 'Model create was saved to the database, but it is not live in this '
                                          "pod's router"}})
    stub.reply(200, {'message': 'deleted'})
    with pytest.raises(LiteLLMError) as err:
        store_for(stub.url).create({'model_name': 'm', 'litellm_params': {}, 'model_info': {'id': 'm-1'}})
    assert 'router refuses to serve it' in err.value.message and 'deleted again' in err.value.message
    assert [(r['method'], r['path']) for r in stub.requests] == [('POST', '/model/new'), ('POST', '/model/delete')]


def test_a_delete_the_router_still_serves_converges_once_the_database_has_no_row(stub):
    """1.81's periodic reload re-adds a deployment it read just before the delete: the database is the truth."""
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import converge, deletion
    stub.reply(200, {'data': [API_ENTRY]})  # the only read before the (fake) clock runs out
    stub.reply(400, {'error': {'message': "{'error': 'Model with id=m-1 not found in db'}"}})
    stub.reply(200, {'status': 'healthy', 'litellm_version': '1.81.15'})
    clock = iter(range(100))
    store = store_for(stub.url)
    store.clock = lambda: next(clock)
    seen, failed, warnings = converge(store, [deletion(deployment_from_api(API_ENTRY))])
    assert failed == {} and 'is deleted from LiteLLM\'s database' in warnings[0]
    # LiteLLM before 1.106 never drops it from a replica's router when the database holds no model at all.
    assert 'until the pod restarts' in warnings[0]
    assert [r['path'] for r in stub.requests[-2:]] == ['/model/delete', '/health/readiness']


def test_a_config_file_entry_becomes_the_options_of_one_deployment():
    entry = {'model_name': 'granite', 'model_info': {'id': 7, 'max_tokens': 8192},
             'litellm_params': {'model': 'openai/granite', 'api_key': 'k', 'rpm': 10, 'drop_params': True,
                                'client_secret': 's', 'extra_headers': {'Authorization': 'Bearer t'},
                                'extra_body': {'top_k': 5}}}
    assert spec_from_config_entry(entry) == {
        'model_name': 'granite', 'model_id': '7', 'state': 'present', 'model_info': {'max_tokens': 8192},
        'litellm_params': {'model': 'openai/granite', 'api_key': 'k', 'rpm': 10,
                           'extra': {'drop_params': True, 'extra_body': {'top_k': 5}},
                           'extra_secrets': {'client_secret': 's', 'extra_headers': {'Authorization': 'Bearer t'}}}}
    assert spec_from_config_entry({'model_name': 'm', 'litellm_params': {'model': 'openai/m'}}) == {
        'model_name': 'm', 'model_id': None, 'state': 'present', 'model_info': None,
        'litellm_params': {'model': 'openai/m'}}


def spec_of(**kw):
    return dict({'model_name': 'm', 'model_id': None, 'state': 'present'}, **kw)


def test_a_row_the_answering_pod_does_not_serve_yet_is_compared_not_created_again():
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import plan_entry
    stored = deployment_from_api(API_ENTRY)
    change, not_served = plan_entry(spec_of(), desired(), None, stored, {}, 'always')
    assert change.action == 'none' and change.current['origin'] == 'database' and not_served
    faster = desired(litellm_params={'model': 'openai/gpt-4o', 'rpm': 9})
    change, not_served = plan_entry(spec_of(), faster, None, stored, {}, 'always')
    assert (change.action, change.body, not_served) == ('update', {'litellm_params': {'rpm': 9}}, False)
    assert plan_entry(spec_of(state='absent'), desired(), None, stored, {}, 'always')[0].action == 'delete'


def test_a_row_of_another_name_or_one_the_router_refuses_is_not_taken_for_the_entry():
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import plan_entry
    stored = deployment_from_api(API_ENTRY)
    assert plan_entry(spec_of(model_name='other'), desired(model_name='other'), None, stored, {}, 'always')[0].action \
        == 'create'
    assert plan_entry(spec_of(model_name='other', state='absent'), desired(), None, stored, {}, 'always')[0].action \
        == 'none'
    refused = dict(stored, litellm_params=dict(stored['litellm_params'], custom_llm_provider='bogus'))
    assert plan_entry(spec_of(), desired(), None, refused, {}, 'always')[0].action == 'create'


def test_a_row_no_read_shows_served_after_a_reload_is_taken_as_refused(stub):
    """review-2 N7: a known provider does not make a row servable; one no pod serves within a reload interval is
    replaced by a create, never reported as "not served yet" for ever."""
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import plan_entry, refused_rows
    stored = deployment_from_api(API_ENTRY)
    stub.reply(200, {'data': []}).reply(200, {'data': [API_ENTRY]})  # another pod, after its reload, serves it
    store = store_for(stub.url)
    store.consistency_timeout = 90
    assert refused_rows(store, [stored]) == set()
    stub.reply(200, {'data': []}).reply(200, {'data': []})
    clock = iter([0, 0, 1000, 1000])
    store.clock = lambda: next(clock)
    assert refused_rows(store, [stored]) == {'m-1'}
    change, not_served = plan_entry(spec_of(), desired(), None, stored, {}, 'always', refused=True)
    assert change.action == 'create' and not not_served


def test_a_create_some_read_saw_served_is_not_rolled_back_on_the_last_read_alone(stub):
    """review-2 N6: through a replica that has not reloaded the last read misses a deployment another pod served;
    it stays (reported as not converged), only one no read ever saw is deleted again."""
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import ModelChange, converge
    stub.reply(200, {'data': [API_ENTRY]})  # pod A serves it
    stub.reply(200, {'data': []})           # pod B has not reloaded, then the (fake) clock runs out
    clock = iter([0, 0, 1000, 1000])
    store = store_for(stub.url)
    store.clock = lambda: next(clock)
    change = ModelChange('create', 'm-1', body={'model_info': {'id': 'm-1'}})
    change.pending = lambda deployment: [] if deployment else ['model_id']
    seen, failed, warnings = converge(store, [change])
    assert 'm-1' in failed and 'still does not show' in failed['m-1']
    assert [r['method'] for r in stub.requests] == ['GET', 'GET']  # no delete
