"""Fixtures for the Prisma WASM shim tests: prisma-client-py 0.11 with the client generated from LiteLLM's
schema.prisma, talking through tests/harness/litellm/shim/engine.js to a throwaway, migrated PostgreSQL.

Runs under the LiteLLM venv's interpreter (tests/tiers/shim.sh), which holds that generated client.
"""
import asyncio
import datetime
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness" / "litellm"))

import harness  # noqa: E402

VERSION = os.environ.get("LITELLM_VERSION") or harness.DEFAULT_VERSION


@pytest.fixture(scope="session")
def paths():
    p = harness.install(VERSION)
    if Path(sys.prefix).resolve() != Path(p["venv"]).resolve():
        pytest.exit(f"run these tests with {p['venv']}/bin/python (tests/tiers/shim.sh does)", returncode=2)
    return p


@pytest.fixture(scope="session")
def pg(paths):
    """A PostgreSQL with LiteLLM's schema, on 127.0.0.1 (libpq URL: pg.url)."""
    venv, pg_bin = Path(paths["venv"]), Path(paths["pg_bin"])
    template = harness.migrated_template(VERSION, venv, pg_bin)
    workdir = harness.make_workdir("litellm-shim-test-")
    server = harness.Postgres(workdir, pg_bin)
    try:
        server.start_from(template)
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def run(loop):
    """run(coroutine) -> its result, on the session's event loop (the client is bound to it)."""
    return loop.run_until_complete


@pytest.fixture(scope="session")
def db(paths, pg, run):
    """A connected prisma-client-py client (LiteLLM's generated client), through the shim."""
    os.environ.update(harness.prisma_env(Path(paths["shim_node"])))
    os.environ["PATH"] = os.pathsep.join([str(Path(paths["node"]).parent), os.environ.get("PATH", "")])
    from prisma import Prisma

    client = Prisma(datasource={"url": pg.url})
    run(client.connect(timeout=datetime.timedelta(seconds=60)))
    yield client
    run(client.disconnect())


@pytest.fixture
def sql(pg):
    """sql("select ...") -> rows as lists of strings, read with psql straight from PostgreSQL."""
    def query(text):
        out = pg.psql(text, extra=("-tA", "-F", "\x1f"))
        return [line.split("\x1f") for line in out.splitlines() if line]
    return query
