# -*- coding: utf-8 -*-
# Copyright: rhpds.litemaas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP client of this collection, shared by every module: LiteLLM's management API and the LiteMaaS
backend's API (module_utils/litemaas.py) go through it.

It knows about auth, TLS, timeouts, bounded retries, LiteLLM's and LiteMaaS's error shapes and pagination, and
nothing about models or keys. Writes that are not idempotent are retried only when a caller-supplied re-read proves
the first attempt did not land. The value comparison at the end is shared by the model and key logic.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import datetime
import inspect
import json
import os
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlparse

from ansible.module_utils.basic import AnsibleModule, env_fallback
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.urls import Request, make_context

from ansible_collections.rhpds.litemaas.plugins.module_utils.litellm_versions import format_version, parse_version

UTC = datetime.timezone.utc
TIMESTAMP_RE = re.compile(r'^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([+-]\d{2}:?\d{2})?$')


def parse_time(value):
    """ISO-8601 from LiteLLM ('...Z', '...+00:00', or naive UTC) -> aware datetime, None stays None."""
    if not value:
        return None
    text = value.strip().replace('Z', '+00:00')
    match = TIMESTAMP_RE.match(text)
    if not match:
        raise ValueError('unrecognised timestamp %r' % value)
    # Built from the digits: datetime.strptime took a sixth of a no-op run over 500 keys.
    base = datetime.datetime(*(int(part) for part in match.group(1, 2, 3, 4, 5, 6)))
    if match.group(7):
        base = base.replace(microsecond=int((match.group(7)[1:] + '000000')[:6]))
    offset = match.group(8)
    if offset:
        sign = 1 if offset[0] == '+' else -1
        hours, minutes = int(offset[1:3]), int(offset[-2:])
        base -= sign * datetime.timedelta(hours=hours, minutes=minutes)
    return base.replace(tzinfo=UTC)


RETRYABLE_STATUSES = frozenset([429, 500, 502, 503, 504])
# ansible-core 2.17 and later let a Request reuse one TLS context; 2.16 builds one per request.
REQUEST_TAKES_CONTEXT = 'context' in inspect.signature(Request.__init__).parameters


