"""A loopback HTTP server that answers like the LiteMaaS backend, with the exchanges recorded from the real one
(tests/data/litemaas-portal/recorded/). The backend itself cannot run in the tests: its source is on no registry
the suite may use.

    with ReplayServer(admin_key) as portal:
        portal.play('09-models-list-admin-page1-limit100', '20-sync-after-delete', '21-models-list-after-delete')
        run_module('litemaas_model_sync', {'litemaas_url': portal.url, 'admin_api_key': admin_key})
        portal.requests     # [{'method': 'GET', 'path': '/api/v1/models?limit=1000&page=1', 'auth': 'admin'}, ...]

How a request is answered:

- By the first played exchange, not used yet, whose recorded request has the same method, path, query, JSON body
  and Authorization. Each played exchange answers once, in the order played, so the list read before a sync and the
  one read after it get the two recorded lists.
  * The placeholder ``Bearer <ltm_admin_ key>`` stands for the admin key the server is given, sent with or
    without ``Bearer `` (the backend accepts both).
  * The routes recorded answering without Authorization are public (the model list and details): there any
    Authorization matches, as recordings 08 and 09 show the backend answering both alike.
  * A recorded list that holds every item (``pagination.totalPages`` at most 1) answers any ``page``/``limit``:
    the server takes that page of the recorded items and recomputes ``pagination``, as the backend pages its list.
- A request without the admin key to a route that is not public: the recorded 401 (12, 13 or 14, the one
  recorded with the same Authorization, else 12 for another ``ltm_admin_`` key, 13 with none and 14 otherwise).
  These never run out.
- A model detail (``GET /api/v1/models/<id>``, public like the recorded ones) that no played exchange answers:
  the recorded 404 (24), whose body names no model.
- Anything else: HTTP 501 naming the request, also kept in ``unexpected``.

The log (``requests``) says ``admin``, ``none`` or ``other`` for the Authorization sent, never the key itself.
Standard library only; listens on 127.0.0.1 and a free port, in a thread of the calling process.
"""
import copy
import json
import math
import os
import threading
from urllib.parse import parse_qsl, urlsplit

from loopback_http import Handler, LoopbackServer

RECORDED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data', 'litemaas-portal',
                        'recorded')
ADMIN_PLACEHOLDER = 'Bearer <ltm_admin_ key>'
PAGING = ('page', 'limit')
UNAUTHORIZED = {'Bearer ltm_admin_wrong': '12-sync-wrong-admin-key', None: '13-sync-no-auth',
                'Bearer abc': '14-sync-bearer-abc'}
NOT_FOUND = '24-model-harness-config-model'
MODEL_DETAIL_PREFIX = '/api/v1/models/'
READ_TIMEOUT = 10  # seconds a connection may take to send its request


def load(name):
    """One recorded exchange, by file name with or without .json."""
    path = os.path.join(RECORDED, name if name.endswith('.json') else name + '.json')
    with open(path) as f:
        return json.load(f)


def recorded_exchanges():
    return [load(name) for name in sorted(os.listdir(RECORDED)) if name.endswith('.json')]


# Routes the backend answered without Authorization (the model list and details): it never checks it there.
PUBLIC_ROUTES = frozenset((e['request']['method'], e['request']['path']) for e in recorded_exchanges()
                          if 'Authorization' not in e['request']['headers'] and e['response']['status'] not in (401, 403))


def is_model_detail(method, path):
    return method == 'GET' and path.startswith(MODEL_DETAIL_PREFIX) and '/' not in path[len(MODEL_DETAIL_PREFIX):]


def without(query, keys):
    return dict((k, v) for k, v in query.items() if k not in keys)


def is_full_list(body):
    return isinstance(body, dict) and isinstance(body.get('pagination'), dict) and 'data' in body \
        and (body['pagination'].get('totalPages') or 0) <= 1


def paged(body, page, limit):
    """The page of a recorded full list that the backend would answer for page/limit."""
    items = body['data']
    answer = dict(body, data=items[(page - 1) * limit:page * limit])
    answer['pagination'] = dict(page=page, limit=limit, total=len(items),
                                totalPages=int(math.ceil(len(items) / float(limit))))
    return answer


class ReplayServer(LoopbackServer):
    def __init__(self, admin_key):
        self.admin_key = admin_key
        self.lock = threading.Lock()
        self.played = []  # [exchange, used]
        self.requests = []
        self.unexpected = []
        self.unauthorized = dict((auth, load(name)) for auth, name in UNAUTHORIZED.items())
        self.not_found = load(NOT_FOUND)
        replay = self

        class ReplayHandler(Handler):
            protocol_version = 'HTTP/1.1'
            timeout = READ_TIMEOUT

            def _handle(self):
                raw = self.body()
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode('utf-8', 'replace')
                status, content_type, payload = replay.answer(self.command, self.path, self.headers.get('Authorization'),
                                                              body)
                self.answer(status, json.dumps(payload).encode(), {'Content-Type': content_type}, close=True)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        super().__init__(ReplayHandler)

    def play(self, *names):
        """Queue recorded exchanges (file names without .json) to answer with, in this order."""
        with self.lock:
            self.played.extend([load(name), False] for name in names)
        return self

    def unused(self):
        """The request lines of played exchanges that nothing asked for yet."""
        with self.lock:
            return ['%s %s' % (e['request']['method'], e['request']['path']) for e, used in self.played if not used]

    def _auth(self, header):
        if header in ('Bearer ' + self.admin_key, self.admin_key):
            return ADMIN_PLACEHOLDER
        return header

    def answer(self, method, target, header, body):
        url = urlsplit(target)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        auth = self._auth(header)
        route = (method, url.path)
        public = route in PUBLIC_ROUTES or is_model_detail(method, url.path)
        with self.lock:
            self.requests.append({'method': method, 'path': target,
                                  'auth': 'admin' if auth == ADMIN_PLACEHOLDER else ('none' if header is None else 'other')})
            for entry in self.played:
                exchange, used = entry
                recorded, response = exchange['request'], exchange['response']
                full_list = is_full_list(response['body'])
                ignored = PAGING if full_list else ()
                if used or (recorded['method'], recorded['path']) != route or recorded.get('body') != body \
                        or not (public or recorded['headers'].get('Authorization') == auth) \
                        or without(recorded['query'], ignored) != without(query, ignored):
                    continue
                entry[1] = True
                payload = copy.deepcopy(response['body'])
                if full_list and set(PAGING) & set(query):
                    payload = paged(payload, int(query.get('page', 1)), int(query.get('limit', 20)))
                return response['status'], response['headers']['content-type'], payload
            if not public and auth != ADMIN_PLACEHOLDER:
                kind = 'Bearer ltm_admin_wrong' if (auth or '').startswith('Bearer ltm_admin_') else 'Bearer abc'
                response = self.unauthorized.get(auth, self.unauthorized[kind])['response']
                return response['status'], response['headers']['content-type'], response['body']
            if is_model_detail(method, url.path):
                response = self.not_found['response']
                return response['status'], response['headers']['content-type'], response['body']
            self.unexpected.append('%s %s' % (method, target))
            return 501, 'application/json', {'error': {'code': 'NOT_RECORDED',
                                                       'message': 'replay: nothing recorded for %s %s' % route}}
