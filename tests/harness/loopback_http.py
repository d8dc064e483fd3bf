"""What the tests' loopback HTTP servers share (the counting proxy, the LiteMaaS replay, the AAP stand-in, the unit
tests' stub): a threaded server on 127.0.0.1 and a free port, started and stopped as a context manager, and a quiet
request handler that reads a request's body and writes one answer.

Standard library only.
"""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    """Base of the servers' request handlers."""

    def body(self):
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def answer(self, status, data=b'', headers=None, close=False):
        """Send one answer (close: and end the connection); a client that went away meanwhile is not an error."""
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header('Content-Length', str(len(data)))
            if close:
                self.send_header('Connection', 'close')
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        if close:
            self.close_connection = True

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


class LoopbackServer(object):
    """Serves handler_class on 127.0.0.1 and a free port (``url``) in a thread, between start() and stop()."""

    def __init__(self, handler_class):
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), handler_class)
        self.server.daemon_threads = True
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        # stop() waits for serve_forever to notice: every 0.5 s by default, which adds up over the unit tests' servers.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
