"""Fixtures of the packaging checks."""
import pytest

from packaging_helpers import copy_checkout


@pytest.fixture
def checkout_copy(tmp_path):
    """A copy of the checkout at .../ansible_collections/rhpds/litemaas, for tools that write into the checkout."""
    dest = tmp_path / 'ansible_collections' / 'rhpds' / 'litemaas'
    copy_checkout(dest)
    return dest
