"""HTTP client for the WeChat Shop open API (and the sandbox that plays it).

Plain Python on ``requests``; nothing here knows about Django. The rules every call follows:

- ``access_token`` travels in the query string only, fetched from ``POST /cgi-bin/stable_token`` and cached in a
  ``TokenStore`` under the appid; it is renewed when fewer than 300 s remain (the platform's overlap window).
- A rejected token (40001/40014/42001) is dropped, renewed and the call repeated once; a second rejection raises.
  This holds for writes too: the platform refused the request before doing anything.
- Transient failures (-1, HTTP 5xx, unusable bodies, network errors) are retried for reads only, with capped
  exponential backoff and full jitter. Writes raise at once and the caller decides.
- 45011 raises ``RateLimitedError`` with ``retry_at``; the client never sleeps for it (the sync engine reschedules).
- Every HTTP attempt, token calls included, is reported to ``recorder`` as a ``CallRecord`` that carries no token,
  secret or body.
- Arguments the platform would refuse (page sizes, time windows, missing ids) raise ``ValueError`` before any HTTP.
"""

import json
import logging
import random as _random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter

from shopops.wechat.errors import (
    NetworkError,
    ServerError,
    TokenInvalidError,
    TransientError,
    WeChatError,
    error_for_errcode,
    request_id_from,
)
from shopops.wechat.types import (
    AfterSalePayload,
    CommissionOrderPage,
    CommissionOrderPayload,
    CooperationAccountPayload,
    CooperativeShop,
    CouponPage,
    CouponPayload,
    HeadSupplierItemPayload,
    IdPage,
    LeagueItemPage,
    LeagueItemPayload,
    LeagueItemRef,
    LiveNoticePayload,
    OrderFlowPage,
    OrderPayload,
    ProductPayload,
    PromotionPlanPage,
    PromotionPlanRef,
    PromotionTalent,
    PromotionTalentPage,
    ShopInfo,
    ShopListPage,
    StockPayload,
    TalentPage,
    TalentPayload,
    TalentProductData,
    TalentProductPage,
    TalentRef,
    UserCouponPage,
    UserCouponPayload,
    UserCouponRef,
    WeComIdPayload,
    as_bool,
    as_dict,
    as_id,
    as_int,
    as_list,
    as_str,
    id_list,
    parse_errcode,
)

logger = logging.getLogger(__name__)

TOKEN_PATH = "/cgi-bin/stable_token"
# The platform hands out a new stable token 5 minutes before the old one expires; both work meanwhile.
TOKEN_REFRESH_MARGIN_S = 300
# Documented validity, used only if a token answer omits expires_in.
DEFAULT_TOKEN_TTL_S = 7200
ORDER_WINDOW_MAX_S = 7 * 24 * 3600
AFTERSALE_WINDOW_MAX_S = 24 * 3600
# 优选联盟 (merchant side): items per batchadd, talents per plan, the highest whole-percent ratio.
LEAGUE_BATCH_MAX, LEAGUE_TALENTS_MAX, LEAGUE_RATIO_MAX = 20, 30, 90


# ---------------------------------------------------------------------------------------------------------------------
# Token storage


class TokenStore(Protocol):
    """Where access tokens live between calls, shared by every client of the same appid.

    ``get`` answers ``(token, expires_at)`` with expires_at in unix seconds, or None. ``invalidate`` drops the entry
    only while it still holds ``token``, so a late invalidation cannot throw away a token another worker just fetched.
    """

    def get(self, key: str) -> tuple[str, float] | None: ...

    def set(self, key: str, token: str, expires_at: float) -> None: ...

    def invalidate(self, key: str, token: str) -> None: ...


class MemoryTokenStore:
    """A thread-safe in-process ``TokenStore`` for tests and scripts (not shared between processes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}

    def get(self, key: str) -> tuple[str, float] | None:
        with self._lock:
            return self._tokens.get(key)

    def set(self, key: str, token: str, expires_at: float) -> None:
        with self._lock:
            self._tokens[key] = (token, expires_at)

    def invalidate(self, key: str, token: str) -> None:
        with self._lock:
            current = self._tokens.get(key)
            if current is not None and current[0] == token:
                del self._tokens[key]


# ---------------------------------------------------------------------------------------------------------------------
# Call records


@dataclass(frozen=True)
class CallRecord:
    """One HTTP attempt, for the outbound-call log.

    ``endpoint`` is the API path without query string; ``attempt`` counts from 1 within one client call (the token
    call has its own count); ``error`` is the raised exception's class name or "". Never holds the token, the secret
    or a request or response body: those carry credentials and buyers' personal data.
    """

    endpoint: str
    http_status: int | None
    errcode: int | None
    attempt: int
    duration_ms: int
    request_id: str
    error: str


# ---------------------------------------------------------------------------------------------------------------------
# Argument checks (raise before any HTTP)


def _check_page_size(page_size: int, *, cap: int) -> int:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= cap:
        raise ValueError(f"page_size must be an integer from 1 to {cap}, got {page_size!r}")
    return page_size


def _check_positive(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return value


def _check_id(name: str, value: str | int | None) -> str:
    text = as_id(value)
    if not text:
        raise ValueError(f"{name} is required")
    return text


def _unix(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be unix seconds as an int, got {value!r}")
    return value


def _time_range(name: str, start: int | None, end: int | None, *, max_span: int) -> dict | None:
    """``{"start_time", "end_time"}`` for a window no longer than ``max_span`` s, or None when both ends are None."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise ValueError(f"{name}: give both start and end")
    start, end = _unix(f"{name} start", start), _unix(f"{name} end", end)
    if end < start:
        raise ValueError(f"{name}: end {end} is before start {start}")
    if end - start > max_span:
        raise ValueError(f"{name} spans {end - start} s; the platform allows at most {max_span} s")
    return {"start_time": start, "end_time": end}


def _without_none(body: dict) -> dict:
    return {key: value for key, value in body.items() if value is not None}


def _required_block(payload: dict, key: str, endpoint: str, *alternatives: str) -> dict:
    """The detail object the call exists for; an ok answer without it is unusable (ServerError)."""
    for name in (key, *alternatives):
        block = payload.get(name)
        if isinstance(block, dict):
            return block
    raise ServerError(errcode=0, errmsg=f"response has no {key!r} object", request_id="", endpoint=endpoint)


# ---------------------------------------------------------------------------------------------------------------------
# The client


