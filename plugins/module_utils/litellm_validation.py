# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks shared by the modules and the deploy role's model list, run before anything is written.

Every function returns a list of messages; each message starts with the name of the field it is about.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import difflib
import math
import re
from urllib.parse import urlparse

# Provider prefixes LiteLLM 1.81-1.106 route on (litellm.provider_list, language-model providers).
KNOWN_PROVIDERS = frozenset("""
ai21 ai21_chat aiml aiohttp_openai amazon_nova anthropic anthropic_text azure azure_ai azure_text baseten
bedrock bedrock_mantle bytez cerebras chutes clarifai cloudflare codestral cohere cohere_chat cometapi
custom custom_openai dashscope databricks datarobot deepinfra deepseek docker_model_runner empower
featherless_ai fireworks_ai friendliai galadriel gemini github github_copilot gradient_ai groq heroku
hosted_vllm huggingface hyperbolic inception infinity jina_ai lambda_ai lemonade litellm_proxy llamafile
lm_studio meta_llama minimax mistral moonshot morph nebius nlp_cloud novita nscale nvidia_nim oci ollama
ollama_chat oobabooga openai openai_like openrouter ovhcloud perplexity petals predibase replicate sagemaker
sagemaker_chat sambanova snowflake text-completion-codestral text-completion-openai together_ai triton
v0 vercel_ai_gateway vertex_ai vertex_ai_beta vllm volcengine voyage wandb watsonx watsonx_text xai
xinference zai
""".split())

# Providers whose requests need an explicit endpoint, and which never take an API key.
PROVIDERS_NEEDING_API_BASE = frozenset(['azure', 'azure_text', 'ollama', 'ollama_chat', 'hosted_vllm', 'vllm',
                                        'openai_like', 'custom_openai', 'lm_studio', 'llamafile', 'xinference'])
PROVIDERS_WITHOUT_API_KEY = frozenset(['ollama', 'ollama_chat'])
PROVIDERS_NEEDING_API_VERSION = frozenset(['azure', 'azure_text'])

# LiteLLM durations: <n>s|m|h|d|w|mo (litellm_core_utils/duration_parser.py); budgets also take the aliases.
DURATION_RE = re.compile(r'^([0-9]+)(s|m|h|d|w|mo)$')
BUDGET_DURATION_ALIASES = {'hourly': '1h', 'daily': '24h', 'weekly': '7d', 'monthly': '30d'}
NEVER_EXPIRES = ('never', '-1')

ENV_REFERENCE_PREFIX = 'os.environ/'


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_non_negative(field, value):
    if value is None:
        return []
    if not _is_number(value) or value < 0:
        return ['%s must be a non-negative number, got %r' % (field, value)]
    return []


def check_url(field, value):
    if value is None or (isinstance(value, str) and value.startswith(ENV_REFERENCE_PREFIX)):
        return []
    parsed = urlparse(value) if isinstance(value, str) else None
    if parsed is None or parsed.scheme not in ('http', 'https') or not parsed.netloc or ' ' in value:
        return ['%s must be an http(s) URL (or an os.environ/NAME reference), got %r' % (field, value)]
    return []


def check_duration(field, value, allow_never=False, aliases=None):
    if value is None:
        return []
    text = str(value).strip()
    if allow_never and text in NEVER_EXPIRES:
        return []
    if aliases and text.lower() in aliases:
        return []
    if not DURATION_RE.match(text):
        accepted = '<number> followed by s, m, h, d, w or mo (e.g. 30d)'
        if allow_never:
            accepted += ", or 'never'"
        if aliases:
            accepted += ', or one of %s' % ', '.join(sorted(aliases))
        return ['%s must be %s, got %r' % (field, accepted, value)]
    return []


def check_model_name(model_name, field='model_name'):
    if not isinstance(model_name, str) or not model_name.strip():
        return ['%s must be a non-empty string' % field]
    if model_name != model_name.strip():
        return ['%s must not start or end with whitespace, got %r' % (field, model_name)]
    if '/' in model_name:
        return ["%s must not contain '/' (LiteMaaS users cannot select such a model), got %r; "
                "put the provider path in litellm_params.model instead" % (field, model_name)]
    return []


