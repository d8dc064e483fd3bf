"""The LiteMaaS modules and the portal side of the playbooks, run by Ansible against the loopback server that
replays the exchanges recorded from the real LiteMaaS backend (tests/harness/litemaas_replay.py), next to the
real LiteLLM proxy. The backend itself cannot run here: its source is on no registry the suite may use.
-vvv of every playbook run holds neither the admin API key nor the master key."""
import base64
import hashlib
import os
import secrets

import pytest
import yaml
from kubernetes import client, config

from support import COLLECTION, assert_no_secrets, delete_models_named, run_module, run_playbook, unique
from litemaas_replay import ReplayServer, load

HERE = os.path.dirname(os.path.abspath(__file__))
LIST = '/api/v1/models?limit=1000&page=1'
NO_LITEMAAS = {'LITEMAAS_API_URL': None, 'LITEMAAS_ADMIN_API_KEY': None}


@pytest.fixture
def admin_key():
    return 'ltm_admin_' + secrets.token_hex(20)


@pytest.fixture
def portal(admin_key):
    with ReplayServer(admin_key) as server:
        yield server
        assert server.unexpected == []


def requested(portal):
    return [(r['method'], r['path'], r['auth']) for r in portal.requests]


def sync(portal, admin_key, check=False, **args):
    return run_module('litemaas_model_sync', dict(args, litemaas_url=portal.url, admin_api_key=admin_key), check=check,
                      env=NO_LITEMAAS)


def test_sync_reports_what_changed_for_users(portal, admin_key):
    portal.play('09-models-list-admin-page1-limit100', '20-sync-after-delete', '21-models-list-after-delete')
    result = sync(portal, admin_key)
    assert not result['failed'] and result['changed'] is True, result
    assert result['sync'] == load('20-sync-after-delete')['response']['body']
    assert result['removed'] == ['portal-embed'] and result['added'] == []
    assert result['modified'] == {'portal-chat': {'before': {'context_length': 8192, 'max_tokens': 8192},
                                                  'after': {'context_length': 16384, 'max_tokens': 16384}}}
    assert sorted(result['diff']['before']) == ['portal-chat', 'portal-embed'] and list(result['diff']['after']) == [
        'portal-chat']
    assert requested(portal) == [('GET', LIST, 'admin'), ('POST', '/api/v1/models/sync', 'admin'),
                                 ('GET', LIST, 'admin')]
    assert admin_key not in str(result)


def test_a_sync_that_changes_nothing_for_users_is_not_a_change(portal, admin_key):
    """The backend says updatedModels: 1 for a sync where nothing changed; the module compares the list instead."""
    portal.play('09-models-list-admin-page1-limit100', '06-sync-second-no-change', '09-models-list-admin-page1-limit100')
    result = sync(portal, admin_key)
    assert (result['failed'], result['changed'], result['sync']['updatedModels']) == (False, False, 1), result
    assert 'diff' not in result
    portal.play('29-models-list-after-pricing-patch', '07-sync-force-update', '29-models-list-after-pricing-patch')
    forced = sync(portal, admin_key, force_update=True)
    assert (forced['failed'], forced['changed'], forced['sync']['updatedModels']) == (False, False, 2), forced
    assert portal.unused() == []


def test_check_mode_only_reads_the_sync_statistics(portal, admin_key):
    portal.play('11-sync-stats')
    result = sync(portal, admin_key, check=True)
    assert not result['failed'] and result['changed'] is False, result
    assert result['stats'] == load('11-sync-stats')['response']['body']
    assert requested(portal) == [('GET', '/api/v1/models/sync/stats', 'admin')]


def test_a_wrong_key_fails_naming_admin_api_key_and_never_shows_it(portal):
    wrong = 'ltm_admin_' + secrets.token_hex(20)
    portal.play('09-models-list-admin-page1-limit100')
    result = sync(portal, wrong)
    assert result['failed'] and result['field'] == 'admin_api_key' and result['status'] == 401
    assert result['msg'] == ('POST /api/v1/models/sync returned HTTP 401: Invalid or missing authentication token '
                             '(check admin_api_key)')
    assert wrong not in str(result)
    checked = sync(portal, 'abc', check=True)
    assert checked['failed'] and checked['status'] == 401
    assert [r['method'] for r in portal.requests] == ['GET', 'POST', 'GET']


