"""The month's incentive forecast: accrued plus pending, by channel and by linked account, to the fen."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from incentives.selectors.rules import ForecastRow, incentive_forecast
from incentives.services.evaluation import accruals_evaluate
from incentives.services.rules import ruleset_install_example
from shopops.models import Order
from tests.factories import ShopFactory
from tests.incentives.rules_support import (
    AS_OF,
    COOP_MINI,
    LINKED_FINDER,
    LINKED_MP,
    LINKED_WECOM,
    SETTLED,
    make_order,
    refund,
)

pytestmark = pytest.mark.django_db


def test_forecast_adds_accrued_and_pending_by_channel_and_account(shop):
    ruleset_install_example(shop=shop)
    make_order(shop, ("a", 19_990, LINKED_MP))  # settled 16 Nov: accrued 199
    october = make_order(shop, ("b", 30_000, LINKED_MP), settled=datetime(2026, 10, 20, tzinfo=UTC))  # 300, October
    accruals_evaluate(shop=shop, as_of=AS_OF, post=False)
    refund(october, "b", 30_000, at=AS_OF)  # refunded in November: −300 booked in November
    october.status = Order.Status.CANCELLED_AFTERSALE
    october.save()
    accruals_evaluate(shop=shop, as_of=AS_OF + timedelta(hours=1), post=False)

    make_order(shop, ("c", 45_678, LINKED_WECOM), settled=None, fee=10_000)  # pending 456 → order cap 300
    in_after_sale = make_order(shop, ("d", 8_000, COOP_MINI), settled=None, fee=50)  # 80, predicted fee 50 → 50
    refund(in_after_sale, "d", 3_000, status="MERCHANT_PROCESSING")  # not refunded yet: does not lower the basis
    settled_unevaluated = make_order(shop, ("e", 1_234, LINKED_MP), settled=SETTLED)  # final, not evaluated: 12
    make_order(shop, ("f", 99_999, LINKED_FINDER), settled=None)  # not eligible
    make_order(shop, ("g", 9_999, LINKED_MP), settled=None, status=Order.Status.CANCELLED)  # cancelled
    del settled_unevaluated

    with translation.override("en"):
        forecast = incentive_forecast(shop, as_of=AS_OF + timedelta(hours=2))
    assert forecast.month.isoformat() == "2026-11-01"
    assert (forecast.accrued_fen, forecast.pending_fen, forecast.total_fen) == (199 - 300, 300 + 50 + 12, 261)
    assert forecast.by_channel == [
        ForecastRow("wecom_forward", "WeCom member forward", 0, 300),
        ForecastRow("miniprogram", "Mini program", 0, 50),
        ForecastRow("mp_article", "Official account article", -101, 12),
    ]
    assert forecast.by_account == [
        ForecastRow("acct4", "账号4", 0, 300),
        ForecastRow("acct3", "账号3", 0, 50),
        ForecastRow("acct2", "账号2", -101, 12),
    ]


def test_forecast_of_another_month_and_shop(shop):
    ruleset_install_example(shop=shop)
    make_order(shop, ("a", 19_990, LINKED_MP))
    accruals_evaluate(shop=shop, as_of=AS_OF, post=False)
    december = incentive_forecast(shop, as_of=datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # 1 Dec in Beijing
    assert (december.month.isoformat(), december.accrued_fen, december.pending_fen) == ("2026-12-01", 0, 0)
    other = ShopFactory()
    empty = incentive_forecast(other, as_of=AS_OF)
    assert (empty.accrued_fen, empty.pending_fen, empty.by_channel, empty.by_account) == (0, 0, [], [])
