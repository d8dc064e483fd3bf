"""Fixtures for tests against the real LiteLLM proxy (tests/harness/litellm).

``litellm_proxy`` (session scope) is a started ``LiteLLMProxy``: attributes ``version``, ``base_url``,
``master_key``, ``database_url``, ``upstream_url``, ``log_path`` and ``env()``. The LiteLLM version comes
from $LITELLM_VERSION (default 1.108.7). If the environment already names a running proxy
(LITELLM_API_BASE, LITELLM_MASTER_KEY, LITELLM_TEST_DATABASE_URL, LITELLM_TEST_UPSTREAM, e.g. from
``eval "$(tests/harness/litellm/litellm-local.sh env)"``), that one is reused and left running.
"""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "harness" / "litellm"))
# tests/harness/agnosticd.py: AgnosticD's own agnosticd_user_info
sys.path.append(str(Path(__file__).resolve().parents[2] / "harness"))

from harness import proxy_from_env  # noqa: E402


@pytest.fixture(scope="session")
def litellm_proxy(request):
    proxy = proxy_from_env(os.environ).start()
    report = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if report and capture and proxy.startup_seconds is not None:
        with capture.global_and_fixture_disabled():
            report.write_line(f"\nLiteLLM {proxy.version} proxy started in {proxy.startup_seconds:.1f}s at {proxy.base_url}")
    try:
        yield proxy
    finally:
        survivors = proxy.stop()
        assert not survivors, f"the harness left these running after stop: {survivors}"


class Api:
    """Tiny client for the proxy: ``api.post("/key/generate", json={...})`` returns a requests.Response.
    Sends the master key unless ``key=`` names another one."""

    def __init__(self, base_url, master_key):
        import requests

        self.base_url, self.master_key = base_url, master_key
        self.session = requests.Session()

    def request(self, method, path, key=None, timeout=60, **kw):
        headers = {"Authorization": f"Bearer {key or self.master_key}", **kw.pop("headers", {})}
        return self.session.request(method, self.base_url + path, headers=headers, timeout=timeout, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)


@pytest.fixture(scope="session")
def litellm_api(litellm_proxy):
    return Api(litellm_proxy.base_url, litellm_proxy.master_key)


@pytest.fixture
def litellm_db(litellm_proxy):
    """A psycopg connection (autocommit, dict rows) to LiteLLM's own database, for read-back."""
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(litellm_proxy.database_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def fake_upstream(litellm_proxy):
    """The fake OpenAI upstream's test controls: ``requests()``, ``clear()``, ``fail(status, count)``."""
    import requests

    root = litellm_proxy.upstream_url.rsplit("/v1", 1)[0]

    class Upstream:
        url = litellm_proxy.upstream_url

        @staticmethod
        def requests():
            return requests.get(root + "/_requests", timeout=10).json()

        @staticmethod
        def clear():
            requests.delete(root + "/_requests", timeout=10).raise_for_status()

        @staticmethod
        def fail(status, count=1, body=None):
            requests.post(root + "/_fail", json={"status": status, "count": count, "body": body},
                          timeout=10).raise_for_status()

    yield Upstream
    Upstream.fail(0)


@pytest.fixture(scope="session")
def conn(litellm_proxy):
    """Connection options for the collection's modules."""
    return {"api_url": litellm_proxy.base_url, "master_key": litellm_proxy.master_key}


@pytest.fixture
def api_proxy(litellm_proxy):
    """A counting, fault-injecting loopback proxy in front of LiteLLM (tests/harness/litellm/api_proxy.py):
    point the code under test at ``api_proxy.url`` and read ``api_proxy.counts()``."""
    from api_proxy import ApiProxy

    with ApiProxy(litellm_proxy.base_url) as proxy:
        yield proxy


@pytest.fixture(scope="session")
def k8s_cluster(tmp_path_factory):
    """KUBECONFIG of a real kube-apiserver with the OpenShift CRDs (tests/harness/k8s), started for the tests
    that keep state in the cluster (key Secrets), stopped at the end of the session."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "harness" / "k8s"))
    from local_cluster import local_cluster

    with local_cluster(str(tmp_path_factory.mktemp("k8s-run")), "apps.example.test") as kubeconfig:
        yield kubeconfig
