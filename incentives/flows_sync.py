"""The sync of the platform's per-order fund flows (``funds/listorderflow``) into OrderFlow, through the core's sync
engine (shopops.sync.engine) under the shop's own lease, cursors, call log, failure counting and alerts.

One scan stream, ``order_flows``: every order created in the last ``HORIZON`` (settled or not: an order's flow
changes until it is settled, which the platform does within weeks of the order), listed by page context
(``pagination_info.use_page_ctx``) in pages of ``PAGE_SIZE``; the entries are the payloads (no detail call) and are
upserted by order id (incentives.services.flows.order_flows_store), so running it twice changes nothing. The
cursor's ``next_key`` holds {begin of the scanned range, page_ctx}: a killed run resumes at the page it was on.
Older orders keep the flow last synced (settled flows do not change).

The ``channels_ec_order_settle`` push is not used to refresh one order's flow: a listorderflow call per settled
order would add one API call per order to the shop's sync budget (tests/sync/test_completeness.py: ≤ 1.2× the
minimum); the hourly scan picks settled orders up.
"""

import json
from dataclasses import dataclass
from datetime import timedelta

from incentives.services.flows import order_flows_store
from shopops.models import Shop
from shopops.sync import engine

STREAM = "order_flows"
HORIZON = timedelta(days=60)
PAGE_SIZE = 100


@dataclass(frozen=True)
class Listing:
    ids: list
    next_key: str


def _flow_page(client, next_key: str) -> Listing:
    state = json.loads(next_key) if next_key else {"begin": int((engine.now() - HORIZON).timestamp()), "ctx": ""}
    end = int(engine.now().timestamp())
    page = client.order_flow_list(
        settle_state=0, create_begin=state["begin"], create_end=end, limit=PAGE_SIZE, page_ctx=state["ctx"]
    )
    more = len(page.flows) == PAGE_SIZE and page.page_ctx
    return Listing(ids=page.flows, next_key=json.dumps({"begin": state["begin"], "ctx": page.page_ctx}) if more else "")


def _store(*, shop, payloads, synced_at, **_):
    order_flows_store(shop=shop, flows=payloads, synced_at=synced_at)


def order_flow_stream(shop: Shop) -> engine.ScanStream:
    return engine.ScanStream(name=STREAM, list_page=_flow_page, fetch=None, store=_store)


def order_flows_sync(*, shop: Shop, seconds: float | None = None, client=None) -> engine.RunReport:
    """One run of the shop's fund-flow stream (and its pending push events). See the module."""
    return engine.subject_sync(
        subject=engine.shop_subject(shop), streams=[order_flow_stream(shop)], seconds=seconds, client=client
    )