def test_bad_input_fails_before_any_request(portal, admin_key):
    bad_url = run_module('litemaas_model_sync', {'litemaas_url': 'litemaas.example.com', 'admin_api_key': admin_key},
                         env=NO_LITEMAAS)
    assert bad_url['failed'] and bad_url['field'] == 'litemaas_url'
    no_key = run_module('litemaas_model_sync', {'litemaas_url': portal.url}, env=NO_LITEMAAS)
    assert no_key['failed'] and 'admin_api_key' in no_key['msg']
    empty_key = run_module('litemaas_model_sync', {'litemaas_url': portal.url, 'admin_api_key': ''}, env=NO_LITEMAAS)
    assert empty_key['failed'] and empty_key['msg'] == 'admin_api_key is empty'
    bad_flag = run_module('litemaas_model_sync', {'litemaas_url': portal.url, 'admin_api_key': admin_key,
                                                  'force_update': 'sometimes'}, env=NO_LITEMAAS)
    assert bad_flag['failed'] and 'force_update' in bad_flag['msg']
    assert portal.requests == []


def test_the_connection_comes_from_the_environment(portal, admin_key):
    portal.play('21-models-list-after-delete', '28-sync-after-pricing-patch', '29-models-list-after-pricing-patch')
    result = run_module('litemaas_model_sync', {},
                        env={'LITEMAAS_API_URL': portal.url, 'LITEMAAS_ADMIN_API_KEY': admin_key})
    assert not result['failed'] and result['changed'] is True, result
    assert result['modified']['portal-chat']['after'] == {
        'pricing': {'input_cost_per_token': 1e-06, 'output_cost_per_token': 2e-06}}


def test_info_lists_what_users_see(portal, admin_key):
    portal.play('29-models-list-after-pricing-patch')
    result = run_module('litemaas_model_info', {'litemaas_url': portal.url}, env=NO_LITEMAAS)
    assert not result['failed'] and result['changed'] is False, result
    assert result['model_names'] == ['portal-chat'] and result['unknown'] == []
    chat = result['models'][0]
    assert (chat['available'], chat['context_length'], chat['capabilities'], chat['restricted_access']) == (
        True, 16384, ['chat', 'function_calling', 'vision'], False)
    assert chat['pricing'] == {'input_cost_per_token': 1e-06, 'output_cost_per_token': 2e-06}
    assert requested(portal) == [('GET', LIST, 'none')]

    portal.play('21-models-list-after-delete', '22-model-portal-embed-after-delete')
    named = run_module('litemaas_model_info', {'litemaas_url': portal.url, 'admin_api_key': admin_key,
                                               'names': ['portal-chat', 'portal-embed', 'harness-config-model']},
                       check=True, env=NO_LITEMAAS)
    assert not named['failed'] and named['changed'] is False, named
    assert [(m['id'], m['available']) for m in named['models']] == [('portal-chat', True), ('portal-embed', False)]
    assert named['model_names'] == ['portal-chat'] and named['unknown'] == ['harness-config-model']
    assert [r['method'] for r in portal.requests] == ['GET'] * 4


# ---- playbooks

@pytest.fixture
def by_env(litellm_proxy):
    return {'LITELLM_API_BASE': litellm_proxy.base_url, 'LITELLM_MASTER_KEY': litellm_proxy.master_key}