def litellm_argument_spec():
    """Connection options shared by every module (documented in the rhpds.litemaas.litellm doc fragment)."""
    return dict(
        api_url=dict(type='str', required=True, aliases=['api_base'],
                     fallback=(env_fallback, ['LITELLM_API_BASE'])),
        master_key=dict(type='str', required=True, no_log=True,
                        fallback=(env_fallback, ['LITELLM_MASTER_KEY'])),
        validate_certs=dict(type='bool', default=True,
                            fallback=(env_fallback, ['LITELLM_VALIDATE_CERTS'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['LITELLM_CA_PATH'])),
        timeout=dict(type='int', default=30),
        retries=dict(type='int', default=3),
    )


class LiteLLMError(Exception):
    """An error answer from LiteLLM (status set) or a transport failure (status None). not_sent: the connection
    was refused, so the request cannot have had any effect."""

    def __init__(self, message, status=None, param=None, method=None, path=None, not_sent=False):
        super(LiteLLMError, self).__init__(message)
        self.message = message
        self.status = status
        self.param = param
        self.method = method
        self.path = path
        self.not_sent = not_sent

    def describe(self):
        if self.method is None and self.status is None:
            return self.message
        where = '%s %s' % (self.method, self.path) if self.method else 'LiteLLM'
        if self.status is None:
            return '%s failed: %s' % (where, self.message)
        return '%s returned HTTP %s: %s' % (where, self.status, self.message)


def _unwrap_repr(text):
    """LiteLLM often puts the Python repr of a dict in error.message: "{'error': 'No DB'}"."""
    stripped = text.strip()
    if stripped.startswith('{') and stripped.endswith('}'):
        try:
            value = ast.literal_eval(stripped)
        except (ValueError, SyntaxError):
            return text
        if isinstance(value, dict):
            for key in ('error', 'message', 'detail'):
                if key in value:
                    return to_text(value[key])
    return text


# A 401 names the key that was sent: "Received API Key = sk-...WXYZ, Key Hash (Token) =<sha256>".
RECEIVED_KEY = re.compile(r'Received API Key\s*=\s*[^,]*,?\s*Key Hash \(Token\)\s*=\s*[0-9a-fA-F]*')


def error_message(body, default):
    """One readable message from any of LiteLLM's error shapes, without the key the proxy says it received."""
    message, param = _error_message(body, default)
    return RECEIVED_KEY.sub('the key sent', message), param


def _error_message(body, default):
    """One readable message from any of LiteLLM's error shapes.

    - ProxyException: {"error": {"message", "type", "param", "code"}}
    - FastAPI HTTPException: {"detail": {"error": "..."}} or {"detail": "..."}
    - request validation (422): {"detail": [{"loc": [...], "msg": "..."}]}
    - problem+json: {"title", "detail"}
    - LiteMaaS: {"error": {"code", "message"}, "requestId"} and {"error": "CODE", "message", "statusCode"}
    Returns (message, param).
    """
    if not isinstance(body, dict):
        return (to_text(body).strip() or default), None
    err = body.get('error')
    if isinstance(err, dict):
        param = err.get('param')
        if param in ('None', ''):
            param = None
        return _unwrap_repr(to_text(err.get('message') or default)), param
    if isinstance(err, str):
        # LiteMaaS (Fastify): {"error": "CREATE_MODEL_FAILED", "message": "...", "statusCode": 500}
        if isinstance(body.get('message'), str) and body['message']:
            return '%s: %s' % (err, body['message']), None
        return _unwrap_repr(err), None
    detail = body.get('detail')
    if isinstance(detail, dict):
        return _unwrap_repr(to_text(detail.get('error') or detail.get('message') or json.dumps(detail))), None
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = '.'.join(to_text(p) for p in item.get('loc', []) if p != 'body')
                parts.append('%s: %s' % (loc, item.get('msg')) if loc else to_text(item.get('msg')))
            else:
                parts.append(to_text(item))
        return '; '.join(parts) or default, None
    if isinstance(detail, str):
        return _unwrap_repr(detail), None
    if body.get('title'):
        return to_text(body['title']), None
    return default, None


class RunWatch(object):
    """Tells whether the ansible-playbook (or ansible-runner) run that started this module is still there.

    A module keeps running when its ansible-playbook is killed (SIGKILL, a cancelled AAP job): the kernel ends only
    the killed process and gives the processes below it a new parent. So a changed parent anywhere between this
    module and the topmost ansible process (ansible-playbook's worker, ansible-playbook, ansible-runner) means the
    run is gone. Linux only (reads /proc); elsewhere, and when no ansible process is found
    among the ancestors (a module run over SSH), every check says the run is there."""

    MAX_DEPTH = 12

    def __init__(self, proc='/proc', pid=None):
        self.proc = proc
        chain, watched, pid = [], [], pid or os.getpid()
        for dummy in range(self.MAX_DEPTH):
            parent = self._parent(pid)
            if parent is None or parent <= 1:
                break
            chain.append((pid, parent))
            if self._is_ansible(parent):
                watched = list(chain)
            pid = parent
        self.chain = watched

    def _parent(self, pid):
        try:
            with open('%s/%d/stat' % (self.proc, pid)) as f:
                stat = f.read()
        except (IOError, OSError):
            return None
        # the command name in parentheses may hold spaces and parentheses: the fields after its last ')'
        fields = stat[stat.rfind(')') + 2:].split()
        return int(fields[1]) if len(fields) > 1 else None

    def _is_ansible(self, pid):
        try:
            with open('%s/%d/cmdline' % (self.proc, pid), 'rb') as f:
                argv = f.read().split(b'\0')[:3]
        except (IOError, OSError):
            return False
        return any(arg.rsplit(b'/', 1)[-1].startswith(b'ansible') for arg in argv)

    def alive(self):
        return all(self._parent(pid) == parent for pid, parent in self.chain)


RUN_GONE = 'the ansible-playbook run that started this task is gone (killed or cancelled), so it stops writing'


class LiteLLMClient(object):
    """Thin JSON client for the LiteLLM proxy management API and the LiteMaaS backend API.

    url_option and token_option are the module options that hold the URL and the bearer token, named in error
    messages. Without token_required, an empty token sends no Authorization header (public LiteMaaS routes)."""

    def __init__(self, api_url, master_key, validate_certs=True, ca_path=None, timeout=30, retries=3,
                 backoff=1.0, sleep=time.sleep, url_option='api_url', token_option='master_key', token_required=True,
                 run_watch=None):
        parsed = urlparse(api_url or '')
        if parsed.scheme not in ('http', 'https') or not parsed.netloc:
            raise LiteLLMError('%s must be an http(s) URL with a host, such as https://service.example.com, got %r'
                               % (url_option, api_url), param=url_option)
        if not master_key and token_required:
            raise LiteLLMError('%s is empty' % token_option, param=token_option)
        self.url_option = url_option
        self.base_url = api_url.rstrip('/')
        self.retries = max(0, retries)
        self.backoff = backoff
        self.sleep = sleep
        # Every write first checks that the run is still there (RunWatch): a killed run's module writes no more.
        self.run_watch = run_watch
        self._version = False  # not read yet
        # One TLS context for every request: building one loads the system CA bundle (~30 ms of CPU each time).
        # Built here in any case, so that an unusable ca_path fails before the first request.
        try:
            context = make_context(cafile=ca_path, validate_certs=validate_certs)
        except (OSError, ValueError) as e:
            raise LiteLLMError('ca_path %s cannot be used: %s' % (ca_path, to_native(e)), param='ca_path')
        headers = {'Accept': 'application/json'}
        if master_key:
            headers['Authorization'] = 'Bearer %s' % master_key
        options = dict(headers=headers, validate_certs=validate_certs, ca_path=ca_path, timeout=timeout,
                       follow_redirects='safe')
        if REQUEST_TAKES_CONTEXT:
            options['context'] = context
        self._request = Request(**options)

    def _url(self, path, query):
        url = self.base_url + path
        if query:
            items = [(k, v) for k, v in sorted(query.items()) if v is not None]
            items = [(k, ('true' if v else 'false') if isinstance(v, bool) else v) for k, v in items]
            if items:
                url += '?' + urlencode(items)
        return url

    def _send_once(self, method, path, query, body):
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body)
            headers['Content-Type'] = 'application/json'
        try:
            resp = self._request.open(method, self._url(path, query), data=data, headers=headers)
            status = resp.getcode()
            raw = resp.read()
        except HTTPError as e:
            status = e.code
            try:
                raw = e.read()
            except Exception:  # pylint: disable=broad-except
                raw = b''
            retry_after = e.headers.get('Retry-After') if e.headers else None
            return status, self._decode(raw), retry_after
        except (URLError, socket.timeout, ConnectionError, OSError) as e:
            reason = getattr(e, 'reason', e)
            raise LiteLLMError('cannot reach %s %s: %s' % (self.url_option, self.base_url, to_native(reason)),
                               param=self.url_option, method=method, path=path,
                               not_sent=isinstance(reason, ConnectionRefusedError))
        return status, self._decode(raw), None

    @staticmethod
    def _decode(raw):
        text = to_text(raw or b'', errors='surrogate_or_strict')
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text

    def request(self, method, path, query=None, body=None, idempotent=None, landed=None, absent_statuses=()):
        """Send one API call and return the decoded JSON body.

        idempotent: retry freely on connection errors, 429 and 5xx (default: True for GET).
        landed: for non-idempotent writes, a callable that gets the failure, re-reads and returns a truthy value
          when an attempt that failed in transit actually took effect; the write is retried only when it returns a
          falsy value, and its value is returned when it proves the write landed. It may raise to stop retrying.
        absent_statuses: statuses that mean "not there"; they return None instead of raising.
        """
        if idempotent is None:
            idempotent = method == 'GET'
        attempt = 0
        while True:
            attempt += 1
            if method != 'GET' and self.run_watch is not None and not self.run_watch.alive():
                raise LiteLLMError(RUN_GONE, method=method, path=path, not_sent=True)
            try:
                status, payload, retry_after = self._send_once(method, path, query, body)
            except LiteLLMError as transport_error:
                status, payload, retry_after, failure = None, None, None, transport_error
            else:
                if 200 <= status < 300:
                    return payload
                if status in absent_statuses:
                    return None
                message, param = error_message(payload, 'HTTP %s' % status)
                failure = LiteLLMError(message, status=status, param=param, method=method, path=path)
                if status not in RETRYABLE_STATUSES:
                    raise failure
            if attempt > self.retries:
                raise failure
            if not idempotent:
                # 429 means the proxy refused before doing anything, and a refused connection reached nothing:
                # both are always safe to resend.
                if status != 429 and not failure.not_sent:
                    if landed is None:
                        raise failure
                    proof = landed(failure)
                    if proof:
                        return proof
            self.sleep(self._delay(attempt, retry_after))

    def _delay(self, attempt, retry_after):
        if retry_after:
            try:
                return min(float(retry_after), 30.0)
            except ValueError:
                pass
        return min(self.backoff * (2 ** (attempt - 1)), 10.0)

    def litellm_version(self):
        """The proxy's LiteLLM version as a tuple of ints (one read, then remembered), or None when it does not say.
        1.81 tells it in /health/readiness, 1.106 and 1.108 only in the authenticated /health/readiness/details.
        An answer that is not a JSON object (an HTML error page of a router in between) says nothing."""
        if self._version is False:
            self._version = None
            for path in ('/health/readiness', '/health/readiness/details'):
                body = self.get(path, absent_statuses=(401, 403, 404))
                self._version = parse_version(body.get('litellm_version')) if isinstance(body, dict) else None
                if self._version:
                    break
        return self._version

    def get(self, path, query=None, absent_statuses=()):
        return self.request('GET', path, query=query, absent_statuses=absent_statuses)

    def post(self, path, body, idempotent=False, landed=None, absent_statuses=()):
        return self.request('POST', path, body=body, idempotent=idempotent, landed=landed,
                            absent_statuses=absent_statuses)

    def patch(self, path, body, absent_statuses=()):
        return self.request('PATCH', path, body=body, idempotent=True, absent_statuses=absent_statuses)

    def paginate(self, path, items_key, query=None, page_size=100, max_pages=1000, workers=1, size_param='size',
                 total_pages_at=('total_pages',), on_page=None):
        """Yield items of a page/size paginated list endpoint, one request per page. When the first page tells
        how many there are (at the keys total_pages_at), the others are read `workers` at a time.
        LiteLLM pages with page/size and says total_pages; LiteMaaS with page/limit and pagination.totalPages.
        on_page: called with each page's whole answer (to compare what the pages say about the total)."""
        def page_of(number):
            payload = self.get(path, dict(query or {}, page=number, **{size_param: page_size})) or {}
            if on_page is not None:
                on_page(payload)
            return payload

        payload = page_of(1)
        items = payload.get(items_key) or []
        yield from items
        total_pages = payload
        for key in total_pages_at:
            total_pages = total_pages.get(key) if isinstance(total_pages, dict) else None
        if total_pages is not None:
            if int(total_pages) > max_pages:
                raise LiteLLMError('%s: more than %d pages, giving up' % (path, max_pages), method='GET', path=path)
            for payload, error in run_parallel([lambda n=n: page_of(n) for n in range(2, int(total_pages) + 1)], workers):
                if error is not None:
                    raise error
                yield from payload.get(items_key) or []
            return
        page = 1
        while len(items) >= page_size:
            page += 1
            if page > max_pages:
                raise LiteLLMError('%s: more than %d pages, giving up' % (path, max_pages), method='GET', path=path)
            items = page_of(page).get(items_key) or []
            yield from items


