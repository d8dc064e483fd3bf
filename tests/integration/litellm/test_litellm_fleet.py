"""litellm_keys and litellm_models (the bulk modules) against the real proxy, with a counting proxy in front
of it: one task for 50 keys and 10 models, reruns that only read, check mode that writes nothing (row counts
in LiteLLM's database), purge of exactly the selected entries, and partial failures that converge."""
import hashlib
import json

import pytest

from support import chat, key_rows, rows, run_module, run_playbook, assert_no_secrets, table_counts, unique


def key_page_count(api):
    """How many /key/list pages of 100 the proxy has now (read directly, not through the collection)."""
    total = api.get('/key/list', params={'size': 100, 'page': 1}).json().get('total_pages') or 0
    return max(1, total)


def tagged_rows(db, tag):
    return rows(db, 'SELECT model_id, model_name FROM "LiteLLM_ProxyModelTable" '
                    'WHERE model_info->>\'rhpds_litemaas_tag\' = %s ORDER BY model_name', tag)


def prefixed_rows(db, prefix):
    return rows(db, 'SELECT token, key_alias, max_budget FROM "LiteLLM_VerificationToken" WHERE key_alias LIKE %s '
                    'ORDER BY key_alias', prefix + '%')


@pytest.fixture
def fleet(litellm_proxy):
    """Ten model specs and fifty key specs of one workshop (unique names), and their purge selectors."""
    prefix = unique('wk') + '-'
    tag = 'workshop-' + prefix.rstrip('-')
    models = [{'model_name': '%smodel-%02d' % (prefix, n),
               'litellm_params': {'model': 'openai/fake-%02d' % n, 'api_base': litellm_proxy.upstream_url,
                                  'api_key': 'sk-fleet-upstream-%04d' % n, 'rpm': 60},
               'model_info': {'mode': 'chat'}} for n in range(10)]
    keys = [{'key_alias': '%suser%d' % (prefix, n), 'user_id': 'user%d' % n, 'models': [models[n % 3]['model_name']],
             'max_budget': 10, 'duration': '2d', 'metadata': {'workshop': prefix}} for n in range(1, 51)]
    return {'prefix': prefix, 'tag': tag, 'models': models, 'keys': keys,
            'models_selector': {'tag': tag}, 'keys_selector': {'key_alias_prefix': prefix}}


