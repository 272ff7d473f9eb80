"""The commission roll-ups equal a from-scratch aggregate of the rows they sum, to the fen, after random syncs: the
merchant's (``CommissionRollup``, kept by ``commission_lines_refresh`` page by page, entries changed and removed
between pages) and the agency's (``CommissionOrderRollup``, kept by ``commission_orders_reconcile``)."""

import random
import zoneinfo
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.conf import settings

from affiliates.models import CommissionLine, CommissionOrder
from affiliates.models.commissions import CommissionOrderRollup, CommissionRollup
from affiliates.services.commissions import commission_lines_refresh, commission_orders_reconcile
from shopops.models import OrderLine
from tests.affiliates.test_commissions import AGENCY, entry, plan
from tests.factories import ORDER_T0, AfterSaleFactory, AgencyFactory, OrderFactory, OrderLineFactory, ShopFactory

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _random_entries(rng: random.Random) -> list[dict]:
    kind = rng.choice(["talent", "finder", "agency", "agency_only", "sharer"])
    amount = rng.randrange(0, 5000)
    if kind == "talent":
        return [entry(amount=amount, talent_id=f"wxtalent{rng.randrange(3)}", nickname=rng.choice(["小鹿", "阿远"]))]
    if kind == "finder":
        return [entry(amount=amount, finder_id=f"sphFinder{rng.randrange(3)}")]
    promoter = [entry(amount=amount, finder_id="sphPromoter")] if kind == "agency" else []
    if kind == "sharer":
        promoter = [entry(amount=amount)]  # a 推客: no id
    return [*promoter, entry(type=1, amount=rng.randrange(0, 900), agency_id=AGENCY, nickname="星河机构")]


def _expected_rollups(shop) -> Counter:
    """Every roll-up key of the shop's lines with its sums, from the lines themselves in Python."""
    lines = list(CommissionLine.objects.filter(shop=shop))
    lowest = defaultdict(lambda: 9)
    for line in lines:
        lowest[line.order_id, line.sku_id] = min(lowest[line.order_id, line.sku_id], line.party)
    sums = defaultdict(lambda: [0] * 7)
    for line in lines:
        month = line.pay_time.astimezone(BEIJING).date().replace(day=1) if line.pay_time else None
        key = (month or CommissionRollup.UNPAID_MONTH, line.party, line.party_id, line.nickname, line.agency_appid,
               line.product_id, line.reason)  # fmt: skip
        gmv = line.paid_fen if lowest[line.order_id, line.sku_id] == line.party else 0
        values = (1, line.paid_fen, line.refunded_fen, gmv, line.platform_amount_fen,
                  line.expected_amount_fen or 0, line.difference_fen)  # fmt: skip
        sums[key] = [a + b for a, b in zip(sums[key], values, strict=True)]
    return Counter({key: tuple(values) for key, values in sums.items()})