class LiteLLMModule(AnsibleModule):
    """AnsibleModule with the shared connection options and a ready client. Subclasses for another API set the
    options that hold the URL and the token, and the function that returns the connection options."""

    url_option = 'api_url'
    token_option = 'master_key'
    connection_spec = staticmethod(litellm_argument_spec)

    def __init__(self, argument_spec, **kwargs):
        spec = self.connection_spec()
        spec.update(argument_spec)
        kwargs.setdefault('supports_check_mode', True)
        super(LiteLLMModule, self).__init__(argument_spec=spec, **kwargs)
        self._client = None

    @property
    def client(self):
        if self._client is None:
            p = self.params
            try:
                self._client = LiteLLMClient(
                    p[self.url_option], p[self.token_option], validate_certs=p['validate_certs'],
                    ca_path=p['ca_path'], timeout=p['timeout'], retries=p['retries'], url_option=self.url_option,
                    token_option=self.token_option,
                    token_required=bool(self.argument_spec[self.token_option].get('required')),
                    run_watch=RunWatch())
            except LiteLLMError as e:
                self.fail_json(msg=e.message, field=e.param)
        return self._client

    def fail_api(self, error, **extra):
        """Fail with LiteLLM's answer. A failure after a key was created carries its value, returned in api_key."""
        if getattr(error, 'key_value', None) is not None:
            extra.setdefault('api_key', error.key_value)
        msg = error.describe()
        field = error.param
        if error.status == 401:
            msg += ' (check %s)' % self.token_option
            field = field or self.token_option
        self.fail_json(msg=msg, status=error.status, field=field, **extra)