def test_fifty_keys_and_ten_models_in_one_task(conn, litellm_api, litellm_db, api_proxy, fleet):
    via_proxy = dict(conn, api_url=api_proxy.url)
    model_args = dict(via_proxy, models=fleet['models'], purge=True, purge_selector=fleet['models_selector'])
    key_args = dict(via_proxy, keys=fleet['keys'], purge=True, purge_selector=fleet['keys_selector'])

    # Check mode predicts everything and writes nothing.
    before = table_counts(litellm_db)
    predicted_models = run_module('litellm_models', model_args, check=True)
    assert predicted_models['changed'] and predicted_models['counts']['created'] == 10, predicted_models
    assert len(predicted_models['diff']) == 10 and predicted_models['diff'][0]['before'] == {}
    assert predicted_models['diff'][0]['after']['litellm_params']['api_key'] == '(write-only)'
    assert table_counts(litellm_db) == before
    assert api_proxy.writes() == {}

    api_proxy.reset()
    created_models = run_module('litellm_models', model_args)
    assert created_models['changed'] and created_models['counts'] == {
        'created': 10, 'updated': 0, 'deleted': 0, 'unchanged': 0, 'failed': 0}, created_models
    assert api_proxy.writes() == {'POST /model/new': 10}
    assert [r['model_name'] for r in tagged_rows(litellm_db, fleet['tag'])] == [m['model_name'] for m in fleet['models']]
    for model in created_models['models']:
        assert 'api_key' not in model['litellm_params'] and model['action'] == 'created'

    predicted_keys = run_module('litellm_keys', dict(key_args), check=True)
    assert predicted_keys['counts']['created'] == 50 and predicted_keys['api_keys'] == {}
    assert table_counts(litellm_db) == dict(before, LiteLLM_ProxyModelTable=before['LiteLLM_ProxyModelTable'] + 10)

    api_proxy.reset()
    created = run_module('litellm_keys', key_args)
    assert created['changed'] and created['counts']['created'] == 50, created
    assert api_proxy.writes() == {'POST /key/generate': 50}
    values = created['api_keys']
    stored = dict((r['key_alias'], r) for r in prefixed_rows(litellm_db, fleet['prefix']))
    assert sorted(values) == sorted(stored) == sorted(k['key_alias'] for k in fleet['keys'])
    for alias, value in values.items():
        assert hashlib.sha256(value.encode()).hexdigest() == stored[alias]['token']
        assert value not in str(created['virtual_keys'])
    for spec in fleet['keys'][:3]:
        assert chat(litellm_api, values[spec['key_alias']], spec['models'][0]).status_code == 200

    # Reruns only read: one /model/info, and the /key/list pages.
    api_proxy.reset()
    again = run_module('litellm_models', model_args)
    assert again['changed'] is False and again['counts']['unchanged'] == 10, again
    assert api_proxy.counts() == {'GET /model/info': 1}
    api_proxy.reset()
    again = run_module('litellm_keys', key_args)
    assert again['changed'] is False and again['counts']['unchanged'] == 50 and again['api_keys'] == {}, again
    assert api_proxy.counts() == {'GET /key/list': key_page_count(litellm_api)}

    # Expiry is counted from creation in bulk as well: a key made ten days ago is not extended.
    first = fleet['keys'][0]['key_alias']
    rows(litellm_db, 'UPDATE "LiteLLM_VerificationToken" SET created_at = created_at - interval \'1 day\', '
                     'expires = expires - interval \'1 day\' WHERE key_alias = %s', first)
    assert run_module('litellm_keys', key_args)['changed'] is False

    # Ten changed keys are ten writes, and the diff shows each one.
    changed_keys = [dict(spec, max_budget=20) if n < 10 else spec for n, spec in enumerate(fleet['keys'])]
    predicted = run_module('litellm_keys', dict(key_args, keys=changed_keys), check=True)
    assert predicted['counts']['updated'] == 10 and len(predicted['diff']) == 10
    assert predicted['diff'][0] == {'before': {'max_budget': 10.0}, 'after': {'max_budget': 20},
                                    'before_header': 'key ' + first, 'after_header': 'key ' + first}
    api_proxy.reset()
    updated = run_module('litellm_keys', dict(key_args, keys=changed_keys))
    assert updated['counts']['updated'] == 10 and updated['api_keys'] == {}
    assert api_proxy.writes() == {'POST /key/update': 10}
    assert [r['max_budget'] for r in prefixed_rows(litellm_db, fleet['prefix'])].count(20) == 10

    # Purge: exactly the selected stale entries go; a hand-made key and model and the config-file model stay.
    hand_key = fleet['prefix'].rstrip('-') + 'x-by-hand'
    assert litellm_api.post('/key/generate', json={'key_alias': hand_key}).status_code == 200
    hand_model = fleet['prefix'] + 'model-by-hand'
    assert litellm_api.post('/model/new', json={'model_name': hand_model, 'litellm_params': {
        'model': 'openai/x', 'api_base': 'http://127.0.0.1:9/v1'}}).status_code == 200
    kept_keys, kept_models = changed_keys[:40], fleet['models'][:7]
    api_proxy.reset()
    purged = run_module('litellm_keys', dict(key_args, keys=kept_keys))
    assert purged['counts']['deleted'] == 10 and purged['counts']['unchanged'] == 40, purged
    assert api_proxy.writes() == {'POST /key/delete': 1}
    assert [r['key_alias'] for r in prefixed_rows(litellm_db, fleet['prefix'])] == sorted(k['key_alias'] for k in kept_keys)
    assert key_rows(litellm_db, hand_key)
    purged = run_module('litellm_models', dict(model_args, models=kept_models))
    assert purged['counts']['deleted'] == 3, purged
    assert [r['model_name'] for r in tagged_rows(litellm_db, fleet['tag'])] == [m['model_name'] for m in kept_models]
    names = [m['model_name'] for m in litellm_api.get('/model/info').json()['data']]
    assert hand_model in names and 'harness-config-model' in names

    # Teardown: an empty list with purge removes the workshop and nothing else.
    assert run_module('litellm_keys', dict(key_args, keys=[]))['counts']['deleted'] == 40
    assert run_module('litellm_models', dict(model_args, models=[]))['counts']['deleted'] == 7
    assert prefixed_rows(litellm_db, fleet['prefix']) == [] and tagged_rows(litellm_db, fleet['tag']) == []
    assert key_rows(litellm_db, hand_key)
    litellm_api.post('/key/delete', json={'key_aliases': [hand_key]})
    for m in litellm_api.get('/model/info').json()['data']:
        if m['model_name'] == hand_model:
            litellm_api.post('/model/delete', json={'id': m['model_info']['id']})


