"""A scripted HTTP server on 127.0.0.1 for unit tests of edge cases (errors, retries, timeouts)."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StubServer(object):
    """Answers requests from a queue of (status, body, headers, delay) replies; records every request."""

    def __init__(self):
        self.replies = []
        self.requests = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                stub.requests.append({'method': self.command, 'path': self.path,
                                      'headers': dict(self.headers), 'body': json.loads(body) if body else None})
                status, payload, headers, delay = stub.replies.pop(0) if stub.replies else (500, {'error': 'no reply'}, {}, 0)
                if delay:
                    time.sleep(delay)
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PATCH = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def reply(self, status, payload=None, headers=None, delay=0):
        self.replies.append((status, {} if payload is None else payload, headers or {}, delay))
        return self

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
