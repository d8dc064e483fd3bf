# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: the LiteLLM version of an image or a proxy, and the published advisories of meta/litellm_advisories.yml
that apply to it (module_utils/litellm_versions)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: litellm_advisories
short_description: The published advisories that apply to a LiteLLM image or version
version_added: 1.1.0
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
description:
  - Reads the LiteLLM version from an image reference (the first C(x.y.z) of its tag, for example
    V(main-v1.81.0-stable-custom), V(v1.84.3), V(1.108.7)) or from a version a proxy answers with, and lists the
    advisories of the collection's C(meta/litellm_advisories.yml) whose affected ranges hold it.
  - Compromised releases, critical and CISA KEV-listed advisories are refused unless accepted with O(allow); a
    compromised release is never accepted.
  - A tag that names no version (V(latest), V(main-stable), an image by digest only) cannot be checked; the result
    says so in RV(_value.warning).
options:
  _input:
    description: An image reference (O(kind=image)) or a LiteLLM version (O(kind=version)).
    type: str
    required: true
  allow:
    description:
      - V(true) to accept every advisory but compromised releases, or a list of accepted advisory ids or CVE ids.
    type: raw
    default: false
  kind:
    description: What the input is.
    type: str
    choices: [image, version]
    default: image
'''

EXAMPLES = r'''
- name: Refuse an image with a critical advisory
  vars:
    check: "{{ 'quay.io/rh-aiservices-bu/litellm-non-root:main-v1.81.0-stable-custom' | rhpds.litemaas.litellm_advisories }}"
  ansible.builtin.assert:
    that: check.refused | length == 0
    fail_msg: "{{ check.message }}"
'''

RETURN = r'''
_value:
  description: The version and the advisories that apply.
  type: dict
  contains:
    version:
      description: The LiteLLM version, V(null) when the input names none.
      type: str
    advisories:
      description: The advisories that apply, most severe first, each with C(id), C(aliases), C(severity), C(kev),
        C(compromised), C(fixed) (the fixed releases) and C(text) (one line naming all of it).
      type: list
      elements: dict
    refused:
      description: The C(text) of each advisory that applies, blocks by default and is not accepted.
      type: list
      elements: str
    accepted:
      description: The C(text) of each advisory that applies and does not block (accepted, or high and below).
      type: list
      elements: str
    capabilities:
      description: The named capabilities of this version (module_utils/litellm_versions.py CAPABILITIES).
      type: list
      elements: str
    report:
      description:
        - Lines for a status report, one per advisory that applies (C(LiteLLM advisory) and its text), or one
          saying that none is known, or that there is no version to check.
      type: list
      elements: str
    message:
      description: Why the input is refused, naming each advisory and its fixed release; empty when it is not.
      type: str
    warning:
      description: Why the input could not be checked; empty when it could.
      type: str
'''

import os

import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_versions import (
    CAPABILITIES, blocks_by_default, describe, format_version, has_capability, image_reference, is_accepted,
    matching_advisories, parse_version)

ADVISORIES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'meta', 'litellm_advisories.yml')


def load_advisories(path=ADVISORIES_FILE):
    with open(path) as stream:
        return yaml.safe_load(stream)['advisories']


def litellm_advisories(value, allow=False, kind='image'):
    if kind not in ('image', 'version'):
        raise AnsibleFilterError('litellm_advisories: kind must be image or version, not %r' % (kind,))
    if not (allow is True or allow is False or isinstance(allow, list)):
        raise AnsibleFilterError('litellm_advisories: allow (litemaas_litellm_allow_vulnerable) must be true, false '
                                 'or a list of advisory ids, not %r' % (allow,))
    version = image_reference(value)['version'] if kind == 'image' else parse_version(value)
    found = matching_advisories(version, load_advisories())
    advisories = [dict(a, fixed=sorted(set(r['fixed'] for r in a['affected'] if r.get('fixed')), key=parse_version),
                       text=describe(a)) for a in found]
    refused = [a['text'] for a in found_blocking(advisories, allow)]
    shown = format_version(version)
    if version is None:
        warning = ('%s names no LiteLLM version (latest, main-stable, a digest): it cannot be checked against the '
                   'published advisories' % (value if kind == 'image' else 'LiteLLM version %r' % value))
    else:
        warning = ''
    message = ''
    if refused:
        message = ('%s is LiteLLM %s, refused for %s. Use a fixed release (the role default is one); to deploy it '
                   'anyway, set litemaas_litellm_allow_vulnerable to true or to a list of the accepted advisory ids '
                   '(a compromised release is never accepted).' % (value, shown, '; '.join(refused)))
    return {
        'version': shown,
        'advisories': advisories,
        'refused': refused,
        'accepted': [a['text'] for a in advisories if a['text'] not in refused],
        'report': (['LiteLLM advisory: ' + a['text'] for a in advisories]
                   or ['LiteLLM advisories: none known for LiteLLM %s' % shown if shown
                       else 'LiteLLM advisories: unknown (no LiteLLM version to check)']),
        'capabilities': sorted(name for name in CAPABILITIES if has_capability(version, name)),
        'message': message,
        'warning': warning,
    }


def found_blocking(advisories, allow):
    return [a for a in advisories if blocks_by_default(a) and not is_accepted(a, allow)]


class FilterModule(object):
    def filters(self):
        return {'litellm_advisories': litellm_advisories}