def test_some_writes_fail_the_rest_converge_and_a_rerun_finishes(conn, litellm_db, api_proxy, fleet):
    via_proxy = dict(conn, api_url=api_proxy.url, retries=1)
    keys, models = [dict(k, models=[]) for k in fleet['keys'][:8]], fleet['models'][:4]
    broken_keys = [keys[2]['key_alias'], keys[5]['key_alias']]
    for alias in broken_keys:
        api_proxy.fail('POST', '/key/generate', 500, body_contains='"key_alias": "%s"' % alias)
    api_proxy.fail('POST', '/model/new', 503, body_contains=models[1]['model_name'])

    result = run_module('litellm_keys', dict(via_proxy, keys=keys))
    assert result['failed'] and result['counts'] == {'created': 6, 'updated': 0, 'rotated': 0, 'deleted': 0,
                                                     'unchanged': 0, 'failed': 2}, result
    assert sorted(f['key_alias'] for f in result['failures']) == sorted(broken_keys)
    assert all(f['status'] == 500 and 'injected by the test proxy' in f['msg'] for f in result['failures'])
    assert all(alias in result['msg'] for alias in broken_keys)
    assert sorted(result['api_keys']) == sorted(k['key_alias'] for k in keys if k['key_alias'] not in broken_keys)
    assert len(prefixed_rows(litellm_db, fleet['prefix'])) == 6

    result = run_module('litellm_models', dict(via_proxy, models=models))
    assert result['failed'] and result['counts']['created'] == 3 and result['counts']['failed'] == 1, result
    assert result['failures'][0]['model_name'] == models[1]['model_name'] and result['failures'][0]['status'] == 503

    api_proxy.clear_faults()
    api_proxy.reset()
    rerun = run_module('litellm_keys', dict(via_proxy, keys=keys))
    assert rerun['counts']['created'] == 2 and rerun['counts']['unchanged'] == 6 and sorted(rerun['api_keys']) == sorted(broken_keys)
    assert api_proxy.writes() == {'POST /key/generate': 2}
    rerun = run_module('litellm_models', dict(via_proxy, models=models))
    assert rerun['counts']['created'] == 1 and rerun['counts']['unchanged'] == 3, rerun
    assert run_module('litellm_keys', dict(via_proxy, keys=keys))['changed'] is False
    assert run_module('litellm_models', dict(via_proxy, models=models))['changed'] is False
    assert len(prefixed_rows(litellm_db, fleet['prefix'])) == 8
    run_module('litellm_keys', dict(conn, keys=[], purge=True, purge_selector=fleet['keys_selector']))
    for spec in models:
        run_module('litellm_model', dict(conn, model_name=spec['model_name'], state='absent'))


def test_several_deployments_per_name_and_write_only_credentials(conn, litellm_api, api_proxy, fleet):
    name = fleet['prefix'] + 'balanced'
    entries = [{'model_name': name, 'model_id': name + '-' + region,
                'litellm_params': {'model': 'openai/fake', 'api_base': 'http://127.0.0.1:9/v1',
                                   'api_key': 'sk-%s-upstream-000001' % region}} for region in ('east', 'west')]
    args = dict(conn, api_url=api_proxy.url, models=entries, purge_selector=fleet['models_selector'])
    assert run_module('litellm_models', args)['counts']['created'] == 2
    assert sorted(m['model_info']['id'] for m in litellm_api.get('/model/info').json()['data']
                  if m['model_name'] == name) == [name + '-east', name + '-west']
    assert run_module('litellm_models', args)['changed'] is False

    rotated = [dict(e, litellm_params=dict(e['litellm_params'], api_key='sk-rotated-upstream-00002')) for e in entries]
    predicted = run_module('litellm_models', dict(args, models=rotated), check=True)
    assert [d['after'] for d in predicted['diff']] == [{'litellm_params': {'api_key': '(write-only, new value)'}}] * 2
    api_proxy.reset()
    assert run_module('litellm_models', dict(args, models=rotated))['counts']['updated'] == 2
    assert api_proxy.writes() == {'PATCH /model/%s-east/update' % name: 1, 'PATCH /model/%s-west/update' % name: 1}
    assert run_module('litellm_models', dict(args, models=rotated))['changed'] is False

    ambiguous = run_module('litellm_models', dict(args, models=[dict(entries[0], model_id=None)]))
    assert ambiguous['failed'] and 'matches 2 deployments' in ambiguous['msg']
    absent = [dict(e, state='absent') for e in entries]
    assert run_module('litellm_models', dict(args, models=absent))['counts']['deleted'] == 2


