"""The LiteMaaS backend through the shared client, against the exchanges recorded from the real backend
(tests/data/litemaas-portal, served by the loopback replay server), and edge cases no recording has (stub)."""
import pytest

from ansible_collections.rhpds.litemaas.plugins.filter.portal_hidden_models import portal_hidden_models
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMClient, LiteLLMError, error_message
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_models import deployment_from_api
from ansible_collections.rhpds.litemaas.plugins.module_utils.litemaas import (
    SYNC_STATS_PATH, not_visible_in_portal, portal_changes, portal_model, read_portal_models, sync_errors,
    sync_portal, sync_request_body, visible_models)
from ansible.errors import AnsibleFilterError
from litemaas_replay import ReplayServer, load

ADMIN_KEY = 'ltm_admin_unit0123456789abcdefghijklmnopqrstuv'


def portal_client(url, key=ADMIN_KEY, **kwargs):
    kwargs.setdefault('sleep', lambda s: None)
    return LiteLLMClient(url, key, url_option='litemaas_url', token_option='admin_api_key',
                         token_required=kwargs.pop('token_required', True), **kwargs)


@pytest.fixture
def portal():
    with ReplayServer(ADMIN_KEY) as server:
        yield server
        assert server.unexpected == []


def listed(name):
    return dict((item['id'], portal_model(item)) for item in load(name)['response']['body']['data'])


# ---- the client with LiteMaaS's answers

def test_error_messages_of_the_backend():
    assert error_message(load('12-sync-wrong-admin-key')['response']['body'], 'HTTP 401') == \
        ('Invalid or missing authentication token', None)
    assert error_message(load('24-model-harness-config-model')['response']['body'], 'HTTP 404') == \
        ('Model not found', None)
    # The answer of the real backend to POST /api/v1/admin/models with an admin key (research notes, section 3d).
    fastify = {'error': 'CREATE_MODEL_FAILED', 'statusCode': 500,
               'message': "Failed to create model 'acc-admin-model'. Please check the configuration and try again."}
    assert error_message(fastify, 'HTTP 500')[0] == \
        "CREATE_MODEL_FAILED: Failed to create model 'acc-admin-model'. Please check the configuration and try again."


def test_a_wrong_key_is_a_401_naming_no_key(portal):
    wrong = 'ltm_admin_not-the-right-one-0000000000'
    with pytest.raises(LiteLLMError) as err:
        portal_client(portal.url, wrong).post('/api/v1/models/sync', {}, idempotent=True)
    assert err.value.status == 401 and wrong not in err.value.describe()
    assert err.value.describe() == 'POST /api/v1/models/sync returned HTTP 401: Invalid or missing authentication token'
    assert portal.requests == [{'method': 'POST', 'path': '/api/v1/models/sync', 'auth': 'other'}]


@pytest.mark.parametrize('url', ['', 'litemaas.example.com', 'ftp://x'])
def test_errors_name_the_litemaas_options(url):
    with pytest.raises(LiteLLMError) as err:
        portal_client(url)
    assert err.value.param == 'litemaas_url' and err.value.message.startswith('litemaas_url must be an http(s) URL')
    with pytest.raises(LiteLLMError) as err:
        portal_client('https://litemaas.example.com', '')
    assert (err.value.param, err.value.message) == ('admin_api_key', 'admin_api_key is empty')


def test_an_unreachable_backend_names_litemaas_url():
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    with pytest.raises(LiteLLMError) as err:
        portal_client('http://127.0.0.1:%d' % port, retries=0).get('/api/v1/models')
    assert err.value.param == 'litemaas_url' and 'cannot reach litemaas_url' in err.value.message


def test_without_a_key_no_authorization_is_sent(stub):
    stub.reply(200, load('08-models-list-no-auth')['response']['body'])
    client = portal_client(stub.url, None, token_required=False)
    assert sorted(read_portal_models(client)) == ['portal-chat', 'portal-embed']
    assert 'Authorization' not in stub.requests[0]['headers']
    assert stub.requests[0]['path'] == '/api/v1/models?limit=1000&page=1'


def test_every_page_of_the_list_is_read(stub):
    chat, embed = load('08-models-list-no-auth')['response']['body']['data']
    stub.reply(200, {'data': [chat], 'pagination': {'page': 1, 'limit': 1, 'total': 2, 'totalPages': 2}})
    stub.reply(200, {'data': [embed], 'pagination': {'page': 2, 'limit': 1, 'total': 2, 'totalPages': 2}})
    client = portal_client(stub.url)
    items = list(client.paginate('/api/v1/models', 'data', page_size=1, size_param='limit',
                                 total_pages_at=('pagination', 'totalPages')))
    assert [i['id'] for i in items] == ['portal-chat', 'portal-embed']
    assert [r['path'] for r in stub.requests] == ['/api/v1/models?limit=1&page=1', '/api/v1/models?limit=1&page=2']


