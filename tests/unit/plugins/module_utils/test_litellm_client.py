"""Edge cases of the shared HTTP client: error shapes, retries, timeouts, pagination."""
import socket

import pytest

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import (
    RUN_GONE, LiteLLMClient, LiteLLMError, RunWatch, error_message, same_value)

MASTER_KEY = 'sk-unit-test-master-key-0123456789'


def client_for(url, **kwargs):
    kwargs.setdefault('sleep', lambda s: None)
    return LiteLLMClient(url, MASTER_KEY, **kwargs)


@pytest.mark.parametrize('body, message, param', [
    ({'error': {'message': 'Key not found.', 'type': 'not_found_error', 'param': 'key', 'code': '404'}},
     'Key not found.', 'key'),
    ({'error': {'message': "{'error': 'Model with id=x not found in db'}", 'param': 'None', 'code': '400'}},
     'Model with id=x not found in db', None),
    ({'detail': {'error': 'Model id = nope not found on litellm proxy'}},
     'Model id = nope not found on litellm proxy', None),
    ({'detail': 'Not authenticated'}, 'Not authenticated', None),
    ({'detail': [{'type': 'missing', 'loc': ['body', 'litellm_params', 'model'], 'msg': 'Field required'}]},
     'litellm_params.model: Field required', None),
    ({'title': 'Bad Request', 'status': 400}, 'Bad Request', None),
    ('Internal Server Error', 'Internal Server Error', None),
    ({'error': "{'message': 'Team not found, passed team id: t.'}"}, 'Team not found, passed team id: t.', None),
    ({}, 'HTTP 418', None),
])
def test_error_message_understands_every_litellm_error_shape(body, message, param):
    assert error_message(body, 'HTTP 418') == (message, param)


def test_bearer_master_key_and_json_body_are_sent(stub):
    stub.reply(200, {'ok': True})
    assert client_for(stub.url).post('/key/update', {'key': 'x'}, idempotent=True) == {'ok': True}
    request = stub.requests[0]
    assert request['headers']['Authorization'] == 'Bearer ' + MASTER_KEY
    assert request['headers']['Content-Type'] == 'application/json'
    assert request['body'] == {'key': 'x'}


def test_reads_are_retried_on_5xx_and_429(stub):
    stub.reply(503, {'error': 'busy'}).reply(429, {}, headers={'Retry-After': '1'}).reply(200, {'data': []})
    delays = []
    assert client_for(stub.url, sleep=delays.append).get('/model/info') == {'data': []}
    assert len(stub.requests) == 3
    assert delays == [1.0, 1.0]


def test_retries_are_bounded(stub):
    for dummy in range(5):
        stub.reply(502, {'error': {'message': 'bad gateway'}})
    with pytest.raises(LiteLLMError) as err:
        client_for(stub.url, retries=2).get('/model/info')
    assert err.value.status == 502
    assert len(stub.requests) == 3


def test_backoff_grows_and_is_capped(stub):
    for dummy in range(7):
        stub.reply(500, {})
    delays = []
    with pytest.raises(LiteLLMError):
        client_for(stub.url, retries=6, sleep=delays.append).get('/x')
    assert delays == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_non_idempotent_write_is_not_retried_without_a_landed_check(stub):
    stub.reply(502, {}).reply(200, {'key': 'sk-new'})
    with pytest.raises(LiteLLMError):
        client_for(stub.url).post('/key/generate', {'key_alias': 'a'})
    assert len(stub.requests) == 1


def test_non_idempotent_write_is_retried_when_the_reread_shows_it_did_not_land(stub):
    stub.reply(502, {}).reply(200, {'key': 'sk-new'})
    checks = []
    result = client_for(stub.url).post('/key/generate', {'key_alias': 'a'}, landed=lambda failure: checks.append(1))
    assert result == {'key': 'sk-new'}
    assert checks == [1]
    assert len(stub.requests) == 2


def test_non_idempotent_write_that_landed_is_not_sent_twice(stub):
    stub.reply(500, {})
    result = client_for(stub.url).post('/model/new', {'model_name': 'm'}, landed=lambda failure: {'proof': True})
    assert result == {'proof': True}
    assert len(stub.requests) == 1


def test_429_on_a_write_is_always_safe_to_resend(stub):
    stub.reply(429, {}).reply(200, {'key': 'sk-new'})
    assert client_for(stub.url).post('/key/generate', {}) == {'key': 'sk-new'}


def test_client_errors_fail_at_once_with_the_api_message(stub):
    stub.reply(400, {'error': {'message': "Key with alias 'a' already exists.", 'param': 'key_alias'}})
    with pytest.raises(LiteLLMError) as err:
        client_for(stub.url).get('/key/list')
    assert err.value.status == 400 and err.value.param == 'key_alias'
    assert err.value.describe() == "GET /key/list returned HTTP 400: Key with alias 'a' already exists."
    assert len(stub.requests) == 1


def test_absent_statuses_return_none(stub):
    stub.reply(404, {'error': {'message': 'No keys found'}})
    assert client_for(stub.url).post('/key/delete', {'keys': ['x']}, idempotent=True, absent_statuses=(404,)) is None


def test_timeout_is_a_transport_error_naming_api_url(stub):
    stub.reply(200, {}, delay=1.5).reply(200, {}, delay=1.5)
    with pytest.raises(LiteLLMError) as err:
        client_for(stub.url, timeout=1, retries=1).get('/model/info')
    assert err.value.status is None and err.value.param == 'api_url'
    assert 'cannot reach api_url' in err.value.message


