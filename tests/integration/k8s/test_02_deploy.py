"""Deploy LiteMaaS (OAuthClient mode, in-cluster PostgreSQL, guide option 2 models) into namespace rhpds,
then check every object, idempotence, check mode, a model list change, status and removal.

The tests in this module run in order on one deployment.
"""

import base64
import copy
import hashlib
import json
import os

import pytest
import yaml

from conftest import API_KEYS, APPS_DOMAIN, MANAGED, MODELS, env_of, marking_ready

HERE = os.path.dirname(os.path.abspath(__file__))
NS = "rhpds"
LITELLM_HOST = "litellm-rhpds." + APPS_DOMAIN
PORTAL_HOST = "litemaas-rhpds." + APPS_DOMAIN
# Guide option 2 (config.yaml); the default, models created through LiteLLM's API, is test_05's.
VARS = {"litemaas_litellm_models": MODELS, "litemaas_litellm_api_keys": API_KEYS, "litemaas_litellm_models_storage": "config",
        "litemaas_initial_admin_users": ["alice", "bob"], "litemaas_wait_timeout": 120, "litemaas_wait_sleep": 1}
CHECKSUM = "litemaas.rhpds.io/config-checksum"
OUR_SECRETS = ["litellm-secret", "litemaas-postgres", "litemaas-backend", "litellm-api-keys"]

state = {}


