"""Input checks that run before anything is written."""
import pytest

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_validation import (
    check_duration, check_non_negative, validate_deployment, validate_portal_model_info)


@pytest.mark.parametrize('name, params', [
    ('gpt-4o', {'model': 'openai/gpt-4o', 'api_key': 'sk-x'}),
    ('claude-3-5-sonnet', {'model': 'anthropic/claude-3-5-sonnet-20241022', 'api_key': 'sk-ant-x'}),
    ('azure-gpt-4', {'model': 'azure/gpt-4', 'api_key': 'k', 'api_base': 'https://x.openai.azure.com/',
                     'api_version': '2023-05-15'}),
    ('llama3', {'model': 'ollama/llama3', 'api_base': 'http://ollama-service:11434'}),
    ('claude-bedrock', {'model': 'bedrock/anthropic.claude-3-sonnet-20240229-v1:0', 'aws_region_name': 'us-east-1'}),
    ('gemini-pro', {'model': 'vertex_ai/gemini-pro', 'vertex_project': 'p'}),
    ('llama-3-8b', {'model': 'huggingface/meta-llama/Llama-3-8b', 'api_key': 'hf_x'}),
    ('deepseek-chat', {'model': 'deepseek/deepseek-chat', 'api_key': 'sk-x'}),
    ('granite-7b', {'model': 'openai/granite-7b-instruct', 'api_base': 'https://granite.apps.example.com/v1',
                    'api_key': 'token'}),
    ('from-env', {'model': 'azure/gpt-4', 'api_base': 'os.environ/AZURE_API_BASE', 'api_version': '2024-06-01'}),
])
def test_the_guides_providers_are_accepted(name, params):
    assert validate_deployment(name, params) == []


@pytest.mark.parametrize('name, params, message', [
    ('gpt-4o', {'model': 'opnai/gpt-4o'}, "litellm_params.model has unknown provider prefix 'opnai' (did you mean 'openai'?)"),
    ('gpt-4o', {'model': 'gpt-4o'}, 'litellm_params.model must start with a provider prefix'),
    ('gpt-4o', {}, 'litellm_params.model is required'),
    ('gpt-4o', {'model': 'openai/'}, 'litellm_params.model needs a model after the provider prefix'),
    ('az', {'model': 'azure/gpt-4', 'api_base': 'https://x.openai.azure.com/'}, 'litellm_params.api_version is required for azure'),
    ('az', {'model': 'azure/gpt-4', 'api_version': '2023-05-15'}, 'litellm_params.api_base is required for azure'),
    ('llama3', {'model': 'ollama/llama3'}, 'litellm_params.api_base is required for ollama'),
    ('llama3', {'model': 'ollama/llama3', 'api_base': 'http://o:11434', 'api_key': 'x'}, 'litellm_params.api_key must not be set for ollama'),
    ('ollama/llama3', {'model': 'ollama/llama3', 'api_base': 'http://o:11434'}, "model_name must not contain '/'"),
    ('', {'model': 'openai/x'}, 'model_name must be a non-empty string'),
    (' gpt', {'model': 'openai/x'}, 'model_name must not start or end with whitespace'),
    ('g', {'model': 'openai/x', 'api_base': 'not a url'}, 'litellm_params.api_base must be an http(s) URL'),
    ('g', {'model': 'openai/x', 'api_base': 'ftp://host/v1'}, 'litellm_params.api_base must be an http(s) URL'),
    ('g', {'model': 'openai/x', 'rpm': -1}, 'litellm_params.rpm must be a non-negative number'),
    ('g', {'model': 'openai/x', 'timeout': 0}, 'litellm_params.timeout must be a positive number of seconds'),
])
def test_bad_deployments_name_the_field(name, params, message):
    errors = validate_deployment(name, params)
    assert any(e.startswith(message) for e in errors), errors


@pytest.mark.parametrize('value', ['30d', '1mo', '12h', '90s', '2w', '15m'])
def test_durations(value):
    assert check_duration('duration', value) == []


@pytest.mark.parametrize('value', ['30x', 'd30', '30 d', '', '1.5d', '-1d'])
def test_bad_durations_name_the_field(value):
    assert check_duration('duration', value)[0].startswith('duration must be <number> followed by')


def test_never_and_budget_aliases():
    assert check_duration('duration', 'never', allow_never=True) == []
    assert check_duration('duration', 'never') != []
    assert check_duration('budget_duration', 'monthly', aliases={'monthly': '30d'}) == []


@pytest.mark.parametrize('value, ok', [(0, True), (1.5, True), (-0.01, False), (float('nan'), False),
                                       (float('inf'), False), (True, False), ('5', False), (None, True)])
def test_non_negative(value, ok):
    assert (check_non_negative('max_budget', value) == []) is ok


@pytest.mark.parametrize('model_info, message', [
    ({'max_tokens': '8k'}, "model_info.max_tokens must be a positive whole number of tokens"),
    ({'max_tokens': 0}, "model_info.max_tokens must be a positive whole number of tokens"),
    ({'max_tokens': True}, "model_info.max_tokens must be a positive whole number of tokens"),
    ({'supports_vision': 'yes'}, "model_info.supports_vision must be true or false, got 'yes'"),
    ({'supports_embeddings': 1}, "model_info.supports_embeddings must be true or false, got 1"),
])
def test_the_portal_fields_of_model_info_are_checked(model_info, message):
    errors = validate_portal_model_info(model_info)
    assert len(errors) == 1 and message in errors[0], errors


def test_valid_portal_fields_pass():
    assert validate_portal_model_info({'max_tokens': 128000, 'supports_vision': True, 'supports_tool_choice': False,
                                       'mode': 'chat', 'own_marker': 'x'}) == []
