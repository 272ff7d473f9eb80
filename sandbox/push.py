"""Message push: recording platform events and delivering them, encrypted, to the account's callback URL.

Delivery follows the platform: secure mode (WXBizMsgCrypt) with a JSON body ``{"ToUserName", "Encrypt"}`` and the
query ``signature``, ``timestamp``, ``nonce``, ``encrypt_type=aes``, ``msg_signature``; 5 s timeout; a 2xx answer
whose body is ``success`` or empty is delivered, anything else fails. After a failed push the next one is due
after 0 s, 0 s, 10 s, 1 min, 5 min, 30 min, 60 min, 60 min, 60 min — at most 10 pushes (the first plus nine
retries, ≈3.6 h), then the delivery is given up. Every push leaves a PushAttempt row.
"""

import json
import secrets
import time
from dataclasses import dataclass

import requests
from django.db import transaction

from sandbox import crypto, faults
from sandbox.clock import platform_now
from sandbox.lifecycle import Emitted
from sandbox.models import Account, PushAttempt, PushDelivery, PushEvent

RETRY_DELAYS = (0, 0, 10, 60, 300, 1800, 3600, 3600, 3600)  # wait after failed push n (1..9)
MAX_PUSHES = len(RETRY_DELAYS) + 1
TIMEOUT = 5


def envelope(account: Account, emitted: Emitted) -> dict:
    """The plaintext message: the standard event header and the event's own body."""
    return {
        "ToUserName": account.username,
        "FromUserName": emitted.from_user,
        "CreateTime": emitted.create_time,
        "MsgType": "event",
        "Event": emitted.event,
        **emitted.body,
    }


def can_deliver(account: Account) -> bool:
    return bool(account.pushes_enabled and account.callback_url and account.push_token and account.encoding_aes_key)


@transaction.atomic
def events_record(emitted: list[Emitted], accounts: dict[str, Account]) -> list[PushEvent]:
    """Store events in emission order and queue a delivery for each (two for a duplicated one) where the
    receiving account has push configured. Events for an appid missing from ``accounts`` are dropped."""
    rows = [
        PushEvent(
            account=accounts[e.appid], event=e.event, create_time=e.create_time, payload=envelope(accounts[e.appid], e)
        )
        for e in emitted
        if e.appid in accounts
    ]
    PushEvent.objects.bulk_create(rows, batch_size=1000)
    now = platform_now()
    deliveries = []
    for account in {row.account_id: row.account for row in rows}.values():
        if not can_deliver(account):
            continue
        mine = [row for row in rows if row.account_id == account.pk]
        for row, twice in zip(mine, faults.push_duplicates(account, len(mine)), strict=True):
            deliveries.append(PushDelivery(event=row, account=account, next_attempt_at=now))
            if twice:
                deliveries.append(PushDelivery(event=row, account=account, next_attempt_at=now, duplicate=True))
    PushDelivery.objects.bulk_create(deliveries, batch_size=1000)
    return rows


def event_emit(*, account: Account, event: str, body: dict, from_user: str = "", create_time: int | None = None):
    """Record one event for ``account`` (modules outside the order lifecycle use this) and queue its delivery."""
    when = create_time if create_time is not None else (account.clock or int(platform_now()))
    return events_record([Emitted(account.appid, when, event, from_user, body)], {account.appid: account})[0]


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0  # failed pushes (attempts), not deliveries
    given_up: int = 0


