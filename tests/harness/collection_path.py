"""Make a checkout importable and findable as the ansible_collections.rhpds.litemaas collection."""
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def collections_dir():
    """A directory holding ansible_collections/rhpds/litemaas -> this checkout ($COLLECTIONS_DIR if set)."""
    configured = os.environ.get('COLLECTIONS_DIR')
    if configured:
        return configured
    path = os.path.join(tempfile.gettempdir(), 'rhpds-litemaas-collections-%d' % os.getuid())
    link = os.path.join(path, 'ansible_collections', 'rhpds', 'litemaas')
    if os.path.realpath(link) != REPO:
        os.makedirs(os.path.dirname(link), exist_ok=True)
        tmp_link = '%s.%d' % (link, os.getpid())
        os.symlink(REPO, tmp_link)
        os.replace(tmp_link, link)
    return path


def make_importable():
    path = collections_dir()
    if path not in sys.path:
        sys.path.insert(0, path)
    os.environ['COLLECTIONS_DIR'] = path
    return path
