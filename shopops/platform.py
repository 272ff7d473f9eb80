"""Django-side adapters for the plain-Python WeChat client: the shared token store, the API call log, and the
factory that builds a client for a shop from its stored credentials."""

import threading
from datetime import UTC, datetime
from functools import cache

import requests
from django.conf import settings
from django.db import transaction
from requests.adapters import HTTPAdapter

from shopops.bulk import rows_write
from shopops.models import ApiCall, PlatformToken, Shop
from shopops.wechat.client import AgencyClient, BaseClient, CallRecord, MemoryTokenStore, ShopClient, TokenStore


class DbTokenStore:
    """Access tokens in the database, shared by every web and worker process; a per-process copy saves reads."""

    _local: dict[str, tuple[str, float]] = {}
    _lock = threading.Lock()

    def get(self, key: str) -> tuple[str, float] | None:
        with self._lock:
            cached = self._local.get(key)
        if cached:
            return cached
        row = PlatformToken.objects.filter(appid=key).values_list("token", "expires_at").first()
        if row:
            with self._lock:
                self._local[key] = (row[0], row[1])
        return row

    def set(self, key: str, token: str, expires_at: float) -> None:
        PlatformToken.objects.update_or_create(appid=key, defaults={"token": token, "expires_at": expires_at})
        with self._lock:
            self._local[key] = (token, expires_at)

    def invalidate(self, key: str, token: str) -> None:
        with self._lock:
            if self._local.get(key, ("",))[0] == token:
                del self._local[key]
        with transaction.atomic():
            row = PlatformToken.objects.select_for_update().filter(appid=key).first()
            if row and row.token == token:
                row.delete()


class ApiCallLog:
    """Collects the client's call records (from any thread) and writes them in one insert per flush."""

    def __init__(self, *, shop: Shop | None, appid: str):
        self.shop, self.appid = shop, appid
        self._records: list[tuple[CallRecord, datetime]] = []
        self._lock = threading.Lock()

    def __call__(self, record: CallRecord) -> None:
        with self._lock:
            self._records.append((record, datetime.now(tz=UTC)))

    def flush(self) -> int:
        with self._lock:
            records, self._records = self._records, []
        rows_write(
            ApiCall,
            [
                {
                    "shop_id": self.shop.pk if self.shop else None,
                    "appid": self.appid,
                    "endpoint": r.endpoint[:200],
                    "http_status": r.http_status,
                    "errcode": r.errcode,
                    "error": r.error[:60],
                    "attempt": r.attempt,
                    "duration_ms": r.duration_ms,
                    "request_id": r.request_id[:80],
                    "created_at": at,
                }
                for r, at in records
            ],
        )
        return len(records)


@cache
def _session() -> requests.Session:
    """One pooled HTTP session per process, shared by every client. urllib3 never retries: the client decides."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=settings.SYNC_DETAIL_WORKERS * 2, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def shop_client(
    shop: Shop, *, log: ApiCallLog | None = None, client_class: type[ShopClient] = ShopClient, **options
) -> ShopClient:
    return _client(shop.appid, shop.app_secret, DbTokenStore(), log=log, client_class=client_class, **options)


def agency_client(
    agency=None, *, appid: str = "", secret: str = "", log: ApiCallLog | None = None, **options
) -> AgencyClient:
    """A client for a 带货机构's own platform account: ``agency`` is any object with ``appid`` and ``app_secret``
    (affiliates.Agency; the core does not import the app), or give ``appid`` and ``secret``. Its token is shared
    through the database like a shop's (keyed by the agency's appid). ValueError without credentials."""
    if agency is not None:
        appid, secret = agency.appid, agency.app_secret
    return _client(appid, secret, DbTokenStore(), log=log, client_class=AgencyClient, **options)


def credentials_client(*, appid: str, secret: str, log: ApiCallLog | None = None, **options) -> ShopClient:
    """A client for credentials being tried (not necessarily the shop's stored ones). Its access token lives in a
    private in-memory store: trying them neither rides on the shared cached token of ``appid`` (which may have been
    fetched with another AppSecret) nor replaces it."""
    return _client(appid, secret, MemoryTokenStore(), log=log, **options)


def _client(
    appid: str,
    secret: str,
    token_store: TokenStore,
    *,
    log: ApiCallLog | None,
    client_class: type[BaseClient] = ShopClient,
    **options,
) -> BaseClient:
    return client_class(
        appid=appid,
        secret=secret,
        base_url=settings.WECHAT_API_BASE,
        token_store=token_store,
        recorder=log,
        session=_session(),
        connect_timeout=settings.WECHAT_CONNECT_TIMEOUT,
        read_timeout=settings.WECHAT_READ_TIMEOUT,
        backoff_base=settings.WECHAT_BACKOFF_BASE,
        **options,
    )
