"""A loopback HTTP proxy in front of LiteLLM that counts the requests it forwards and can inject faults.

The tests and the benchmark point the code under test at ``proxy.url`` instead of LiteLLM's own URL, so
request counts come from outside the code under test:

    with ApiProxy(litellm_proxy.base_url) as proxy:
        run_module('litellm_keys', dict(conn, api_url=proxy.url, ...))
        proxy.counts()          # {'GET /key/list': 5, 'POST /key/generate': 500}
        proxy.writes()          # the same without GETs

Faults (each rule applies to the requests it matches, in the order rules were added):

    proxy.fail('POST', '/key/generate', 500, body_contains='"key_alias": "wk-user7"')  # answer 500, do not forward
    proxy.fail('POST', '/model/new', 502, attempt=1)           # the first time each distinct request arrives
    proxy.drop_after_forward('POST', '/key/generate', attempt=2)  # forward, then close the connection unanswered
    proxy.fail('GET', None, 502, times=12)                        # None: any path; the next 12 such requests
    proxy.hold('POST', '/key/generate', after=3)   # forward 3, then keep the others waiting until proxy.release()

A distinct request is its method, path with query and body: ``attempt=n`` fires on the n-th arrival of the same
request (a client's retry), however requests of parallel writers interleave, so the faults a request meets do
not depend on timing.

Given several upstreams (replicas of LiteLLM on one database), it sends each request to the next one in turn,
as a Kubernetes Service spreads requests over pods.

Standard library only; runs in a thread of the calling process, on 127.0.0.1 and a free port.
"""
import http.client
import itertools
import json
import os
import sys
import threading
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from loopback_http import Handler, LoopbackServer  # noqa: E402  pylint: disable=wrong-import-position

HOP_BY_HOP = {'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailers',
              'transfer-encoding', 'upgrade', 'content-length', 'host'}


class Rule:
    def __init__(self, kind, method, path, status=None, body_contains=None, attempt=None, times=None):
        self.kind, self.method, self.path, self.status = kind, method, path, status
        self.body_contains, self.attempt, self.times = body_contains, attempt, times
        self.fired = 0

    def matches(self, method, path, body, attempt):
        if (self.method is not None and self.method != method) or (self.path is not None and self.path != path):
            return False
        if self.body_contains is not None and self.body_contains not in body.decode('utf-8', 'replace'):
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        if self.attempt is not None and self.attempt != attempt:
            return False
        self.fired += 1
        return True


class ApiProxy(LoopbackServer):
    def __init__(self, upstream, timeout=120):
        targets = [urlsplit(url) for url in ([upstream] if isinstance(upstream, str) else upstream)]
        self.upstreams = itertools.cycle([(t.hostname, t.port or 80) for t in targets])
        self.timeout = timeout
        self.lock = threading.Lock()
        self.rules = []
        self.released = threading.Event()
        self._in_flight = 0
        self._counts = {}
        self._arrivals = {}
        self.log = []
        proxy = self

        class ProxyHandler(Handler):
            protocol_version = 'HTTP/1.1'

            def _handle(self):
                with proxy.lock:
                    proxy._in_flight += 1
                try:
                    self._relay()
                finally:
                    with proxy.lock:
                        proxy._in_flight -= 1

            def _relay(self):
                body = self.body()
                path = self.path.split('?', 1)[0]
                with proxy.lock:
                    name = '%s %s' % (self.command, path)
                    proxy._counts[name] = proxy._counts.get(name, 0) + 1
                    proxy.log.append(name)
                    request = (self.command, self.path, body)
                    proxy._arrivals[request] = attempt = proxy._arrivals.get(request, 0) + 1
                    rule = next((r for r in proxy.rules if r.matches(self.command, path, body, attempt)), None)
                if rule is not None and rule.kind == 'fail':
                    self.answer(rule.status, json.dumps({'error': {'message': 'injected by the test proxy'}}).encode(),
                                {'Content-Type': 'application/json'}, close=True)
                    return
                if rule is not None and rule.kind == 'hold' and rule.fired > rule.after:
                    proxy.released.wait(proxy.timeout)
                status, headers, data = proxy._forward(self.command, self.path, self.headers, body)
                if rule is not None and rule.kind == 'drop':
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.answer(status, data, headers, close=True)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        super().__init__(ProxyHandler)

    def _forward(self, method, path, headers, body):
        with self.lock:
            host, port = next(self.upstreams)
        conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body or None,
                         headers=dict((k, v) for k, v in headers.items() if k.lower() not in HOP_BY_HOP))
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, dict((k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP), data
        except OSError as e:
            return 502, {'Content-Type': 'application/json'}, json.dumps({'error': {'message': str(e)}}).encode()
        finally:
            conn.close()

    # ---- control
    def fail(self, method, path, status, body_contains=None, attempt=None, times=None):
        with self.lock:
            self.rules.append(Rule('fail', method, path, status, body_contains, attempt, times))

    def drop_after_forward(self, method, path, body_contains=None, attempt=None, times=None):
        with self.lock:
            self.rules.append(Rule('drop', method, path, None, body_contains, attempt, times))

    def hold(self, method, path, after=0):
        """Forward the first `after` matching requests, then hold each further one (unanswered, not forwarded) until
        release(): what a test needs to act while writes are in flight, without timing."""
        rule = Rule('hold', method, path)
        rule.after = after
        with self.lock:
            self.rules.append(rule)

    def release(self):
        """Forward the held requests, and the later ones at once."""
        self.released.set()

    def in_flight(self):
        """Requests received and not answered yet (forwarded ones included)."""
        with self.lock:
            return self._in_flight

    def clear_faults(self):
        with self.lock:
            self.rules = []

    def reset(self):
        """Forget the counts (and the log), keep the fault rules."""
        with self.lock:
            self._counts = {}
            self.log = []

    def counts(self):
        """'METHOD /path' -> requests received since the last reset, health checks included."""
        with self.lock:
            return dict(self._counts)

    def total(self):
        return sum(self.counts().values())

    def writes(self):
        return dict((name, n) for name, n in self.counts().items() if not name.startswith('GET '))