def _rollups(shop) -> Counter:
    fields = ("month", "party", "party_id", "nickname", "agency_appid", "product_id", "reason")
    return Counter(
        {
            tuple(row[:7]): tuple(row[7:])
            for row in CommissionRollup.objects.filter(shop=shop).values_list(*fields, *CommissionRollup.SUMS)
        }
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_merchant_rollup_equals_the_lines_summed_from_scratch(seed):
    rng = random.Random(seed)
    shop, other = ShopFactory(appid=f"wxrollup{seed}"), ShopFactory()
    plan(shop, ratio=10)
    plan(shop, ratio=12, service=3, agency=AGENCY)
    orders = []
    for n in range(60):
        # Around the turn of a Beijing month (2026-12-01 00:00 is 2026-11-30 16:00 UTC); a few never paid.
        pay_time = ORDER_T0.replace(day=30, hour=15) + timedelta(minutes=rng.randrange(0, 240))
        o = OrderFactory(shop=shop, pay_time=None if n % 13 == 0 else pay_time)
        for line_no in range(rng.choice([1, 1, 2])):
            OrderLineFactory(
                order=o,
                product_id=rng.choice(["10000001", "10000002"]),
                sku_id=f"4{line_no}",
                real_price_fen=rng.randrange(100, 20000),
                commission_infos=_random_entries(rng),
            )
        if rng.random() < 0.2:
            AfterSaleFactory(shop=shop, order_id=o.order_id, sku_id="40", status="MERCHANT_REFUND_SUCCESS",
                             refund_amount_fen=rng.randrange(0, 3000))  # fmt: skip
        orders.append(o.order_id)
    OrderLineFactory(order=OrderFactory(shop=other), commission_infos=_random_entries(rng))
    commission_lines_refresh(shop=other)

    for page in (orders[:25], orders[20:45], orders[40:]):  # sync pages, overlapping
        commission_lines_refresh(shop=shop, order_ids=page)
    assert _rollups(shop) == _expected_rollups(shop) and CommissionLine.objects.filter(shop=shop).count() > 60

    # The next sync: entries changed, removed, added; a refund; an order no longer paid.
    changed = rng.sample(orders, 20)
    for line in OrderLine.objects.filter(order__shop=shop, order__order_id__in=changed):
        line.commission_infos = _random_entries(rng) if rng.random() < 0.7 else []
        line.real_price_fen += rng.randrange(-50, 50)
        line.save()
    AfterSaleFactory(shop=shop, order_id=changed[0], sku_id="40", status="MERCHANT_REFUND_SUCCESS",
                     refund_amount_fen=500)  # fmt: skip
    commission_lines_refresh(shop=shop, order_ids=changed)
    assert _rollups(shop) == _expected_rollups(shop)
    assert not CommissionRollup.objects.filter(shop=shop, lines=0).exists()

    commission_lines_refresh(shop=shop)  # the whole shop: summed again, the same
    assert _rollups(shop) == _expected_rollups(shop)
    assert _rollups(other) == _expected_rollups(other)


def _expected_order_rollups(agency) -> Counter:
    sums = defaultdict(lambda: [0] * 4)
    for o in CommissionOrder.objects.filter(agency=agency):
        paid = o.pay_time.astimezone(BEIJING).date() if o.pay_time else CommissionOrderRollup.UNPAID_DAY
        key = (o.shop_appid, o.status, o.promoter_kind, o.create_time.astimezone(BEIJING).date(), paid)
        values = (1, o.actual_payment_fen, o.service_amount_fen, o.promoter_amount_fen)
        sums[key] = [a + b for a, b in zip(sums[key], values, strict=True)]
    return Counter({key: tuple(values) for key, values in sums.items()})


def _order_rollups(agency) -> Counter:
    fields = ("shop_appid", "status", "promoter_kind", "created_day", "paid_day")
    sums = ("count", "payment_fen", "service_fen", "promoter_fen")
    rows = CommissionOrderRollup.objects.filter(agency=agency).values_list(*fields, *sums)
    return Counter({tuple(row[:5]): tuple(row[5:]) for row in rows})


def _commission_order(rng: random.Random, agency, n: int) -> CommissionOrder:
    created = ORDER_T0.replace(hour=14) + timedelta(minutes=rng.randrange(0, 24 * 60))  # Beijing days change at 16 UTC
    paid = created + timedelta(minutes=rng.randrange(0, 600)) if rng.random() < 0.8 else None
    payment = rng.randrange(0, 30000)
    return CommissionOrder.objects.create(
        agency=agency, order_id=f"37{n:017d}", sku_id="1", shop_appid=rng.choice(["wxshopa", "wxshopb"]),
        product_id="p1", status=rng.choice(list(CommissionOrder.Status)), create_time=created, update_time=created,
        pay_time=paid, actual_payment_fen=payment, promoter_kind=rng.choice(["", "finder", "sharer"]),
        promoter_ratio_ppm=100_000, promoter_amount_fen=payment // 10, service_ratio_ppm=30_000,
        service_amount_fen=payment * 3 // 100, raw={}, synced_at=created,
    )  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2])
def test_the_agency_rollup_equals_its_commission_orders_summed_from_scratch(seed):
    rng = random.Random(seed)
    agency, other = AgencyFactory(), AgencyFactory()
    rows = [_commission_order(rng, agency, n) for n in range(50)]
    _commission_order(rng, other, 999)
    for page in (rows[:20], rows[20:]):
        commission_orders_reconcile(agency=agency, keys=[(o.order_id, o.sku_id) for o in page])
    assert _order_rollups(agency) == _expected_order_rollups(agency)

    # The next sync: statuses settle or cancel, amounts and pay times change, new orders arrive.
    changed = rng.sample(rows, 15)
    for o in changed:
        CommissionOrder.objects.filter(pk=o.pk).update(
            status=rng.choice(list(CommissionOrder.Status)),
            actual_payment_fen=o.actual_payment_fen + rng.randrange(-100, 100),
            pay_time=None if rng.random() < 0.2 else o.create_time + timedelta(hours=rng.randrange(0, 30)),
        )
    new = [_commission_order(rng, agency, n) for n in range(50, 55)]
    commission_orders_reconcile(agency=agency, keys=[(o.order_id, o.sku_id) for o in [*changed, *new]])
    assert _order_rollups(agency) == _expected_order_rollups(agency)
    assert not CommissionOrderRollup.objects.filter(agency=other).exists()  # not reconciled yet

    commission_orders_reconcile(agency=agency)  # all of them: summed again, the same
    assert _order_rollups(agency) == _expected_order_rollups(agency)
