"""Fixtures for the role tests on a real kube-apiserver (tests/harness/k8s/k8s-local.sh).

The session starts its own cluster on free loopback ports (binaries cached outside the repo), loads the
OpenShift CRDs, creates the Ingress config "cluster" (apps.example.test) and stops everything at the end.
Set K8S_TEST_KUBECONFIG to reuse a running cluster instead (faster while developing); K8S_TEST_RUN_DIR
chooses where the session's cluster keeps its state (the k8s tier sets it so it can always stop it).

Playbooks run through `ansible-playbook` exactly as a user runs them, with the tools venv's Python as
the interpreter. Workloads become ready only while the `mark_ready` helper plays the kubelet.
"""

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import pytest
import yaml
from kubernetes import client, config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "harness", "k8s"))
from local_cluster import local_cluster, prepare  # noqa: E402  pylint: disable=wrong-import-position

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
HARNESS = os.path.join(REPO, "tests", "harness", "k8s")
APPS_DOMAIN = "apps.example.test"
PYTHON = os.environ.get("VENV") and os.path.join(os.environ["VENV"], "bin", "python") or sys.executable
BIN = os.path.dirname(PYTHON)
MANAGED = "app.kubernetes.io/managed-by=rhpds.litemaas,app.kubernetes.io/part-of=litemaas"

# A model list in the guide's shapes: literal key, os.environ reference, no key, Azure.
MODELS = [
    {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "api_key": "sk-test-openai-0a1b2c3d4e5f", "rpm": 60}},
    {"model_name": "claude-3-5-sonnet",
     "litellm_params": {"model": "anthropic/claude-3-5-sonnet-20241022", "api_key": "os.environ/ANTHROPIC_API_KEY"}},
    {"model_name": "llama3", "litellm_params": {"model": "ollama/llama3", "api_base": "http://ollama-service.ollama.svc.cluster.local:11434"}},
    {"model_name": "azure-gpt-4",
     "litellm_params": {"model": "azure/gpt-4", "api_key": "azure-test-key-9z8y7x6w", "api_base": "https://east.openai.azure.com/",
                        "api_version": "2023-05-15"},
     "model_info": {"mode": "chat"}},
]
API_KEYS = {"ANTHROPIC_API_KEY": "sk-ant-test-1q2w3e4r5t6y"}


class Result:
    def __init__(self, proc, args):
        self.rc = proc.returncode
        self.output = proc.stdout
        self.args = args
        m = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", self.output)
        self.ok, self.changed, self.unreachable, self.failed = (int(x) for x in m.groups()) if m else (None,) * 4

    def __repr__(self):
        # The first failure and the recap: enough to see what went wrong without the whole log.
        at = min([i for i in (self.output.find("fatal:"), self.output.find("[ERROR]")) if i >= 0] or [len(self.output)])
        return "<ansible-playbook rc=%s changed=%s failed=%s>\n%s\n...\n%s" % (
            self.rc, self.changed, self.failed, self.output[max(0, at - 1500):at + 3000], self.output[-800:])


class Ansible:
    """Runs playbooks against the test cluster with a YAML inventory built from variables."""

    def __init__(self, env, workdir, collection):
        self.env = env
        self.workdir = workdir
        self.collection = collection  # where the playbooks are: the installed collection
        self.count = 0

    def run(self, playbook, variables=None, check=False, verbosity=0, extra_env=None, args=()):
        self.count += 1
        inventory = os.path.join(self.workdir, "inventory-%03d.yml" % self.count)
        hostvars = {"ansible_connection": "local", "ansible_python_interpreter": PYTHON}
        with open(inventory, "w", encoding="utf-8") as f:
            yaml.safe_dump({"all": {"hosts": {"localhost": hostvars}, "vars": variables or {}}}, f)
        if not os.path.isabs(playbook):
            playbook = os.path.join(self.collection, "playbooks", playbook)
        cmd = [os.path.join(BIN, "ansible-playbook"), "-i", inventory, playbook] + list(args)
        if check:
            cmd.append("--check")
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        env = dict(self.env, **(extra_env or {}))
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900, check=False)
        return Result(proc, cmd)


