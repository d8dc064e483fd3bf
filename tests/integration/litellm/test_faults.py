"""Lost answers and a proxy that answers 502: through a loopback proxy that answers 502 to the first arrival of every
request and closes the connection unanswered after forwarding the second arrival of every write, the modules and the
playbooks converge or fail clearly, and a rerun converges with no duplicates (counted in LiteLLM's database)."""
import pytest
import yaml

from support import rows, run_playbook, unique

WRITES = ('/model/new', '/key/generate', '/key/update', '/key/delete', '/model/delete')


def fleet_playbook(tmp_path, bulk):
    if bulk:
        tasks = [{'name': 'Models', 'rhpds.litemaas.litellm_models': {'models': '{{ model_specs }}'}},
                 {'name': 'Keys', 'no_log': True, 'rhpds.litemaas.litellm_keys': {'keys': '{{ key_specs }}'}}]
    else:
        model = {'model_name': '{{ item.model_name }}', 'litellm_params': '{{ item.litellm_params }}'}
        key = {'key_alias': '{{ item.key_alias }}', 'models': '{{ item.models }}', 'max_budget': 5}
        tasks = [{'name': 'Models', 'loop': '{{ model_specs }}', 'rhpds.litemaas.litellm_model': model},
                 {'name': 'Keys', 'loop': '{{ key_specs }}', 'no_log': True, 'rhpds.litemaas.litellm_key': key}]
    path = tmp_path / ('bulk.yml' if bulk else 'loop.yml')
    path.write_text(yaml.safe_dump([{'name': 'Fleet', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                                     'module_defaults': {'group/rhpds.litemaas.litellm': {
                                         'api_url': '{{ url }}', 'master_key': '{{ master_key }}'}},
                                     'tasks': tasks}]))
    return str(path)


def declaration(litellm_proxy, url, prefix):
    models = [{'model_name': '%smodel%d' % (prefix, n),
               'litellm_params': {'model': 'openai/fake', 'api_base': litellm_proxy.upstream_url, 'api_key': 'sk-up-%d' % n}}
              for n in range(4)]
    keys = [{'key_alias': '%suser%d' % (prefix, n), 'models': [models[0]['model_name']], 'max_budget': 5} for n in range(8)]
    return {'url': url, 'master_key': litellm_proxy.master_key, 'model_specs': models, 'key_specs': keys}


def counts(db, prefix):
    keys = rows(db, 'SELECT key_alias, count(*) AS n FROM "LiteLLM_VerificationToken" WHERE key_alias LIKE %s '
                    'GROUP BY key_alias ORDER BY key_alias', prefix + '%')
    models = rows(db, 'SELECT model_name, count(*) AS n FROM "LiteLLM_ProxyModelTable" WHERE model_name LIKE %s '
                      'GROUP BY model_name ORDER BY model_name', prefix + '%')
    return [(k['key_alias'], k['n']) for k in keys], [(m['model_name'], m['n']) for m in models]


def cleanup(tmp_path, extra, prefix):
    path = tmp_path / 'cleanup.yml'
    path.write_text(yaml.safe_dump([{'name': 'Cleanup', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                                     'tasks': [{'rhpds.litemaas.litellm_keys': {
                                         'api_url': '{{ url }}', 'master_key': '{{ master_key }}', 'keys': [], 'purge': True,
                                         'purge_selector': {'key_alias_prefix': prefix}}},
                                         {'loop': '{{ model_specs }}', 'rhpds.litemaas.litellm_model': {
                                             'api_url': '{{ url }}', 'master_key': '{{ master_key }}',
                                             'model_name': '{{ item.model_name }}', 'state': 'absent'}}]}]))
    run_playbook(str(path), extra, verbosity=0).assert_ok()


@pytest.mark.parametrize('bulk', [True, False], ids=['bulk modules', 'single-item modules in a loop'])
def test_lost_answers_and_502s_converge_without_duplicates(tmp_path, litellm_proxy, litellm_db, api_proxy, bulk):
    prefix = unique('fault') + '-'
    api_proxy.fail(None, None, 502, attempt=1)
    for path in WRITES:
        api_proxy.drop_after_forward('POST', path, attempt=2)
    extra = declaration(litellm_proxy, api_proxy.url, prefix)
    playbook = fleet_playbook(tmp_path, bulk)
    first = run_playbook(playbook, extra, verbosity=0)
    assert first.rc == 0, first.output[-4000:]  # three retries absorb a 502 and a lost answer for each request
    wanted = ([(k['key_alias'], 1) for k in sorted(extra['key_specs'], key=lambda k: k['key_alias'])],
              [(m['model_name'], 1) for m in extra['model_specs']])
    assert counts(litellm_db, prefix) == wanted
    assert all(rule.fired for rule in api_proxy.rules[:3])  # 502s, lost creates of models and of keys
    api_proxy.clear_faults()
    assert run_playbook(playbook, extra, verbosity=0).assert_ok().changed == 0
    cleanup(tmp_path, extra, prefix)


def test_a_proxy_answering_502_for_a_while_fails_clearly_and_the_rerun_converges(tmp_path, litellm_proxy, litellm_db,
                                                                                 api_proxy):
    prefix = unique('outage') + '-'
    api_proxy.fail(None, None, 502, times=12)  # longer than three retries of one request
    extra = declaration(litellm_proxy, api_proxy.url, prefix)
    playbook = fleet_playbook(tmp_path, bulk=True)
    first = run_playbook(playbook, extra, verbosity=0)
    assert first.rc != 0 and 'returned HTTP 502' in first.output, first.output[-3000:]
    api_proxy.clear_faults()  # the outage is over
    second = run_playbook(playbook, extra, verbosity=0).assert_ok()
    assert counts(litellm_db, prefix) == ([(k['key_alias'], 1) for k in sorted(extra['key_specs'], key=lambda k: k['key_alias'])],
                                          [(m['model_name'], 1) for m in extra['model_specs']])
    assert second.changed >= 1
    assert run_playbook(playbook, extra, verbosity=0).assert_ok().changed == 0
    cleanup(tmp_path, extra, prefix)
