"""A scripted stand-in for the WeChat platform on 127.0.0.1, for the client's transport tests.

Each test queues the replies a path should give (status, JSON or raw body, headers, delay); the stub answers them in
order, falls back to a path's default reply when its queue is empty, and answers 404 with a plain-text body to any
request nobody scripted. Every request is recorded (method, path, query, JSON body, headers) in arrival order.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # clients dropping keep-alive connections or timing out are expected here, not test failures


@dataclass(frozen=True)
class Reply:
    """One scripted answer. ``raw`` (bytes) wins over ``json``; ``delay`` (s) is slept before answering."""

    status: int = 200
    json: object = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def body(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return json.dumps(self.json if self.json is not None else {}, ensure_ascii=False).encode("utf-8")


def ok(**fields) -> Reply:
    """A 200 answer ``{"errcode": 0, "errmsg": "ok", **fields}``."""
    return Reply(json={"errcode": 0, "errmsg": "ok", **fields})


def fail(errcode: int, errmsg: str = "error", *, status: int = 200) -> Reply:
    """An answer carrying a platform errcode."""
    return Reply(status=status, json={"errcode": errcode, "errmsg": errmsg})


def token(value: str, expires_in: int = 7200, *, delay: float = 0.0) -> Reply:
    """A stable_token answer (no errcode, as the platform sends it)."""
    return Reply(json={"access_token": value, "expires_in": expires_in}, delay=delay)


@dataclass(frozen=True)
class Seen:
    """A request as the stub received it."""

    method: str
    path: str
    query: dict[str, str]
    json: object
    raw: bytes
    headers: dict[str, str]


class StubPlatform:
    """Serve scripted replies under ``prefix`` on an ephemeral loopback port until ``close()``."""

    def __init__(self, *, prefix: str = "/sandbox/api") -> None:
        self.prefix = prefix
        self._lock = threading.Lock()
        self._queues: dict[str, list[Reply]] = {}
        self._defaults: dict[str, Reply] = {}
        self._seen: list[Seen] = []
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="stub-platform", daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.prefix}"

    def script(self, path: str, *replies: Reply) -> None:
        """Queue replies for ``path`` (without the prefix), answered one per request in order."""
        with self._lock:
            self._queues.setdefault(path, []).extend(replies)

    def default(self, path: str, reply: Reply) -> None:
        """The reply for ``path`` once its queue is empty."""
        with self._lock:
            self._defaults[path] = reply

    def seen(self, path: str | None = None) -> list[Seen]:
        """Recorded requests in arrival order, all or those to ``path``."""
        with self._lock:
            return [request for request in self._seen if path is None or request.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next_reply(self, path: str) -> Reply | None:
        with self._lock:
            queue = self._queues.get(path)
            if queue:
                return queue.pop(0)
            return self._defaults.get(path)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like the real platform, so pooling is exercised
            disable_nagle_algorithm = True  # headers and body go out separately; no 40 ms delayed-ACK stall

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                path = url.path[len(stub.prefix) :] if url.path.startswith(stub.prefix) else url.path
                with stub._lock:
                    stub._seen.append(
                        Seen(
                            method=self.command,
                            path=path,
                            query={key: values[0] for key, values in parse_qs(url.query).items()},
                            json=body,
                            raw=raw,
                            headers=dict(self.headers.items()),
                        )
                    )
                reply = stub._next_reply(path) if url.path.startswith(stub.prefix) else None
                if reply is None:
                    reply = Reply(status=404, raw=f"no scripted reply for {path}".encode())
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.body()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (read timeout) before the delayed answer

            def log_message(self, format: str, *args) -> None:
                pass

        return Handler
