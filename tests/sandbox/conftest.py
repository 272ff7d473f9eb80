import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from sandbox.services import shop_seed

# A fixed clock for generated data: 2026-01-01 12:00 Asia/Shanghai.
ANCHOR = 1767240000
SHOP = "wx5a9b0c1d2e3f4a5b"
RID = re.compile(r" rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$")


class Api:
    """Calls the sandbox over real HTTP. ``Connection: close`` because keep-alive against the single-threaded
    test server costs a delayed-ACK 40 ms per call."""

    def __init__(self, base: str):
        self.base = base

    def request(
        self,
        method: str,
        path: str,
        body=None,
        *,
        token: str | None = None,
        raw: bytes | None = None,
        params: dict | None = None,
    ) -> requests.Response:
        query = dict(params or {})
        if token is not None:
            query["access_token"] = token
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        return requests.request(
            method,
            self.base + path,
            params=query,
            data=data,
            timeout=30,
            headers={"Connection": "close", "Content-Type": "application/json"},
        )

    def post(self, path: str, body=None, **kwargs) -> dict:
        response = self.request("POST", path, body, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, path: str, **kwargs) -> dict:
        response = self.request("GET", path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def stable_token(self, appid: str, secret: str, *, force: bool = False) -> dict:
        return self.post(
            "/cgi-bin/stable_token",
            {"grant_type": "client_credential", "appid": appid, "secret": secret, "force_refresh": force},
        )

    def token(self, appid: str, secret: str) -> str:
        answer = self.stable_token(appid, secret)
        assert answer["errcode"] == 0, answer
        return answer["access_token"]


def assert_error(answer: dict, errcode: int) -> None:
    assert answer["errcode"] == errcode, answer
    assert RID.search(answer["errmsg"]), answer["errmsg"]


@pytest.fixture
def api(live_server):
    return Api(live_server.url + "/sandbox/api")


@pytest.fixture
def seeded(transactional_db):
    return shop_seed(appid=SHOP, seed=3, days=7, orders=300, anchor=ANCHOR, agencies=2)


@pytest.fixture
def token(api, seeded):
    return api.token(SHOP, seeded.shop.secret)


@pytest.fixture
def agency_token(api, seeded):
    agency = seeded.agencies[0]
    return api.token(agency.appid, agency.secret)


class CallbackServer:
    """A loopback push receiver: records every request; answers ``status``/``body`` (``success`` by default)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status, self.body = 200, b"success"
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                url = urlsplit(self.path)
                server.requests.append(
                    {
                        "method": self.command,
                        "path": url.path,
                        "query": dict(parse_qsl(url.query)),
                        "body": self.rfile.read(length),
                    }
                )
                self.send_response(server.status)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            do_POST = do_GET = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def callback_server():
    server = CallbackServer()
    yield server
    server.close()
