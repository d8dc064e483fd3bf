"""LiteLLM versions from image tags and proxy answers, the capability table and the advisory floor
(meta/litellm_advisories.yml through the litellm_advisories filter)."""
import os
import re

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.rhpds.litemaas.plugins.filter.litellm_advisories import litellm_advisories, load_advisories
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm import LiteLLMClient
from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_versions import (
    CAPABILITIES, has_capability, image_reference, parse_version)

DIGEST = 'sha256:' + 'ab' * 32


@pytest.mark.parametrize('image, tag, version', [
    ('quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom', 'main-v1.81.0-stable-custom', (1, 81, 0)),
    ('ghcr.io/berriai/litellm-non_root:v1.84.3', 'v1.84.3', (1, 84, 3)),
    ('docker.litellm.ai/berriai/litellm:1.108.7', '1.108.7', (1, 108, 7)),
    ('ghcr.io/berriai/litellm:v1.83.10-stable.patch.3', 'v1.83.10-stable.patch.3', (1, 83, 10)),
    ('ghcr.io/berriai/litellm:main-stable', 'main-stable', None),
    ('ghcr.io/berriai/litellm:latest', 'latest', None),
    ('ghcr.io/berriai/litellm', None, None),
    # a registry port is not a tag
    ('registry.local:5000/litellm/litellm-non_root', None, None),
    ('registry.local:5000/litellm/litellm-non_root:v1.108.7', 'v1.108.7', (1, 108, 7)),
    ('ghcr.io/berriai/litellm@' + DIGEST, None, None),
    ('ghcr.io/berriai/litellm-non_root:v1.108.7@' + DIGEST, 'v1.108.7', (1, 108, 7)),
])
def test_image_reference_reads_the_version_of_real_tag_spellings(image, tag, version):
    found = image_reference(image)
    assert (found['tag'], found['version']) == (tag, version)
    assert found['digest'] == (DIGEST if '@' in image else None)


@pytest.mark.parametrize('text, version', [
    ('1.108.7', (1, 108, 7)), ('v1.84.3', (1, 84, 3)), ('1.83.10-stable.patch.3', (1, 83, 10)),
    ('', None), (None, None), ('unknown', None), ('1.108', None),
])
def test_parse_version(text, version):
    assert parse_version(text) == version


def test_capabilities_are_named_and_unknown_versions_have_none():
    assert has_capability((1, 108, 7), 'disables_env_credential_login')
    assert not has_capability((1, 81, 15), 'disables_env_credential_login')
    assert not any(has_capability(None, name) for name in CAPABILITIES)
    with pytest.raises(KeyError):
        has_capability((1, 108, 7), 'not_a_capability')


def test_the_advisories_file_is_well_formed():
    advisories = load_advisories()
    ids = [a['id'] for a in advisories]
    assert len(ids) == len(set(ids))
    for advisory in advisories:
        assert advisory['severity'] in ('critical', 'high', 'medium', 'low'), advisory['id']
        assert advisory['summary'] and advisory['affected'], advisory['id']
        for affected in advisory['affected']:
            assert set(affected) <= {'introduced', 'fixed', 'last_affected'}, advisory['id']
            assert all(parse_version(v) for v in affected.values()), advisory['id']


def test_litemaas_0_4_image_is_refused_naming_the_advisory_and_the_fixed_release():
    check = litellm_advisories('quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom')
    assert check['version'] == '1.81.0'
    ids = [a['id'] for a in check['advisories']]
    assert 'GHSA-4xpc-pv4p-pm3w' in ids and 'GHSA-7488-6r32-c95q' in ids
    # the SQL injection starts at 1.81.16: not on 1.81.0
    assert 'GHSA-r75f-5x8p-qvmc' not in ids
    assert 'GHSA-4xpc-pv4p-pm3w / CVE-2026-49468 (critical)' in check['message']
    assert 'fixed in 1.84.0' in check['message']
    assert 'litemaas_litellm_allow_vulnerable' in check['message']
    assert check['warning'] == ''