def test_unreachable_proxy_names_api_url():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    with pytest.raises(LiteLLMError) as err:
        client_for('http://127.0.0.1:%d' % port, retries=1).get('/model/info')
    assert err.value.param == 'api_url'
    assert 'cannot reach api_url http://127.0.0.1:%d' % port in err.value.describe()


@pytest.mark.parametrize('url', ['', 'litellm.example.com', 'ftp://x', 'http://'])
def test_bad_api_url_is_refused_before_any_request(url):
    with pytest.raises(LiteLLMError) as err:
        LiteLLMClient(url, MASTER_KEY)
    assert err.value.param == 'api_url'


def test_pagination_reads_one_page_per_request(stub):
    stub.reply(200, {'keys': [1, 2], 'total_pages': 3}).reply(200, {'keys': [3, 4], 'total_pages': 3})
    stub.reply(200, {'keys': [5], 'total_pages': 3})
    items = list(client_for(stub.url).paginate('/key/list', 'keys', {'key_alias': 'a'}, page_size=2))
    assert items == [1, 2, 3, 4, 5]
    assert [r['path'] for r in stub.requests] == ['/key/list?key_alias=a&page=%d&size=2' % n for n in (1, 2, 3)]


def test_pagination_without_total_pages_stops_at_a_short_page(stub):
    stub.reply(200, {'keys': [1, 2]}).reply(200, {'keys': [3]})
    assert list(client_for(stub.url).paginate('/key/list', 'keys', page_size=2)) == [1, 2, 3]


def test_query_values_are_encoded_and_none_dropped(stub):
    stub.reply(200, {})
    client_for(stub.url).get('/key/list', {'key_alias': 'a b&c', 'user_id': None, 'return_full_object': True})
    assert stub.requests[0]['path'] == '/key/list?key_alias=a+b%26c&return_full_object=true'


def test_same_value_normalises_numbers_not_bools():
    assert same_value(5, 5.0)
    assert same_value({'a': [1, 2.0]}, {'a': [1.0, 2]})
    assert not same_value(True, 1)
    assert not same_value(None, 0)
    assert not same_value({'a': 1}, {'a': 1, 'b': 2})


def test_a_refused_connection_is_resent_without_asking_whether_it_landed():
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    sleeps, checks = [], []
    client = LiteLLMClient('http://127.0.0.1:%d' % port, 'sk-unit-master-key-00000000', retries=2, sleep=sleeps.append)
    with pytest.raises(LiteLLMError) as err:
        client.post('/key/generate', {'key_alias': 'a'}, landed=checks.append)
    assert err.value.not_sent and checks == [] and len(sleeps) == 2


def fake_proc(tmp_path, processes):
    """A /proc with these processes: pid -> (parent pid, argv)."""
    for pid, (parent, argv) in processes.items():
        (tmp_path / str(pid)).mkdir(exist_ok=True)
        (tmp_path / str(pid) / 'stat').write_text('%d (a (b) c) S %d 1 1 0' % (pid, parent))
        (tmp_path / str(pid) / 'cmdline').write_bytes(b'\0'.join(a.encode() for a in argv) + b'\0')


LOCAL_RUN = {
    40: (30, ['/venv/bin/python3', '/root/.ansible/tmp/ansible-tmp-1/AnsiballZ_litellm_keys.py']),
    30: (20, ['/bin/sh', '-c', '/venv/bin/python3 /root/.ansible/tmp/ansible-tmp-1/AnsiballZ_litellm_keys.py && sleep 0']),
    20: (10, ['/venv/bin/python3', '/venv/bin/ansible-playbook', 'site.yml']),  # the worker
    10: (5, ['/venv/bin/python3', '/venv/bin/ansible-playbook', 'site.yml']),
    5: (1, ['bash']),
}


def test_run_watch_sees_the_ansible_playbook_that_started_the_module_go(tmp_path):
    fake_proc(tmp_path, LOCAL_RUN)
    watch = RunWatch(proc=str(tmp_path), pid=40)
    assert [pid for pid, parent in watch.chain] == [40, 30, 20] and watch.alive()
    fake_proc(tmp_path, {20: (1, LOCAL_RUN[20][1])})  # ansible-playbook killed: its worker gets a new parent
    assert not watch.alive()


def test_run_watch_ignores_processes_above_ansible_and_runs_without_it(tmp_path):
    fake_proc(tmp_path, LOCAL_RUN)
    watch = RunWatch(proc=str(tmp_path), pid=40)
    fake_proc(tmp_path, {10: (1, LOCAL_RUN[10][1])})  # the shell that started ansible-playbook exits (nohup)
    assert watch.alive()
    fake_proc(tmp_path, {7: (6, ['/usr/bin/python3', 'module.py']), 6: (1, ['sshd: root@notty'])})
    assert RunWatch(proc=str(tmp_path), pid=7).chain == [] and RunWatch(proc=str(tmp_path / 'none')).alive()


def test_a_module_whose_run_is_gone_sends_no_more_writes(stub):
    class Gone(object):
        @staticmethod
        def alive():
            return False
    stub.reply(200, {'data': []})
    client = client_for(stub.url, run_watch=Gone())
    assert client.get('/model/info') == {'data': []}
    with pytest.raises(LiteLLMError) as err:
        client.post('/key/generate', {'key_alias': 'a'})
    assert RUN_GONE in err.value.describe() and err.value.not_sent and len(stub.requests) == 1
