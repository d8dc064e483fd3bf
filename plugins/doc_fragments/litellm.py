# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options shared by every LiteLLM module.
    DOCUMENTATION = r'''
options:
  api_url:
    description:
      - Base URL of the LiteLLM proxy, for example V(https://litellm-rhpds.apps.cluster.example.com).
      - If not set, the value of the E(LITELLM_API_BASE) environment variable is used.
    type: str
    required: true
    aliases: [api_base]
  master_key:
    description:
      - The LiteLLM master key (proxy admin). It is sent as a bearer token and never logged or returned.
      - If not set, the value of the E(LITELLM_MASTER_KEY) environment variable is used.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the TLS certificate of O(api_url).
      - If not set, the value of the E(LITELLM_VALIDATE_CERTS) environment variable is used, else V(true).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificates that sign the proxy's certificate (for example a cluster's ingress CA).
      - If not set, the value of the E(LITELLM_CA_PATH) environment variable is used.
    type: path
  timeout:
    description: Seconds to wait for each HTTP response.
    type: int
    default: 30
  retries:
    description:
      - How many times a call is retried after a connection error, HTTP 429 or HTTP 5xx, with exponential backoff.
      - Reads and idempotent writes are retried freely; creating writes only after a re-read shows the failed
        attempt did not land.
    type: int
    default: 3
notes:
  - All LiteLLM modules of this collection are in the action group C(rhpds.litemaas.litellm), so
    O(api_url) and O(master_key) can be set once with C(module_defaults).
'''

    ATTRIBUTES = r'''
attributes:
  check_mode:
    description: Can run in check mode and return the change it would make without making it.
    support: full
  diff_mode:
    description: Returns the fields that changed, before and after, when run with C(--diff).
    support: full
  action_group:
    description: Use C(group/rhpds.litemaas.litellm) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - rhpds.litemaas.litellm
'''

    INFO_ATTRIBUTES = r'''
attributes:
  check_mode:
    description: Can run in check mode and return the change it would make without making it.
    support: full
    details: This module only reads, so it runs the same way in check mode.
  diff_mode:
    description: Returns the fields that changed, before and after, when run with C(--diff).
    support: N/A
    details: This module never changes anything.
  action_group:
    description: Use C(group/rhpds.litemaas.litellm) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - rhpds.litemaas.litellm
'''