@pytest.fixture(scope="module")
def deployed(ansible, kube, cluster):
    """First deploy, at -vvv, with the kubelet stand-in marking Pods ready."""
    with marking_ready(cluster, NS):
        result = ansible.run("deploy.yml", VARS, verbosity=3, extra_env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    assert result.rc == 0, result
    state["secrets"] = {name: kube.secret_data(NS, name) for name in OUR_SECRETS}
    state["snapshot"] = kube.snapshot(NS)
    return result


def _container(obj, name):
    return next(c for c in obj["spec"]["template"]["spec"]["containers"] if c["name"] == name)


def test_every_object_exists(deployed, kube):  # pylint: disable=unused-argument
    names = {kind: sorted(o["metadata"]["name"] for o in kube.list(kind, NS))
             for kind in ["Deployment", "StatefulSet", "Service", "Route", "Secret", "ConfigMap", "PersistentVolumeClaim",
                          "NetworkPolicy", "ServiceAccount"]}
    assert names == {
        "Deployment": ["litellm", "litemaas-backend", "litemaas-frontend"],
        "StatefulSet": ["litemaas-postgres"],
        "Service": ["litellm", "litemaas", "litemaas-backend", "litemaas-postgres"],
        "Route": ["litellm", "litemaas"],
        "Secret": ["litellm-api-keys", "litellm-secret", "litemaas-backend", "litemaas-postgres"],
        "ConfigMap": ["litellm-config", "litemaas-postgres-init"],
        "PersistentVolumeClaim": ["litemaas-postgres-data"],
        "NetworkPolicy": ["litellm", "litemaas-backend", "litemaas-default-deny", "litemaas-frontend", "litemaas-postgres"],
        "ServiceAccount": ["litemaas"],
    }
    ns = kube.get("Namespace", None, NS)
    assert ns["metadata"]["annotations"]["litemaas.rhpds.io/created-by"] == "rhpds.litemaas"
    clients = kube.list("OAuthClient", selector=MANAGED + ",litemaas.rhpds.io/namespace=" + NS)
    assert [c["metadata"]["name"] for c in clients] == ["litemaas-rhpds"]


def test_generated_credentials(deployed):  # pylint: disable=unused-argument
    litellm = state["secrets"]["litellm-secret"]
    assert litellm["LITELLM_MASTER_KEY"].startswith("sk-") and len(litellm["LITELLM_MASTER_KEY"]) == 51
    assert litellm["LITELLM_SALT_KEY"].startswith("sk-") and litellm["LITELLM_SALT_KEY"] != litellm["LITELLM_MASTER_KEY"]
    assert litellm["UI_USERNAME"] == "admin" and len(litellm["UI_PASSWORD"]) == 24
    pg = state["secrets"]["litemaas-postgres"]
    assert litellm["DATABASE_URL"] == "postgresql://litellm:%s@litemaas-postgres:5432/litellm_db" % pg["LITELLM_DB_PASSWORD"]
    backend = state["secrets"]["litemaas-backend"]
    # Two databases, two owners: LiteLLM's Prisma migrations never see the backend's tables.
    assert backend["DATABASE_URL"] == (
        "postgresql://litemaas:%s@litemaas-postgres:5432/litemaas_db?sslmode=disable" % pg["LITEMAAS_DB_PASSWORD"])
    assert backend["LITELLM_DATABASE_URL"] == (
        "postgresql://litellm:%s@litemaas-postgres:5432/litellm_db?sslmode=disable" % pg["LITELLM_DB_PASSWORD"])
    assert pg["LITELLM_DB_PASSWORD"] != pg["LITEMAAS_DB_PASSWORD"] != pg["POSTGRESQL_ADMIN_PASSWORD"]
    assert backend["ADMIN_API_KEYS"].startswith("ltm_admin_") and len(backend["ADMIN_API_KEYS"]) == 50
    assert len(backend["JWT_SECRET"]) == 64 and len(backend["OAUTH_CLIENT_SECRET"]) == 48


def test_litellm_deployment(deployed, kube):  # pylint: disable=unused-argument
    dep = kube.get("Deployment", NS, "litellm")
    pod = dep["spec"]["template"]
    c = _container(dep, "litellm")
    assert c["image"] == "ghcr.io/berriai/litellm-non_root:v1.108.7"
    env = env_of(c)
    assert env["DATABASE_URL"] == ("secret", "litellm-secret", "DATABASE_URL")
    assert env["LITELLM_MASTER_KEY"] == ("secret", "litellm-secret", "LITELLM_MASTER_KEY")
    assert env["LITELLM_SALT_KEY"] == ("secret", "litellm-secret", "LITELLM_SALT_KEY")
    assert env["UI_USERNAME"] == ("secret", "litellm-secret", "UI_USERNAME")
    assert env["UI_PASSWORD"] == ("secret", "litellm-secret", "UI_PASSWORD")
    assert env["STORE_MODEL_IN_DB"] == "True" and env["DISABLE_SCHEMA_UPDATE"] == "false" and env["LITELLM_MODE"] == "PRODUCTION"
    assert env["CONFIG_FILE_PATH"] == "/app/config.yaml"
    assert "REDIS_HOST" not in env  # one replica: no Redis
    assert c["envFrom"] == [{"secretRef": {"name": "litellm-api-keys"}}]
    assert c["volumeMounts"] == [{"name": "config", "mountPath": "/app/config.yaml", "subPath": "config.yaml", "readOnly": True}]
    assert {"name": "config", "configMap": {"name": "litellm-config", "defaultMode": 420}} in pod["spec"]["volumes"]
    assert c["readinessProbe"]["httpGet"]["path"] == "/health/readiness"
    assert c["livenessProbe"]["httpGet"]["path"] == "/health/liveliness"
    assert c["startupProbe"]["httpGet"] == {"path": "/health/liveliness", "port": "http", "scheme": "HTTP"}
    assert c["ports"] == [{"name": "http", "containerPort": 4000, "protocol": "TCP"}]
    assert c["resources"] == {"requests": {"cpu": "500m", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}
    assert len(pod["metadata"]["annotations"][CHECKSUM]) == 64
    init = pod["spec"]["initContainers"]
    assert [i["name"] for i in init] == ["wait-for-database"] and "pg_isready" in init[0]["command"][-1]


def test_restricted_v2_security_context(deployed, kube):  # pylint: disable=unused-argument
    workloads = kube.list("Deployment", NS) + kube.list("StatefulSet", NS)
    assert len(workloads) == 4
    for w in workloads:
        spec = w["spec"]["template"]["spec"]
        assert spec["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}, w["metadata"]["name"]
        assert spec["automountServiceAccountToken"] is False
        for c in spec["containers"] + spec.get("initContainers", []):
            assert c["securityContext"] == {"allowPrivilegeEscalation": False, "runAsNonRoot": True,
                                            "capabilities": {"drop": ["ALL"]}}, c["name"]
            assert "runAsUser" not in c["securityContext"]  # OpenShift assigns the UID
            assert set(c["resources"]) == {"requests", "limits"}, c["name"]
            assert set(c["resources"]["limits"]) == {"cpu", "memory"}, c["name"]


def test_backend_deployment(deployed, kube):  # pylint: disable=unused-argument
    dep = kube.get("Deployment", NS, "litemaas-backend")
    assert dep["spec"]["replicas"] == 1
    c = _container(dep, "backend")
    assert c["image"] == "quay.io/rh-aiservices-bu/litemaas-backend:0.4.0"
    env = env_of(c)
    assert env["DATABASE_URL"] == ("secret", "litemaas-backend", "DATABASE_URL")
    assert env["LITELLM_DATABASE_URL"] == ("secret", "litemaas-backend", "LITELLM_DATABASE_URL")
    assert env["JWT_SECRET"] == ("secret", "litemaas-backend", "JWT_SECRET")
    assert env["ADMIN_API_KEYS"] == ("secret", "litemaas-backend", "ADMIN_API_KEYS")
    assert env["LITELLM_API_URL"] == "http://litellm:4000"
    assert env["LITELLM_API_KEY"] == ("secret", "litellm-secret", "LITELLM_MASTER_KEY")
    assert env["CORS_ORIGIN"] == "https://" + PORTAL_HOST
    assert env["AUTH_PROVIDER"] == "openshift"
    assert env["OAUTH_CLIENT_ID"] == "litemaas-rhpds"
    assert env["OAUTH_CLIENT_SECRET"] == ("secret", "litemaas-backend", "OAUTH_CLIENT_SECRET")
    assert env["OAUTH_ISSUER"] == "https://oauth-openshift." + APPS_DOMAIN
    assert env["OAUTH_CALLBACK_URL"] == "https://%s/api/auth/callback" % PORTAL_HOST
    assert env["OPENSHIFT_API_URL"] == "https://api.example.test:6443"  # from Infrastructure cluster
    assert env["INITIAL_ADMIN_USERS"] == "alice,bob"
    assert (env["DEFAULT_USER_MAX_BUDGET"], env["DEFAULT_USER_TPM_LIMIT"], env["DEFAULT_USER_RPM_LIMIT"]) == ("100", "100000", "120")
    assert env["NODE_ENV"] == "production" and env["PORT"] == "8080" and env["LITELLM_AUTO_SYNC"] == "true"
    assert "NODE_TLS_REJECT_UNAUTHORIZED" not in env
    assert c["readinessProbe"]["httpGet"]["path"] == "/api/v1/health/ready"
    assert c["livenessProbe"]["httpGet"]["path"] == "/api/v1/health/live"


def test_frontend_and_postgres(deployed, kube):  # pylint: disable=unused-argument
    fe = _container(kube.get("Deployment", NS, "litemaas-frontend"), "frontend")
    assert fe["image"] == "quay.io/rh-aiservices-bu/litemaas-frontend:0.4.0"
    assert env_of(fe) == {"BACKEND_URL": "http://litemaas-backend:8080"}
    sts = kube.get("StatefulSet", NS, "litemaas-postgres")
    pg = _container(sts, "postgresql")
    env = env_of(pg)
    assert env["POSTGRESQL_ADMIN_PASSWORD"] == ("secret", "litemaas-postgres", "POSTGRESQL_ADMIN_PASSWORD")
    assert (env["LITELLM_DB_NAME"], env["LITELLM_DB_USER"], env["LITEMAAS_DB_NAME"], env["LITEMAAS_DB_USER"]) == (
        "litellm_db", "litellm", "litemaas_db", "litemaas")
    assert {m["mountPath"] for m in pg["volumeMounts"]} == {"/var/lib/pgsql/data", "/opt/app-root/src/postgresql-start"}
    assert "pg_isready" in pg["readinessProbe"]["exec"]["command"][-1]
    vols = {v["name"]: v for v in sts["spec"]["template"]["spec"]["volumes"]}
    assert vols["data"]["persistentVolumeClaim"]["claimName"] == "litemaas-postgres-data"
    pvc = kube.get("PersistentVolumeClaim", NS, "litemaas-postgres-data")
    assert pvc["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert "storageClassName" not in pvc["spec"]  # unset: the default class (none in the test cluster)
    script = kube.get("ConfigMap", NS, "litemaas-postgres-init")["data"]["10-litemaas-databases.sh"]
    assert 'litemaas_db "$LITELLM_DB_USER" "$LITELLM_DB_NAME"' in script and "REVOKE ALL ON DATABASE" in script


def test_services_and_routes(deployed, kube):  # pylint: disable=unused-argument
    for svc in kube.list("Service", NS):
        for port in svc["spec"]["ports"]:
            assert port["protocol"] == "TCP", svc["metadata"]["name"]
    ports = {s["metadata"]["name"]: s["spec"]["ports"][0]["port"] for s in kube.list("Service", NS)}
    assert ports == {"litellm": 4000, "litemaas": 8080, "litemaas-backend": 8080, "litemaas-postgres": 5432}
    litellm = kube.get("Route", NS, "litellm")
    assert litellm["spec"]["host"] == LITELLM_HOST
    assert litellm["spec"]["to"]["name"] == "litellm"
    assert litellm["spec"]["tls"] == {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"}
    assert litellm["metadata"]["annotations"]["haproxy.router.openshift.io/timeout"] == "600s"
    portal = kube.get("Route", NS, "litemaas")
    assert portal["spec"]["host"] == PORTAL_HOST and portal["spec"]["to"]["name"] == "litemaas"
    assert portal["spec"]["tls"]["termination"] == "edge"


def test_oauth_client(deployed, kube):  # pylint: disable=unused-argument
    oc = kube.get("OAuthClient", None, "litemaas-rhpds")
    assert oc["redirectURIs"] == ["https://%s/api/auth/callback" % PORTAL_HOST]
    assert oc["grantMethod"] == "auto"
    assert oc["secret"] == state["secrets"]["litemaas-backend"]["OAUTH_CLIENT_SECRET"]


def test_network_policies(deployed, kube):  # pylint: disable=unused-argument
    pols = {p["metadata"]["name"]: p["spec"] for p in kube.list("NetworkPolicy", NS)}
    assert pols["litemaas-default-deny"]["policyTypes"] == ["Ingress"] and not pols["litemaas-default-deny"].get("ingress")

    def sources(name):
        rule = pols[name]["ingress"][0]
        return ([p.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") or
                 sorted(p["namespaceSelector"]["matchLabels"]) for p in rule["from"]], rule["ports"][0]["port"])

    router = ["policy-group.network.openshift.io/ingress"]
    assert sources("litemaas-postgres") == (["litellm", "litemaas-backend"], 5432)
    assert sources("litellm") == (["litemaas-backend", router], 4000)
    assert sources("litemaas-backend") == (["litemaas-frontend"], 8080)
    assert sources("litemaas-frontend") == ([router], 8080)


def test_config_yaml_and_api_keys(deployed, kube):  # pylint: disable=unused-argument
    cfg = yaml.safe_load(kube.get("ConfigMap", NS, "litellm-config")["data"]["config.yaml"])
    assert cfg["general_settings"] == {"master_key": "os.environ/LITELLM_MASTER_KEY", "database_url": "os.environ/DATABASE_URL"}
    models = {m["model_name"]: m for m in cfg["model_list"]}
    assert list(models) == ["gpt-4o", "claude-3-5-sonnet", "llama3", "azure-gpt-4"]
    assert models["gpt-4o"]["litellm_params"] == {"model": "openai/gpt-4o", "api_key": "os.environ/MODEL_GPT_4O_API_KEY", "rpm": 60}
    assert models["claude-3-5-sonnet"]["litellm_params"]["api_key"] == "os.environ/ANTHROPIC_API_KEY"
    assert "api_key" not in models["llama3"]["litellm_params"]
    assert models["azure-gpt-4"]["litellm_params"]["api_key"] == "os.environ/MODEL_AZURE_GPT_4_API_KEY"
    assert models["azure-gpt-4"]["litellm_params"]["api_base"] == "https://east.openai.azure.com/"
    assert models["azure-gpt-4"]["model_info"] == {"mode": "chat"}
    assert state["secrets"]["litellm-api-keys"] == {
        "ANTHROPIC_API_KEY": API_KEYS["ANTHROPIC_API_KEY"],
        "MODEL_GPT_4O_API_KEY": MODELS[0]["litellm_params"]["api_key"],
        "MODEL_AZURE_GPT_4_API_KEY": MODELS[3]["litellm_params"]["api_key"],
    }


def test_summary(deployed):
    out = deployed.output
    assert "LiteLLM Admin: https://" + LITELLM_HOST in out
    assert "Username: admin" in out
    assert "Password: (oc extract secret/litellm-secret -n rhpds --keys=UI_PASSWORD --to=-)" in out
    assert "User Portal: https://" + PORTAL_HOST in out
    assert "API base URL for SDKs: https://%s/v1" % LITELLM_HOST in out
    assert "LiteLLM 1.108.7: ghcr.io/berriai/litellm-non_root:v1.108.7" in out
    assert "ACCEPTED ADVISORY" not in out
    stats = out[out.index("CUSTOM STATS"):]
    assert '"litemaas_litellm_admin_url": "https://%s"' % LITELLM_HOST in stats
    assert '"litemaas_user_portal_url": "https://%s"' % PORTAL_HOST in stats


def test_verbose_output_holds_no_secret(deployed, kube):
    values = set()
    for data in state["secrets"].values():
        values.update(v for v in data.values() if len(v) >= 8)
    values.add(kube.get("OAuthClient", None, "litemaas-rhpds")["secret"])
    values.update(API_KEYS.values())
    values.update(m["litellm_params"]["api_key"] for m in MODELS if not m["litellm_params"].get("api_key", "os.environ/").startswith("os.environ/"))
    values.update(base64.b64encode(v.encode()).decode() for v in list(values))
    assert len(values) > 20
    leaked = sorted(v for v in values if v in deployed.output)
    assert not leaked, "secret values in the -vvv output: %d" % len(leaked)


def test_rerun_changes_nothing(deployed, ansible, kube, cluster):  # pylint: disable=unused-argument
    # Controllers touch some objects once after creation (the PV binder, the token controller): compare
    # against the settled state, so any difference below is the rerun's.
    state["snapshot"] = kube.snapshot(NS)
    with marking_ready(cluster, NS):
        result = ansible.run("deploy.yml", VARS)
    assert result.rc == 0 and result.changed == 0, result
    assert kube.snapshot(NS) == state["snapshot"]
    assert {name: kube.secret_data(NS, name) for name in OUR_SECRETS} == state["secrets"]


def test_check_mode_changes_nothing(deployed, ansible, kube):  # pylint: disable=unused-argument
    result = ansible.run("deploy.yml", VARS, check=True)
    assert result.rc == 0 and result.changed == 0, result
    assert kube.snapshot(NS) == state["snapshot"]


def test_model_change_touches_only_config(deployed, ansible, kube, cluster):  # pylint: disable=unused-argument
    before_dep = kube.get("Deployment", NS, "litellm")
    models = copy.deepcopy(MODELS[:2]) + [
        {"model_name": "deepseek-chat", "litellm_params": {"model": "deepseek/deepseek-chat", "api_key": "sk-deepseek-test-77aa88bb"}}]
    models[0]["litellm_params"]["rpm"] = 120
    variables = dict(VARS, litemaas_litellm_models=models)
    with marking_ready(cluster, NS):
        result = ansible.run("deploy.yml", variables)
    assert result.rc == 0, result
    after = kube.snapshot(NS)
    changed = sorted(k for k in after if after[k] != state["snapshot"].get(k))
    assert changed == [("ConfigMap", "litellm-config"), ("Deployment", "litellm"), ("Secret", "litellm-api-keys")]
    assert set(after) == set(state["snapshot"])
    dep = kube.get("Deployment", NS, "litellm")
    old_tpl, new_tpl = copy.deepcopy(before_dep["spec"]["template"]), copy.deepcopy(dep["spec"]["template"])
    assert old_tpl["metadata"]["annotations"].pop(CHECKSUM) != new_tpl["metadata"]["annotations"].pop(CHECKSUM)
    assert old_tpl == new_tpl, "only the checksum annotation may change in LiteLLM's pod template"
    assert json.dumps(before_dep["spec"], sort_keys=True) != json.dumps(dep["spec"], sort_keys=True)
    assert kube.secret_data(NS, "litellm-api-keys") == {
        "ANTHROPIC_API_KEY": API_KEYS["ANTHROPIC_API_KEY"],
        "MODEL_GPT_4O_API_KEY": MODELS[0]["litellm_params"]["api_key"],
        "MODEL_DEEPSEEK_CHAT_API_KEY": "sk-deepseek-test-77aa88bb",
    }
    cfg = yaml.safe_load(kube.get("ConfigMap", NS, "litellm-config")["data"]["config.yaml"])
    assert [m["model_name"] for m in cfg["model_list"]] == ["gpt-4o", "claude-3-5-sonnet", "deepseek-chat"]
    # The rollout finished (the role waited for it): the new ReplicaSet is the ready one.
    assert dep["status"]["updatedReplicas"] == dep["status"]["readyReplicas"] == 1
    state["snapshot"] = after


def test_status_playbook(deployed, ansible):  # pylint: disable=unused-argument
    result = ansible.run("status.yml", {"litemaas_health_timeout": 2})
    assert result.rc == 0, result
    for line in ["Deployment litellm: 1/1 ready", "Deployment litemaas-backend: 1/1 ready",
                 "Deployment litemaas-frontend: 1/1 ready", "StatefulSet litemaas-postgres: 1/1 ready",
                 "LiteLLM readiness: not reachable from here", "Backend readiness: not reachable from here",
                 "Models: unknown (LiteLLM not reachable from here)",
                 "LiteLLM image: ghcr.io/berriai/litellm-non_root:v1.108.7",
                 "LiteLLM version: 1.108.7 (from the image tag: the proxy was not reachable from here)",
                 "LiteLLM advisories: none known for LiteLLM 1.108.7"]:
        assert line in result.output, result


def test_litellm_playbooks_find_the_proxy_in_the_cluster(deployed, ansible):  # pylint: disable=unused-argument
    """Without LITELLM_API_BASE / LITELLM_MASTER_KEY the LiteLLM playbooks read Route litellm and Secret
    litellm-secret, as the guide does with oc."""
    no_env = {"LITELLM_API_BASE": "", "LITELLM_MASTER_KEY": ""}
    master_key = state["secrets"]["litellm-secret"]["LITELLM_MASTER_KEY"]
    found = ansible.run(os.path.join(HERE, "playbooks", "litellm_connection.yml"),
                        {"litemaas_namespace": NS, "expected_url": "https://" + LITELLM_HOST,
                         "expected_master_key_sha256": hashlib.sha256(master_key.encode()).hexdigest()},
                        verbosity=3, extra_env=no_env)
    assert found.rc == 0, found
    assert master_key not in found.output
    # The modules get the discovered address (not reachable here: no router on the test cluster).
    listed = ansible.run("list_models.yml", {"litemaas_namespace": NS, "litellm_validate_certs": False},
                         verbosity=3, extra_env=no_env)
    assert listed.rc != 0 and "cannot reach api_url https://%s" % LITELLM_HOST in listed.output, listed
    assert master_key not in listed.output


def test_status_fails_when_not_ready(deployed, ansible, kube):  # pylint: disable=unused-argument
    # Scale the frontend up with nobody marking the new Pod ready: the status must name it.
    kube._res("Deployment").patch(name="litemaas-frontend", namespace=NS, body={"spec": {"replicas": 2}},  # pylint: disable=protected-access
                                  content_type="application/merge-patch+json")
    try:
        result = ansible.run("status.yml", {"litemaas_health_timeout": 2})
        assert result.rc != 0 and "not ready: litemaas-frontend (1/2)" in result.output, result
    finally:
        kube._res("Deployment").patch(name="litemaas-frontend", namespace=NS, body={"spec": {"replicas": 1}},  # pylint: disable=protected-access
                                      content_type="application/merge-patch+json")


def test_destroy_keeps_data(deployed, ansible, kube):  # pylint: disable=unused-argument
    result = ansible.run("destroy.yml")
    assert result.rc == 0, result
    left = kube.snapshot(NS)
    assert sorted(left) == [("PersistentVolumeClaim", "litemaas-postgres-data"), ("Secret", "litellm-secret"),
                            ("Secret", "litemaas-backend"), ("Secret", "litemaas-postgres")]
    assert kube.list("OAuthClient", selector=MANAGED) == []
    assert kube.list("Pod", NS, selector=None) == []
    # A later deploy finds the same credentials (the kept volume opens with them).
    assert {name: kube.secret_data(NS, name) for name in OUR_SECRETS[:3]} == {
        name: state["secrets"][name] for name in OUR_SECRETS[:3]}


def test_destroy_with_data_leaves_nothing(deployed, ansible, kube):  # pylint: disable=unused-argument
    result = ansible.run("destroy.yml", {"litemaas_remove_data": True})
    assert result.rc == 0, result
    assert kube.get("Namespace", None, NS) is None
    assert kube.list("OAuthClient", selector=MANAGED) == []
    result = ansible.run("destroy.yml", {"litemaas_remove_data": True})
    assert result.rc == 0 and result.changed == 0, result
