"""Make this checkout importable as the ansible_collections.rhpds.litemaas package."""
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _collections_dir():
    configured = os.environ.get('COLLECTIONS_DIR')
    if configured:
        return configured
    path = os.path.join(tempfile.gettempdir(), 'rhpds-litemaas-pytest-%d' % os.getuid())
    link = os.path.join(path, 'ansible_collections', 'rhpds', 'litemaas')
    if os.path.realpath(link) != REPO:
        os.makedirs(os.path.dirname(link), exist_ok=True)
        tmp_link = '%s.%d' % (link, os.getpid())
        os.symlink(REPO, tmp_link)
        os.replace(tmp_link, link)
    return path


COLLECTIONS_DIR = _collections_dir()
if COLLECTIONS_DIR not in sys.path:
    sys.path.insert(0, COLLECTIONS_DIR)
os.environ['COLLECTIONS_DIR'] = COLLECTIONS_DIR
