# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the AgnosticD workload ocp4_workload_litemaas_user_keys: the order's keys, and what AgnosticD shows of
them. Worked out once per run, in time linear in the number of users."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: workshop_fleet
short_description: The members of a workshop order and the litellm_keys entry of each one's key
version_added: 1.1.0
author:
  - RHPDS LiteMaaS maintainers (@rhpds)
description:
  - Used by the role C(rhpds.litemaas.ocp4_workload_litemaas_user_keys). One member per user (C(user_format) with
    C({n}) from 1 to C(num_users)) and, with C(admin_key), the instructor.
options:
  _input:
    description: The order's C(guid).
    type: str
    required: true
  num_users:
    description: Number of users.
    type: int
    required: true
  user_format:
    description: User names, C({n}) replaced by 1 to O(num_users).
    type: str
    default: user{n}
  alias_format:
    description: Key aliases, C({guid}) and C({user}) replaced.
    type: str
    default: "{guid}-{user}"
  models:
    description: The models every key may use.
    type: list
    elements: str
    required: true
  max_budget:
    description: Budget of each user's key.
    type: float
  admin_key:
    description: Add the instructor's key.
    type: bool
    default: false
  admin_user:
    description: The instructor's user name.
    type: str
    default: admin
  admin_max_budget:
    description: Budget of the instructor's key.
    type: float
  budget_duration:
    description: Budget period of every key.
    type: str
  rpm_limit:
    description: Requests per minute of every key.
    type: int
  tpm_limit:
    description: Tokens per minute of every key.
    type: int
  duration:
    description: Lifetime of every key.
    type: str
  metadata:
    description: Metadata of every key (C(guid), C(user), C(catalog_item) and C(created_by) are added).
    type: dict
  catalog_item:
    description: The catalog item, put in every key's metadata.
    type: str
"""

EXAMPLES = r"""
- name: The order's keys
  ansible.builtin.set_fact:
    fleet: "{{ guid | rhpds.litemaas.workshop_fleet(num_users=30, models=['granite'], duration='2d') }}"
"""

RETURN = r"""
_value:
  description: One entry per member - C(user), C(admin) (bool) and C(spec), the M(rhpds.litemaas.litellm_keys) entry.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

CREATED_BY = 'rhpds.litemaas.ocp4_workload_litemaas_user_keys'


def workshop_fleet(guid, num_users, models, user_format='user{n}', alias_format='{guid}-{user}', max_budget=None,
                   admin_key=False, admin_user='admin', admin_max_budget=None, budget_duration=None, rpm_limit=None,
                   tpm_limit=None, duration='', metadata=None, catalog_item=''):
    try:
        users = [(user_format.replace('{n}', str(n)), False) for n in range(1, int(num_users) + 1)]
    except (TypeError, ValueError):
        raise AnsibleFilterError('workshop_fleet: num_users must be a number, got %r' % (num_users,))
    if admin_key:
        users.append((admin_user, True))
    guid = str(guid)
    fleet = []
    for user, admin in users:
        alias = alias_format.replace('{guid}', guid).replace('{user}', user)
        spec = {'key_alias': alias, 'user_id': alias, 'models': list(models or []),
                'max_budget': admin_max_budget if admin else max_budget, 'budget_duration': budget_duration,
                'rpm_limit': rpm_limit, 'tpm_limit': tpm_limit, 'duration': (duration or '').strip(),
                'metadata': dict(metadata or {}, guid=guid, user=user, catalog_item=catalog_item or '',
                                 created_by=CREATED_BY)}
        fleet.append({'user': user, 'admin': bool(admin), 'spec': spec})
    return fleet


def workshop_report(keys, fleet, url, models, duration, single=False):
    """What AgnosticD shows: per user (user, data, msg) and for the order (data, msg). keys: the role
    litellm_user_keys' litellm_user_keys_result (one entry per key, with api_key, token, expires, problem)."""
    by_alias = dict((k['key_alias'], k) for k in keys or [])
    models = list(models or [])
    listed = ', '.join(models)
    # what every user's data and the order's share
    common = {'litellm_api_endpoint': url, 'litellm_api_base_url': url + '/v1', 'litellm_available_models': models,
              'litellm_available_models_list': listed, 'litellm_key_duration': duration}
    users, admin = [], None
    for member in fleet:
        alias = member['spec']['key_alias']
        key = by_alias.get(alias) or {}
        value = key.get('api_key')
        data = dict(common, litellm_virtual_key=value or '', litellm_key_alias=alias,
                    litellm_key_id=key.get('token') or '', litellm_key_expires=key.get('expires') or '')
        lines = ['LiteLLM API base URL: %s/v1' % url,
                 ('LiteLLM virtual key: %s' % value) if value else
                 'LiteLLM virtual key: not available (%s)' % (key.get('problem') or 'unknown'),
                 'Available models: ' + listed,
                 'Key expires: %s' % (key.get('expires') or 'never')]
        if member['admin']:
            admin = {'data': data, 'lines': lines}
        else:
            # one string: AgnosticD v1's plugin cannot append a list to a user's earlier message (v2 joins it so)
            users.append({'user': member['user'], 'data': data, 'msg': '\n'.join(lines)})
    order_data = dict(common, litellm_user_count=len(users))
    order_msg = [] if single else [
        'LiteLLM API base URL: %s/v1' % url,
        'Each of the %d users has their own LiteLLM virtual key (in their user data), for the models %s.'
        % (len(users), listed)]
    if single and users:
        order_data.update(users[0]['data'])
        order_msg = users[0]['msg'].split('\n')
    if admin is not None:
        order_data.update(litellm_admin_virtual_key=admin['data']['litellm_virtual_key'],
                          litellm_admin_key_alias=admin['data']['litellm_key_alias'])
        order_msg = order_msg + ['Instructor ' + admin['lines'][1]]
    return {'users': [] if single else users, 'data': order_data, 'msg': order_msg}


def agnosticd_users(user_data, users):
    """AgnosticD's users once the second and later of users ({user, data, msg}) are given to it, each merged the way
    agnosticd_user_info merges one user (v1 and v2 alike): data over the user's earlier data, msg appended on a new
    line. user_data: what AgnosticD's user data file holds after the first of users was given to agnosticd_user_info;
    empty when it does not hold that user as given (the file read is not the one the plugin writes)."""
    user_data = user_data or {}
    known = user_data.get('users') if isinstance(user_data, dict) else None
    if not users or not isinstance(known, dict):
        return {}
    first = users[0]
    written = known.get(first['user'])
    if not isinstance(written, dict) or any(written.get(k) != v for k, v in first['data'].items()):
        return {}
    merged = dict(known)
    for entry in users[1:]:
        item = dict(merged.get(entry['user']) or {})
        item.update(entry['data'])
        if entry.get('msg'):
            item['msg'] = item['msg'] + '\n' + entry['msg'] if 'msg' in item else entry['msg']
        merged[entry['user']] = item
    return merged


class FilterModule(object):
    def filters(self):
        return {'workshop_fleet': workshop_fleet, 'workshop_report': workshop_report, 'agnosticd_users': agnosticd_users}
