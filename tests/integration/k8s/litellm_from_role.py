"""Start the real LiteLLM of tests/harness/litellm from what the deploy role put into the test cluster: config.yaml
from ConfigMap litellm-config and the environment of Deployment litellm, its Secret references resolved, pointed at
the harness's own PostgreSQL. Containers never start on the test cluster; this is how the tests run the role's
LiteLLM configuration for real, on the LiteLLM version of the role's default image (a version of the matrix)."""
import contextlib
import os
import re
import sys

import psycopg
import requests
from psycopg.rows import dict_row

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "harness", "litellm"))
from harness import LiteLLMProxy, install  # noqa: E402  pylint: disable=wrong-import-position

ROLE_DEFAULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "roles", "litemaas",
                             "defaults", "main.yml")


def role_default_litellm_version():
    """The x.y.z of the tag of litemaas_litellm_image in the role's defaults (ghcr.io/...:v1.108.7 -> 1.108.7)."""
    with open(ROLE_DEFAULTS) as defaults:
        image = re.search(r"^litemaas_litellm_image: *(\S+)", defaults.read(), re.M).group(1)
    return re.search(r":v?(\d+\.\d+\.\d+)", image).group(1)


VERSION = role_default_litellm_version()


def install_litellm():
    """LiteLLM's venv (cached; built the first time): call before a proxy's ready timeout starts."""
    return install(VERSION)


def deployment_env(kube, namespace):
    """The environment Deployment litellm gives its container: values, secretKeyRef and envFrom secretRef resolved."""
    container = kube.get("Deployment", namespace, "litellm")["spec"]["template"]["spec"]["containers"][0]
    env = {}
    for source in container.get("envFrom", []):
        env.update(kube.secret_data(namespace, source["secretRef"]["name"]))
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
        else:
            ref = entry["valueFrom"]["secretKeyRef"]
            env[entry["name"]] = kube.secret_data(namespace, ref["name"])[ref["key"]]
    return env


def start_litellm(kube, namespace):
    """The harness's LiteLLM started from the role's config.yaml and Deployment environment. Models reach the
    harness's fake upstream through os.environ/HARNESS_UPSTREAM_URL, which the harness always sets itself."""
    config = kube.get("ConfigMap", namespace, "litellm-config")["data"]["config.yaml"]
    return LiteLLMProxy(VERSION, config=config, deployment_env=deployment_env(kube, namespace)).start()


@contextlib.contextmanager
def litellm_of_a_deployment(ansible, kube, variables):
    """Deploys LiteMaaS with the role (variables; litemaas_namespace required), then starts LiteLLM from what the
    role put into the cluster. Yields (the proxy, the deploy's result); at the end stops the proxy and removes the
    deployment with its data."""
    install_litellm()
    namespace = variables["litemaas_namespace"]
    result = ansible.run("deploy.yml", variables)
    assert result.rc == 0, result
    proxy = start_litellm(kube, namespace)
    try:
        yield proxy, result
    finally:
        assert not proxy.stop()
        removed = ansible.run("destroy.yml", {"litemaas_namespace": namespace, "litemaas_remove_data": True})
        assert removed.rc == 0, removed


def models_table(database_url):
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as db:
        return db.execute('SELECT model_id, model_name, model_info FROM "LiteLLM_ProxyModelTable" '
                          'ORDER BY model_name').fetchall()


def auth(key):
    return {"Authorization": "Bearer " + key}


def key_sent_upstream(proxy, model_name):
    """The Authorization header LiteLLM sent to the fake upstream for one completion through model_name."""
    upstream = proxy.upstream_url.rsplit("/v1", 1)[0]
    requests.delete(upstream + "/_requests", timeout=10).raise_for_status()
    r = requests.post(proxy.base_url + "/v1/chat/completions", headers=auth(proxy.master_key), timeout=60,
                      json={"model": model_name, "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 200, r.text
    sent = requests.get(upstream + "/_requests", timeout=10).json()
    return dict((k.lower(), v) for k, v in sent[-1]["headers"].items()).get("authorization")