def test_the_role_default_has_no_known_advisory():
    check = litellm_advisories('ghcr.io/berriai/litellm-non_root:v1.108.7')
    assert check == dict(check, version='1.108.7', advisories=[], refused=[], accepted=[], message='')
    assert 'disables_env_credential_login' in check['capabilities']


def test_backport_ranges_are_separate():
    """GHSA-7hp6-4w63-5g45 is fixed per release line: 1.101.3 is fixed, 1.102.1 is not."""
    def ids(version):
        return [a['id'] for a in litellm_advisories(version, kind='version')['advisories']]
    assert 'GHSA-7hp6-4w63-5g45' not in ids('1.101.3')
    assert 'GHSA-7hp6-4w63-5g45' in ids('1.102.1')
    assert 'GHSA-7hp6-4w63-5g45' not in ids('1.86.9') + ids('1.103.1') + ids('1.108.7')


def test_allow_accepts_everything_but_compromised_releases():
    image = 'quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom'
    accepted = litellm_advisories(image, allow=True)
    assert accepted['refused'] == [] and accepted['message'] == ''
    assert any(line.startswith('GHSA-4xpc-pv4p-pm3w') for line in accepted['accepted'])
    some = litellm_advisories(image, allow=['CVE-2026-49468'])
    assert not any(line.startswith('GHSA-4xpc-pv4p-pm3w') for line in some['refused'])
    assert any(line.startswith('GHSA-7488-6r32-c95q') for line in some['refused'])
    for version in ('1.82.7', '1.82.8', '1.107.0', '1.107.3'):
        compromised = litellm_advisories('ghcr.io/berriai/litellm:v' + version, allow=True)
        assert compromised['refused'] and 'compromised release' in compromised['refused'][0], version
    assert litellm_advisories('ghcr.io/berriai/litellm:v1.82.6', allow=True)['refused'] == []


def test_a_tag_without_a_version_is_warned_about_not_refused():
    for image in ('ghcr.io/berriai/litellm:main-stable', 'ghcr.io/berriai/litellm@' + DIGEST):
        check = litellm_advisories(image)
        assert check['refused'] == [] and check['version'] is None
        assert 'names no LiteLLM version' in check['warning'] and image in check['warning']


def test_bad_allow_is_refused_naming_the_variable():
    with pytest.raises(AnsibleFilterError, match='litemaas_litellm_allow_vulnerable'):
        litellm_advisories('ghcr.io/berriai/litellm:v1.108.7', allow='yes')


def test_litellm_version_ignores_an_answer_that_is_not_json(stub):
    """A router's HTML page on /health/readiness says nothing about the version; the client reads the next path."""
    stub.reply(200, '<html>upstream connect error</html>', headers={'Content-Type': 'text/html'})
    stub.reply(200, {'litellm_version': '1.108.7'})
    assert LiteLLMClient(stub.url, 'sk-unit', sleep=lambda s: None).litellm_version() == (1, 108, 7)
    assert [r['path'] for r in stub.requests] == ['/health/readiness', '/health/readiness/details']


def test_the_role_default_image_is_a_version_of_the_test_matrix():
    """The LiteLLM tier runs on the version the deploy role deploys by default (tier-setup.sh's LITELLM_VERSIONS)."""
    repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..')
    with open(os.path.join(repo, 'roles', 'litemaas', 'defaults', 'main.yml')) as defaults:
        image = yaml.safe_load(defaults)['litemaas_litellm_image']
    with open(os.path.join(repo, 'tests', 'harness', 'litellm', 'tier-setup.sh')) as setup:
        matrix = re.search(r'LITELLM_VERSIONS=\$\{LITELLM_VERSIONS:-([^}]*)\}', setup.read()).group(1).split()
    version = '.'.join(str(part) for part in image_reference(image)['version'])
    assert version == matrix[0], (image, matrix)
    assert os.path.exists(os.path.join(repo, 'tests', 'harness', 'litellm', 'requirements', 'litellm-%s.txt' % version))
    assert litellm_advisories(image)['advisories'] == []
