"""The AgnosticD wrapper (ACTION=provision/destroy) in the modes the main deployment does not use:
ServiceAccount as OAuth client, external databases, two LiteLLM replicas with Redis. Also the readiness
wait both ways: first nobody marks Pods ready (the deploy fails naming the component), then the run
succeeds once the kubelet stand-in runs."""

import json
import os

import pytest

from conftest import APPS_DOMAIN, MANAGED, env_of, marking_ready

NS = "lm-sa"
PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "agnosticd_workload.yml")
EXTERNAL = {
    "litemaas_postgres_enabled": False,
    "litemaas_external_litellm_database_url": "postgresql://litellm:ext-pw-litellm-3k4j5h@db.example.test:5432/litellm_db",
    "litemaas_external_backend_database_url": "postgresql://litemaas:ext-pw-backend-9x8c7v@db.example.test:5432/litemaas_db?sslmode=require",
}
VARS = dict(EXTERNAL, ACTION="provision", ocp4_workload_litemaas_namespace=NS, ocp4_workload_litemaas_oauth_mode="serviceaccount",
            ocp4_workload_litemaas_litellm_replicas=2, ocp4_workload_litemaas_initial_admin_users=["opentlc-mgr"],
            litemaas_wait_sleep=1)

state = {}


@pytest.fixture(scope="module")
def user_info_file(ansible):
    path = ansible.env["AGNOSTICD_USER_INFO_FILE"]
    if os.path.exists(path):
        os.unlink(path)
    return path


def test_wait_times_out_naming_the_component(ansible, kube, user_info_file):  # pylint: disable=unused-argument
    result = ansible.run(PLAYBOOK, dict(VARS, litemaas_wait_timeout=5))
    assert result.rc != 0, result
    assert "LiteMaaS component Redis (Deployment lm-sa/litemaas-redis) is not ready after 5s: 0/1 replicas ready" in result.output, result
    assert "oc get pods -n lm-sa -l app.kubernetes.io/name=litemaas-redis" in result.output
    # It stopped at the first component: nothing was reported to AgnosticD.
    assert not os.path.exists(user_info_file)
    assert kube.get("Deployment", NS, "litellm") is not None


def test_provision_succeeds_once_pods_become_ready(ansible, kube, cluster, user_info_file):
    with marking_ready(cluster, NS):
        result = ansible.run(PLAYBOOK, dict(VARS, litemaas_wait_timeout=120), verbosity=2)
    assert result.rc == 0, result
    state["result"] = result
    with open(user_info_file, encoding="utf-8") as f:
        calls = [json.loads(line) for line in f]
    assert len(calls) == 1
    password = kube.secret_data(NS, "litellm-secret")["UI_PASSWORD"]
    data = calls[0]["data"]
    assert data == {
        "litellm_admin_url": "https://litellm-lm-sa." + APPS_DOMAIN, "litellm_admin_username": "admin",
        "litellm_admin_password": password, "litellm_api_base_url": "https://litellm-lm-sa.%s/v1" % APPS_DOMAIN,
        "litemaas_user_portal_url": "https://litemaas-lm-sa." + APPS_DOMAIN, "litemaas_namespace": NS, "litemaas_version": "0.4.0"}
    assert "Password: " + password in calls[0]["msg"] and "LiteLLM Admin: https://litellm-lm-sa." in calls[0]["msg"]
    # agnosticd_user_info runs with no_log: the password reaches AgnosticD, not the log.
    assert password not in result.output


def test_serviceaccount_oauth(kube):
    sa = kube.get("ServiceAccount", NS, "litemaas")
    assert sa["metadata"]["annotations"]["serviceaccounts.openshift.io/oauth-redirecturi.litemaas"] == (
        "https://litemaas-lm-sa.%s/api/auth/callback" % APPS_DOMAIN)
    token = kube.get("Secret", NS, "litemaas-oauth-token")
    assert token["type"] == "kubernetes.io/service-account-token"
    assert token["metadata"]["annotations"]["kubernetes.io/service-account.name"] == "litemaas"
    assert token["data"]["token"]  # filled in by the token controller
    env = env_of(kube.get("Deployment", NS, "litemaas-backend")["spec"]["template"]["spec"]["containers"][0])
    assert env["OAUTH_CLIENT_ID"] == "system:serviceaccount:lm-sa:litemaas"
    assert env["OAUTH_CLIENT_SECRET"] == ("secret", "litemaas-oauth-token", "token")
    assert env["INITIAL_ADMIN_USERS"] == "opentlc-mgr"
    assert "OAUTH_CLIENT_SECRET" not in kube.secret_data(NS, "litemaas-backend")
    assert kube.list("OAuthClient", selector=MANAGED + ",litemaas.rhpds.io/namespace=" + NS) == []


def test_external_databases_and_redis(kube):
    assert kube.list("StatefulSet", NS) == [] and kube.list("PersistentVolumeClaim", NS) == []
    assert kube.get("Secret", NS, "litemaas-postgres") is None
    assert kube.secret_data(NS, "litellm-secret")["DATABASE_URL"] == EXTERNAL["litemaas_external_litellm_database_url"]
    backend = kube.secret_data(NS, "litemaas-backend")
    assert backend["DATABASE_URL"] == EXTERNAL["litemaas_external_backend_database_url"]
    assert backend["LITELLM_DATABASE_URL"] == EXTERNAL["litemaas_external_litellm_database_url"]
    litellm = kube.get("Deployment", NS, "litellm")
    assert litellm["spec"]["replicas"] == 2 and litellm["status"]["readyReplicas"] == 2
    assert "initContainers" not in litellm["spec"]["template"]["spec"]
    assert env_of(litellm["spec"]["template"]["spec"]["containers"][0])["REDIS_HOST"] == "litemaas-redis"
    assert kube.get("Deployment", NS, "litemaas-redis")["status"]["readyReplicas"] == 1
    assert sorted(p["metadata"]["name"] for p in kube.list("NetworkPolicy", NS)) == [
        "litellm", "litemaas-backend", "litemaas-default-deny", "litemaas-frontend", "litemaas-redis"]


def test_verbose_output_holds_no_secret(kube):
    values = [v for name in ("litellm-secret", "litemaas-backend") for v in kube.secret_data(NS, name).values() if len(v) >= 8]
    values += ["ext-pw-litellm-3k4j5h", "ext-pw-backend-9x8c7v", kube.secret_data(NS, "litemaas-oauth-token")["token"]]
    assert not [v for v in values if v in state["result"].output]


def test_destroy_removes_everything(ansible, kube):
    result = ansible.run(PLAYBOOK, dict(VARS, ACTION="destroy", ocp4_workload_litemaas_remove_data=True))
    assert result.rc == 0, result
    assert kube.get("Namespace", None, NS) is None


def test_unknown_action_is_refused(ansible):
    result = ansible.run(PLAYBOOK, dict(VARS, ACTION="scale"))
    assert result.rc != 0 and "value of ACTION must be one of: provision, destroy, got: scale" in result.output, result
