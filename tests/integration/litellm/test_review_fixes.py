"""The findings of the module review (docs: ../../../docs/models.md, keys.md) against the real proxy, on every
matrix version: each test failed on the collection before the fix."""
import datetime
import hashlib

import pytest

from support import (chat, delete_models_named, key_rows, model_by_id, model_rows, rows, run_module, table_counts,
                     unique)

UTC = datetime.timezone.utc


def backdate(db, alias, days):
    rows(db, 'UPDATE "LiteLLM_VerificationToken" SET created_at = created_at - %s * interval \'1 day\', '
             'expires = expires - %s * interval \'1 day\' WHERE key_alias = %s', days, days, alias)


def db_now():
    """Now as LiteLLM's database columns hold times: UTC, without a zone."""
    return datetime.datetime.now(UTC).replace(tzinfo=None)


def lifetime(row):
    return (row['expires'] - row['created_at']).total_seconds()


# ---------------------------------------------------------------------------------------------------- models

def test_an_environment_reference_converges_where_litellm_resolves_it(conn, litellm_api, litellm_proxy, litellm_db,
                                                                      fake_upstream):
    """1.106 shows the resolved value of os.environ/ references on read: the task used to PATCH and time out.
    1.81 resolves references in credentials only: in any other parameter the reference is refused."""
    name = unique('env-ref')
    args = dict(conn, model_name=name, consistency_timeout=20, litellm_params={
        'model': 'openai/fake-env', 'api_base': 'os.environ/HARNESS_UPSTREAM_URL', 'api_key': 'sk-upstream-env-0001'})
    if litellm_proxy.version.startswith('1.81.'):
        before = table_counts(litellm_db)
        refused = run_module('litellm_model', args)
        assert refused['failed'] and refused['msg'].startswith('litellm_params.api_base: LiteLLM 1.81.15 resolves')
        assert table_counts(litellm_db) == before
        # A reference in a credential works there, and converges.
        args['litellm_params'].update(api_base=litellm_proxy.upstream_url, api_key='os.environ/HARNESS_UPSTREAM_URL')
    created = run_module('litellm_model', args)
    assert created['changed'] and not created['failed'], created
    if not litellm_proxy.version.startswith('1.81.'):  # a reference is shown as written (a no_log option is masked)
        assert created['diff']['after']['litellm_params']['api_base'] == 'os.environ/HARNESS_UPSTREAM_URL'
    assert run_module('litellm_model', args)['changed'] is False
    fake_upstream.clear()
    assert chat(litellm_api, None, name).status_code == 200  # the reference resolves on the proxy
    other = dict(args['litellm_params'], api_key='os.environ/NO_SUCH_VARIABLE')
    changed = run_module('litellm_model', dict(args, litellm_params=other), check=True)
    assert changed['changed'] and list(changed['diff']['after']['litellm_params']) == ['api_key']
    run_module('litellm_model', dict(conn, model_name=name, state='absent'))


def test_a_secret_nested_in_a_parameter_is_refused_and_works_as_extra_secret(conn, litellm_db, litellm_api):
    name = unique('nested')
    header = 'Bearer upstream-token-nested-0001'
    params = {'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1',
              'extra': {'extra_headers': {'Authorization': header, 'X-Trace': 'on'}}}
    before = table_counts(litellm_db)
    refused = run_module('litellm_model', dict(conn, model_name=name, litellm_params=params))
    assert refused['failed'] and 'litellm_params.extra.extra_headers.Authorization' in refused['msg']
    assert header not in str(refused) and table_counts(litellm_db) == before

    secret = dict(params, extra=None, extra_secrets={'extra_headers': {'Authorization': header, 'X-Trace': 'on'}})
    args = dict(conn, model_name=name, litellm_params=secret, consistency_timeout=20)
    predicted = run_module('litellm_model', args, check=True)
    assert predicted['changed'] and header not in str(predicted)
    created = run_module('litellm_model', args)
    assert created['changed'] and not created['failed'], created
    assert header not in str(created) and 'Bear' not in str(created['model'])
    again = run_module('litellm_model', args)
    assert again['changed'] is False and header not in str(again)
    run_module('litellm_model', dict(conn, model_name=name, state='absent'))


