"""Bad inventory fails early, with a message naming the problem, and nothing is created."""

import pytest

from conftest import MODELS, ingress_config_removed


def _assert_fails_cleanly(result, kube, namespace, *messages):
    assert result.rc != 0, result
    for message in messages:
        assert message in result.output, "%r not in output:\n%r" % (message, result)
    assert kube.get("Namespace", None, namespace) is None, "namespace %s was created" % namespace


def test_missing_domain_without_ingress_config(ansible, kube, cluster):
    with ingress_config_removed(cluster):
        result = ansible.run("deploy.yml", {"litemaas_namespace": "bad-domain"})
    _assert_fails_cleanly(result, kube, "bad-domain", "Cannot determine the apps domain", "Set litemaas_apps_domain")


@pytest.mark.parametrize("variables, messages", [
    pytest.param({"litemaas_litellm_resources": {"requests": {"cpu": "500m", "memory": "2Gi"},
                                                 "limits": {"cpu": "2", "memory": "4GB"}}},
                 ["litemaas_litellm_resources has an invalid size", "4GB"], id="memory-unit"),
    pytest.param({"litemaas_backend_resources": {"requests": {"cpu": "fast", "memory": "256Mi"},
                                                 "limits": {"cpu": "1", "memory": "1Gi"}}},
                 ["litemaas_backend_resources has an invalid size"], id="cpu-word"),
    pytest.param({"litemaas_postgres_storage_size": "ten gigs"},
                 ["litemaas_postgres_storage_size 'ten gigs' is not a storage size"], id="storage"),
    pytest.param({"litemaas_frontend_resources": {"limits": {"cpu": "1", "memory": "1Gi"}}},
                 ["missing required arguments: requests found in litemaas_frontend_resources"], id="no-requests"),
    pytest.param({"litemaas_oauth_mode": "saml"},
                 ["value of litemaas_oauth_mode must be one of: oauthclient, serviceaccount, oidc, got: saml"], id="oauth-mode"),
    pytest.param({"litemaas_oauth_mode": "oidc"},
                 ["litemaas_oauth_mode is oidc: set litemaas_oidc_issuer"], id="oidc-incomplete"),
    pytest.param({"litemaas_litellm_image": "quay.io/rh-aiservices-bu/litellm-non-root:main-v1.82.7-stable"},
                 ["is LiteLLM 1.82.7, refused for MAL-2026-2144 (compromised release)"], id="litellm-1.82.7"),
    # a compromised release is refused even with every advisory accepted
    pytest.param({"litemaas_litellm_image": "ghcr.io/berriai/litellm:v1.82.8", "litemaas_litellm_allow_vulnerable": True},
                 ["is LiteLLM 1.82.8, refused for MAL-2026-2144 (compromised release)"], id="litellm-1.82.8"),
    pytest.param({"litemaas_litellm_image": "ghcr.io/berriai/litellm-non_root:main-v1.107.3-nightly"},
                 ["is LiteLLM 1.107.3, refused for LITELLM-1.107-WITHDRAWN (compromised release)"], id="litellm-1.107.x"),
    pytest.param({"litemaas_litellm_image": "quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom"},
                 ["litemaas_litellm_image: quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom is LiteLLM "
                  "1.81.0, refused for", "GHSA-4xpc-pv4p-pm3w / CVE-2026-49468 (critical)", "fixed in 1.84.0",
                  "set litemaas_litellm_allow_vulnerable to true or to a list"], id="litemaas-0.4-litellm"),
    pytest.param({"litemaas_litellm_allow_vulnerable": "yes"},
                 ["litemaas_litellm_allow_vulnerable) must be true, false or a list of advisory ids"], id="allow-value"),
    pytest.param({"litemaas_litellm_image": "quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom",
                  "litemaas_litellm_allow_vulnerable": True, "litemaas_litellm_ui_env_login": False},
                 ["litemaas_litellm_ui_env_login is false, but LiteLLM 1.81.0",
                  "ignores general_settings.disable_env_credential_login"], id="env-login-on-1.81"),
    pytest.param({"litemaas_litellm_replicas": 3, "litemaas_redis_enabled": False},
                 ["LiteLLM replicas need Redis"], id="replicas-without-redis"),
    pytest.param({"litemaas_postgres_enabled": False},
                 ["set litemaas_external_litellm_database_url and"], id="external-db-missing"),
    pytest.param({"litemaas_litellm_models": [{"model_name": "ollama/llama3", "litellm_params": {"model": "ollama/llama3"}},
                                              {"model_name": "azure-gpt-4", "litellm_params": {"model": "azure/gpt-4",
                                                                                               "api_key": "k-123",
                                                                                               "api_base": "https://x.openai.azure.com/"}}]},
                 ["Invalid litemaas_litellm_models", "litemaas_litellm_models[0]", "must not contain '/'",
                  "litemaas_litellm_models[1] (azure-gpt-4): litellm_params.api_version is required"], id="models"),
    pytest.param({"litemaas_litellm_models": [{"model_name": "m", "litellm_params": {"model": "openai/m", "api_key": "k-1"},
                                               "model_info": {"input_cost_per_token": 1e-06, "max_tokens": "8k"}}]},
                 ["litemaas_litellm_models[0] (m): model_info.input_cost_per_token: LiteLLM does not keep prices",
                  "set litellm_params.input_cost_per_token instead",
                  "litemaas_litellm_models[0] (m): model_info.max_tokens must be a positive whole number"], id="portal-fields"),
    pytest.param({"litemaas_litellm_api_url": "litellm.example.test"},
                 ["litemaas_litellm_api_url 'litellm.example.test' must be an http(s) URL"], id="api-url"),
    pytest.param({"litemaas_litellm_models": MODELS},
                 ["reference os.environ/ANTHROPIC_API_KEY but litemaas_litellm_api_keys has no value"], id="missing-api-key"),
    pytest.param({"litemaas_litellm_api_keys": {"LITELLM_MASTER_KEY": "x"}},
                 ["litemaas_litellm_api_keys has the key 'LITELLM_MASTER_KEY'"], id="reserved-env"),
])
def test_bad_inventory_fails_early(ansible, kube, variables, messages):
    namespace = "bad-inventory"
    result = ansible.run("deploy.yml", dict(variables, litemaas_namespace=namespace))
    _assert_fails_cleanly(result, kube, namespace, *messages)