class BaseClient:
    """Token handling, retries, recording and transport shared by the shop and agency clients.

    One client per appid. It is safe to use from a small thread pool: the session and token lock are shared; every
    call keeps its own state. ``sleep``, ``random`` and ``clock`` are injectable for tests.
    """

    def __init__(
        self,
        *,
        appid: str,
        secret: str,
        base_url: str,
        token_store: TokenStore,
        recorder: Callable[[CallRecord], None] | None = None,
        session: requests.Session | None = None,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.time,
        pool_size: int = 8,
    ) -> None:
        if not appid or not secret:
            raise ValueError("appid and secret are required")
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.appid = appid
        self._secret = secret
        self.base_url = base_url.rstrip("/")
        self._tokens = token_store
        self._recorder = recorder
        self._timeout = (connect_timeout, read_timeout)
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._sleep = sleep
        self._random = random
        self._clock = clock
        # Serialises token fetches in this process, so a burst of threads finding no token fetches it once.
        self._token_lock = threading.Lock()
        self._owns_session = session is None
        if session is None:
            session = requests.Session()
            # max_retries=0: retrying is this class's decision (reads only), never urllib3's.
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        self._session = session

    def __repr__(self) -> str:
        return f"<{type(self).__name__} appid={self.appid} base_url={self.base_url}>"

    def close(self) -> None:
        """Close the connection pool if this client created it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- tokens --------------------------------------------------------------------------------------------------------

    def access_token(self) -> str:
        """A token with at least 300 s left, from the store or freshly fetched (raises what the token call raises)."""
        cached = self._tokens.get(self.appid)
        if self._is_fresh(cached):
            return cached[0]
        with self._token_lock:
            cached = self._tokens.get(self.appid)
            if self._is_fresh(cached):
                return cached[0]
            return self._fetch_token(force_refresh=False)

    def _is_fresh(self, cached: tuple[str, float] | None) -> bool:
        return cached is not None and cached[1] - self._clock() >= TOKEN_REFRESH_MARGIN_S

    def _renew_token(self, rejected: str) -> str:
        """Replace a token the platform rejected, and return the replacement.

        Normal mode first (it costs nothing); if the platform hands back the very token it just rejected, force a
        new one (force_refresh is limited to 20 a day, so it is the last resort).
        """
        with self._token_lock:
            self._tokens.invalidate(self.appid, rejected)
            cached = self._tokens.get(self.appid)
            if self._is_fresh(cached) and cached[0] != rejected:
                return cached[0]  # another thread renewed it while this one waited for the lock
            token = self._fetch_token(force_refresh=False)
            if token == rejected:
                token = self._fetch_token(force_refresh=True)
            return token

    def _fetch_token(self, *, force_refresh: bool) -> str:
        body = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self._secret,
            "force_refresh": force_refresh,
        }
        # Read the clock before asking, so the stored expiry errs early by the request's latency.
        now = self._clock()
        # A normal stable_token call is idempotent and retried like a read; a forced one invalidates the previous
        # token and is limited to one per 30 s, so it is not repeated.
        payload = self._with_retries(
            lambda attempt: self._send("POST", TOKEN_PATH, body=body, token=None, attempt=attempt),
            retry_transient=not force_refresh,
        )
        token = payload.get("access_token")
        if not isinstance(token, str) or not token:
            raise ServerError(
                errcode=0, errmsg="token response has no access_token", request_id="", endpoint=TOKEN_PATH
            )
        expires_in = as_int(payload.get("expires_in"), DEFAULT_TOKEN_TTL_S)
        self._tokens.set(self.appid, token, now + expires_in)
        return token

    # -- calls ---------------------------------------------------------------------------------------------------------

    def _read(self, path: str, body: dict | None = None, *, method: str = "POST") -> dict:
        return self._call(method, path, body, retry_transient=True)

    def _write(self, path: str, body: dict) -> dict:
        return self._call("POST", path, body, retry_transient=False)

    def _call(self, method: str, path: str, body: dict | None, *, retry_transient: bool) -> dict:
        token: str | None = None
        token_renewed = False
        attempt = 0
        while True:
            attempt += 1
            if token is None:
                token = self.access_token()
            try:
                return self._send(method, path, body=body, token=token, attempt=attempt)
            except TokenInvalidError:
                if token_renewed:
                    raise
                token_renewed = True
                token = self._renew_token(token)
            except TransientError:
                if not retry_transient or attempt >= self._max_attempts:
                    raise
                self._sleep(self._backoff(attempt))
                token = None  # re-read: another worker may have renewed it meanwhile

    def _with_retries(self, send: Callable[[int], dict], *, retry_transient: bool) -> dict:
        attempt = 0
        while True:
            attempt += 1
            try:
                return send(attempt)
            except TransientError:
                if not retry_transient or attempt >= self._max_attempts:
                    raise
                self._sleep(self._backoff(attempt))

    def _backoff(self, attempt: int) -> float:
        """Full jitter: a uniform share of the capped exponential step for the attempt that just failed."""
        return self._random() * min(self._backoff_cap, self._backoff_base * 2 ** (attempt - 1))

    # -- one HTTP attempt ------------------------------------------------------------------------------------------

    def _send(self, method: str, path: str, *, body: dict | None, token: str | None, attempt: int) -> dict:
        """Make one HTTP attempt, record it, and return the JSON object of an ok answer or raise its error."""
        started = time.perf_counter()
        http_status: int | None = None
        errcode: int | None = None
        request_id = ""
        failure: Exception | None = None
        try:
            response, transport_error = self._request(method, path, body=body, token=token)
            if response is None:
                raise transport_error
            http_status = response.status_code
            payload, errcode, request_id = self._interpret(response, path)
            return payload
        except Exception as exc:
            failure = exc
            errcode = getattr(exc, "errcode", None)
            request_id = getattr(exc, "request_id", "")
            raise
        finally:
            self._record(
                CallRecord(
                    endpoint=path,
                    http_status=http_status,
                    errcode=errcode,
                    attempt=attempt,
                    duration_ms=round((time.perf_counter() - started) * 1000),
                    request_id=request_id,
                    error=type(failure).__name__ if failure is not None else "",
                )
            )

    def _request(
        self, method: str, path: str, *, body: dict | None, token: str | None
    ) -> tuple[requests.Response, None] | tuple[None, WeChatError]:
        """The raw exchange: (response, None), or (None, the error to raise) when no answer came.

        Never raises a requests exception: their messages hold the full URL, access_token included, so the error is
        rebuilt from the exception's class name alone, and raised by the caller outside this ``except`` so that the
        original is not attached as ``__context__`` either.
        """
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            # ensure_ascii=False: send Chinese as UTF-8, not \\u escapes, exactly as merchants typed it.
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                params={"access_token": token} if token is not None else None,
                data=data,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
            )
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            return None, NetworkError(errmsg=type(exc).__name__, request_id="", endpoint=path)
        except requests.RequestException as exc:
            return None, WeChatError(errmsg=type(exc).__name__, request_id="", endpoint=path)
        return response, None

    def _interpret(self, response: requests.Response, path: str) -> tuple[dict, int, str]:
        """Classify one answer: (payload, errcode, request_id) when ok, else raise the matching WeChatError."""
        status = response.status_code
        token_endpoint = path == TOKEN_PATH
        try:
            decoded = json.loads(response.content)
        except ValueError:  # includes UnicodeDecodeError
            decoded = None
        payload = decoded if isinstance(decoded, dict) else None
        errmsg = as_str(payload.get("errmsg")) if payload is not None else ""
        request_id = request_id_from(errmsg, response.headers)
        errcode = parse_errcode(payload.get("errcode")) if payload is not None else None
        common = {"errmsg": errmsg, "request_id": request_id, "http_status": status, "endpoint": path}

        if status >= 500:
            common["errmsg"] = errmsg or f"HTTP {status}"
            raise ServerError(errcode=errcode if errcode else None, **common)
        if payload is None:
            if 200 <= status < 300:
                raise ServerError(errcode=None, **{**common, "errmsg": "response body is not a JSON object"})
            raise WeChatError(errcode=None, **{**common, "errmsg": f"HTTP {status} with a body that is not JSON"})
        if errcode is None:
            raise ServerError(errcode=None, **{**common, "errmsg": "errcode is not an integer"})
        if errcode != 0:
            raise error_for_errcode(
                errcode=errcode,
                errmsg=errmsg,
                endpoint=path,
                http_status=status,
                now=self._clock(),
                headers=response.headers,
                token_endpoint=token_endpoint,
            )
        if not 200 <= status < 300:
            raise WeChatError(errcode=None, **{**common, "errmsg": errmsg or f"HTTP {status}"})
        return payload, errcode, request_id

    def _record(self, record: CallRecord) -> None:
        if self._recorder is None:
            return
        try:
            self._recorder(record)
        except Exception:
            # The log is observability: a failure to write it must not turn a write the platform applied into an
            # error the caller would act on.
            logger.exception("WeChat call recorder failed for %s", record.endpoint)


def _id_page(payload: dict, key: str) -> IdPage:
    return IdPage(
        ids=id_list(payload.get(key)),
        next_key=as_str(payload.get("next_key")),
        has_more=as_bool(payload.get("has_more")),
    )


class ShopClient(BaseClient):
    """The merchant's shop APIs, called with the shop's own appid and secret.

    Reads (retried on transient failures) are every ``*_get``, ``*_list``, search and info call; writes (never
    retried) are coupon create/update/status, league plan add/update/delete (agency plans too), talent invite/
    update/delete/blacklist and cooperation invitation changes.
    """

    # -- shop ----------------------------------------------------------------------------------------------------------

    def basics_info(self) -> ShopInfo:
        """The shop's name, avatar, subject, status and original id (GET, unlike nearly every other API)."""
        path = "/channels/ec/basics/info/get"
        info = _required_block(self._read(path, method="GET"), "info", path)
        return ShopInfo(
            nickname=as_str(info.get("nickname")),
            headimg_url=as_str(info.get("headimg_url")),
            subject_type=as_str(info.get("subject_type")),
            status=as_str(info.get("status")),
            username=as_str(info.get("username")),
            is_local_life=as_bool(info.get("is_local_life")),
            open_timestamp=as_int(info.get("open_timestamp")),
        )

    # -- orders --------------------------------------------------------------------------------------------------------

    def order_list(
        self,
        *,
        update_start: int | None = None,
        update_end: int | None = None,
        create_start: int | None = None,
        create_end: int | None = None,
        status: int | None = None,
        page_size: int = 100,
        next_key: str = "",
    ) -> IdPage:
        """Order ids updated and/or created in the given windows (unix s, each at most 7 days).

        Raises ValueError without a window, with a window over 7 days or half given, or page_size outside 1..100.
        """
        update_range = _time_range("update window", update_start, update_end, max_span=ORDER_WINDOW_MAX_S)
        create_range = _time_range("create window", create_start, create_end, max_span=ORDER_WINDOW_MAX_S)
        if update_range is None and create_range is None:
            raise ValueError("order_list needs an update window or a create window")
        body = _without_none(
            {
                "update_time_range": update_range,
                "create_time_range": create_range,
                "status": status,
                "page_size": _check_page_size(page_size, cap=100),
                "next_key": next_key or None,
            }
        )
        return _id_page(self._read("/channels/ec/order/list/get", body), "order_id_list")

    def order_search(
        self,
        *,
        condition: dict,
        status: int | None = None,
        on_aftersale_order_exist: int | None = None,
        page_size: int = 100,
        next_key: str = "",
    ) -> IdPage:
        """Order ids matching ``condition`` (the platform's ``search_condition``: title, tel_number_last4, …).

        ``on_aftersale_order_exist``: None = all, 0 = none in after-sale, 1 = at least one. ValueError otherwise.
        """
        if not isinstance(condition, dict):
            raise ValueError("condition must be a dict of search_condition fields")
        if on_aftersale_order_exist not in (None, 0, 1):
            raise ValueError("on_aftersale_order_exist must be None, 0 or 1")
        body = _without_none(
            {
                "search_condition": condition,
                "status": status,
                "on_aftersale_order_exist": on_aftersale_order_exist,
                "page_size": _check_page_size(page_size, cap=100),
                "next_key": next_key or None,
            }
        )
        return _id_page(self._read("/channels/ec/order/search", body), "order_id_list")

    def order_get(self, order_id: str | int) -> OrderPayload:
        """The raw ``order`` object. NotFoundError (100002) when the order does not exist."""
        path = "/channels/ec/order/get"
        payload = self._read(path, {"order_id": _check_id("order_id", order_id)})
        return _required_block(payload, "order", path)

    # -- funds ---------------------------------------------------------------------------------------------------------

    def order_flow_list(
        self,
        *,
        settle_state: int = 0,
        order_state: int | None = None,
        pay_method: int | None = None,
        order_id: str | int | None = None,
        create_begin: int | None = None,
        create_end: int | None = None,
        limit: int = 100,
        offset: int | None = None,
        page_ctx: str | None = None,
    ) -> OrderFlowPage:
        """One page of the per-order fee ledger (``funds/listorderflow``: original vs charged 技术服务费, commissions,
        settlement state). ``settle_state`` 0 all / 1 待结算 / 2 无需结算 / 60 结算完成 / 100 部分结算. Paging by
        context unless ``offset`` is given: pass ``page_ctx`` "" for the first page, then the returned one.
        ValueError for a limit outside 1..100, a negative offset, both offset and page_ctx, or half a time range."""
        if (create_begin is None) != (create_end is None):
            raise ValueError("create_begin and create_end go together")
        if offset is not None and page_ctx is not None:
            raise ValueError("page by offset or by page_ctx, not both")
        paging = {"limit": _check_page_size(limit, cap=100)}
        if offset is not None:
            paging["offset"] = _check_nonnegative("offset", offset)
        else:
            paging.update(use_page_ctx=True, page_ctx=page_ctx or "")
        body = _without_none(
            {
                "order_settle_state": settle_state,
                "order_state": order_state,
                "order_pay_method": pay_method,
                "order_id": None if order_id is None else _check_id("order_id", order_id),
                "create_time_range": None
                if create_begin is None
                else {"begin": _check_nonnegative("create_begin", create_begin), "end": create_end},
                "pagination_info": paging,
            }
        )
        payload = self._read("/channels/ec/funds/listorderflow", body)
        return OrderFlowPage(
            flows=[as_dict(f) for f in as_list(payload.get("data_list"))],
            total=as_int(payload.get("total_count")),
            page_ctx=as_str(payload.get("page_ctx")),
        )

    # -- after-sales ---------------------------------------------------------------------------------------------------

    def aftersale_list(
        self,
        *,
        create_start: int | None = None,
        create_end: int | None = None,
        update_start: int | None = None,
        update_end: int | None = None,
        next_key: str = "",
    ) -> IdPage:
        """After-sale ids created and/or updated in the given windows (unix s, both ends included, each at most
        24 hours): the platform's ``begin_/end_create_time`` and ``begin_/end_update_time`` pairs.

        Raises ValueError without a window, with a window over 24 hours, or with half a window.
        """
        create = _time_range("after-sale create window", create_start, create_end, max_span=AFTERSALE_WINDOW_MAX_S)
        update = _time_range("after-sale update window", update_start, update_end, max_span=AFTERSALE_WINDOW_MAX_S)
        if create is None and update is None:
            raise ValueError("aftersale_list needs a create window or an update window")
        body = _without_none(
            {
                "begin_create_time": create and create["start_time"],
                "end_create_time": create and create["end_time"],
                "begin_update_time": update and update["start_time"],
                "end_update_time": update and update["end_time"],
                "next_key": next_key or None,
            }
        )
        return _id_page(self._read("/channels/ec/aftersale/getaftersalelist", body), "after_sale_order_id_list")

    def aftersale_get(self, after_sale_order_id: str | int) -> AfterSalePayload:
        """The raw ``after_sale_order`` object."""
        path = "/channels/ec/aftersale/getaftersaleorder"
        payload = self._read(path, {"after_sale_order_id": _check_id("after_sale_order_id", after_sale_order_id)})
        return _required_block(payload, "after_sale_order", path)

    # -- products ------------------------------------------------------------------------------------------------------

    def product_list(self, *, page_size: int = 30, next_key: str = "", status: int | None = None) -> IdPage:
        """Product ids with ``total`` (``total_num``). ValueError for page_size outside 1..30.

        The API reports no has_more (UNCONFIRMED how its last page looks): ``has_more`` is the platform's flag when
        present, else "this page had ids and a next_key", which costs one empty request at the end but never stops
        early.
        """
        body = _without_none(
            {"status": status, "page_size": _check_page_size(page_size, cap=30), "next_key": next_key or None}
        )
        payload = self._read("/channels/ec/product/list/get", body)
        ids = id_list(payload.get("product_ids"))
        next_cursor = as_str(payload.get("next_key"))
        has_more = as_bool(payload["has_more"]) if "has_more" in payload else bool(ids and next_cursor)
        return IdPage(ids=ids, next_key=next_cursor, has_more=has_more, total=as_int(payload.get("total_num")))

    def product_get(self, product_id: str | int, data_type: int = 1) -> ProductPayload:
        """The raw product: ``data_type`` 1 the online ``product``, 2 the draft ``edit_product``.

        3 (both) is refused with ValueError: it returns two objects, or one, depending on listing state.
        """
        if data_type not in (1, 2):
            raise ValueError("data_type must be 1 (online) or 2 (draft)")
        path = "/channels/ec/product/get"
        payload = self._read(path, {"product_id": _check_id("product_id", product_id), "data_type": data_type})
        return _required_block(payload, "product" if data_type == 1 else "edit_product", path)

    def stock_get(self, product_id: str | int, sku_id: str | int) -> StockPayload:
        """The raw stock ``data`` of one SKU."""
        path = "/channels/ec/product/stock/get"
        body = {"product_id": _check_id("product_id", product_id), "sku_id": _check_id("sku_id", sku_id)}
        return _required_block(self._read(path, body), "data", path)

    # -- coupons -------------------------------------------------------------------------------------------------------

    def coupon_create(self, body: dict) -> str:
        """Create a coupon from the platform's create body; return its coupon_id. Write: never retried."""
        path = "/channels/ec/coupon/create"
        data = _required_block(self._write(path, body), "data", path)
        return _check_returned_id(data.get("coupon_id"), "coupon_id", path)

    def coupon_update(self, body: dict) -> str:
        """Update a coupon (``body`` includes coupon_id); return the coupon_id. Write: never retried."""
        coupon_id = _check_id("coupon_id", body.get("coupon_id"))
        payload = self._write("/channels/ec/coupon/update", body)
        return as_id(as_dict(payload.get("data")).get("coupon_id")) or coupon_id

    def coupon_update_status(self, coupon_id: str | int, status: int) -> None:
        """Set a coupon's status (2 生效, 4 作废, 5 删除). Write: never retried."""
        self._write(
            "/channels/ec/coupon/update_status", {"coupon_id": _check_id("coupon_id", coupon_id), "status": status}
        )

    def coupon_get(self, coupon_id: str | int) -> CouponPayload:
        """The raw ``coupon`` object. NotFoundError (10021037) when it does not exist."""
        path = "/channels/ec/coupon/get"
        return _required_block(self._read(path, {"coupon_id": _check_id("coupon_id", coupon_id)}), "coupon", path)

    def coupon_list(self, *, status: int, page: int, page_size: int, page_ctx: str = "") -> CouponPage:
        """One page of coupon ids. ValueError for page < 1 or page_size outside 1..200.

        The platform also refuses pages more than 10 apart from the previous one (10021036 → InvalidArgumentError).
        """
        body = _without_none(
            {
                "status": status,
                "page": _check_positive("page", page),
                "page_size": _check_page_size(page_size, cap=200),
                "page_ctx": page_ctx or None,
            }
        )
        payload = self._read("/channels/ec/coupon/get_list", body)
        return CouponPage(
            coupon_ids=[
                cid for cid in (as_id(as_dict(c).get("coupon_id")) for c in as_list(payload.get("coupons"))) if cid
            ],
            total=as_int(payload.get("total_num")),
            page_ctx=as_str(payload.get("page_ctx")),
        )

    def user_coupon_list(
        self, *, openid: str, status: int | None = None, page: int, page_size: int, page_ctx: str = ""
    ) -> UserCouponPage:
        """One page of a buyer's coupons (status 100 valid, 101 expired, 102 used). Same paging rules as coupon_list."""
        body = _without_none(
            {
                "openid": _check_id("openid", openid),
                "status": status,
                "page": _check_positive("page", page),
                "page_size": _check_page_size(page_size, cap=200),
                "page_ctx": page_ctx or None,
            }
        )
        payload = self._read("/channels/ec/coupon/get_user_coupon_list", body)
        items = [
            UserCouponRef(user_coupon_id=as_id(entry.get("user_coupon_id")), coupon_id=as_id(entry.get("coupon_id")))
            for entry in map(as_dict, as_list(payload.get("user_coupon_list")))
        ]
        return UserCouponPage(
            items=items, total=as_int(payload.get("total_num")), page_ctx=as_str(payload.get("page_ctx"))
        )

    def user_coupon_get(self, openid: str, user_coupon_id: str | int) -> UserCouponPayload:
        """The whole answer (``openid``, ``unionid``, ``user_coupon``): the owner's unionid lives outside the coupon."""
        path = "/channels/ec/coupon/get_user_coupon"
        body = {"openid": _check_id("openid", openid), "user_coupon_id": _check_id("user_coupon_id", user_coupon_id)}
        payload = self._read(path, body)
        _required_block(payload, "user_coupon", path)
        return {key: value for key, value in payload.items() if key not in ("errcode", "errmsg")}

    # -- 优选联盟: promotion plans and talents ------------------------------------------------------------------------
    # shared/wechat-platform-2026.md B.1. Plans: 普通 (type 1) is addressed by product_id, 定向/专属 (2/3) by
    # promotion_plan_id (the 2026 name) or info_id (offline 2026-06-18). Ratios set by the merchant are whole percents
    # 0–90; ratios the platform reports back are ppm (UNCONFIRMED for the 2026 lists, see their methods). Every call
    # answers 10023007 (WeChatError) while the shop's 优选联盟 is not enabled.

    def league_item_batchadd(self, body: dict) -> list[dict]:
        """Add up to 20 plans of one ``type``; return ``result_info_list``, whose entries carry their own errcode
        (0: added, with ``promotion_plan_id`` and, for 定向/专属, ``info_id``; else the failed talent ids in
        ``fail_talent_appids`` / ``fail_promoter_ids`` / ``fail_finder_ids``). Write: never retried.

        ValueError before any HTTP for what the platform refuses outright: type not 1/2/3, ``list`` empty or over
        20, a product twice, a ratio outside 0–90, 定向/专属 naming no talent or more than 30, 普通 naming any.
        """
        plan_type = _check_league_type(body.get("type"))
        items = body.get("list")
        if not isinstance(items, list) or not 1 <= len(items) <= LEAGUE_BATCH_MAX:
            raise ValueError(f"league_item_batchadd takes 1 to {LEAGUE_BATCH_MAX} items in body['list']")
        _check_league_items(items)
        _check_plan_talents(plan_type, body)
        return [
            as_dict(entry)
            for entry in as_list(self._write("/channels/ec/league/item/batchadd", body).get("result_info_list"))
        ]

    def league_item_upd(self, body: dict) -> str:
        """Change a plan: ``operate_type`` 1 编辑并上架 (``ratio`` required; ``exclusive_info`` may change a 定向/专属
        plan's period and add/del talents), 2 下架, 4 上架. Return its promotion_plan_id (or info_id; "" when the
        platform sends neither, as it may for 普通). ValueError for a bad type, operate_type, ratio or plan key."""
        _league_item_key(body.get("type"), body.get("product_id"), body.get("info_id"), body.get("promotion_plan_id"))
        operate = body.get("operate_type")
        if operate not in (1, 2, 4):
            raise ValueError("operate_type must be 1 (编辑并上架), 2 (下架) or 4 (上架)")
        if operate == 1:
            _check_ratio("ratio", body.get("ratio"))
        payload = self._write("/channels/ec/league/item/upd", body)
        return as_id(payload.get("promotion_plan_id")) or as_id(payload.get("info_id"))

    def league_item_delete(
        self,
        *,
        type: int,
        product_id: str | int | None = None,
        info_id: str | int | None = None,
        promotion_plan_id: str | int | None = None,
    ) -> None:
        """Delete a plan (status 4): 普通 by product_id, 定向/专属 by promotion_plan_id or info_id (ValueError
        without it). Write: never retried."""
        self._write("/channels/ec/league/item/delete", _league_item_key(type, product_id, info_id, promotion_plan_id))

    def league_item_get(
        self,
        *,
        type: int,
        product_id: str | int | None = None,
        info_id: str | int | None = None,
        promotion_plan_id: str | int | None = None,
        need_relation: bool | None = None,
        page_index: int | None = None,
        page_size: int | None = None,
        need_total_num: bool | None = None,
    ) -> LeagueItemPayload:
        """The raw ``item`` (product_id, type, status, ratio, promotion_plan_id, exclusive_info{…,
        promoter_info_list, talent_info_list}, ext_info); with ``need_relation`` the talents are paged by
        ``page_index``/``page_size`` (≤ 50, required then: ValueError)."""
        body = _league_item_key(type, product_id, info_id, promotion_plan_id)
        if need_relation and page_size is None:
            raise ValueError("page_size is required with need_relation")
        if page_index is not None:
            body["page_index"] = _check_positive("page_index", page_index)
        if page_size is not None:
            body["page_size"] = _check_page_size(page_size, cap=50)
        body.update(_without_none({"need_relation": need_relation, "need_total_num": need_total_num}))
        path = "/channels/ec/league/item/get"
        return _required_block(self._read(path, body), "item", path)

    def league_item_list(
        self,
        *,
        type: int,
        page_size: int = 100,
        page_index: int = 1,
        last_buffer: str = "",
        need_total_num: bool = True,
        product_id: str | int | None = None,
        talent_appid: str | None = None,
    ) -> LeagueItemPage:
        """One page of the plans of ``type`` (not deleted), optionally of one product or naming one talent; pass
        ``last_buffer`` back for the next page (it overrides page_index). ValueError for page_size outside 1..100
        or page_index < 1."""
        body = _without_none(
            {
                "type": _check_league_type(type),
                "page_size": _check_page_size(page_size, cap=100),
                "page_index": _check_positive("page_index", page_index),
                "last_buffer": last_buffer or None,
                "need_total_num": need_total_num,
                "product_id": as_id(product_id) or None,
                "talent_appid": talent_appid or None,
            }
        )
        payload = self._read("/channels/ec/league/item/list/get", body)
        items = [
            LeagueItemRef(
                product_id=as_id(entry.get("product_id")),
                info_id=as_id(entry.get("info_id")),
                promotion_plan_id=as_id(entry.get("promotion_plan_id")),
            )
            for entry in map(as_dict, as_list(payload.get("items")))
        ]
        return LeagueItemPage(
            items=items,
            total=as_int(payload.get("total_num")),
            has_more=as_bool(payload.get("has_more")),
            last_buffer=as_str(payload.get("last_buffer")),
        )

    def league_headsupplier_item_batchadd(self, body: dict) -> list[dict]:
        """Promote up to 20 products through an agency (``headsupplier_appid``, which must cooperate with the
        shop); ``list[{product_id, ratio, service_ratio, commission_type}]`` with whole-percent ratios 0–90
        (commission_type values UNCONFIRMED). Return ``result_info_list`` (errcode, product_id, promotion_plan_id per
        item). ValueError for a missing agency, an empty or over-long list, a product twice or a ratio out of range.
        Write: never retried."""
        _check_id("headsupplier_appid", body.get("headsupplier_appid"))
        items = body.get("list")
        if not isinstance(items, list) or not 1 <= len(items) <= LEAGUE_BATCH_MAX:
            raise ValueError(f"league_headsupplier_item_batchadd takes 1 to {LEAGUE_BATCH_MAX} items in body['list']")
        _check_league_items(items, "ratio", "service_ratio")
        path = "/channels/ec/league/item/headsupplier/batchadd"
        return [as_dict(entry) for entry in as_list(self._write(path, body).get("result_info_list"))]

    def league_promotion_plan_list(
        self,
        *,
        product_id: str | int | None = None,
        promotion_plan_type: int | None = None,
        page_index: int = 1,
        page_size: int = 100,
    ) -> PromotionPlanPage:
        """One page of the shop's plans (2026 model): ids and types, optionally of one product or one type."""
        body = _without_none(
            {
                "product_id": as_id(product_id) or None,
                "promotion_plan_type": None if promotion_plan_type is None else _check_league_type(promotion_plan_type),
                "page_index": _check_positive("page_index", page_index),
                "page_size": _check_page_size(page_size, cap=100),
            }
        )
        payload = self._read("/channels/ec/league/promotion/plan/list", body)
        plans = [
            PromotionPlanRef(
                promotion_plan_id=as_id(entry.get("promotion_plan_id")), type=as_int(entry.get("promotion_plan_type"))
            )
            for entry in map(as_dict, as_list(payload.get("list")))
        ]
        return PromotionPlanPage(
            plans=plans, total=as_int(payload.get("total_num")), has_more=as_bool(payload.get("continue_flag"))
        )

    def league_promotion_talent_list(
        self,
        *,
        product_id: str | int | None = None,
        promotion_plan_id: str | int | None = None,
        talent_appid: str | None = None,
        page_index: int = 1,
        page_size: int = 100,
    ) -> PromotionTalentPage:
        """One page of the talents promoting the shop's plans, each with its plan, ratio (``ratio_ppm``: the unit is
        UNCONFIRMED, SKIT says 万分数) and relation status."""
        body = _without_none(
            {
                "product_id": as_id(product_id) or None,
                "promotion_plan_id": as_id(promotion_plan_id) or None,
                "talent_appid": talent_appid or None,
                "page_index": _check_positive("page_index", page_index),
                "page_size": _check_page_size(page_size, cap=100),
            }
        )
        payload = self._read("/channels/ec/league/promotion/talent/list", body)
        talents = []
        for entry in map(as_dict, as_list(payload.get("list"))):
            base, commission = as_dict(entry.get("base_talent_info")), as_dict(entry.get("commission_info"))
            talents.append(
                PromotionTalent(
                    talent_appid=as_id(base.get("talent_appid")),
                    nickname=as_str(base.get("nickname")),
                    head_img=as_str(base.get("head_img")),
                    promotion_plan_id=as_id(commission.get("promotion_plan_id")),
                    promotion_plan_type=as_int(commission.get("promotion_plan_type")),
                    ratio_ppm=as_int(commission.get("ratio")),
                    relation_status=as_int(entry.get("talent_relation_status")),
                )
            )
        return PromotionTalentPage(
            talents=talents, total=as_int(payload.get("total_num")), has_more=as_bool(payload.get("continue_flag"))
        )

    def league_promoter_add(self, *, talent_appid: str | None = None, finder_id: str | None = None) -> None:
        """Invite a 达人 (status 1 邀请中 until the talent answers) by talent_appid or 视频号 finder_id (exactly one:
        ValueError). Write: never retried."""
        self._write("/channels/ec/league/promoter/add", _one_talent_key(talent_appid=talent_appid, finder_id=finder_id))

    def league_promoter_upd(self, *, type: int, talent_appid: str | None = None, finder_id: str | None = None) -> None:
        """``type`` 1 取消邀请 (an invitation) or 2 结束合作 (a cooperation); ValueError otherwise. Write."""
        if type not in (1, 2):
            raise ValueError("league_promoter_upd type must be 1 (取消邀请) or 2 (结束合作)")
        body = {**_one_talent_key(talent_appid=talent_appid, finder_id=finder_id), "type": type}
        self._write("/channels/ec/league/promoter/upd", body)

    def league_promoter_delete(self, *, talent_appid: str | None = None, finder_id: str | None = None) -> None:
        """Remove a talent who is neither invited nor cooperating from the list (status 10). Write."""
        body = _one_talent_key(talent_appid=talent_appid, finder_id=finder_id)
        self._write("/channels/ec/league/promoter/delete", body)

    def league_promoter_list(self, *, page_index: int, page_size: int, status: int | None = None) -> TalentPage:
        """One page of the shop's 达人 (talents: ``talent_appid`` and nickname) with the total; ``has_more`` is the
        platform's ``continue_flag``. The 2026 talent model: ``finder_ids`` went offline on 2026-03-30. page_size
        at most 20 (the 2026 doc review; 200 before: the smaller is safe). Status 0/1/2/3/4/5/10; none: all but 10."""
        body = _without_none(
            {
                "page_index": _check_positive("page_index", page_index),
                "page_size": _check_page_size(page_size, cap=20),
                "status": status,
            }
        )
        payload = self._read("/channels/ec/league/promoter/list/get", body)
        talents = [
            TalentRef(talent_appid=as_id(entry.get("talent_appid")), nickname=as_str(entry.get("nickname")))
            for entry in map(as_dict, as_list(payload.get("list")))
            if as_id(entry.get("talent_appid"))
        ]
        return TalentPage(
            talents=talents, total=as_int(payload.get("total_num")), has_more=as_bool(payload.get("continue_flag"))
        )

    def league_promoter_get(
        self, *, talent_appid: str | None = None, finder_id: str | None = None, talent_search_key: str | None = None
    ) -> TalentPayload:
        """The raw ``talent`` object (base_talent_info, data, feature_info), looked up by exactly one of its
        talent_appid, its 视频号 finder_id or a talent_search_key. ValueError for none or several."""
        given = _one_talent_key(talent_appid=talent_appid, finder_id=finder_id, talent_search_key=talent_search_key)
        path = "/channels/ec/league/promoter/get"
        return _required_block(self._read(path, given), "talent", path)

    def league_talent_product_data_list(
        self, *, talent_appid: str, get_data_type: int = 1, page_index: int = 1, page_size: int = 20
    ) -> TalentProductPage:
        """One page of a talent's figures per product of the shop (GMV in fen, order counts), with the commission
        in force for it now (``commission_type``: the plan type, 0 none; ``ratio_ppm``: unit UNCONFIRMED).
        ``get_data_type`` 1 all time / 2 sold in the last 30 days (UNCONFIRMED encoding)."""
        if get_data_type not in (1, 2):
            raise ValueError("get_data_type must be 1 (all time) or 2 (last 30 days)")
        body = {
            "talent_appid": _check_id("talent_appid", talent_appid),
            "get_data_type": get_data_type,
            "page_index": _check_positive("page_index", page_index),
            "page_size": _check_page_size(page_size, cap=100),
        }
        payload = self._read("/channels/ec/league/talent/getproductdatalist", body)
        products = []
        for entry in map(as_dict, as_list(payload.get("list"))):
            data, commission = as_dict(entry.get("product_data")), as_dict(entry.get("talent_commission_info"))
            products.append(
                TalentProductData(
                    product_id=as_id(entry.get("spu_id")),
                    total_sale_gmv=as_int(data.get("total_sale_gmv")),
                    sale_gmv_30d=as_int(data.get("sale_gmv_30d")),
                    total_order_num=as_int(data.get("total_order_num")),
                    order_num_30d=as_int(data.get("order_num_30d")),
                    commission_type=as_int(commission.get("commission_type")),
                    ratio_ppm=as_int(commission.get("ratio")),
                )
            )
        return TalentProductPage(
            products=products, total=as_int(payload.get("total_num")), has_more=as_bool(payload.get("continue_flag"))
        )

    def league_talent_update(self, *, talent_appid: str, blacklisted: bool) -> None:
        """Blacklist (拉黑) or un-blacklist a talent. ``upd_talent_type`` 1 拉黑 / 2 取消拉黑 is UNCONFIRMED (SKIT
        names the call, not its values). Write: never retried."""
        body = {"talent_appid": _check_id("talent_appid", talent_appid), "upd_talent_type": 1 if blacklisted else 2}
        self._write("/channels/ec/league/talent/update", body)

    # -- live ----------------------------------------------------------------------------------------------------------
    # The shop-side 分享员 APIs (/channels/ec/sharer/*, the live-notice sharer link among them) went offline on
    # 2025-03-07; promoting a live notice is the agencies' 推客 business now.

    def finderlive_notice_records(self) -> list[LiveNoticePayload]:
        """The linked 视频号's live notices (直播预约). ApiPermissionError (48001) if 开放场景 is not enabled."""
        payload = self._read("/channels/ec/finderlive/getfinderlivenoticerecordlist", {})
        return [as_dict(entry) for entry in as_list(payload.get("live_notice_list"))]

    # -- cooperation accounts (合作账号) ------------------------------------------------------------------------------
    # SKIT marks these APIs as taken offline on 2025-06-16; the official page still documents them.

    def cooperation_list(self, sharer_type: int) -> list[CooperationAccountPayload]:
        """Cooperation accounts of one kind (2 公众号, 3 小程序). Their times are in milliseconds."""
        body = {"sharer_type": _check_sharer_type(sharer_type)}
        return [as_dict(entry) for entry in as_list(self._read("/channels/ec/cooperation/list", body).get("data_list"))]

    def cooperation_qrcode(self, sharer_type: int, *, sharer_id: str | None = None) -> str:
        """Generate an invitation QR code; return it base64-encoded (``data.qrcode_base64``). Write: not retried."""
        # A new invitation each time, so a write. Request and response fields come from SKIT (UNCONFIRMED officially).
        path = "/channels/ec/cooperation/invitation/qrcode/generate"
        body = _without_none({"sharer_type": _check_sharer_type(sharer_type), "sharer_id": sharer_id})
        qrcode = as_str(as_dict(self._write(path, body).get("data")).get("qrcode_base64"))
        if not qrcode:
            raise ServerError(errcode=0, errmsg="response has no data.qrcode_base64", request_id="", endpoint=path)
        return qrcode

    def cooperation_cancel(self, *, sharer_id: str, sharer_type: int) -> None:
        """Cancel a pending invitation. Write: not retried."""
        body = {"sharer_id": _check_id("sharer_id", sharer_id), "sharer_type": _check_sharer_type(sharer_type)}
        self._write("/channels/ec/cooperation/invitation/cancel", body)

    def cooperation_unbind(self, *, sharer_id: str, sharer_type: int) -> None:
        """Unbind a cooperation account. Write: not retried."""
        # The path is UNCONFIRMED (Appendix B): WxJava uses /channels/ec/cooperation/unbind, SKIT (the newer, more
        # complete SDK, whose catalogue groups it with the other invitation calls) /invitation/unbind. SKIT wins.
        body = {"sharer_id": _check_id("sharer_id", sharer_id), "sharer_type": _check_sharer_type(sharer_type)}
        self._write("/channels/ec/cooperation/invitation/unbind", body)

    # -- WeCom ---------------------------------------------------------------------------------------------------------

    def wecom_id(self, *, corp_id: str, user_id: str | None = None) -> WeComIdPayload:
        """The shop-side opaque ``wecom_corp_id`` / ``wecom_user_id`` for a linked 企业微信 corp (and member)."""
        path = "/channels/ec/wecom/get_wecom_id"
        body = _without_none({"corp_id": _check_id("corp_id", corp_id), "user_id": user_id})
        return _required_block(self._read(path, body), "data", path)