def _request(account: Account, event: PushEvent) -> tuple[dict, bytes]:
    timestamp = str(int(platform_now()))
    nonce = str(secrets.randbelow(10**10))
    message = json.dumps(event.payload, ensure_ascii=False, separators=(",", ":")).encode()
    encrypted = crypto.encrypt(message, appid=account.appid, encoding_aes_key=account.encoding_aes_key)
    params = {
        "signature": crypto.signature(account.push_token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": crypto.signature(account.push_token, timestamp, nonce, encrypted),
    }
    body = json.dumps({"ToUserName": account.username, "Encrypt": encrypted}, separators=(",", ":")).encode()
    return params, body


def push_once(delivery: PushDelivery, session: requests.Session) -> bool:
    """Make the next push of ``delivery``, record it, and schedule the one after if it failed."""
    account = delivery.account
    started = time.monotonic()
    http_status, error, delivered = None, "", False
    try:
        params, body = _request(account, delivery.event)
        response = session.post(
            account.callback_url,
            params=params,
            data=body,
            timeout=TIMEOUT,
            headers={"Content-Type": "application/json"},
        )
        http_status = response.status_code
        text = response.text.strip()
        delivered = 200 <= http_status < 300 and text in ("", "success")
        if not delivered:
            error = f"HTTP {http_status}: {text[:200]}" if text else f"HTTP {http_status}"
    except (requests.RequestException, crypto.CryptoError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    duration_ms = int((time.monotonic() - started) * 1000)
    now = platform_now()
    delivery.attempt_count += 1
    PushAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempt_count,
        attempted_at=now,
        url=account.callback_url,
        http_status=http_status,
        delivered=delivered,
        error=error,
        duration_ms=duration_ms,
    )
    if delivered:
        delivery.status, delivery.next_attempt_at = PushDelivery.Status.DELIVERED, None
    elif delivery.attempt_count >= MAX_PUSHES:
        delivery.status, delivery.next_attempt_at = PushDelivery.Status.FAILED, None
    else:
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempt_count - 1]
    delivery.save(update_fields=["status", "attempt_count", "next_attempt_at"])
    return delivered


def deliver_due(*, appid: str | None = None) -> DeliveryReport:
    """Send every push that is due now (platform time), repeating while retries fall due at once (0 s delays).
    Within one batch, deliveries go out in emission order, or shuffled for an account with ``reorder_pushes``."""
    report = DeliveryReport()
    with requests.Session() as session:
        while True:
            due = PushDelivery.objects.filter(status=PushDelivery.Status.PENDING, next_attempt_at__lte=platform_now())
            if appid:
                due = due.filter(account__appid=appid)
            batch = list(due.select_related("event", "account", "account__faults").order_by("event_id", "id"))
            if not batch:
                return report
            by_account: dict[int, list[PushDelivery]] = {}
            for delivery in batch:
                by_account.setdefault(delivery.account_id, []).append(delivery)
            for deliveries in by_account.values():
                for delivery in faults.push_order(deliveries[0].account, deliveries):
                    if push_once(delivery, session):
                        report.delivered += 1
                    else:
                        report.failed += 1
                        report.given_up += delivery.status == PushDelivery.Status.FAILED


def deliver_wait(*, appid: str | None = None, max_wait: float | None = None, sleep=time.sleep) -> DeliveryReport:
    """Deliver until no delivery is pending (delivered or given up), sleeping until the next one falls due."""
    total = DeliveryReport()
    deadline = None if max_wait is None else platform_now() + max_wait
    while True:
        report = deliver_due(appid=appid)
        total.delivered += report.delivered
        total.failed += report.failed
        total.given_up += report.given_up
        pending = PushDelivery.objects.filter(status=PushDelivery.Status.PENDING)
        if appid:
            pending = pending.filter(account__appid=appid)
        upcoming = pending.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
        if upcoming is None:
            return total
        now = platform_now()
        if deadline is not None and upcoming > deadline:
            return total
        sleep(max(0.0, upcoming - now))


def callback_verify(account: Account) -> tuple[bool, str]:
    """The URL check the platform makes when push is configured: GET with signature/timestamp/nonce/echostr;
    the receiver must answer the raw echostr."""
    timestamp, nonce = str(int(platform_now())), str(secrets.randbelow(10**10))
    echostr = str(secrets.randbelow(10**19))
    params = {
        "signature": crypto.signature(account.push_token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": echostr,
    }
    try:
        response = requests.get(account.callback_url, params=params, timeout=TIMEOUT)
    except requests.RequestException as exc:
        return False, f"{type(exc).__name__}: {exc}"
    ok = response.status_code == 200 and response.text.strip() == echostr
    return ok, f"HTTP {response.status_code}: {response.text.strip()[:100]}"
