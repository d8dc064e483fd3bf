"""Database storage, the default: the role creates the inventory's models through the API of the real LiteLLM
(started from the role's own configuration, see litellm_from_role.py), so they are in LiteLLM_ProxyModelTable, the
only models LiteMaaS 0.4 lists in the User Portal, then syncs the portal (the backend answers with the exchanges
recorded from the real one, tests/harness/litemaas_replay.py). A rerun changes nothing, check mode writes nothing, a
removed entry is deleted, models the role did not create are left alone, switching to config storage deletes what
it created, and no provider key or admin key shows in -vvv output."""

import json
import os
import sys

import pytest
import requests
import yaml

from conftest import marking_ready
from litellm_from_role import auth, key_sent_upstream, litellm_of_a_deployment, models_table

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "harness"))
from litemaas_replay import ReplayServer  # noqa: E402  pylint: disable=wrong-import-position

NS = "lm-database"
PROVIDER_KEYS = ["sk-provider-chat-5e6f7a8b", "sk-provider-embed-9c0d1e2f"]
REF_KEY = "sk-portal-ref-3g4h5i"
API_KEYS = {"PORTAL_REF_KEY": REF_KEY}


def inventory_models(upstream):
    return [
        {"model_name": "portal-chat",
         "litellm_params": {"model": "openai/fake-chat", "api_base": upstream, "api_key": PROVIDER_KEYS[0],
                            "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "drop_params": True},
         "model_info": {"max_tokens": 8192, "supports_vision": True, "supports_function_calling": True}},
        {"model_name": "portal-embed",
         "litellm_params": {"model": "openai/fake-embed", "api_base": upstream, "api_key": PROVIDER_KEYS[1]},
         "model_info": {"mode": "embedding", "supports_embeddings": True}},
        {"model_name": "portal-ref",
         "litellm_params": {"model": "openai/fake-ref", "api_base": upstream, "api_key": "os.environ/PORTAL_REF_KEY"},
         "model_info": {"id": "portal-ref-id"}},
    ]


@pytest.fixture(scope="module")
def proxy(ansible, kube):
    """LiteLLM started from the files of a database-storage deployment. That first run does not wait for LiteMaaS,
    so it cannot create the models yet, and says so."""
    variables = {"litemaas_namespace": NS, "litemaas_litellm_models": inventory_models("http://127.0.0.1:9/v1"),
                 "litemaas_litellm_api_keys": API_KEYS, "litemaas_wait": False}
    with litellm_of_a_deployment(ansible, kube, variables) as (started, first):
        assert "the models of litemaas_litellm_models were not" in first.output, first
        assert yaml.safe_load(kube.get("ConfigMap", NS, "litellm-config")["data"]["config.yaml"])["model_list"] == []
        yield started


@pytest.fixture(scope="module")
def portal(proxy, kube):  # pylint: disable=unused-argument
    """The backend's sync API, answered from the recordings; its admin key is the one the role generated."""
    with ReplayServer(kube.secret_data(NS, "litemaas-backend")["ADMIN_API_KEYS"]) as server:
        yield server


def deploy(ansible, cluster, proxy, models, check=False, portal=None, **extra):
    variables = {"litemaas_namespace": NS, "litemaas_litellm_models": models, "litemaas_litellm_api_url": proxy.base_url,
                 "litemaas_litellm_api_keys": API_KEYS, "litemaas_portal_sync": portal is not None,
                 "litemaas_portal_api_url": portal.url if portal else "",
                 "litemaas_wait_timeout": 120, "litemaas_wait_sleep": 1}
    variables.update(extra)
    with marking_ready(cluster, NS):
        return ansible.run("deploy.yml", variables, verbosity=0 if check else 3, check=check,
                           args=("--diff",) if check else ())


def test_the_role_creates_the_models_and_syncs_the_portal(ansible, cluster, kube, proxy, portal):
    models = inventory_models(proxy.upstream_url)
    portal.play("09-models-list-admin-page1-limit100", "05-sync-first", "09-models-list-admin-page1-limit100")
    result = deploy(ansible, cluster, proxy, models, portal=portal)
    assert result.rc == 0, result
    assert [(r["method"], r["path"].split("?")[0], r["auth"]) for r in portal.requests] == [
        ("GET", "/api/v1/models", "admin"), ("POST", "/api/v1/models/sync", "admin"), ("GET", "/api/v1/models", "admin")]
    assert kube.secret_data(NS, "litemaas-backend")["ADMIN_API_KEYS"] not in result.output
    rows = models_table(proxy.database_url)
    assert [r["model_name"] for r in rows] == ["portal-chat", "portal-embed", "portal-ref"]
    assert all(r["model_info"]["rhpds_litemaas_tag"] == "litemaas-" + NS for r in rows)
    assert rows[0]["model_info"]["max_tokens"] == 8192 and rows[0]["model_info"]["supports_vision"] is True
    assert rows[2]["model_id"] == "portal-ref-id"
    assert json.loads(kube.get("ConfigMap", NS, "litellm-database-models")["data"]["models"]) == [m["model_name"] for m in models]
    for secret in PROVIDER_KEYS + [REF_KEY]:
        assert secret not in result.output
    # Each works with its provider key; the os.environ one comes from Secret litellm-api-keys through the environment.
    assert key_sent_upstream(proxy, "portal-chat") == "Bearer " + PROVIDER_KEYS[0]
    assert key_sent_upstream(proxy, "portal-ref") == "Bearer " + REF_KEY


def test_a_rerun_changes_nothing(ansible, cluster, proxy, portal):
    before = models_table(proxy.database_url)
    portal.play("09-models-list-admin-page1-limit100", "06-sync-second-no-change", "09-models-list-admin-page1-limit100")
    result = deploy(ansible, cluster, proxy, inventory_models(proxy.upstream_url), portal=portal)
    assert result.rc == 0 and result.changed == 0, result
    assert not portal.unexpected
    assert models_table(proxy.database_url) == before


def test_check_mode_predicts_and_writes_nothing(ansible, cluster, proxy):
    models = inventory_models(proxy.upstream_url)
    models[0]["model_info"]["max_tokens"] = 16384
    before = models_table(proxy.database_url)
    result = deploy(ansible, cluster, proxy, models, check=True)
    assert result.rc == 0 and result.changed >= 1, result
    assert "16384" in result.output
    assert models_table(proxy.database_url) == before


def test_a_removed_entry_is_deleted_and_other_models_stay(ansible, cluster, proxy):
    by_hand = requests.post(proxy.base_url + "/model/new", headers=auth(proxy.master_key), timeout=60, json={
        "model_name": "added-in-the-ui", "litellm_params": {"model": "openai/x", "api_base": "http://127.0.0.1:9/v1"}})
    assert by_hand.status_code == 200, by_hand.text
    result = deploy(ansible, cluster, proxy, inventory_models(proxy.upstream_url)[:2])
    assert result.rc == 0 and result.changed >= 1, result
    assert [r["model_name"] for r in models_table(proxy.database_url)] == ["added-in-the-ui", "portal-chat", "portal-embed"]


def test_unreachable_litellm_fails_naming_the_url(ansible, cluster, proxy):
    result = deploy(ansible, cluster, proxy, inventory_models(proxy.upstream_url)[:2],
                    litemaas_litellm_api_url="http://127.0.0.1:9", litemaas_wait_timeout=3)
    assert result.rc != 0, result
    assert "LiteLLM does not answer at http://127.0.0.1:9/health/readiness" in result.output, result
    assert "Set litemaas_litellm_api_url" in result.output


def test_switching_to_config_storage_deletes_what_the_role_created(ansible, cluster, kube, proxy):
    result = deploy(ansible, cluster, proxy, [], litemaas_litellm_models_storage="config")
    assert result.rc == 0, result
    assert [r["model_name"] for r in models_table(proxy.database_url)] == ["added-in-the-ui"]
    assert json.loads(kube.get("ConfigMap", NS, "litellm-database-models")["data"]["models"]) == []
    # Nothing left to manage: the next run does not call LiteLLM at all.
    result = deploy(ansible, cluster, proxy, [], litemaas_litellm_models_storage="config",
                    litemaas_litellm_api_url="http://127.0.0.1:9")
    assert result.rc == 0 and result.changed == 0, result