@dataclass(frozen=True)
class RecordPage:
    """One page of an agency list whose entries are the records themselves (推客, bound talents): each entry is the
    platform's raw dict. ``next_key`` is "" on the last page, whatever the platform echoes there."""

    records: list[dict]
    next_key: str


FUNDS_FLOW_PAGE_MAX = 100  # UNCONFIRMED: the documented default is 10, no maximum is published
FUNDS_FLOW_NEXT_KEY_FROM = 5000  # next_key is required once page × page_size reaches this


class AgencyClient(BaseClient):
    """A 带货机构's (head supplier's) APIs, called with the agency's own appid and secret: the headsupplier
    (``/channels/ec/league/headsupplier/…``) and 推客 (``/channels/ec/promoter/…``) families. All are reads but
    ``promoter_sharer_commission_set``."""

    def headsupplier_order_list(
        self,
        *,
        update_start: int | None = None,
        update_end: int | None = None,
        create_start: int | None = None,
        create_end: int | None = None,
        shop_appid: str | None = None,
        page_size: int = 30,
        next_key: str = "",
    ) -> CommissionOrderPage:
        """Commission order keys (order_id, sku_id) in the given windows, optionally for one shop.

        ValueError without a window, for a window over 7 days (the documented limit is for shop orders; applying it
        here too is a choice, UNCONFIRMED for agencies), or page_size outside 1..30.
        """
        update_range = _time_range("update window", update_start, update_end, max_span=ORDER_WINDOW_MAX_S)
        create_range = _time_range("create window", create_start, create_end, max_span=ORDER_WINDOW_MAX_S)
        if update_range is None and create_range is None:
            raise ValueError("headsupplier_order_list needs an update window or a create window")
        body = _without_none(
            {
                "appid": shop_appid or None,
                "update_time_range": update_range,
                "create_time_range": create_range,
                "page_size": _check_page_size(page_size, cap=30),
                "next_key": next_key or None,
            }
        )
        payload = self._read("/channels/ec/league/headsupplier/order/list/get", body)
        keys = [
            (as_id(entry.get("order_id")), as_id(entry.get("sku_id")))
            for entry in map(as_dict, as_list(payload.get("list")))
            if as_id(entry.get("order_id"))
        ]
        return CommissionOrderPage(
            keys=keys, next_key=as_str(payload.get("next_key")), has_more=as_bool(payload.get("has_more"))
        )

    def headsupplier_order_get(self, order_id: str | int, sku_id: str | int) -> CommissionOrderPayload:
        """The raw commission order, under the official typo ``commssion_order`` (the correct spelling is accepted)."""
        path = "/channels/ec/league/headsupplier/order/get"
        body = {"order_id": _check_id("order_id", order_id), "sku_id": _check_id("sku_id", sku_id)}
        return _required_block(self._read(path, body), "commssion_order", path, "commission_order")

    def headsupplier_item_list(self, *, shop_appid: str, page_size: int = 30, next_key: str = "") -> IdPage:
        """Product ids of one shop's items promoted to this agency. ValueError for page_size outside 1..30."""
        body = _without_none(
            {
                "appid": _check_id("shop_appid", shop_appid),
                "page_size": _check_page_size(page_size, cap=30),
                "next_key": next_key or None,
            }
        )
        payload = self._read("/channels/ec/league/headsupplier/item/list/get", body)
        ids = [
            pid for pid in (as_id(as_dict(entry).get("product_id")) for entry in as_list(payload.get("list"))) if pid
        ]
        return IdPage(ids=ids, next_key=as_str(payload.get("next_key")), has_more=as_bool(payload.get("has_more")))

    def headsupplier_item_get(self, *, shop_appid: str, product_id: str | int) -> HeadSupplierItemPayload:
        """The raw ``item`` (product info and commission terms)."""
        path = "/channels/ec/league/headsupplier/item/get"
        body = {"appid": _check_id("shop_appid", shop_appid), "product_id": _check_id("product_id", product_id)}
        return _required_block(self._read(path, body), "item", path)

    def headsupplier_shop_list(self, *, page_size: int = 30, next_key: str = "") -> ShopListPage:
        """One page of the shops cooperating with this agency. ValueError for page_size outside 1..30."""
        body = _without_none({"page_size": _check_page_size(page_size, cap=30), "next_key": next_key or None})
        payload = self._read("/channels/ec/league/headsupplier/shop/list/get", body)
        shops = []
        for entry in map(as_dict, as_list(payload.get("shop_list"))):
            base = as_dict(entry.get("base_info"))
            shops.append(
                CooperativeShop(
                    appid=as_str(base.get("appid")),
                    nickname=as_str(base.get("nickname")),
                    headimg_url=as_str(base.get("headimg_url")),
                    status=as_int(entry.get("status")),
                )
            )
        return ShopListPage(
            shops=shops, next_key=as_str(payload.get("next_key")), has_more=as_bool(payload.get("has_more"))
        )

    def headsupplier_shop_get(self, *, shop_appid: str) -> dict:
        """The raw ``shop_detail`` of one cooperating shop: base_info, data_info{gmv, product_number, settle_amount,
        unsettle_amount, product_number_today, product_number_sold_today} (fen), status, approved_time."""
        path = "/channels/ec/league/headsupplier/shop/get"
        return _required_block(self._read(path, {"appid": _check_id("shop_appid", shop_appid)}), "shop_detail", path)

    # -- funds ---------------------------------------------------------------------------------------------------------

    def headsupplier_funds_balance(self) -> dict:
        """The raw balance answer: ``available_amount`` and ``pending_amount`` in fen."""
        payload = self._read("/channels/ec/league/headsupplier/funds/balance/get", {})
        return {
            "available_amount": as_int(payload.get("available_amount")),
            "pending_amount": as_int(payload.get("pending_amount")),
        }

    def headsupplier_funds_flow_list(
        self,
        *,
        page: int = 1,
        page_size: int = 10,
        start_time: int | None = None,
        end_time: int | None = None,
        funds_type: int | None = None,
        next_key: str = "",
    ) -> IdPage:
        """Flow ids booked in [start_time, end_time] (Unix seconds), one page. ValueError for a page below 1, a
        page_size outside 1..100, one time without the other, and a deep page (page × page_size ≥ 5000) without
        the ``next_key`` the previous page returned."""
        _check_positive("page", page)
        _check_page_size(page_size, cap=FUNDS_FLOW_PAGE_MAX)
        if (start_time is None) != (end_time is None):
            raise ValueError("funds flow list: give both start_time and end_time, or neither")
        if page * page_size >= FUNDS_FLOW_NEXT_KEY_FROM and not next_key:
            raise ValueError("funds flow list: pages this deep need the previous page's next_key")
        body = _without_none(
            {
                "page": page,
                "page_size": page_size,
                "start_time": None if start_time is None else _unix("start_time", start_time),
                "end_time": None if end_time is None else _unix("end_time", end_time),
                "funds_type": funds_type,
                "next_key": next_key or None,
            }
        )
        return _id_page(self._read("/channels/ec/league/headsupplier/funds/flowlist/get", body), "flow_ids")

    def headsupplier_funds_flow_get(self, flow_id: str | int) -> dict:
        """The raw ``funds_flow``: flow_id, funds_type (1 提现, 2 分账), amount, balance, bookkeeping_time (a string of
        Unix seconds), remark, order_id, withdraw_id."""
        path = "/channels/ec/league/headsupplier/funds/flowdetail/get"
        return _required_block(self._read(path, {"flow_id": _check_id("flow_id", flow_id)}), "funds_flow", path)

    # -- 推客 and bound accounts (/channels/ec/promoter/…) -----------------------------------------------------------

    def promoter_bind_sharer_list(
        self, *, page_size: int = 20, next_key: str = "", sharer_appid: str | None = None
    ) -> RecordPage:
        """One page of the 推客 bound to the agency: sharer_appid, nickname, head_img_url, bind_time,
        commission_type, commission_ratio. The answer has no has_more: an empty page or an empty next_key ends
        the list. ValueError for page_size outside 1..20 (UNCONFIRMED limit)."""
        body = _without_none(
            {
                "page_size": _check_page_size(page_size, cap=20),
                "next_key": next_key or None,
                "sharer_appid": sharer_appid or None,
            }
        )
        payload = self._read("/channels/ec/promoter/get_bind_sharer_list", body)
        records = [entry for entry in map(as_dict, as_list(payload.get("sharer_info_list"))) if entry]
        return RecordPage(records=records, next_key=as_str(payload.get("next_key")) if records else "")

    def promoter_sharer_commission_set(self, *, sharer_appid: str, commission_type: int, commission_ratio: int) -> None:
        """Set the share of commission the agency gives one 推客 (a write: never retried). The ratio is sent as
        given; its unit is UNCONFIRMED (SKIT says 万分数)."""
        body = {
            "sharer_appid": _check_id("sharer_appid", sharer_appid),
            "commission_type": _check_nonnegative("commission_type", commission_type),
            "commission_ratio": _check_nonnegative("commission_ratio", commission_ratio),
        }
        self._write("/channels/ec/promoter/set_sharer_commission_info", body)

    def promoter_bind_talent_list(
        self, *, page_size: int = 10, next_key: str = "", talent_appid: str | None = None
    ) -> RecordPage:
        """One page of the talents bound to the agency: talent_appid, talent_nickname, talent_head_img, bind_time,
        related_finder_exportname_list, related_mp_biz_appid_list. ValueError for page_size outside 1..10."""
        body = _without_none(
            {
                "page_size": _check_page_size(page_size, cap=10),
                "next_key": next_key or None,
                "talent_appid": talent_appid or None,
            }
        )
        payload = self._read("/channels/ec/promoter/get_bind_talent_list", body)
        records = [entry for entry in map(as_dict, as_list(payload.get("talent_list"))) if entry]
        more = as_bool(payload.get("has_more")) and bool(records)
        return RecordPage(records=records, next_key=as_str(payload.get("next_key")) if more else "")

    def promoter_product_link(self, **target: str | int) -> str:
        """The short link through which a 推客 promotes one product (``short_link``). ``target``: sharer_appid or
        sharer_openid; shop_appid or head_supplier_appid; product_id or product_short_link (see
        ``_promotion_target``)."""
        path = "/channels/ec/promoter/get_product_promotion_link_info"
        return _check_returned_id(self._read(path, _promotion_target(target)).get("short_link"), "short_link", path)

    def promoter_product_qrcode(self, **target: str | int) -> str:
        """The URL of the QR code through which a 推客 promotes one product (``qrcode_url``); ``target`` as for
        ``promoter_product_link``."""
        path = "/channels/ec/promoter/get_product_promotion_qrcode_info"
        return _check_returned_id(self._read(path, _promotion_target(target)).get("qrcode_url"), "qrcode_url", path)