# ---- what the portal shows

def test_a_list_item_becomes_the_portal_view():
    chat = listed('29-models-list-after-pricing-patch')['portal-chat']
    assert chat == {
        'id': 'portal-chat', 'name': 'portal-chat', 'available': True, 'provider': 'openai', 'description': '',
        'capabilities': ['chat', 'function_calling', 'vision'], 'context_length': 16384, 'max_tokens': 16384,
        'pricing': {'input_cost_per_token': 1e-06, 'output_cost_per_token': 2e-06}, 'restricted_access': False,
        'backend_model_name': 'fake-chat', 'api_base': 'http://127.0.0.1:44537/v1', 'tpm': None, 'rpm': None}
    embed = listed('08-models-list-no-auth')['portal-embed']
    assert embed['pricing'] is None and embed['context_length'] == 0 and embed['max_tokens'] is None


def test_info_reads_the_list_and_looks_up_names_it_does_not_hold(portal):
    portal.play('21-models-list-after-delete', '22-model-portal-embed-after-delete')
    models, unknown = visible_models(portal_client(portal.url), ['portal-embed', 'harness-config-model', 'portal-chat'])
    assert [(m['id'], m['available']) for m in models] == [('portal-chat', True), ('portal-embed', False)]
    assert models[1]['capabilities'] == ['embeddings'] and models[1]['restricted_access'] is None
    assert unknown == ['harness-config-model']
    assert [r['path'] for r in portal.requests] == [
        '/api/v1/models?limit=1000&page=1', '/api/v1/models/harness-config-model', '/api/v1/models/portal-embed']
    assert portal.unused() == []


def test_info_without_names_lists_only_available_models(portal):
    portal.play('21-models-list-after-delete')
    models, unknown = visible_models(portal_client(portal.url, None, token_required=False))
    assert [m['id'] for m in models] == ['portal-chat'] and unknown == []
    assert portal.requests[0]['auth'] == 'none'


def test_changes_between_two_lists():
    with_embed, without_embed = listed('09-models-list-admin-page1-limit100'), listed('21-models-list-after-delete')
    assert portal_changes(with_embed, without_embed) == {
        'added': [], 'removed': ['portal-embed'],
        'modified': {'portal-chat': {'before': {'context_length': 8192, 'max_tokens': 8192},
                                     'after': {'context_length': 16384, 'max_tokens': 16384}}}}
    assert portal_changes(without_embed, with_embed)['added'] == ['portal-embed']
    priced = portal_changes(without_embed, listed('29-models-list-after-pricing-patch'))
    assert priced['modified']['portal-chat']['after'] == {
        'pricing': {'input_cost_per_token': 1e-06, 'output_cost_per_token': 2e-06}}


def test_timestamps_and_capability_order_are_no_change():
    before = load('08-models-list-no-auth')['response']['body']['data'][0]
    after = dict(before, updatedAt='2026-12-01T20:00:00.000Z', capabilities=['vision', 'chat', 'function_calling'])
    assert portal_changes({'portal-chat': portal_model(before)}, {'portal-chat': portal_model(after)}) == \
        {'added': [], 'removed': [], 'modified': {}}


# ---- the sync

def test_a_sync_that_changes_nothing_for_users_is_no_change(portal):
    portal.play('09-models-list-admin-page1-limit100', '06-sync-second-no-change', '09-models-list-admin-page1-limit100')
    result, errors = sync_portal(portal_client(portal.url))
    assert errors == [] and result['changed'] is False and 'diff' not in result
    assert result['sync']['updatedModels'] == 1
    assert (result['added'], result['removed'], result['modified']) == ([], [], {})
    assert [(r['method'], r['auth']) for r in portal.requests] == [('GET', 'admin'), ('POST', 'admin'), ('GET', 'admin')]


def test_a_sync_that_removes_and_changes_models(portal):
    portal.play('09-models-list-admin-page1-limit100', '20-sync-after-delete', '21-models-list-after-delete')
    result, errors = sync_portal(portal_client(portal.url))
    assert errors == [] and result['changed'] is True
    assert result['sync'] == load('20-sync-after-delete')['response']['body']
    assert result['removed'] == ['portal-embed'] and list(result['modified']) == ['portal-chat']
    assert [m['id'] for m in result['models']] == ['portal-chat']
    assert sorted(result['diff']['before']) == ['portal-chat', 'portal-embed']
    assert list(result['diff']['after']) == ['portal-chat']
    assert result['diff']['after']['portal-chat']['context_length'] == 16384