@pytest.mark.parametrize('extra_name', ['client_secret', 'api_key'])
def test_a_credential_refused_in_extra_is_kept_out_of_the_failure(conn, litellm_db, extra_name):
    """review-2 N5: the refused value appeared in clear in invocation.module_args of the failed task."""
    secret = 'sk-refused-in-extra-%s-5e6f' % extra_name
    # nested at any depth under a credential name, or the credential itself
    value = {'nested': [secret]} if extra_name == 'client_secret' else secret
    params = {'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1', 'extra': {extra_name: value}}
    before = table_counts(litellm_db)
    single = run_module('litellm_model', dict(conn, model_name=unique('refused'), litellm_params=params))
    bulk = run_module('litellm_models', dict(conn, models=[{'model_name': unique('refused'), 'litellm_params': params}]))
    for result in (single, bulk):
        assert result['failed'] and 'litellm_params.extra.%s' % extra_name in result['msg'], result
        assert secret not in str(result)
    assert table_counts(litellm_db) == before


def test_purge_keeps_the_deployments_of_an_entry_that_failed(conn, litellm_api, litellm_db):
    """review-2 N4: two tagged deployments of one name make the entry fail (ambiguous); purge used to delete both,
    leaving none of a model the task declares."""
    name, tag = unique('purge-protect'), unique('tag')
    spec = {'model_name': name, 'litellm_params': {'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1'},
            'model_info': {'rhpds_litemaas_tag': tag}}
    for dummy in range(2):
        litellm_api.post('/model/new', json=spec).raise_for_status()

    def stored_ids():
        return sorted(r['model_id'] for r in rows(litellm_db, 'SELECT model_id FROM "LiteLLM_ProxyModelTable" '
                                                              'WHERE model_name = %s', name))
    ids = stored_ids()
    assert len(ids) == 2
    try:
        result = run_module('litellm_models', dict(conn, purge=True, purge_selector={'tag': tag}, consistency_timeout=20,
                                                   models=[{'model_name': name, 'litellm_params': {
                                                       'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1'}}]))
        assert result['failed'], result
        assert 'purge kept' in str(result.get('warnings')), result
        assert stored_ids() == ids
    finally:
        delete_models_named(litellm_api, name)


def test_a_deployment_the_router_refuses_is_never_written(conn, litellm_db):
    name = unique('bogus')
    before = table_counts(litellm_db)
    result = run_module('litellm_model', dict(conn, model_name=name, litellm_params={
        'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1', 'custom_llm_provider': 'bogus'}))
    assert result['failed'] and "custom_llm_provider has unknown provider 'bogus'" in result['msg']
    assert table_counts(litellm_db) == before


def store_unserved(api, db, model_id, name):
    """A row LiteLLM stores but its router refuses (as earlier versions of the collection left them)."""
    api.post('/model/new', json={'model_name': name, 'model_info': {'id': model_id}, 'litellm_params': {
        'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1', 'custom_llm_provider': 'bogus'}})
    assert model_rows(db, model_id) and model_by_id(api, model_id) is None


def test_absent_removes_a_row_no_router_serves_and_present_replaces_it(conn, litellm_api, litellm_db):
    from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import model_id_for

    model_id, name = unique('unserved'), unique('unserved-name')
    store_unserved(litellm_api, litellm_db, model_id, name)
    absent = dict(conn, model_id=model_id, state='absent')
    assert run_module('litellm_model', absent, check=True)['changed'] and model_rows(litellm_db, model_id)
    assert run_module('litellm_model', absent)['changed'] and model_rows(litellm_db, model_id) == []
    assert run_module('litellm_model', absent)['changed'] is False

    store_unserved(litellm_api, litellm_db, model_id, name)
    present = dict(conn, model_id=model_id, model_name=name, consistency_timeout=20,
                   litellm_params={'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1'})
    replaced = run_module('litellm_model', present)
    assert replaced['changed'] and not replaced['failed'], replaced
    assert model_by_id(litellm_api, model_id) and len(model_rows(litellm_db, model_id)) == 1
    run_module('litellm_model', absent)

    # Without a model_id, by name: the row has the id a create gives the name.
    store_unserved(litellm_api, litellm_db, model_id_for(name), name)
    by_name = dict(conn, model_name=name, state='absent')
    assert run_module('litellm_model', by_name)['changed'] and model_rows(litellm_db, model_id_for(name)) == []