def test_models_playbook_syncs_the_portal(tmp_path, litellm_proxy, litellm_api, by_env, portal, admin_key):
    name = unique('portal-pb')
    models = {'litellm_api_models': [{'model_name': name, 'litellm_params': {
        'model': 'openai/fake', 'api_key': 'sk-upstream-portal-0000001', 'api_base': litellm_proxy.upstream_url}}]}
    portal.play('09-models-list-admin-page1-limit100', '20-sync-after-delete', '21-models-list-after-delete')
    env = dict(by_env, LITEMAAS_API_URL=portal.url, LITEMAAS_ADMIN_API_KEY=admin_key)
    synced = run_playbook('playbooks/models.yml', models, env=env).assert_ok()
    assert synced.changed == 2  # the model in LiteLLM, and the portal's list
    assert 'User Portal: portal-chat (added: none; no longer listed: portal-embed; changed: portal-chat)' in synced.output
    assert [r['method'] for r in portal.requests] == ['GET', 'POST', 'GET']
    assert_no_secrets(synced.output, [admin_key, litellm_proxy.master_key, 'sk-upstream-portal-0000001'])

    # The backend from variables; check mode only reads the sync statistics.
    portal.play('11-sync-stats')
    checked = run_playbook('playbooks/models.yml', dict(models, litemaas_api_url=portal.url,
                                                        litemaas_admin_api_key=admin_key),
                           env=dict(by_env, LITEMAAS_API_URL='', LITEMAAS_ADMIN_API_KEY=''), check=True).assert_ok()
    assert checked.changed == 0 and portal.requests[-1]['path'] == '/api/v1/models/sync/stats'
    assert_no_secrets(checked.output, [admin_key, litellm_proxy.master_key])

    # No backend anywhere (no variables, no environment, no cluster): the sync is skipped and the playbook says why.
    models['litellm_api_models'][0]['state'] = 'absent'
    no_cluster = str(tmp_path / 'no-kubeconfig')
    skipped = run_playbook('playbooks/models.yml', models, env=dict(
        by_env, LITEMAAS_API_URL='', LITEMAAS_ADMIN_API_KEY='', KUBECONFIG=no_cluster)).assert_ok()
    assert skipped.changed == 1 and 'The LiteMaaS User Portal was not synced' in skipped.output
    assert 'every LITELLM_SYNC_INTERVAL minutes (default 60) only when LITELLM_AUTO_SYNC is exactly' in skipped.output
    assert len(portal.requests) == 4
    delete_models_named(litellm_api, name)


def test_status_says_which_models_users_cannot_see(litellm_proxy, litellm_api, by_env, portal, admin_key):
    """harness-config-model is in the LiteLLM harness's config.yaml: LiteMaaS 0.4 never lists such models."""
    new_name = unique('portal-new')
    for name in ('portal-chat', 'portal-embed', new_name):
        litellm_api.post('/model/new', json={'model_name': name, 'litellm_params': {
            'model': 'openai/fake', 'api_base': litellm_proxy.upstream_url}}).raise_for_status()
    try:
        portal.play('21-models-list-after-delete', '22-model-portal-embed-after-delete')
        env = dict(by_env, LITEMAAS_API_URL=portal.url, LITEMAAS_ADMIN_API_KEY=admin_key)
        run = run_playbook('playbooks/status.yml', env=env, verbosity=3, extra_args=['--tags', 'portal'])
        run.assert_ok()
        assert run.changed == 0
        assert "harness-config-model: not in the portal: defined in LiteLLM's config file" in run.output
        assert 'portal-embed: not in the portal: marked unavailable by the portal' in run.output
        assert "%s: not in the portal: in LiteLLM's database but not synced to the portal yet" % new_name in run.output
        assert 'portal-chat: not in the portal' not in run.output
        assert 'Portal: users see 1 of the' in run.output
        assert_no_secrets(run.output, [admin_key, litellm_proxy.master_key])
    finally:
        delete_models_named(litellm_api, 'portal-chat', 'portal-embed', new_name)


def test_status_without_a_backend_says_so(litellm_proxy, by_env, tmp_path):
    env = dict(by_env, LITEMAAS_API_URL='', LITEMAAS_ADMIN_API_KEY='', KUBECONFIG=str(tmp_path / 'no-kubeconfig'))
    run = run_playbook('playbooks/status.yml', env=env, verbosity=0, extra_args=['--tags', 'portal']).assert_ok()
    assert 'Portal: unknown (the LiteMaaS backend is not known here' in run.output


