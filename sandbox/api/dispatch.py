"""The request pipeline, framework-free: path → method → access_token → faults → body → handler → JSON.

Order of checks (UNCONFIRMED where the platform could differ; chosen to match what clients observe):
1. unknown path → 40066 (before anything else);
2. wrong method → 43002 (a POST-only endpoint called with GET);
3. access_token: missing → 41001, unknown or invalidated → 40001, expired → 42001, token of the other kind of
   appid (shop vs agency) → 48001;
4. faults of that appid (sandbox.faults): slow, targeted (errcode or HTTP status for chosen calls of this path),
   HTTP 5xx, -1, 45011, 45009 — token endpoints are exempt;
5. body: empty → 44002, not a JSON object → 47001;
6. the handler: bad arguments → 40097 or the endpoint's own code, business errors, or the answer.
Errors are HTTP 200 with ``errcode``/``errmsg`` (errmsg ends with `` rid: <id>``); only the HTTP status faults are
not (an nginx HTML page).
"""

import json
import time
from dataclasses import dataclass, field
from http import HTTPStatus

from sandbox import faults
from sandbox.api import auth
from sandbox.api.errors import ApiError, new_rid
from sandbox.api.registry import NO_TOKEN, ROUTES, Call
from sandbox.clock import platform_now

JSON_TYPE = "application/json; encoding=utf-8"
HTML_5XX = {
    502: b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
    b"</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
    503: b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 "
    b"Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
}


def html_error(status: int) -> bytes:
    """The page nginx answers with an HTTP error status (502 and 503 as the platform's gateway sends them)."""
    if status in HTML_5XX:
        return HTML_5XX[status]
    title = f"{status} {HTTPStatus(status).phrase}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        f"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def _json(data: dict, **headers) -> Answer:
    return Answer(200, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), headers=headers)


def handle(method: str, path: str, query: dict[str, str], raw_body: bytes) -> Answer:
    """Answer one platform call. ``path`` is the platform path, e.g. "/channels/ec/order/get"."""
    rid = new_rid()
    try:
        return _handle(method, "/" + path.strip("/"), query, raw_body, rid)
    except ApiError as error:
        return _json(error.body(rid))


def _handle(method: str, path: str, query: dict[str, str], raw_body: bytes, rid: str) -> Answer:
    endpoint = ROUTES.get(path)
    if endpoint is None:
        raise ApiError(40066)
    if method not in endpoint.methods:
        raise ApiError(43002)
    now = int(platform_now())
    account, decision = None, None
    if endpoint.audience != NO_TOKEN:
        account = auth.account_for_token(query.get("access_token", ""), now)
        if account.kind != endpoint.audience:
            raise ApiError(48001)
        decision = faults.decide(account, path=endpoint.path)
        if decision is not None:
            if decision.slow_seconds:
                time.sleep(decision.slow_seconds)
            if decision.http_status:
                return Answer(
                    decision.http_status,
                    html_error(decision.http_status),
                    "text/html",
                    {"X-Sandbox-Fault": decision.kind},
                )
            if decision.errcode:
                return _json(ApiError(decision.errcode).body(rid), **{"X-Sandbox-Fault": decision.kind})
    body: dict = {}
    if endpoint.reads_body:
        if not raw_body.strip():
            raise ApiError(44002)
        try:
            body = json.loads(raw_body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(47001) from None
        if not isinstance(body, dict):
            raise ApiError(47001)
    result = endpoint.handler(Call(endpoint=endpoint, account=account, body=body, query=query, now=now))
    headers = {"X-Sandbox-Fault": decision.kind} if decision is not None else {}
    return _json({"errcode": 0, "errmsg": "ok", **result}, **headers)