# ---------------------------------------------------------------------------------------------------------------------
# Helpers for the typed methods


def _check_returned_id(value: Any, name: str, path: str) -> str:
    text = as_id(value)
    if not text:
        raise ServerError(errcode=0, errmsg=f"response has no {name}", request_id="", endpoint=path)
    return text


def _check_league_type(value: Any) -> int:
    if isinstance(value, bool) or value not in (1, 2, 3):
        raise ValueError("league item type must be 1 (普通), 2 (定向) or 3 (专属)")
    return value


def _check_ratio(name: str, value: Any) -> int:
    """A ratio the merchant sets: a whole percent 0–90 (推广佣金 [0, 90]%)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= LEAGUE_RATIO_MAX:
        raise ValueError(f"{name} must be a whole percent from 0 to {LEAGUE_RATIO_MAX}, got {value!r}")
    return value


def _check_league_items(items: list, *ratios: str) -> None:
    """Each item an object with a product_id and whole-percent ``ratios``; no product twice."""
    seen = set()
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("each item is an object {product_id, ratio…}")
        product_id = _check_id("product_id", item.get("product_id"))
        if product_id in seen:
            raise ValueError(f"product {product_id} is listed twice")
        seen.add(product_id)
        for name in ratios or ("ratio",):
            _check_ratio(name, item.get(name))


def _check_plan_talents(plan_type: int, body: dict) -> None:
    """定向/专属 name 1–30 talents (talent_appids, promoter_ids or the deprecated finder_ids); 普通 names none."""
    named = {as_id(v) for key in ("talent_appids", "promoter_ids", "finder_ids") for v in as_list(body.get(key))}
    named.discard("")
    if plan_type == 1 and named:
        raise ValueError("a 普通 plan names no talents")
    if plan_type in (2, 3) and not 1 <= len(named) <= LEAGUE_TALENTS_MAX:
        raise ValueError(f"a 定向/专属 plan names 1 to {LEAGUE_TALENTS_MAX} talents")


def _league_item_key(
    type: Any, product_id: str | int | None, info_id: str | int | None, promotion_plan_id: str | int | None = None
) -> dict:
    """普通 plans are keyed by product_id; 定向/专属 by promotion_plan_id or info_id (product_id may accompany)."""
    _check_league_type(type)
    body: dict[str, Any] = {"type": type}
    for name, value in (("product_id", product_id), ("info_id", info_id), ("promotion_plan_id", promotion_plan_id)):
        if as_id(value):
            body[name] = as_id(value)
    if type == 1 and "product_id" not in body:
        raise ValueError("type 1 (普通推广) items are addressed by product_id")
    if type in (2, 3) and "info_id" not in body and "promotion_plan_id" not in body:
        raise ValueError("type 2/3 (定向/专属) items are addressed by promotion_plan_id or info_id")
    return body


def _one_talent_key(**keys: str | None) -> dict:
    given = {name: as_id(value) for name, value in keys.items() if as_id(value)}
    if len(given) != 1:
        raise ValueError("give exactly one of " + ", ".join(keys))
    return given


def _check_sharer_type(value: int) -> int:
    if value not in (2, 3):
        raise ValueError("sharer_type must be 2 (公众号) or 3 (小程序)")
    return value


def _check_nonnegative(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return value


PROMOTION_TARGET_PAIRS = (
    ("sharer_appid", "sharer_openid"),
    ("shop_appid", "head_supplier_appid"),
    ("product_id", "product_short_link"),
)


def _promotion_target(target: dict) -> dict:
    """The body of a 推客 product promotion call: exactly one of each pair in ``PROMOTION_TARGET_PAIRS`` (ValueError
    otherwise, and for any other name)."""
    known = {name for pair in PROMOTION_TARGET_PAIRS for name in pair}
    unknown = set(target) - known
    if unknown:
        raise ValueError(f"unknown promotion target fields: {', '.join(sorted(unknown))}")
    body = {}
    for pair in PROMOTION_TARGET_PAIRS:
        given = [name for name in pair if as_id(target.get(name))]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {' / '.join(pair)}")
        body[given[0]] = as_id(target[given[0]])
    return body