def test_force_update_is_sent_and_other_defaults_are_not(portal):
    assert sync_request_body(False, True) == {}
    assert sync_request_body(True, False) == {'forceUpdate': True, 'markUnavailable': False}
    portal.play('21-models-list-after-delete', '07-sync-force-update', '21-models-list-after-delete')
    result, errors = sync_portal(portal_client(portal.url), force_update=True)
    assert errors == [] and result['changed'] is False and result['sync']['updatedModels'] == 2


def test_a_failed_sync_is_reported_with_its_errors(stub):
    listing = load('21-models-list-after-delete')['response']['body']
    stub.reply(200, listing)
    stub.reply(200, {'success': False, 'totalModels': 0, 'newModels': 0, 'updatedModels': 0, 'unavailableModels': 0,
                     'errors': ['connect ECONNREFUSED 10.0.0.1:4000'], 'syncedAt': '2026-12-01T19:04:14.217Z'})
    stub.reply(200, listing)
    result, errors = sync_portal(portal_client(stub.url))
    assert errors == ['connect ECONNREFUSED 10.0.0.1:4000'] and result['changed'] is False
    assert stub.requests[1]['body'] == {}
    assert sync_errors({'success': False, 'errors': []}) == ['the backend reported success=False without errors']
    assert sync_errors({'success': True, 'errors': ['model x: bad']}) == ['model x: bad']
    assert sync_errors(load('06-sync-second-no-change')['response']['body']) == []


def test_a_sync_500_is_retried_then_reported(stub):
    listing = load('21-models-list-after-delete')['response']['body']
    stub.reply(200, listing).reply(500, {}).reply(500, {})
    with pytest.raises(LiteLLMError) as err:
        sync_portal(portal_client(stub.url, retries=1))
    assert err.value.describe() == 'POST /api/v1/models/sync returned HTTP 500: HTTP 500'
    assert [r['method'] for r in stub.requests] == ['GET', 'POST', 'POST']


def test_sync_stats_need_the_admin_key(portal):
    portal.play('11-sync-stats')
    with pytest.raises(LiteLLMError) as err:
        portal_client(portal.url, 'ltm_admin_wrong').get(SYNC_STATS_PATH)
    assert err.value.status == 401
    assert portal_client(portal.url).get(SYNC_STATS_PATH) == load('11-sync-stats')['response']['body']


# ---- which models users cannot see

def litellm_models():
    """LiteLLM's models as rhpds.litemaas.litellm_model_info returns them, from the recorded /model/info."""
    return [deployment_from_api(raw) for raw in load('23-litellm-model-info-all')['response']['body']['data']]


def test_the_config_file_model_is_not_visible(portal):
    portal.play('21-models-list-after-delete')
    deployments = litellm_models()
    assert sorted((d['model_name'], d['origin']) for d in deployments) == [
        ('harness-config-model', 'config'), ('portal-chat', 'database')]
    models, dummy = visible_models(portal_client(portal.url), [d['model_name'] for d in deployments])
    hidden = not_visible_in_portal(deployments, models)
    assert [(h['model_name'], h['cause']) for h in hidden] == [('harness-config-model', 'config_file')]
    assert 'LITELLM_DATABASE_URL' in hidden[0]['reason'] and 'LiteLLM_ProxyModelTable' in hidden[0]['reason']


def test_not_synced_and_unavailable_models():
    deployments = [{'model_name': 'new-db-model', 'origin': 'database'},
                   {'model_name': 'portal-embed', 'origin': 'database'},
                   {'model_name': 'was-synced-config-model', 'origin': 'config'},
                   {'model_name': 'portal-chat', 'origin': 'database'},
                   {'model_name': 'portal-chat', 'origin': 'config'}]
    embed = portal_model(load('22-model-portal-embed-after-delete')['response']['body'], available=False)
    config = dict(embed, id='was-synced-config-model')
    portal = list(listed('21-models-list-after-delete').values()) + [embed, config]
    hidden = portal_hidden_models(deployments, portal)
    assert [(h['model_name'], h['cause']) for h in hidden] == [
        ('new-db-model', 'not_synced'), ('portal-embed', 'unavailable'), ('was-synced-config-model', 'config_file')]
    assert 'LITELLM_AUTO_SYNC is exactly "true"' in hidden[0]['reason']
    assert 'subscribe again' in hidden[1]['reason']


@pytest.mark.parametrize('litellm, portal', [('gpt-4o', []), ([{'model_id': 'x'}], []), ([], [{'name': 'x'}])])
def test_the_filter_refuses_other_input(litellm, portal):
    with pytest.raises(AnsibleFilterError):
        portal_hidden_models(litellm, portal)
