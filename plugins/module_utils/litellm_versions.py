# -*- coding: utf-8 -*-
# Copyright: (c) 2026, RHPDS
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""LiteLLM versions: read from what a proxy answers or from an image tag, the one table of what differs between
versions, and which published advisories (meta/litellm_advisories.yml) a version falls under."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# A version inside an image tag: main-v1.81.0-stable-custom, v1.84.3, 1.108.7, v1.83.10-stable.patch.3.
_VERSION_IN_TAG = re.compile(r'(?<![0-9.])(\d+)\.(\d+)\.(\d+)(?![0-9])')
_VERSION_AT_START = re.compile(r'^v?(\d+)\.(\d+)\.(\d+)')

# What differs between LiteLLM versions, by name: the first version that has it. A version the proxy does not
# tell counts as one without any of them.
CAPABILITIES = {
    # os.environ/ references resolved in every parameter of a database model (tested: 1.106.12, 1.108.7); 1.81.15
    # resolves them in credentials only and sends the reference itself as, say, the api_base.
    'resolves_all_env_references': (1, 106, 0),
    # A replica's periodic reload takes changes of model_name and model_info too (1.81: only litellm_params).
    'propagates_metadata_changes': (1, 106, 0),
    # A reload also drops deleted deployments when the database holds no model at all (1.81:
    # ProxyConfig._delete_deployment returns early on an empty model table).
    'drops_deleted_when_empty': (1, 106, 0),
    # general_settings.disable_env_credential_login turns off the admin UI login with UI_USERNAME/UI_PASSWORD
    # (present in 1.106.12 and 1.108.7, absent from 1.81.15; the first release that has it was not checked).
    'disables_env_credential_login': (1, 106, 0),
}


def parse_version(text):
    """'1.108.7', 'v1.84.3' or '1.83.10-stable.patch.3' as a tuple of three ints; None for anything else."""
    match = _VERSION_AT_START.match(str(text or '').strip())
    return tuple(int(part) for part in match.groups()) if match else None


def format_version(version):
    return '.'.join(str(part) for part in version) if version else None


def has_capability(version, name):
    return version is not None and tuple(version) >= CAPABILITIES[name]


def capability_floor(name):
    return format_version(CAPABILITIES[name])


def image_reference(image):
    """The tag, digest and LiteLLM version of an image reference. The version is the first x.y.z in the tag;
    None when the tag names none (latest, main-stable, no tag) or the image is given by digest only."""
    name, dummy, digest = str(image).strip().partition('@')
    last = name.rsplit('/', 1)[-1]
    tag = last.partition(':')[2]
    match = _VERSION_IN_TAG.search(tag)
    return {
        'tag': tag or None,
        'digest': digest or None,
        'version': tuple(int(part) for part in match.groups()) if match else None,
    }


def _in_range(version, affected):
    introduced = parse_version(affected.get('introduced')) or (0, 0, 0)
    if version < introduced:
        return False
    if affected.get('fixed'):
        return version < parse_version(affected['fixed'])
    if affected.get('last_affected'):
        return version <= parse_version(affected['last_affected'])
    return True


def matching_advisories(version, advisories):
    """The advisories (entries of meta/litellm_advisories.yml) whose affected ranges hold version, most severe
    first."""
    if version is None:
        return []
    found = [a for a in advisories if any(_in_range(tuple(version), r) for r in a.get('affected', []))]
    rank = {'critical': 0, 'high': 1, 'medium': 2, 'low': 3}
    return sorted(found, key=lambda a: (not a.get('compromised'), rank.get(a.get('severity'), 4), a['id']))


def blocks_by_default(advisory):
    """Refused unless accepted: a compromised release, or a critical or KEV-listed advisory."""
    return bool(advisory.get('compromised') or advisory.get('severity') == 'critical' or advisory.get('kev'))


def is_accepted(advisory, allow):
    """allow: True (accept every advisory), False, or a list of accepted ids and aliases. A compromised release
    (malware in the published artifact) is never accepted."""
    if advisory.get('compromised'):
        return False
    if allow is True:
        return True
    names = set([advisory['id']] + list(advisory.get('aliases') or []))
    return bool(names & set(allow or []))


def describe(advisory):
    """One line naming the advisory, its severity and where it is fixed."""
    names = ' / '.join([advisory['id']] + list(advisory.get('aliases') or []))
    kind = 'compromised release' if advisory.get('compromised') else advisory.get('severity', 'unknown severity')
    if advisory.get('kev'):
        kind += ', in CISA KEV'
    fixed = sorted(set(r['fixed'] for r in advisory.get('affected', []) if r.get('fixed')), key=parse_version)
    where = ('fixed in ' + ', '.join(fixed)) if fixed else 'no fixed release: use another'
    return '%s (%s): %s, %s' % (names, kind, advisory.get('summary', ''), where)
