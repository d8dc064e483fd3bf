"""The LiteLLM vulnerability floor on the real kube-apiserver: LiteMaaS 0.4's own LiteLLM image (1.81.0) deploys only
when its advisories are accepted, the summary and the status playbook then name them, and an upgrade to the role's
default image keeps every Secret and the database volume and leaves no advisory to report.

The tests in this module run in order on one deployment.
"""

import pytest

from conftest import marking_ready

NS = "lm-floor"
LITEMAAS_0_4_IMAGE = "quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom"
DEFAULT_IMAGE = "ghcr.io/berriai/litellm-non_root:v1.108.7"
VARS = {"litemaas_namespace": NS, "litemaas_wait_timeout": 120, "litemaas_wait_sleep": 1}
SECRETS = ["litellm-secret", "litemaas-postgres", "litemaas-backend"]

state = {}


def _litellm_image(kube):
    return kube.get("Deployment", NS, "litellm")["spec"]["template"]["spec"]["containers"][0]["image"]


@pytest.fixture(scope="module")
def accepted(ansible, cluster):
    with marking_ready(cluster, NS):
        result = ansible.run("deploy.yml", dict(VARS, litemaas_litellm_image=LITEMAAS_0_4_IMAGE,
                                                # ids and CVE ids both name an advisory
                                                litemaas_litellm_allow_vulnerable=["GHSA-4xpc-pv4p-pm3w", "CVE-2026-59822",
                                                                                   "GHSA-jjhc-v7c2-5hh6", "CVE-2026-42271",
                                                                                   "GHSA-w4c7-34wj-hqm8"]),
                             extra_env={"ANSIBLE_SHOW_CUSTOM_STATS": "true"})
    yield result
    removed = ansible.run("destroy.yml", {"litemaas_namespace": NS, "litemaas_remove_data": True})
    assert removed.rc == 0, removed


def test_accepting_only_some_advisories_is_not_enough(ansible, kube):
    result = ansible.run("deploy.yml", dict(VARS, litemaas_namespace="lm-floor-partial",
                                            litemaas_litellm_image=LITEMAAS_0_4_IMAGE,
                                            litemaas_litellm_allow_vulnerable=["GHSA-4xpc-pv4p-pm3w"]))
    assert result.rc != 0, result
    assert "GHSA-7488-6r32-c95q / CVE-2026-59822 (high, in CISA KEV)" in result.output, result
    assert "refused for GHSA-jjhc-v7c2-5hh6 / CVE-2026-35030 (critical)" in result.output
    assert "GHSA-4xpc-pv4p-pm3w / CVE-2026-49468" not in result.output
    assert kube.get("Namespace", None, "lm-floor-partial") is None


def test_accepted_advisories_deploy_and_are_named_in_the_summary(accepted, kube):
    assert accepted.rc == 0, accepted
    assert _litellm_image(kube) == LITEMAAS_0_4_IMAGE
    assert "LiteLLM 1.81.0: " + LITEMAAS_0_4_IMAGE in accepted.output
    assert "ACCEPTED ADVISORY: GHSA-4xpc-pv4p-pm3w / CVE-2026-49468 (critical)" in accepted.output
    stats = accepted.output[accepted.output.index("CUSTOM STATS"):]
    assert '"GHSA-4xpc-pv4p-pm3w"' in stats
    state["secrets"] = {name: kube.secret_data(NS, name) for name in SECRETS}
    state["pvc"] = kube.get("PersistentVolumeClaim", NS, "litemaas-postgres-data")["metadata"]["uid"]


def test_status_names_the_image_and_its_advisories(accepted, ansible):  # pylint: disable=unused-argument
    result = ansible.run("status.yml", {"litemaas_namespace": NS, "litemaas_health_timeout": 2})
    assert result.rc == 0, result
    assert "LiteLLM image: " + LITEMAAS_0_4_IMAGE in result.output
    assert "LiteLLM version: 1.81.0 (from the image tag: the proxy was not reachable from here)" in result.output
    assert "LiteLLM advisory: GHSA-4xpc-pv4p-pm3w / CVE-2026-49468 (critical)" in result.output
    assert "fixed in 1.84.0" in result.output


def test_upgrade_to_the_default_keeps_secrets_and_data(accepted, ansible, kube, cluster):  # pylint: disable=unused-argument
    with marking_ready(cluster, NS):
        result = ansible.run("deploy.yml", VARS)
    assert result.rc == 0, result
    assert _litellm_image(kube) == DEFAULT_IMAGE
    assert {name: kube.secret_data(NS, name) for name in SECRETS} == state["secrets"]
    assert kube.get("PersistentVolumeClaim", NS, "litemaas-postgres-data")["metadata"]["uid"] == state["pvc"]
    assert "ACCEPTED ADVISORY" not in result.output
    status = ansible.run("status.yml", {"litemaas_namespace": NS, "litemaas_health_timeout": 2})
    assert status.rc == 0, status
    assert "LiteLLM advisories: none known for LiteLLM 1.108.7" in status.output, status
