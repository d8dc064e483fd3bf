"""The collection tarball, as users install it: what it must hold and what it must not.

tests/run.sh builds it from this checkout with ansible-galaxy and installs it for the integration tiers
(COLLECTION_TARBALL); run alone, this builds one from the checkout itself the same way."""
import glob
import json
import os
import re
import tarfile

import pytest
import yaml

from packaging_helpers import REPO, run

MUST_HOLD = [
    'MANIFEST.json', 'FILES.json', 'README.md', 'LICENSE', 'requirements.txt', 'bindep.txt',
    'meta/runtime.yml', 'meta/execution-environment.yml', 'changelogs/config.yaml', 'docs/README.md',
    'plugins/module_utils/litellm.py', 'plugins/doc_fragments/litellm.py', 'plugins/filter/litellm_model_specs.py',
    'scripts/create-user-key.sh', 'extensions/aap/credential_types/litellm_proxy.yml',
]
# Whole trees whose every tracked file must be there.
MUST_HOLD_TREES = ['plugins', 'roles', 'playbooks', 'docs', 'meta', 'changelogs/fragments']
MUST_NOT_MATCH = re.compile(r'(^|/)(__pycache__|\.pytest_cache|\.git|node_modules|tests/output|\.cache|\.venv|context)(/|$)'
                            r'|\.pyc$|\.tar\.gz$|(^|/)\.ci(/|$)|changelogs/\.plugin-cache\.yaml$')


@pytest.fixture(scope='module')
def tarball(tmp_path_factory):
    built = os.environ.get('COLLECTION_TARBALL')
    if built:
        return built
    out = tmp_path_factory.mktemp('build')
    run('ansible-galaxy', 'collection', 'build', '--output-path', str(out), REPO)
    return glob.glob(str(out / 'rhpds-litemaas-*.tar.gz'))[0]


@pytest.fixture(scope='module')
def members(tarball):
    with tarfile.open(tarball) as archive:
        return set(m.name for m in archive.getmembers() if m.isfile())


def test_the_name_is_the_version_of_galaxy_yml(tarball):
    with open(os.path.join(REPO, 'galaxy.yml')) as f:
        galaxy = yaml.safe_load(f)
    assert os.path.basename(tarball) == 'rhpds-litemaas-%s.tar.gz' % galaxy['version']
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile('MANIFEST.json'))
    info = manifest['collection_info']
    assert (info['namespace'], info['name'], info['version']) == ('rhpds', 'litemaas', galaxy['version'])
    assert info['dependencies'] == galaxy['dependencies']


def test_it_holds_what_users_need(members):
    assert [name for name in MUST_HOLD if name not in members] == []
    tracked = run('git', 'ls-files', *MUST_HOLD_TREES, cwd=REPO).split()
    assert [name for name in tracked if name not in members] == []


def test_it_holds_no_cache_output_or_build_leftover(members):
    assert sorted(name for name in members if MUST_NOT_MATCH.search(name)) == []
