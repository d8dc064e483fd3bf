"""execution-environment.yml: `ansible-builder create` makes a build context that installs this collection's
tarball, and the requirements ansible-builder merges inside the image include the collection's own.

No container runtime is needed: the image's galaxy and builder stages are replayed here, with the introspection
script ansible-builder puts into the context, on the collection installed from the context's tarball and the
kubernetes.core that the galaxy stage would fetch (the one of the tools venv).
"""
import json
import os
import sys

import yaml

from packaging_helpers import REPO, run

EE_FILE = 'execution-environment.yml'


def galaxy_version():
    with open(os.path.join(REPO, 'galaxy.yml')) as f:
        return yaml.safe_load(f)['version']


def ee_definition():
    with open(os.path.join(REPO, EE_FILE)) as f:
        return yaml.safe_load(f)


def test_definition_installs_the_tarball_of_the_current_version():
    tarball = 'rhpds-litemaas-%s.tar.gz' % galaxy_version()
    definition = ee_definition()
    assert definition['version'] == 3
    assert definition['dependencies']['galaxy']['collections'] == [{'name': 'collections/' + tarball, 'type': 'file'}]
    assert definition['additional_build_files'] == [{'src': tarball, 'dest': 'collections'}]


def test_collection_metadata_names_its_requirement_files():
    with open(os.path.join(REPO, 'meta', 'execution-environment.yml')) as f:
        meta = yaml.safe_load(f)
    assert meta == {'version': 1, 'dependencies': {'python': 'requirements.txt', 'system': 'bindep.txt'}}


def bundled_collection_path(name):
    listing = json.loads(run('ansible-galaxy', 'collection', 'list', name, '--format', 'json'))
    for path, collections in listing.items():
        if name in collections:
            return os.path.join(path, *name.split('.'))
    raise AssertionError('%s is not installed in the tools venv' % name)


def test_build_context(checkout_copy, tmp_path):
    run('ansible-galaxy', 'collection', 'build', '--output-path', str(checkout_copy), str(checkout_copy))
    tarball = checkout_copy / ('rhpds-litemaas-%s.tar.gz' % galaxy_version())
    assert tarball.is_file()

    context = tmp_path / 'context'
    run('ansible-builder', 'create', '-f', str(checkout_copy / EE_FILE), '--context', str(context),
        '--output-filename', 'Containerfile')
    containerfile = (context / 'Containerfile').read_text()
    assert 'ARG EE_BASE_IMAGE="%s"' % ee_definition()['images']['base_image']['name'] in containerfile
    assert 'ARG PKGMGR="/usr/bin/dnf"' in containerfile
    assert 'COPY _build /build' in containerfile
    assert 'ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml' in containerfile
    assert '--exclude-bindep-reqs=exclude-bindep.txt' in containerfile

    build = context / '_build'
    context_tarball = build / 'collections' / tarball.name
    assert context_tarball.read_bytes() == tarball.read_bytes()
    assert yaml.safe_load((build / 'requirements.yml').read_text()) == {
        'collections': [{'name': 'collections/' + tarball.name, 'type': 'file'}]}

    # The galaxy stage: this collection from the context's tarball, and kubernetes.core, its dependency.
    collections = tmp_path / 'collections'
    run('ansible-galaxy', 'collection', 'install', '--offline', '--no-deps', '--force', '-p', str(collections), str(context_tarball))
    installed = collections / 'ansible_collections' / 'rhpds' / 'litemaas'
    assert (installed / 'meta' / 'execution-environment.yml').is_file()
    (collections / 'ansible_collections' / 'kubernetes').mkdir()
    os.symlink(bundled_collection_path('kubernetes.core'), collections / 'ansible_collections' / 'kubernetes' / 'core')

    # The builder stage's introspection, with the arguments of the Containerfile's introspect step.
    merged = yaml.safe_load(run(sys.executable, str(build / 'scripts' / 'introspect.py'), 'introspect', str(collections),
                                '--exclude-bindep-reqs=%s' % (build / 'exclude-bindep.txt')))
    python = merged['python']
    assert [line for line in python if line.endswith('# from collection rhpds.litemaas')] == [
        'kubernetes>=24.2.0  # from collection rhpds.litemaas']  # PyYAML is dropped: ansible-core brings it
    assert any(line.endswith('# from collection kubernetes.core') for line in python)
    # kubernetes.core's oc and kubectl packages are excluded, and this collection needs no system package.
    assert merged['system'] == []
