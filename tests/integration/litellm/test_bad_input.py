"""Bad input fails with a message naming the field, before anything is written (checked in the database)."""
import json
import socket

import pytest

from support import run_module, table_counts, unique

AZURE = {'model': 'azure/gpt-4', 'api_key': 'k', 'api_base': 'https://x.openai.azure.com/'}

MODEL_CASES = [
    ('wrong provider prefix', {'litellm_params': {'model': 'opnai/gpt-4o'}}, 'litellm_params.model'),
    ('no provider prefix', {'litellm_params': {'model': 'gpt-4o'}}, 'litellm_params.model'),
    ('azure without api_version', {'litellm_params': AZURE}, 'litellm_params.api_version'),
    ('azure without api_base', {'litellm_params': {'model': 'azure/gpt-4', 'api_version': '2024-06-01'}},
     'litellm_params.api_base'),
    ('ollama without api_base', {'litellm_params': {'model': 'ollama/llama3'}}, 'litellm_params.api_base'),
    ('ollama with an api_key', {'litellm_params': {'model': 'ollama/llama3', 'api_base': 'http://o:11434',
                                                   'api_key': 'x'}}, 'litellm_params.api_key'),
    ('model_name with a slash', {'model_name': 'ollama/llama3', 'litellm_params': {'model': 'openai/x'}}, 'model_name'),
    ('bad api_base URL', {'litellm_params': {'model': 'openai/x', 'api_base': 'granite.apps.example.com/v1'}},
     'litellm_params.api_base'),
    ('negative rpm', {'litellm_params': {'model': 'openai/x', 'rpm': -5}}, 'litellm_params.rpm'),
    # a realistic value: Ansible masks a no_log value wherever it occurs, so a one-letter one would garble the message
    ('credential in extra', {'litellm_params': {'model': 'openai/x', 'extra': {'client_secret': 'cs-client-value-9k2'}}},
     'litellm_params.extra.client_secret'),
    ('model_info.id instead of model_id', {'litellm_params': {'model': 'openai/x'}, 'model_info': {'id': 'x'}},
     'model_info.id'),
    ('price in model_info', {'litellm_params': {'model': 'openai/x'}, 'model_info': {'input_cost_per_token': 1e-6}},
     'model_info.input_cost_per_token'),
    ('missing model', {'litellm_params': {'api_base': 'http://x/v1'}}, 'litellm_params.model'),
]

KEY_CASES = [
    ('negative budget', {'max_budget': -1}, 'max_budget'),
    ('30x duration', {'duration': '30x'}, 'duration'),
    ('bad budget_duration', {'budget_duration': 'fortnightly'}, 'budget_duration'),
    ('negative rpm_limit', {'rpm_limit': -1}, 'rpm_limit'),
    ('unknown model', {'models': ['no-such-model-anywhere']}, 'models'),
    ('unknown team', {'team_id': 'no-such-team-anywhere'}, 'team_id'),
    ('custom key without sk- prefix', {'key': 'my-own-key-value-123456'}, 'key'),
    ('custom key too short', {'key': 'sk-short'}, 'key'),
    ('empty alias', {'key_alias': ' '}, 'key_alias'),
]


@pytest.mark.parametrize('label, args, field', MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_bad_model_input(conn, litellm_db, label, args, field):
    before = table_counts(litellm_db)
    result = run_module('litellm_model', dict(dict(conn, model_name=unique('bad')), **args))
    assert result['failed'] and field in result['msg'], result
    assert table_counts(litellm_db) == before


@pytest.mark.parametrize('label, args, field', KEY_CASES, ids=[c[0] for c in KEY_CASES])
def test_bad_key_input(conn, litellm_db, label, args, field):
    before = table_counts(litellm_db)
    result = run_module('litellm_key', dict(conn, **dict({'key_alias': unique('bad')}, **args)))
    assert result['failed'] and field in result['msg'], result
    assert table_counts(litellm_db) == before


def test_wrong_master_key_names_the_field(conn, litellm_db):
    before = table_counts(litellm_db)
    result = run_module('litellm_key', dict(conn, master_key='sk-wrong-' + 'a' * 40, key_alias=unique('k')))
    assert result['failed'] and result['status'] == 401 and 'master_key' in result['msg'], result
    assert table_counts(litellm_db) == before


def test_unreachable_proxy_names_api_url(conn, litellm_db):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    args = dict(conn, api_url='http://127.0.0.1:%d' % port, retries=0, model_name='m',
                litellm_params={'model': 'openai/x'})
    result = run_module('litellm_model', args)
    assert result['failed'] and 'api_url' in result['msg'] and 'cannot reach' in result['msg']


@pytest.mark.parametrize('url', ['litellm.example.com', 'ftp://127.0.0.1/'])
def test_bad_api_url(conn, url):
    result = run_module('litellm_key_info', dict(conn, api_url=url))
    assert result['failed'] and result['msg'].startswith('api_url must be an http(s) URL')


def test_missing_connection_names_the_fields(litellm_proxy):
    result = run_module('litellm_model_info', {}, env={'LITELLM_API_BASE': None, 'LITELLM_MASTER_KEY': None})
    assert result['failed'] and 'api_url' in result['msg'] and 'master_key' in result['msg']


def test_env_fallbacks(litellm_proxy):
    env = {'LITELLM_API_BASE': litellm_proxy.base_url, 'LITELLM_MASTER_KEY': litellm_proxy.master_key}
    result = run_module('litellm_model_info', {}, env=env)
    assert not result['failed'], result
    assert litellm_proxy.master_key not in json.dumps(result)
    # ansible-core 2.21 adds the invocation only when the controller asks for it (_ansible_inject_invocation).
    if 'invocation' in result:
        assert result['invocation']['module_args']['master_key'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


def test_unreadable_ca_path_names_the_field(conn, tmp_path):
    bad = tmp_path / 'not-a-ca.pem'
    bad.write_text('not a certificate')
    for path in (str(bad), str(tmp_path / 'missing.pem')):
        result = run_module('litellm_key_info', dict(conn, ca_path=path))
        assert result['failed'] and result['field'] == 'ca_path' and result['msg'].startswith('ca_path '), result
