"""Every manifest the role renders, in every mode, validates against the Kubernetes versions of current
OpenShift releases (kubernetes-validate --strict: unknown fields fail), and the OpenShift kinds against
the real OpenShift CRDs on the apiserver (server-side dry run)."""

import glob
import os
import subprocess

import pytest
import yaml

from conftest import API_KEYS, MODELS, kubernetes_validate_bin

# OpenShift 4.19 = Kubernetes 1.32, 4.20 = 1.33, 4.21 = 1.34; 1.35 for the release after.
KUBERNETES_VERSIONS = ["1.32.0", "1.33.0", "1.34.0", "1.35.0"]
OPENSHIFT_KINDS = {"Route", "OAuthClient"}
NS = "render-test"

VARIANTS = {
    # the guide's own variable name, litellm_models, instead of litemaas_litellm_models
    "oauthclient-postgres-models": {"litellm_models": MODELS, "litemaas_litellm_api_keys": API_KEYS,
                                    "litemaas_litellm_models_storage": "config"},
    "database-models": {"litemaas_litellm_models": MODELS, "litemaas_litellm_api_keys": API_KEYS},
    "serviceaccount-redis-external-db": {
        "litemaas_oauth_mode": "serviceaccount", "litemaas_litellm_replicas": 3, "litemaas_frontend_replicas": 2,
        "litemaas_postgres_enabled": False, "litemaas_backup_enabled": True, "litemaas_backup_storage_class": "gp3-csi",
        "litemaas_external_litellm_database_url": "postgresql://litellm:pw1@db.example.test:5432/litellm_db",
        "litemaas_external_backend_database_url": "postgresql://litemaas:pw2@db.example.test:5432/litemaas_db",
        "litemaas_image_pull_secrets": ["quay-pull"], "litemaas_litellm_ssl_verify": False,
        "litemaas_litellm_extra_env": [{"name": "REQUESTS_CA_BUNDLE", "value": "/etc/pki/ca.crt"}],
        "litemaas_litellm_router_settings": {"routing_strategy": "least-busy"}},
    "oidc-no-networkpolicies": {
        "litemaas_oauth_mode": "oidc", "litemaas_oidc_issuer": "https://keycloak.example.test/realms/lab",
        "litemaas_oidc_client_id": "litemaas", "litemaas_oidc_client_secret": "oidc-secret-value-123",
        "litemaas_oidc_scopes": "openid profile email groups", "litemaas_network_policies_enabled": False,
        "litemaas_postgres_storage_class": "ocs-storagecluster-ceph-rbd", "litemaas_backend_k8s_api_skip_tls_verify": True},
}


@pytest.fixture(scope="module")
def rendered(ansible, tmp_path_factory):
    dirs = {}
    for name, variables in VARIANTS.items():
        out = str(tmp_path_factory.mktemp("render-" + name))
        # deploy.yml pins litemaas_state to present; only an extra var can switch it to render.
        result = ansible.run("deploy.yml", dict(variables, litemaas_namespace=NS, litemaas_render_dir=out),
                             args=("-e", "litemaas_state=render"))
        assert result.rc == 0, result
        dirs[name] = out
    return dirs


def _docs(directory):
    docs = []
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if doc:
                    docs.append((path, doc))
    return docs


def test_render_writes_nothing_to_the_cluster(rendered, kube):  # pylint: disable=unused-argument
    assert kube.get("Namespace", None, NS) is None