def test_a_patch_keeps_the_flags_litellm_would_reset(conn, litellm_api):
    name = unique('flags')
    params = {'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1', 'rpm': 10,
              'extra': {'merge_reasoning_content_in_choices': True}}
    args = dict(conn, model_name=name, litellm_params=params, consistency_timeout=20)
    model_id = run_module('litellm_model', args)['model']['model_id']
    changed = run_module('litellm_model', dict(args, litellm_params=dict(params, rpm=20)))
    assert changed['changed'] and not changed['failed'], changed
    shown = model_by_id(litellm_api, model_id)['litellm_params']
    assert shown['rpm'] == 20 and shown['merge_reasoning_content_in_choices'] is True
    # A flag set in the Admin UI (not managed by the task) survives a change too.
    assert litellm_api.patch('/model/%s/update' % model_id, json={'litellm_params': {'use_litellm_proxy': True}}).ok
    changed = run_module('litellm_model', dict(args, litellm_params=dict(params, rpm=30)))
    assert not changed['failed'], changed
    assert model_by_id(litellm_api, model_id)['litellm_params']['use_litellm_proxy'] is True
    run_module('litellm_model', dict(conn, model_id=model_id, state='absent'))


def test_model_info_keys_litellm_owns_are_refused_before_anything_is_written(conn, litellm_db):
    before = table_counts(litellm_db)
    result = run_module('litellm_model', dict(conn, model_name=unique('owned'), model_info={'blocked': False},
                                              litellm_params={'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1'}))
    assert result['failed'] and result['msg'].startswith('model_info.blocked ')
    assert table_counts(litellm_db) == before


def test_duplicate_names_are_repaired_on_request(conn, litellm_api, litellm_db):
    name = unique('dup-model')
    for n in range(2):
        assert litellm_api.post('/model/new', json={'model_name': name, 'model_info': {'id': '%s-%d' % (name, n)},
                                                    'litellm_params': {'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1'}}).ok
    args = dict(conn, model_name=name, litellm_params={'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1'})
    failed = run_module('litellm_model', args)
    assert failed['failed'] and 'repair_duplicates=true' in failed['msg']
    repaired = run_module('litellm_model', dict(args, repair_duplicates=True))
    assert repaired['changed'] and repaired['duplicates_deleted'] == [name + '-1'], repaired
    left = rows(litellm_db, 'SELECT model_id FROM "LiteLLM_ProxyModelTable" WHERE model_name = %s', name)
    assert [r['model_id'] for r in left] == [name + '-0']
    assert run_module('litellm_model', args)['changed'] is False
    run_module('litellm_model', dict(conn, model_name=name, state='absent'))


def test_the_bulk_module_repairs_duplicate_names_on_request(conn, litellm_api, litellm_db):
    name = unique('dup-bulk-model')
    for n in range(2):
        assert litellm_api.post('/model/new', json={'model_name': name, 'model_info': {'id': '%s-%d' % (name, n)},
                                                    'litellm_params': {'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1'}}).ok
    args = dict(conn, consistency_timeout=20,
                models=[{'model_name': name, 'litellm_params': {'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1'}}])
    assert run_module('litellm_models', args)['failed']
    repaired = run_module('litellm_models', dict(args, repair_duplicates=True))
    assert repaired['changed'] and not repaired['failed'], repaired
    left = rows(litellm_db, 'SELECT model_id FROM "LiteLLM_ProxyModelTable" WHERE model_name = %s', name)
    assert [r['model_id'] for r in left] == [name + '-0']
    assert run_module('litellm_models', args)['changed'] is False
    delete_models_named(litellm_api, name)