@pytest.mark.parametrize('module, field, entries, extra', [
    ('litellm_keys', 'keys[1].max_budget', [{'key_alias': 'a-1'}, {'key_alias': 'a-2', 'max_budget': -1}], {}),
    ('litellm_keys', 'keys[1].key_alias', [{'key_alias': 'a-1'}, {'key_alias': 'a-1'}], {}),
    ('litellm_keys', 'keys[0].models', [{'key_alias': 'a-1', 'models': ['no-such-model-anywhere']}], {}),
    ('litellm_keys', 'purge_selector.key_alias_prefix', [], {'purge': True, 'purge_selector': {'key_alias_prefix': ''}}),
    ('litellm_keys', 'purge_selector', [], {'purge': True}),
    ('litellm_models', 'models[1].litellm_params.model',
     [{'model_name': 'm-1', 'litellm_params': {'model': 'openai/x'}},
      {'model_name': 'm-2', 'litellm_params': {'model': 'opnai/x'}}], {}),
    ('litellm_models', 'models[1].model_name',
     [{'model_name': 'm-1', 'litellm_params': {'model': 'openai/x'}},
      {'model_name': 'm-1', 'litellm_params': {'model': 'openai/y'}}], {}),
    ('litellm_models', 'models[0].model_info.rhpds_litemaas_tag',
     [{'model_name': 'm-1', 'litellm_params': {'model': 'openai/x'}, 'model_info': {'rhpds_litemaas_tag': 't'}}], {}),
])
def test_bad_input_fails_naming_the_entry_before_anything_is_written(conn, litellm_db, module, field, entries, extra):
    before = table_counts(litellm_db)
    option = 'keys' if module == 'litellm_keys' else 'models'
    result = run_module(module, dict(conn, **dict({option: entries}, **extra)))
    assert result['failed'] and field in result['msg'], result
    assert table_counts(litellm_db) == before


def test_playbook_at_vvv_shows_no_secret(tmp_path, litellm_proxy, litellm_db, fleet):
    """Through ansible-playbook -vvv: the provider keys, the master key and the new key values stay out of the log."""
    playbook = tmp_path / 'fleet.yml'
    playbook.write_text('''
- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/rhpds.litemaas.litellm:
      api_url: "{{ url }}"
      master_key: "{{ master_key }}"
  tasks:
    - rhpds.litemaas.litellm_models:
        models: "{{ models }}"
        purge: true
        purge_selector: {tag: "{{ tag }}"}
    - rhpds.litemaas.litellm_keys:
        keys: "{{ keys }}"
        purge: true
        purge_selector: {key_alias_prefix: "{{ prefix }}"}
      register: fleet_keys
      no_log: true
    - ansible.builtin.copy:
        dest: "{{ out }}"
        content: "{{ fleet_keys.api_keys | to_json }}"
        mode: "0600"
      no_log: true
      when: fleet_keys.api_keys | length > 0
''')
    out = tmp_path / 'keys.json'
    extra = {'url': litellm_proxy.base_url, 'master_key': litellm_proxy.master_key, 'models': fleet['models'][:3],
             'keys': fleet['keys'][:5], 'tag': fleet['tag'], 'prefix': fleet['prefix'], 'out': str(out)}
    first = run_playbook(str(playbook), extra).assert_ok()
    assert first.changed == 3
    values = json.loads(out.read_text())
    assert len(values) == 5
    secrets = list(values.values()) + [m['litellm_params']['api_key'] for m in fleet['models'][:3]] + [litellm_proxy.master_key]
    assert_no_secrets(first.output, secrets)
    second = run_playbook(str(playbook), extra).assert_ok()
    assert second.changed == 0
    assert_no_secrets(second.output, secrets)
    teardown = dict(extra, models=[], keys=[])
    run_playbook(str(playbook), teardown, verbosity=0).assert_ok()
    assert prefixed_rows(litellm_db, fleet['prefix']) == [] and tagged_rows(litellm_db, fleet['tag']) == []
