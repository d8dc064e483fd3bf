"""An in-memory stand-in for the parts of AAP's controller API (/api/v2/) that the awx.awx credential_type and
job_template modules use: list with a name filter, create, update, survey_spec, credential associations.

It stores what it is sent and answers it back, as the controller does for these fields, and records every write,
so that a test sees what playbooks/configure_aap.yml would send to a real controller and whether a rerun writes.
It does not validate like the controller (tests/packaging/test_aap.py checks the definitions separately).
"""
import json
import re
from urllib.parse import parse_qsl, urlsplit

from loopback_http import Handler, LoopbackServer  # tests/harness, on the path through tests/conftest.py

API = '/api/v2/'


class FakeController(LoopbackServer):
    """Objects by endpoint ('projects', 'job_templates', ...); `seed` adds objects the playbook only looks up."""

    def __init__(self):
        self.objects = {}
        self.surveys = {}
        self.associations = {}
        self.writes = []
        self._next_id = 1
        controller = self

        class ControllerHandler(Handler):
            def _answer(self, status, payload=None):
                self.answer(status, b'' if payload is None else json.dumps(payload).encode(),
                            {'Content-Type': 'application/json'})

            def _body(self):
                raw = self.body()
                return json.loads(raw) if raw else {}

            def do_GET(self):
                self._answer(*controller.get(urlsplit(self.path)))

            def do_POST(self):
                self._answer(*controller.write('POST', urlsplit(self.path).path, self._body()))

            def do_PATCH(self):
                self._answer(*controller.write('PATCH', urlsplit(self.path).path, self._body()))

        super().__init__(ControllerHandler)

    def seed(self, endpoint, name, **fields):
        return self._store(endpoint, dict(fields, name=name))

    def named(self, endpoint, name):
        return next(item for item in self.objects.get(endpoint, {}).values() if item['name'] == name)

    def _store(self, endpoint, fields):
        item_id = self._next_id
        self._next_id += 1
        url = '%s%s/%d/' % (API, endpoint, item_id)
        item = dict(fields, id=item_id, url=url, type=endpoint.rstrip('s'),
                    related={'survey_spec': url + 'survey_spec/', 'credentials': url + 'credentials/'})
        self.objects.setdefault(endpoint, {})[item_id] = item
        return item

    def get(self, url):
        match = re.match(r'^%s(\w+)/(?:(\d+)/(\w+)/)?$' % API, url.path)
        if not match:
            return 404, {'detail': 'Not found.'}
        endpoint, item_id, sub = match.groups()
        if sub == 'survey_spec':
            return 200, self.surveys.get(int(item_id), {})
        if sub == 'credentials':
            results = [self.objects['credentials'][cid] for cid in self.associations.get(int(item_id), [])]
            return 200, {'count': len(results), 'next': None, 'results': results}
        query = dict(parse_qsl(url.query))
        results = [item for item in self.objects.get(endpoint, {}).values()
                   if all(str(item.get(key)) == value for key, value in query.items())]
        return 200, {'count': len(results), 'next': None, 'results': results}

    def write(self, method, path, body):
        self.writes.append((method, path, body))
        match = re.match(r'^%s(\w+)/(?:(\d+)/(?:(\w+)/)?)?$' % API, path)
        if not match:
            return 404, {'detail': 'Not found.'}
        endpoint, item_id, sub = match.groups()
        if method == 'POST' and item_id is None:
            return 201, self._store(endpoint, body)
        item_id = int(item_id)
        if sub == 'survey_spec':
            self.surveys[item_id] = body
            return 200, None
        if sub == 'credentials':
            associated = self.associations.setdefault(item_id, [])
            if body.get('disassociate'):
                associated.remove(body['id'])
            else:
                associated.append(body['id'])
            return 204, None
        item = self.objects[endpoint][item_id]
        item.update(body)
        return 200, item