def proxy_version(client):
    """The proxy's LiteLLM version as text for a module's result; None when it does not say or cannot be read
    (an _info module still answers with what it listed)."""
    try:
        return format_version(client.litellm_version())
    except LiteLLMError:
        return None


def run_parallel(jobs, workers):
    """Call each job (a function without arguments), at most `workers` at a time, each through the one
    client. Returns [(value, None) or (None, LiteLLMError)] in the order of jobs; an unexpected exception
    in one job becomes that job's error, so the other jobs still finish."""
    def attempt(job):
        try:
            return job(), None
        except LiteLLMError as e:
            return None, e
        except Exception as e:  # pylint: disable=broad-except
            return None, LiteLLMError('unexpected %s: %s' % (type(e).__name__, to_native(e)))

    if workers <= 1 or len(jobs) <= 1:
        return [attempt(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(attempt, jobs))


def same_value(wanted, actual):
    """Equality that treats 1 and 1.0 alike and compares containers element-wise."""
    if isinstance(wanted, bool) or isinstance(actual, bool):
        return wanted is actual
    if isinstance(wanted, (int, float)) and isinstance(actual, (int, float)):
        return float(wanted) == float(actual)
    if isinstance(wanted, dict) and isinstance(actual, dict):
        return set(wanted) == set(actual) and all(same_value(wanted[k], actual[k]) for k in wanted)
    if isinstance(wanted, list) and isinstance(actual, list):
        return len(wanted) == len(actual) and all(same_value(w, a) for w, a in zip(wanted, actual))
    return wanted == actual


def changed_entries(wanted, actual):
    """The wanted entries whose value differs from actual's, and actual's values for them."""
    changed = dict((k, v) for k, v in wanted.items() if not same_value(v, actual.get(k)))
    return changed, dict((k, actual.get(k)) for k in changed)
