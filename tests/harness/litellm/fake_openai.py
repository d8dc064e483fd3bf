"""A fake OpenAI-compatible upstream on 127.0.0.1, for chat completions through the LiteLLM proxy.

Standard library only. Endpoints (each also without the /v1 prefix):
  POST /v1/chat/completions   a fixed completion ("fake reply to <model>"); `"stream": true` gives SSE chunks
  POST /v1/completions, /v1/embeddings   minimal valid answers
  GET  /v1/models             the models seen so far plus "fake-model"
Test controls:
  GET    /_requests           every request received so far: [{method, path, headers, json}]
  DELETE /_requests           forget them
  POST   /_fail               {"status": 500, "count": 1, "body": {...}}: answer the next `count` API
                              requests with that error (count -1 = until reset; {"status": 0} resets)
A model name like "error-429" or "openai/error-503" always gets that status, without any setup.

  python3 fake_openai.py --port 0 --port-file PATH   # binds a free port and writes it to PATH
"""
import argparse
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
REQUESTS: list = []
FAIL = {"status": 0, "count": 0, "body": None}
MAX_RECORDED = 10000


def error_body(status: int, message: str) -> dict:
    return {"error": {"message": message, "type": "fake_upstream_error", "param": None, "code": str(status)}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai/1"

    def log_message(self, *args):  # quiet
        pass

    # ---- helpers
    def _body(self):
        n = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return {"_raw": raw.decode("utf-8", "replace")}

    def _send(self, status: int, obj, content_type="application/json"):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _path(self):
        path = self.path.split("?", 1)[0]
        return path[3:] if path.startswith("/v1/") else path

    def _record(self, body):
        with LOCK:
            if len(REQUESTS) < MAX_RECORDED:
                REQUESTS.append({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                                 "json": body, "time": time.time()})

    def _forced_failure(self, model: str):
        m = re.search(r"(?:^|/)error-(\d{3})$", model or "")
        if m:
            status = int(m.group(1))
            return status, error_body(status, f"fake upstream error {status} for model {model}")
        with LOCK:
            if FAIL["status"] and FAIL["count"] != 0:
                if FAIL["count"] > 0:
                    FAIL["count"] -= 1
                return FAIL["status"], FAIL["body"] or error_body(FAIL["status"], "fake upstream failure")
        return None

    # ---- verbs
    def do_GET(self):
        path = self._path()
        if path == "/_requests":
            with LOCK:
                return self._send(200, list(REQUESTS))
        self._record(None)
        if path == "/models":
            with LOCK:
                seen = sorted({(r["json"] or {}).get("model") for r in REQUESTS if isinstance(r["json"], dict)} - {None})
            return self._send(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in ["fake-model", *seen]]})
        if path in ("/", "/health"):
            return self._send(200, {"status": "ok"})
        self._send(404, error_body(404, f"no route {self.path}"))

    def do_DELETE(self):
        if self._path() == "/_requests":
            with LOCK:
                REQUESTS.clear()
            return self._send(200, {"cleared": True})
        self._send(404, error_body(404, f"no route {self.path}"))

    def do_POST(self):
        path = self._path()
        body = self._body()
        if path == "/_fail":
            with LOCK:
                FAIL.update({"status": int(body.get("status", 0)), "count": int(body.get("count", 1)),
                             "body": body.get("body")})
            return self._send(200, dict(FAIL))
        self._record(body)
        body = body if isinstance(body, dict) else {}
        model = str(body.get("model", "fake-model"))
        failure = self._forced_failure(model)
        if failure:
            return self._send(*failure)
        now = int(time.time())
        if path == "/chat/completions":
            content = f"fake reply to {model}"
            if body.get("stream"):
                return self._stream(model, content, now)
            return self._send(200, {
                "id": f"chatcmpl-fake-{now}", "object": "chat.completion", "created": now, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}})
        if path == "/completions":
            return self._send(200, {
                "id": f"cmpl-fake-{now}", "object": "text_completion", "created": now, "model": model,
                "choices": [{"index": 0, "text": f"fake reply to {model}", "finish_reason": "stop", "logprobs": None}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}})
        if path == "/embeddings":
            inputs = body.get("input", "")
            inputs = inputs if isinstance(inputs, list) else [inputs]
            return self._send(200, {"object": "list", "model": model, "data": [
                {"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]} for i in range(len(inputs))],
                "usage": {"prompt_tokens": 3, "total_tokens": 3}})
        self._send(404, error_body(404, f"no route {self.path}"))

    def _stream(self, model: str, content: str, now: int):
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        base = {"id": f"chatcmpl-fake-{now}", "object": "chat.completion.chunk", "created": now, "model": model}
        chunks = [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]
        chunks += [{"index": 0, "delta": {"content": w}, "finish_reason": None} for w in re.findall(r"\S+\s*", content)]
        chunks += [{"index": 0, "delta": {}, "finish_reason": "stop"}]
        for c in chunks:
            self.wfile.write(b"data: " + json.dumps({**base, "choices": [c]}).encode() + b"\n\n")
        self.wfile.write(b"data: [DONE]\n\n")
        self.close_connection = True


def main():
    ap = argparse.ArgumentParser(description="fake OpenAI-compatible upstream (127.0.0.1 only)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the bound port here once listening")
    a = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(server.server_address[1]))
        os.replace(tmp, a.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
