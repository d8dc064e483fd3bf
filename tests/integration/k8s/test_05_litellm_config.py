"""The role's LiteLLM configuration runs: the real LiteLLM starts from what the role put into the cluster (config
storage, guide option 2), serves the config-file models with the keys from Secret litellm-api-keys, and honours the
settings the role sets - master key, salt key, UI login (and turning it off) and STORE_MODEL_IN_DB."""

import os
import subprocess

import psycopg
import pytest
import requests

from litellm_from_role import auth, install_litellm, key_sent_upstream, litellm_of_a_deployment

NS = "lm-config"
UPSTREAM = "os.environ/HARNESS_UPSTREAM_URL"
MODELS = [
    {"model_name": "config-chat",
     "litellm_params": {"model": "openai/fake-chat", "api_base": UPSTREAM, "api_key": "sk-config-chat-literal-7d8e9f"}},
    {"model_name": "config-ref",
     "litellm_params": {"model": "openai/fake-ref", "api_base": UPSTREAM, "api_key": "os.environ/CONFIG_REF_KEY"}},
]
VARS = {"litemaas_namespace": NS, "litemaas_litellm_models_storage": "config", "litemaas_litellm_models": MODELS,
        # HARNESS_UPSTREAM_URL: the harness replaces it with its fake upstream's URL
        "litemaas_litellm_api_keys": {"CONFIG_REF_KEY": "sk-config-ref-value-1a2b3c",
                                      "HARNESS_UPSTREAM_URL": "http://set-by-the-harness.example.test/v1"},
        "litemaas_litellm_ui_username": "workshop-admin", "litemaas_wait": False}


@pytest.fixture(scope="module")
def proxy(ansible, kube):
    with litellm_of_a_deployment(ansible, kube, VARS) as (started, dummy):
        yield started


def test_litellm_becomes_ready_with_the_role_configuration(proxy, kube):
    assert proxy.master_key == kube.secret_data(NS, "litellm-secret")["LITELLM_MASTER_KEY"]
    r = requests.get(proxy.base_url + "/health/readiness", timeout=30)
    assert r.status_code == 200 and r.json()["db"] == "connected", r.text


def test_config_file_models_are_served_with_their_keys(proxy):
    info = requests.get(proxy.base_url + "/model/info", headers=auth(proxy.master_key), timeout=30).json()["data"]
    assert sorted(m["model_name"] for m in info if not m["model_info"].get("db_model")) == ["config-chat", "config-ref"]
    # the literal key the role moved into Secret litellm-api-keys, and the value of the reference
    assert key_sent_upstream(proxy, "config-chat") == "Bearer sk-config-chat-literal-7d8e9f"
    assert key_sent_upstream(proxy, "config-ref") == "Bearer sk-config-ref-value-1a2b3c"


def test_master_key_and_ui_login_are_the_role_settings(proxy, kube):
    stored = kube.secret_data(NS, "litellm-secret")
    assert requests.get(proxy.base_url + "/key/list", headers=auth(stored["LITELLM_MASTER_KEY"]), timeout=30).status_code == 200
    assert requests.get(proxy.base_url + "/key/list", headers=auth("sk-not-the-master-key"), timeout=30).status_code == 401
    login = requests.post(proxy.base_url + "/v2/login", timeout=30,
                          json={"username": "workshop-admin", "password": stored["UI_PASSWORD"]})
    assert login.status_code == 200 and "token" in login.cookies, login.text
    wrong = requests.post(proxy.base_url + "/v2/login", json={"username": "workshop-admin", "password": "wrong"}, timeout=30)
    assert wrong.status_code >= 400


def test_env_credential_login_can_be_turned_off(ansible, kube):
    """litemaas_litellm_ui_env_login: false - the real proxy refuses the admin/UI_PASSWORD login (and the master key
    as a UI password, LiteLLM's fallback), while the master key keeps working on the API."""
    namespace = "lm-no-env-login"
    variables = {"litemaas_namespace": namespace, "litemaas_litellm_ui_env_login": False, "litemaas_wait": False}
    with litellm_of_a_deployment(ansible, kube, variables) as (started, dummy):
        config = kube.get("ConfigMap", namespace, "litellm-config")["data"]["config.yaml"]
        assert "disable_env_credential_login: true" in config
        stored = kube.secret_data(namespace, "litellm-secret")
        for password in (stored["UI_PASSWORD"], stored["LITELLM_MASTER_KEY"]):
            login = requests.post(started.base_url + "/v2/login", timeout=30,
                                  json={"username": "admin", "password": password})
            assert login.status_code in (401, 403) and "token" not in login.cookies, login.text
        assert requests.get(started.base_url + "/key/list", headers=auth(started.master_key), timeout=30).status_code == 200


def test_database_models_work_and_are_encrypted_with_the_salt_key(proxy, kube):
    """STORE_MODEL_IN_DB: /model/new works. LITELLM_SALT_KEY: the stored credential opens with it, not with the master
    key (LiteLLM's fallback when no salt key is set)."""
    stored = kube.secret_data(NS, "litellm-secret")
    r = requests.post(proxy.base_url + "/model/new", headers=auth(proxy.master_key), timeout=60,
                      json={"model_name": "db-model", "litellm_params": {"model": "openai/x", "api_key": "sk-provider-db-42",
                                                                         "api_base": proxy.upstream_url}})
    assert r.status_code == 200, r.text
    assert key_sent_upstream(proxy, "db-model") == "Bearer sk-provider-db-42"
    with psycopg.connect(proxy.database_url, autocommit=True) as db:
        ciphertext = db.execute('SELECT litellm_params->>\'api_key\' FROM "LiteLLM_ProxyModelTable" WHERE model_name = %s',
                                ("db-model",)).fetchone()[0]
    assert ciphertext and "sk-provider-db-42" not in ciphertext
    # LiteLLM's own scheme (encrypt_decrypt_utils): nacl SecretBox keyed with sha256(key), urlsafe base64.
    decrypt = ("import base64, hashlib, sys, nacl.secret\n"
               "box = nacl.secret.SecretBox(hashlib.sha256(sys.argv[1].encode()).digest())\n"
               "print(box.decrypt(base64.urlsafe_b64decode(sys.argv[2])).decode())\n")
    python = os.path.join(install_litellm()["venv"], "bin", "python")
    with_salt = subprocess.run([python, "-c", decrypt, stored["LITELLM_SALT_KEY"], ciphertext],
                               capture_output=True, text=True, timeout=60, check=False)
    assert with_salt.returncode == 0 and with_salt.stdout.strip() == "sk-provider-db-42", with_salt.stderr
    with_master = subprocess.run([python, "-c", decrypt, stored["LITELLM_MASTER_KEY"], ciphertext],
                                 capture_output=True, text=True, timeout=60, check=False)
    assert with_master.returncode != 0