def test_repair_by_name_never_deletes_what_another_entry_names_by_id(conn, litellm_api, litellm_db):
    """review-2 N9: an entry by name with repair_duplicates deleted the deployment another entry manages by id."""
    name = unique('dup-claimed')
    params = {'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1'}
    for n in range(2):
        assert litellm_api.post('/model/new', json={'model_name': name, 'model_info': {'id': '%s-%d' % (name, n)},
                                                    'litellm_params': params}).ok
    args = dict(conn, consistency_timeout=20, repair_duplicates=True,
                models=[{'model_name': name, 'model_id': name + '-0', 'litellm_params': params},
                        {'model_name': name, 'litellm_params': params}])
    result = run_module('litellm_models', args)
    assert not result['failed'], result
    left = rows(litellm_db, 'SELECT model_id FROM "LiteLLM_ProxyModelTable" WHERE model_name = %s ORDER BY 1', name)
    assert [r['model_id'] for r in left] == [name + '-0', name + '-1']
    assert run_module('litellm_models', args)['changed'] is False
    delete_models_named(litellm_api, name)


# ---------------------------------------------------------------------------------------------------- keys

def test_the_run_after_a_rotation_keeps_the_expiry(conn, litellm_db, litellm_api):
    alias = unique('rot-expiry')
    args = dict(conn, key_alias=alias, duration='30d')
    run_module('litellm_key', args)
    backdate(litellm_db, alias, 10)
    rotated = run_module('litellm_key', dict(args, regenerate=True))
    assert rotated['changed'] and rotated['api_key']
    assert abs(lifetime(key_rows(litellm_db, alias)[0]) - 30 * 86400) < 120  # a full lifetime from the new creation
    assert run_module('litellm_key', args)['changed'] is False
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_rotating_an_expired_key_gives_a_working_key(conn, litellm_db, litellm_api):
    alias = unique('rot-expired')
    run_module('litellm_key', dict(conn, key_alias=alias, duration='30d'))
    backdate(litellm_db, alias, 40)
    value = run_module('litellm_key', dict(conn, key_alias=alias, regenerate=True))['api_key']
    row = key_rows(litellm_db, alias)[0]
    assert row['expires'] > db_now() + datetime.timedelta(days=29)
    assert chat(litellm_api, value, 'harness-config-model').status_code == 200
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_a_duration_whose_end_has_passed_converges(conn, litellm_db):
    alias = unique('passed')
    run_module('litellm_key', dict(conn, key_alias=alias))
    rows(litellm_db, 'UPDATE "LiteLLM_VerificationToken" SET created_at = created_at - interval \'40 days\' '
                     'WHERE key_alias = %s', alias)
    args = dict(conn, key_alias=alias, duration='30d')
    assert run_module('litellm_key', args)['changed']
    assert key_rows(litellm_db, alias)[0]['expires'] <= db_now() + datetime.timedelta(seconds=5)
    assert run_module('litellm_key', args)['changed'] is False
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_a_duration_in_months_is_honoured(conn, litellm_db):
    """1.81 answers 500 for Nmo, or cuts it to one month in December."""
    alias = unique('months')
    created = run_module('litellm_key', dict(conn, key_alias=alias, duration='12mo'))
    assert created['changed'] and not created['failed'], created
    assert abs(lifetime(key_rows(litellm_db, alias)[0]) - 365 * 86400) < 2 * 86400
    assert run_module('litellm_key', dict(conn, key_alias=alias, duration='12mo'))['changed'] is False
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_a_short_duration_change_is_not_hidden_by_the_tolerance(conn):
    alias = unique('short')
    run_module('litellm_key', dict(conn, key_alias=alias, duration='60s'))
    assert run_module('litellm_key', dict(conn, key_alias=alias, duration='240s'))['changed']
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


@pytest.mark.parametrize('period, stored, at_least_days', [('weekly', '7d', 2), ('monthly', '30d', 20), ('2w', '14d', 2)])
def test_budget_periods_reset_when_they_say(conn, litellm_db, period, stored, at_least_days):
    """1.81 resets Nw and every named period but daily at the next midnight."""
    alias = unique('budget')
    assert not run_module('litellm_key', dict(conn, key_alias=alias, max_budget=10, budget_duration=period))['failed']
    row = key_rows(litellm_db, alias)[0]
    assert row['budget_duration'] == stored
    # Today is not the last day of a period: the reset is more than a day away (tomorrow's midnight was the bug).
    now = db_now()
    if not (period == 'monthly' and now.day >= 30) and not (period != 'monthly' and now.weekday() == 6):
        assert row['budget_reset_at'] - now > datetime.timedelta(days=1)
    assert run_module('litellm_key', dict(conn, key_alias=alias, max_budget=10, budget_duration=period))['changed'] is False
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_budget_months_other_than_one_are_refused(conn, litellm_db):
    before = table_counts(litellm_db)
    result = run_module('litellm_key', dict(conn, key_alias=unique('b'), budget_duration='3mo'))
    assert result['failed'] and result['msg'].startswith('budget_duration 3mo')
    assert table_counts(litellm_db) == before