def test_render_files(rendered):
    kinds = {name: sorted(d["kind"] + "/" + d["metadata"]["name"] for _path, d in _docs(path)) for name, path in rendered.items()}
    sa = kinds["serviceaccount-redis-external-db"]
    assert "Deployment/litemaas-redis" in sa and "StatefulSet/litemaas-postgres" not in sa
    assert "Secret/litemaas-oauth-token" in sa and "PersistentVolumeClaim/litemaas-backend-backup" in sa
    assert "NetworkPolicy/litemaas-redis" in sa and "OAuthClient/litemaas-render-test" not in sa
    assert "OAuthClient/litemaas-render-test" in kinds["oauthclient-postgres-models"]
    config = [d for _path, d in _docs(rendered["oauthclient-postgres-models"]) if d["metadata"]["name"] == "litellm-config"]
    model_names = [m["model_name"] for m in yaml.safe_load(config[0]["data"]["config.yaml"])["model_list"]]
    assert model_names == [m["model_name"] for m in MODELS]
    # Database storage: config.yaml has no models, the Secret holds only the values of os.environ references.
    database = dict((d["metadata"]["name"], d) for _path, d in _docs(rendered["database-models"]))
    assert yaml.safe_load(database["litellm-config"]["data"]["config.yaml"])["model_list"] == []
    assert sorted(database["litellm-api-keys"]["data"]) == sorted(API_KEYS)
    assert not [k for k in kinds["oidc-no-networkpolicies"] if k.startswith(("NetworkPolicy/", "OAuthClient/"))]
    for path in glob.glob(os.path.join(rendered["oauthclient-postgres-models"], "secret-*.yaml")):
        assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_modes_render_what_they_need(rendered):
    docs = {d["kind"] + "/" + d["metadata"]["name"]: d for _path, d in _docs(rendered["serviceaccount-redis-external-db"])}
    sa = docs["ServiceAccount/litemaas"]
    assert sa["metadata"]["annotations"]["serviceaccounts.openshift.io/oauth-redirecturi.litemaas"] == (
        "https://litemaas-render-test.apps.example.test/api/auth/callback")
    assert docs["Secret/litemaas-oauth-token"]["type"] == "kubernetes.io/service-account-token"
    backend = docs["Deployment/litemaas-backend"]["spec"]["template"]["spec"]
    env = {e["name"]: e for e in backend["containers"][0]["env"]}
    assert env["OAUTH_CLIENT_ID"]["value"] == "system:serviceaccount:render-test:litemaas"
    assert env["OAUTH_CLIENT_SECRET"]["valueFrom"]["secretKeyRef"] == {"name": "litemaas-oauth-token", "key": "token"}
    assert env["REDIS_HOST"]["value"] == "litemaas-redis" and env["BACKUP_STORAGE_PATH"]["value"] == "/data/backups"
    assert "initContainers" not in backend  # external database: nothing to wait for in the namespace
    assert docs["Deployment/litemaas-backend"]["spec"]["strategy"]["type"] == "Recreate"
    assert backend["imagePullSecrets"] == [{"name": "quay-pull"}]
    litellm = docs["Deployment/litellm"]["spec"]
    assert litellm["replicas"] == 3
    lenv = {e["name"]: e.get("value") for e in litellm["template"]["spec"]["containers"][0]["env"]}
    assert lenv["SSL_VERIFY"] == "false" and lenv["REQUESTS_CA_BUNDLE"] == "/etc/pki/ca.crt" and lenv["REDIS_PORT"] == "6379"
    cfg = yaml.safe_load(docs["ConfigMap/litellm-config"]["data"]["config.yaml"])
    assert cfg["router_settings"] == {"redis_host": "litemaas-redis", "redis_port": 6379, "routing_strategy": "least-busy"}
    assert docs["PersistentVolumeClaim/litemaas-backend-backup"]["spec"]["storageClassName"] == "gp3-csi"

    oidc = {d["kind"] + "/" + d["metadata"]["name"]: d for _path, d in _docs(rendered["oidc-no-networkpolicies"])}
    env = {e["name"]: e for e in oidc["Deployment/litemaas-backend"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["AUTH_PROVIDER"]["value"] == "oidc" and env["OAUTH_ISSUER"]["value"] == "https://keycloak.example.test/realms/lab"
    assert env["OAUTH_CLIENT_ID"]["value"] == "litemaas" and env["OIDC_SCOPES"]["value"] == "openid profile email groups"
    assert env["K8S_API_SKIP_TLS_VERIFY"]["value"] == "true" and "OPENSHIFT_API_URL" not in env
    assert oidc["PersistentVolumeClaim/litemaas-postgres-data"]["spec"]["storageClassName"] == "ocs-storagecluster-ceph-rbd"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_manifests_validate_strictly(rendered, version, tmp_path):
    files = []
    for name, directory in rendered.items():
        for path, doc in _docs(directory):
            if doc["kind"] in OPENSHIFT_KINDS:
                continue
            out = tmp_path / ("%s--%s" % (name, os.path.basename(path)))
            out.write_text(yaml.safe_dump(doc))
            files.append(str(out))
    assert len(files) >= 60
    proc = subprocess.run([kubernetes_validate_bin(), "--kubernetes-version", version, "--strict", "--quiet"] + files,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    assert proc.returncode == 0, proc.stdout


def test_openshift_manifests_validate_on_the_apiserver(rendered, kube):
    checked = 0
    for directory in rendered.values():
        for _path, doc in _docs(directory):
            if doc["kind"] not in OPENSHIFT_KINDS:
                continue
            res = kube._res(doc["kind"])  # pylint: disable=protected-access
            if doc["metadata"].get("namespace"):
                doc["metadata"]["namespace"] = "default"
                res.create(body=doc, namespace="default", dry_run="All")
            else:
                res.create(body=doc, dry_run="All")
            checked += 1
    assert checked == 10  # 2 Routes in each of the 4 variants, an OAuthClient in the 2 variants with models