@pytest.fixture
def litemaas_namespace(k8s_cluster):
    """A namespace with the User Portal's Route and the backend's Secret, as the litemaas role creates them."""
    config.load_kube_config(config_file=k8s_cluster)
    name = unique('lm')
    core = client.CoreV1Api()
    core.create_namespace({'metadata': {'name': name}})
    client.CustomObjectsApi().create_namespaced_custom_object('route.openshift.io', 'v1', name, 'routes', {
        'apiVersion': 'route.openshift.io/v1', 'kind': 'Route', 'metadata': {'name': 'litemaas'},
        'spec': {'host': 'litemaas-%s.apps.example.test' % name, 'to': {'kind': 'Service', 'name': 'litemaas'}}})
    yield name
    core.delete_namespace(name)


def test_the_backend_is_found_in_the_cluster(k8s_cluster, litemaas_namespace):
    keys = ['ltm_admin_' + secrets.token_hex(20) for dummy in range(2)]
    playbook = os.path.join(HERE, 'playbooks', 'litemaas_connection.yml')
    env = {'KUBECONFIG': k8s_cluster, 'LITEMAAS_API_URL': '', 'LITEMAAS_ADMIN_API_KEY': ''}
    # Route but no Secret yet: not found, and no failure.
    missing = run_playbook(playbook, {'litemaas_namespace': litemaas_namespace, 'expected_found': False}, env=env)
    missing.assert_ok()
    client.CoreV1Api().create_namespaced_secret(litemaas_namespace, {
        'metadata': {'name': 'litemaas-backend'},
        'data': {'ADMIN_API_KEYS': base64.b64encode((' %s, %s' % tuple(keys)).encode()).decode()}})
    found = run_playbook(playbook, {
        'litemaas_namespace': litemaas_namespace, 'expected_found': True,
        'expected_url': 'https://litemaas-%s.apps.example.test' % litemaas_namespace,
        'expected_key_sha256': hashlib.sha256(keys[0].encode()).hexdigest()}, env=env)
    found.assert_ok()
    assert_no_secrets(found.output, keys)


def test_every_examples_block_runs(tmp_path, litellm_proxy, litellm_api, portal, admin_key):
    tasks = []
    for name in ('litemaas_model_sync', 'litemaas_model_info'):
        source = open(os.path.join(COLLECTION, 'plugins', 'modules', name + '.py')).read()
        tasks += yaml.safe_load(source.split("EXAMPLES = r'''", 1)[1].split("'''", 1)[0])
    text = yaml.safe_dump([{'name': 'Module EXAMPLES', 'hosts': 'localhost', 'connection': 'local',
                            'gather_facts': False, 'tasks': tasks,
                            'vars': {'litellm_master_key': litellm_proxy.master_key, 'litemaas_admin_api_key': admin_key}}])
    # The examples talk to cluster routes; point them at the local proxy and the replay server.
    text = text.replace('https://litellm-rhpds.apps.cluster.example.com', litellm_proxy.base_url)
    text = text.replace('https://litemaas-rhpds.apps.cluster.example.com', portal.url)
    playbook = tmp_path / 'examples.yml'
    playbook.write_text(text)
    portal.play('09-models-list-admin-page1-limit100', '20-sync-after-delete', '21-models-list-after-delete',
                '29-models-list-after-pricing-patch', '29-models-list-after-pricing-patch')
    delete_models_named(litellm_api, 'granite-3-8b')
    try:
        run = run_playbook(str(playbook), env={'LITEMAAS_API_URL': '', 'LITEMAAS_ADMIN_API_KEY': ''}).assert_ok()
    finally:
        delete_models_named(litellm_api, 'granite-3-8b')
    assert run.recap['ok'] == len(tasks) and portal.unused() == []
    assert 'New in the portal: []; no longer listed: [\'portal-embed\']' in run.output
    assert_no_secrets(run.output, [admin_key, litellm_proxy.master_key])