def parked_rows(db, alias):
    return rows(db, 'SELECT token FROM "LiteLLM_VerificationToken" WHERE key_alias = %s', alias + '--rotating')


def test_a_rotation_stopped_before_the_old_key_is_deleted_is_finished_by_the_next_run(conn, litellm_api, litellm_db,
                                                                                      api_proxy):
    alias = unique('rot-finish')
    old = run_module('litellm_key', dict(conn, key_alias=alias))['api_key']
    api_proxy.fail('POST', '/key/delete', 503)
    stopped = run_module('litellm_key', dict(conn, api_url=api_proxy.url, retries=0, key_alias=alias, regenerate=True))
    assert stopped['failed']
    new_row = key_rows(litellm_db, alias)[0]
    assert len(parked_rows(litellm_db, alias)) == 1  # the old key, parked
    # review-2 N2: the failed run still hands over the new key's value
    assert hashlib.sha256(stopped['api_key'].encode()).hexdigest() == new_row['token'], stopped
    assert 'its value is returned in api_key' in stopped['msg']
    api_proxy.clear_faults()
    finished = run_module('litellm_key', dict(conn, key_alias=alias))
    assert finished['changed'] and finished['rotation'] == 'finished', finished
    assert parked_rows(litellm_db, alias) == [] and key_rows(litellm_db, alias)[0]['token'] == new_row['token']
    assert 'rhpds_litemaas_replaces' not in key_rows(litellm_db, alias)[0]['metadata']
    assert chat(litellm_api, old, 'harness-config-model').status_code == 401
    assert chat(litellm_api, stopped['api_key'], 'harness-config-model').status_code == 200
    assert run_module('litellm_key', dict(conn, key_alias=alias))['changed'] is False
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_a_rotation_stopped_with_the_key_parked_is_undone_by_the_next_run(conn, litellm_api, litellm_db, api_proxy):
    alias = unique('rot-undo')
    old = run_module('litellm_key', dict(conn, key_alias=alias))['api_key']
    api_proxy.fail('POST', '/key/generate', 500)
    api_proxy.fail('POST', '/key/update', 503, body_contains='"key_alias": "%s"' % alias)  # the undo
    stopped = run_module('litellm_key', dict(conn, api_url=api_proxy.url, retries=0, key_alias=alias, regenerate=True))
    assert stopped['failed']
    assert key_rows(litellm_db, alias) == [] and len(parked_rows(litellm_db, alias)) == 1
    api_proxy.clear_faults()
    undone = run_module('litellm_key', dict(conn, key_alias=alias))
    assert undone['changed'] and undone['rotation'] == 'undone' and 'api_key' not in undone, undone
    assert key_rows(litellm_db, alias) and parked_rows(litellm_db, alias) == []
    assert chat(litellm_api, old, 'harness-config-model').status_code == 200  # the user kept a working key
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_a_create_whose_answer_is_lost_gives_one_key_and_its_value(conn, litellm_api, litellm_db, api_proxy):
    alias = unique('lost')
    api_proxy.drop_after_forward('POST', '/key/generate', times=1)
    created = run_module('litellm_key', dict(conn, api_url=api_proxy.url, key_alias=alias))
    assert created['changed'] and not created['failed'], created
    assert [r['token'] for r in key_rows(litellm_db, alias)] == [hashlib.sha256(created['api_key'].encode()).hexdigest()]
    assert chat(litellm_api, created['api_key'], 'harness-config-model').status_code == 200
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_duplicate_aliases_are_repaired_on_request(conn, litellm_api, litellm_db):
    alias = unique('dup-key')
    first = litellm_api.post('/key/generate', json={'key_alias': alias}).json()['key']
    litellm_api.post('/key/generate', json={'key_alias': alias + '-2'})
    rows(litellm_db, 'UPDATE "LiteLLM_VerificationToken" SET key_alias = %s WHERE key_alias = %s', alias, alias + '-2')
    failed = run_module('litellm_key', dict(conn, key_alias=alias))
    assert failed['failed'] and 'repair_duplicates=true' in failed['msg']
    repaired = run_module('litellm_key', dict(conn, key_alias=alias, repair_duplicates=True))
    assert repaired['changed'] and len(repaired['duplicates_deleted']) == 1, repaired
    assert [r['token'] for r in key_rows(litellm_db, alias)] == [hashlib.sha256(first.encode()).hexdigest()]
    assert run_module('litellm_key', dict(conn, key_alias=alias))['changed'] is False
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