class Kube:
    """Small read helpers over the Python dynamic client."""

    API = {
        "Namespace": "v1", "Pod": "v1", "Secret": "v1", "ConfigMap": "v1", "Service": "v1", "ServiceAccount": "v1",
        "PersistentVolumeClaim": "v1", "Deployment": "apps/v1", "StatefulSet": "apps/v1", "ReplicaSet": "apps/v1",
        "NetworkPolicy": "networking.k8s.io/v1", "Route": "route.openshift.io/v1", "OAuthClient": "oauth.openshift.io/v1",
    }

    def __init__(self):
        self.dyn = DynamicClient(client.ApiClient())

    def _res(self, kind):
        return self.dyn.resources.get(api_version=self.API[kind], kind=kind)

    def get(self, kind, namespace, name):
        """The object as a dict, or None."""
        try:
            return self._res(kind).get(name=name, namespace=namespace).to_dict()
        except NotFoundError:
            return None

    def list(self, kind, namespace=None, selector=MANAGED):
        return self._res(kind).get(namespace=namespace, label_selector=selector).to_dict()["items"]

    def secret_data(self, namespace, name):
        obj = self.get("Secret", namespace, name)
        return {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()} if obj else None

    def snapshot(self, namespace):
        """(kind, name) -> resourceVersion of every object the role manages in namespace, plus its OAuthClients."""
        kinds = ["Secret", "ConfigMap", "Service", "ServiceAccount", "PersistentVolumeClaim", "Deployment",
                 "StatefulSet", "NetworkPolicy", "Route"]
        snap = {}
        for kind in kinds:
            for obj in self.list(kind, namespace):
                snap[(kind, obj["metadata"]["name"])] = obj["metadata"]["resourceVersion"]
        for obj in self.list("OAuthClient", selector=MANAGED + ",litemaas.rhpds.io/namespace=" + namespace):
            snap[("OAuthClient", obj["metadata"]["name"])] = obj["metadata"]["resourceVersion"]
        return snap


def prepare_cluster(kubeconfig):
    """Load the OpenShift CRDs and (re)create the config objects, the Ingress "cluster" among them."""
    prepare(kubeconfig, APPS_DOMAIN, PYTHON)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """KUBECONFIG of a running test cluster with the OpenShift CRDs and config objects."""
    run_dir = os.environ.get("K8S_TEST_RUN_DIR") or str(tmp_path_factory.mktemp("k8s-run"))
    with local_cluster(run_dir, APPS_DOMAIN, PYTHON) as kubeconfig:
        config.load_kube_config(config_file=kubeconfig)
        yield kubeconfig


@pytest.fixture(scope="session")
def kube(cluster):  # pylint: disable=unused-argument,redefined-outer-name
    return Kube()


@pytest.fixture(scope="session")
def ansible(cluster, tmp_path_factory):  # pylint: disable=redefined-outer-name
    workdir = str(tmp_path_factory.mktemp("ansible"))
    # tests/run.sh installed the collection from its tarball here (tests/conftest.py: this checkout otherwise); next
    # to it a stand-in for AgnosticD's agnosticd.core collection (records agnosticd_user_info calls).
    installed = os.environ["COLLECTIONS_DIR"]
    collections = installed + os.pathsep + os.path.join(HERE, "collections")
    env = dict(os.environ)
    env.update({
        "KUBECONFIG": cluster,
        "ANSIBLE_COLLECTIONS_PATH": collections,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "PATH": BIN + os.pathsep + env.get("PATH", ""),
        "AGNOSTICD_USER_INFO_FILE": os.path.join(workdir, "user-info.json"),
    })
    for k in [k for k in env if k.startswith("K8S_AUTH_")]:
        del env[k]
    return Ansible(env, workdir, os.path.join(installed, "ansible_collections", "rhpds", "litemaas"))


@contextlib.contextmanager
def marking_ready(kubeconfig, *namespaces):
    """Run the mark_ready helper in the background while the block runs."""
    cmd = [PYTHON, os.path.join(HARNESS, "mark_ready.py"), "--kubeconfig", kubeconfig, "--duration", "900", "--quiet"]
    for ns in namespaces:
        cmd += ["--namespace", ns]
    proc = subprocess.Popen(cmd)  # pylint: disable=consider-using-with
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def ingress_config_removed(kubeconfig):
    """Without the Ingress config "cluster" (as on a cluster that is not OpenShift) while the block runs."""
    client.CustomObjectsApi().delete_cluster_custom_object("config.openshift.io", "v1", "ingresses", "cluster")
    try:
        yield
    finally:
        prepare_cluster(kubeconfig)


def wait_until(predicate, timeout=60, interval=0.5, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


def env_of(container):
    """name -> value or ('secret', name, key) / ('configmap', ...) of a container's env."""
    out = {}
    for e in container.get("env", []):
        if "value" in e:
            out[e["name"]] = e["value"]
        elif "valueFrom" in e and "secretKeyRef" in e["valueFrom"]:
            ref = e["valueFrom"]["secretKeyRef"]
            out[e["name"]] = ("secret", ref["name"], ref["key"])
        else:
            out[e["name"]] = e.get("valueFrom")
    return out


def write_json(path, data):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f)


def kubernetes_validate_bin():
    return shutil.which("kubernetes-validate", path=BIN) or os.path.join(BIN, "kubernetes-validate")


def new_tmpdir():
    return tempfile.mkdtemp(prefix="litemaas-render-")
