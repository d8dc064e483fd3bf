import pytest

from http_stub import StubServer


@pytest.fixture
def stub():
    with StubServer() as server:
        yield server