@pytest.mark.parametrize('bulk', [False, True])
def test_a_task_that_fails_validation_repairs_nothing(conn, litellm_api, litellm_db, bulk):
    """review-2 N8: repair deletes ran before the model check, so a task that failed validation had written."""
    alias = unique('dup-invalid')
    litellm_api.post('/key/generate', json={'key_alias': alias}).raise_for_status()
    litellm_api.post('/key/generate', json={'key_alias': alias + '-2'}).raise_for_status()
    rows(litellm_db, 'UPDATE "LiteLLM_VerificationToken" SET key_alias = %s WHERE key_alias = %s', alias, alias + '-2')
    spec = dict(key_alias=alias, models=[unique('no-such-model')])
    if bulk:
        result = run_module('litellm_keys', dict(conn, keys=[spec], repair_duplicates=True))
    else:
        result = run_module('litellm_key', dict(conn, repair_duplicates=True, **spec))
    assert result['failed'] and 'not on this proxy' in result['msg'], result
    assert len(key_rows(litellm_db, alias)) == 2
    run_module('litellm_key', dict(conn, key_alias=alias, repair_duplicates=True))
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_the_bulk_module_repairs_duplicate_aliases_on_request(conn, litellm_api, litellm_db):
    alias = unique('dup-bulk-key')
    first = litellm_api.post('/key/generate', json={'key_alias': alias}).json()['key']
    litellm_api.post('/key/generate', json={'key_alias': alias + '-2'}).raise_for_status()
    rows(litellm_db, 'UPDATE "LiteLLM_VerificationToken" SET key_alias = %s WHERE key_alias = %s', alias, alias + '-2')
    args = dict(conn, keys=[{'key_alias': alias}])
    assert run_module('litellm_keys', args)['failed']
    repaired = run_module('litellm_keys', dict(args, repair_duplicates=True))
    assert repaired['changed'] and not repaired['failed'] and repaired['api_keys'] == {}, repaired
    assert [r['token'] for r in key_rows(litellm_db, alias)] == [hashlib.sha256(first.encode()).hexdigest()]
    assert run_module('litellm_keys', args)['changed'] is False
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_special_model_names_pass_the_model_check(conn):
    alias = unique('special')
    result = run_module('litellm_key', dict(conn, key_alias=alias, models=['all-proxy-models', 'openai/*']))
    assert result['changed'] and not result['failed'], result
    run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))


def test_a_401_does_not_repeat_the_key_it_was_given(conn):
    wrong = 'sk-wrong-master-key-' + 'b' * 30
    result = run_module('litellm_key_info', dict(conn, master_key=wrong))
    assert result['failed'] and result['status'] == 401
    assert wrong[-4:] not in result['msg'] and hashlib.sha256(wrong.encode()).hexdigest() not in result['msg']


def test_rotating_to_a_value_another_key_has_fails_clearly_and_changes_nothing(conn, litellm_db):
    mine, theirs = unique('mine'), unique('theirs')
    value = 'sk-taken-' + unique('v') + '-00000000'
    run_module('litellm_key', dict(conn, key_alias=theirs, key=value))
    run_module('litellm_key', dict(conn, key_alias=mine))
    before = key_rows(litellm_db, mine)[0]['token']
    result = run_module('litellm_key', dict(conn, key_alias=mine, key=value))
    assert result['failed'] and 'already belongs to another key alias' in result['msg']
    assert key_rows(litellm_db, mine)[0]['token'] == before and parked_rows(litellm_db, mine) == []
    for alias in (mine, theirs):
        run_module('litellm_key', dict(conn, key_alias=alias, state='absent'))