def did_you_mean(provider):
    close = difflib.get_close_matches(str(provider), sorted(KNOWN_PROVIDERS), n=1)
    return " (did you mean '%s'?)" % close[0] if close else ''


def split_provider(model):
    """'azure/gpt-4' -> ('azure', 'gpt-4'); no '/' -> (None, model)."""
    if '/' not in model:
        return None, model
    provider, rest = model.split('/', 1)
    return provider, rest


def unknown_custom_provider(litellm_params):
    """The custom_llm_provider of a deployment when LiteLLM does not know it, else None. LiteLLM stores such a
    deployment and then its router refuses it: it never serves requests."""
    custom = (litellm_params or {}).get('custom_llm_provider')
    return custom if custom is not None and custom not in KNOWN_PROVIDERS else None


def validate_deployment(model_name, litellm_params, field_prefix='litellm_params'):
    """Check one model deployment (a model_list entry) the way LiteLLM will route it.

    Covers the guide's providers (openai, anthropic, azure, ollama, bedrock, vertex_ai, huggingface, deepseek)
    and OpenAI-compatible endpoints such as OpenShift AI (openai/<name> with api_base).
    """
    errors = check_model_name(model_name)
    params = litellm_params or {}
    model = params.get('model')
    field = '%s.model' % field_prefix
    if not isinstance(model, str) or not model.strip():
        return errors + ['%s is required: <provider>/<model>, e.g. openai/gpt-4o' % field]
    provider, rest = split_provider(model.strip())
    if provider is None:
        errors.append("%s must start with a provider prefix, e.g. openai/%s, got %r" % (field, model, model))
        return errors
    if provider not in KNOWN_PROVIDERS:
        errors.append("%s has unknown provider prefix '%s'%s in %r" % (field, provider, did_you_mean(provider), model))
        return errors
    custom = unknown_custom_provider(params)
    if custom is not None:
        errors.append("%s.custom_llm_provider has unknown provider '%s'%s" % (field_prefix, custom, did_you_mean(custom)))
    if not rest:
        errors.append('%s needs a model after the provider prefix, got %r' % (field, model))

    api_base = params.get('api_base')
    errors += check_url('%s.api_base' % field_prefix, api_base)
    if provider in PROVIDERS_NEEDING_API_BASE and not api_base:
        errors.append('%s.api_base is required for %s models' % (field_prefix, provider))
    if provider in PROVIDERS_NEEDING_API_VERSION and not params.get('api_version'):
        errors.append('%s.api_version is required for %s models (e.g. 2024-06-01)' % (field_prefix, provider))
    if provider in PROVIDERS_WITHOUT_API_KEY and params.get('api_key'):
        errors.append('%s.api_key must not be set for %s models (they take no key)' % (field_prefix, provider))
    for name in ('rpm', 'tpm', 'max_parallel_requests', 'max_retries', 'input_cost_per_token',
                 'output_cost_per_token'):
        errors += check_non_negative('%s.%s' % (field_prefix, name), params.get(name))
    for name in ('timeout', 'stream_timeout'):
        value = params.get(name)
        if value is not None and (not _is_number(value) or value <= 0):
            errors.append('%s.%s must be a positive number of seconds, got %r' % (field_prefix, name, value))
    return errors


# model_info fields the LiteMaaS portal reads (its model sync): the context length, and the capability flags.
PORTAL_CAPABILITY_FLAGS = ('supports_vision', 'supports_function_calling', 'supports_parallel_function_calling',
                           'supports_tool_choice', 'supports_embeddings', 'supports_tokenize', 'supports_convert')


def validate_portal_model_info(model_info, field_prefix='model_info'):
    """Check the model_info fields the LiteMaaS User Portal shows, so a typo does not silently hide a capability."""
    errors = []
    info = model_info or {}
    max_tokens = info.get('max_tokens')
    if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1):
        errors.append('%s.max_tokens must be a positive whole number of tokens (the portal shows it as the context '
                      'length), got %r' % (field_prefix, max_tokens))
    for name in PORTAL_CAPABILITY_FLAGS:
        if name in info and not isinstance(info[name], bool):
            errors.append('%s.%s must be true or false, got %r' % (field_prefix, name, info[name]))
    return errors
