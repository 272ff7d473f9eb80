"""Storing the platform's order fund flows (OrderFlow). The sync (incentives.flows_sync) and the settle-push
refresh both come here."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from incentives.models.flows import AMOUNT_FIELDS, STATE_FIELDS, TIME_FIELDS, OrderFlow
from shopops.models import Shop
from shopops.wechat.types import as_dict, as_id, as_int, as_list, as_str, platform_time

COLUMNS = [
    *STATE_FIELDS.values(),
    *TIME_FIELDS.values(),
    *AMOUNT_FIELDS.values(),
    "post_settlement_expense",
    "product_list",
]


@dataclass(frozen=True)
class FlowsStored:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def flow_values(flow: dict) -> dict:
    """An OrderFlow's columns from one listorderflow entry (ids as strings, amounts in fen, times aware)."""
    values = {column: as_int(flow.get(key)) for key, column in {**STATE_FIELDS, **AMOUNT_FIELDS}.items()}
    values.update({column: platform_time(flow.get(key)) for key, column in TIME_FIELDS.items()})
    values["post_settlement_expense"] = as_dict(flow.get("post_settlement_expense"))
    values["product_list"] = [
        {
            "product_id": as_id(p.get("product_id")),
            "product_name": as_str(p.get("product_name")),
            "sale_price_fen": as_int(p.get("sale_price")),
            "count": as_int(p.get("count")),
            "is_gift": bool(p.get("is_gift")),
            "params": [
                {"key": as_str(as_dict(a).get("key")), "value": as_str(as_dict(a).get("value"))}
                for a in as_list(p.get("param_list"))
            ],
        }
        for p in (as_dict(item) for item in as_list(flow.get("product_list")))
    ]
    return values


def order_flows_store(*, shop: Shop, flows: list[dict], synced_at: datetime) -> FlowsStored:
    """Upsert the entries by (shop, order_id): new orders are created, changed ones updated (with ``synced_at``),
    identical ones left untouched — storing the same page twice changes nothing. Entries without an order id are
    ignored; of an order listed twice the last entry wins."""
    incoming: dict[str, dict] = {}
    for flow in flows:
        order_id = as_id(as_dict(flow).get("order_id"))
        if order_id:
            incoming[order_id] = flow_values(flow)
    if not incoming:
        return FlowsStored()
    with transaction.atomic():
        existing = {
            row.order_id: row
            for row in OrderFlow.objects.for_shop(shop).select_for_update().filter(order_id__in=list(incoming))
        }
        new, changed = [], []
        for order_id, values in incoming.items():
            row = existing.get(order_id)
            if row is None:
                new.append(OrderFlow(shop=shop, order_id=order_id, synced_at=synced_at, **values))
            elif any(getattr(row, column) != value for column, value in values.items()):
                for column, value in values.items():
                    setattr(row, column, value)
                row.synced_at = synced_at
                changed.append(row)
        OrderFlow.objects.bulk_create(new, batch_size=500)
        OrderFlow.objects.bulk_update(changed, [*COLUMNS, "synced_at"], batch_size=500)
    return FlowsStored(created=len(new), updated=len(changed), unchanged=len(incoming) - len(new) - len(changed))
