"""`antsibull-changelog release`, run on a copy of the checkout: the release of galaxy.yml's version gets every
changelog fragment, in changelogs/changelog.yaml and in the generated changelog file. The checkout is not touched."""
import datetime
import hashlib
import os

import yaml

from packaging_helpers import REPO, run


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def digest_of_tree(path):
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            with open(os.path.join(root, name), 'rb') as f:
                digest.update(name.encode() + b'\0' + f.read())
    return digest.hexdigest()


def test_release_of_the_current_version(checkout_copy):
    changelogs_before = digest_of_tree(os.path.join(REPO, 'changelogs'))
    version = load(os.path.join(REPO, 'galaxy.yml'))['version']
    fragment_dir = checkout_copy / 'changelogs' / 'fragments'
    fragments = {path.name: load(path) for path in fragment_dir.glob('*.yml')}
    assert fragments, 'no changelog fragments: nothing would be released'

    run('antsibull-changelog', 'release', cwd=str(checkout_copy))

    changes = load(checkout_copy / 'changelogs' / 'changelog.yaml')
    assert version in changes['releases']
    release = changes['releases'][version]
    assert release['release_date'] == datetime.date.today().isoformat()
    assert sorted(release['fragments']) == sorted(fragments)
    entries = {(section, entry) for fragment in fragments.values() for section, items in fragment.items() for entry in items}
    assert entries == {(section, entry) for section, items in release['changes'].items() for entry in items}
    assert not list(fragment_dir.glob('*.yml')), 'the release consumes the fragments'

    config = load(checkout_copy / 'changelogs' / 'config.yaml')
    changelog_file = os.path.normpath(checkout_copy / 'changelogs' / config['changelog_filename_template'])
    with open(changelog_file) as f:
        text = ' '.join(f.read().split())
    assert 'v%s' % version in text
    for _section, entry in entries:
        assert ' '.join(entry.split()) in text

    assert digest_of_tree(os.path.join(REPO, 'changelogs')) == changelogs_before
