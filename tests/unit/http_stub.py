"""A scripted HTTP server on 127.0.0.1 for unit tests of edge cases (errors, retries, timeouts)."""
import json
import time

from loopback_http import Handler, LoopbackServer  # tests/harness, on the path through tests/conftest.py


class StubServer(LoopbackServer):
    """Answers requests from a queue of (status, body, headers, delay) replies; records every request."""

    def __init__(self):
        self.replies = []
        self.requests = []
        stub = self

        class StubHandler(Handler):
            def _handle(self):
                body = self.body()
                stub.requests.append({'method': self.command, 'path': self.path,
                                      'headers': dict(self.headers), 'body': json.loads(body) if body else None})
                status, payload, headers, delay = stub.replies.pop(0) if stub.replies else (500, {'error': 'no reply'}, {}, 0)
                if delay:
                    time.sleep(delay)
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.answer(status, data, dict({'Content-Type': 'application/json'}, **headers))

            do_GET = do_POST = do_PATCH = _handle

        super().__init__(StubHandler)

    def reply(self, status, payload=None, headers=None, delay=0):
        self.replies.append((status, {} if payload is None else payload, headers or {}, delay))
        return self
