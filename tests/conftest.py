"""Make this checkout importable as the ansible_collections.rhpds.litemaas package."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'harness'))

from collection_path import make_importable  # noqa: E402

make_importable()
