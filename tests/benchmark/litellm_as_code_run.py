"""Run litellm-as-code 0.5.0 (from its own venv) for the benchmark, stock or with two patches for OSS proxies.

    python litellm_as_code_run.py [--patched] SPEC --base-url URL --api-key KEY

Stock 0.5.0 stops on LiteLLM 1.106's HTTP 403 from /organization/list (organizations are an Enterprise
feature) and reads only the first page of /key/list (10 keys). --patched applies, in this process only:
  1. /organization/list answering 403 "only available for LiteLLM Enterprise users" counts as no organizations;
  2. /key/list is read page by page (100 per page) until total_pages.
"""
import sys

from litellm_as_code import api, cli
from litellm_as_code.types import ReconcilerError


def patch():
    stock_list_organizations = api.LiteLLMClient.list_organizations

    def list_organizations(self):
        try:
            return stock_list_organizations(self)
        except ReconcilerError as e:
            if '403' in str(e) and 'Enterprise' in str(e):
                return []
            raise

    def list_keys(self):
        keys, page = [], 1
        while True:
            payload = self._request('GET', '/key/list', params={'return_full_object': 'true', 'page': page, 'size': 100})
            keys.extend(payload.get('keys', []))
            if page >= (payload.get('total_pages') or 0):
                return keys
            page += 1

    api.LiteLLMClient.list_organizations = list_organizations
    api.LiteLLMClient.list_keys = list_keys


if __name__ == '__main__':
    args = sys.argv[1:]
    if args and args[0] == '--patched':
        patch()
        args = args[1:]
    sys.exit(cli.main(args))
