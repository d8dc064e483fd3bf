# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options shared by every LiteMaaS backend module.
    DOCUMENTATION = r'''
options:
  litemaas_url:
    description:
      - Base URL of the LiteMaaS User Portal (its Route, which passes C(/api) to the backend) or of the backend
        itself, for example V(https://litemaas-rhpds.apps.cluster.example.com).
      - If not set, the value of the E(LITEMAAS_API_URL) environment variable is used.
    type: str
    required: true
  admin_api_key:
    description:
      - An admin API key of the LiteMaaS backend (C(ltm_admin_...), one of the comma-separated E(ADMIN_API_KEYS)
        of the backend; the C(rhpds.litemaas.litemaas) role keeps it in the Secret C(litemaas-backend)).
        It is sent as a bearer token and never logged or returned.
      - M(rhpds.litemaas.litemaas_model_sync) needs it. M(rhpds.litemaas.litemaas_model_info) does not, because
        the model list is public; it sends the key when given.
      - If not set, the value of the E(LITEMAAS_ADMIN_API_KEY) environment variable is used.
    type: str
  validate_certs:
    description:
      - Verify the TLS certificate of O(litemaas_url).
      - If not set, the value of the E(LITEMAAS_VALIDATE_CERTS) environment variable is used, else V(true).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificates that sign the portal's certificate (for example a cluster's ingress CA).
      - If not set, the value of the E(LITEMAAS_CA_PATH) environment variable is used.
    type: path
  timeout:
    description: Seconds to wait for each HTTP response.
    type: int
    default: 30
  retries:
    description:
      - How many times a call is retried after a connection error, HTTP 429 or HTTP 5xx, with exponential backoff.
        Every call these modules make is safe to repeat.
    type: int
    default: 3
notes:
  - The LiteMaaS modules of this collection are in the action group C(rhpds.litemaas.litemaas), so
    O(litemaas_url) and O(admin_api_key) can be set once with C(module_defaults).
  - They never use the backend's C(/api/v1/admin/models) routes. With an admin API key, LiteMaaS 0.4 fails those
    after their effect (the model is created or deleted in LiteLLM, then the audit record is refused), and a retry
    creates a duplicate in LiteLLM. Add models to LiteLLM with the C(rhpds.litemaas.litellm_model) modules, then
    sync.
'''

    # The action group of every LiteMaaS module (with their own check_mode and diff_mode).
    ACTION_GROUP = r'''
attributes:
  action_group:
    description: Use C(group/rhpds.litemaas.litemaas) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - rhpds.litemaas.litemaas
'''

    # The attributes of the LiteMaaS modules that only read.
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
'''
