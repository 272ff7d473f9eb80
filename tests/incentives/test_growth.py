"""电商成长卡 services and selectors: exact ledger postings for issue, spend, reversal and expiry; refusals that change
nothing; a card never below 0 (also under two concurrent spends on PostgreSQL); statuses and history."""

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override

from incentives.models import CardSource, CardSpend, Entry, GrowthCard, Journal, LedgerAccount
from incentives.selectors.growth import (
    CardStatus,
    card_history,
    card_spends,
    growth_card_get_for_shop_or_404,
    growth_card_totals,
    growth_cards_for_shop,
)
from incentives.selectors.ledger import balance, balances
from incentives.services.growth import card_issue, card_spend, card_spend_reverse, cards_expire
from incentives.services.ledger import post_journal
from incentives.tasks import growth_cards_expire
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db
POSTGRESQL = connection.vendor == "postgresql"
ISSUED, UNTIL = date(2026, 11, 1), date(2026, 11, 30)
TODAY = date(2026, 11, 10)


def issue(shop, number="GC001", fen=50_000, **kwargs):
    kwargs = {"issued_on": ISSUED, "valid_until": UNTIL, **kwargs}
    return card_issue(shop=shop, card_number=number, face_value_fen=fen, **kwargs)


def spend(card, fen, day=TODAY, **kwargs):
    kwargs = {"live_name": "双11 直播", **kwargs}
    return card_spend(card=card, amount_fen=fen, spent_on=day, today=TODAY, **kwargs)


def ledger_state():
    return (
        list(Journal.objects.order_by("pk").values_list("pk", "key")),
        list(Entry.objects.order_by("pk").values_list("pk", "amount_fen")),
        list(CardSpend.objects.order_by("pk").values_list("pk", "amount_fen")),
        list(GrowthCard.objects.order_by("pk").values_list("pk", "card_number")),
    )


def journal_entries(key):
    journal = Journal.objects.get(key=key)
    return journal.kind, journal.booked_on, sorted(journal.entries.values_list("account__code", "amount_fen"))


# --- issue ------------------------------------------------------------------------------------------------------------


def test_a_manual_card_is_income_on_its_issue_day(shop):
    card = issue(shop)
    assert journal_entries(f"growth_card_issue:{card.pk}") == (
        "growth_card_issue", ISSUED, [("growth_card:GC001", 50_000), ("incentive_income", -50_000)],
    )  # fmt: skip
    assert card.account.code == "growth_card:GC001"
    assert balance(shop, "growth_card:GC001") == 50_000


def test_a_programme_card_moves_what_is_pending_and_credits_only_the_excess_as_income(shop):
    post_journal(shop=shop, key="incentive:o1:p@1:1", kind="incentive_accrual", booked_on=date(2026, 10, 20),
                 entries=[("growth_card:pending", 30_000), ("incentive_income", -30_000)])  # fmt: skip
    card = issue(shop, source=CardSource.PROGRAMME, programme_month=date(2026, 10, 15))
    assert card.programme_month == date(2026, 10, 1)
    assert journal_entries(f"growth_card_issue:{card.pk}")[2] == [
        ("growth_card:GC001", 50_000), ("growth_card:pending", -30_000), ("incentive_income", -20_000),
    ]  # fmt: skip
    assert balances(shop) == {"growth_card:GC001": 50_000, "growth_card:pending": 0, "incentive_income": -50_000}


def test_a_programme_card_smaller_than_what_is_pending_leaves_the_rest_pending(shop):
    post_journal(shop=shop, key="incentive:o1:p@1:1", kind="incentive_accrual", booked_on=date(2026, 10, 20),
                 entries=[("growth_card:pending", 80_000), ("incentive_income", -80_000)])  # fmt: skip
    issue(shop, source=CardSource.PROGRAMME, programme_month=date(2026, 10, 1))
    assert balances(shop) == {"growth_card:GC001": 50_000, "growth_card:pending": 30_000, "incentive_income": -80_000}


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"fen": 0}, "face_value_fen", "not_positive"),
        ({"fen": -100}, "face_value_fen", "not_positive"),
        ({"valid_until": date(2026, 10, 31)}, "valid_until", "validity"),
        ({"number": "pending"}, "card_number", "reserved"),
        ({"number": "GC 1"}, "card_number", "card_number"),
        ({"programme_month": date(2026, 10, 1)}, "programme_month", "month_manual"),
    ],
)
def test_refused_cards_write_nothing(shop, kwargs, field, code):
    before = ledger_state()
    with pytest.raises(ValidationError) as refused:
        issue(shop, **kwargs)
    assert [e.code for e in refused.value.error_dict[field]] == [code]
    assert ledger_state() == before


def test_a_card_number_is_entered_once_per_shop(shop):
    issue(shop)
    before = ledger_state()
    with pytest.raises(ValidationError) as refused:
        issue(shop, fen=100)
    assert refused.value.error_dict["card_number"][0].code == "duplicate"
    assert ledger_state() == before
    other = issue(ShopFactory(), fen=100)  # the same number in another shop is another card
    assert balance(other.shop, "growth_card:GC001") == 100


# --- spend ------------------------------------------------------------------------------------------------------------


def test_a_spend_moves_the_amount_to_boost_expense_on_the_boost_day(shop):
    card = issue(shop)
    boost = spend(card, 12_345, live_id="export/abc", memo="开播加热")
    assert (boost.live_id, boost.live_name, boost.amount_fen, boost.spent_on) == (
        "export/abc",
        "双11 直播",
        12_345,
        TODAY,
    )
    assert journal_entries(boost.journal.key) == (
        "growth_card_spend", TODAY, [("boost_expense", 12_345), ("growth_card:GC001", -12_345)],
    )  # fmt: skip
    assert boost.journal.key == f"growth_card_spend:{boost.public_id}"
    assert balance(shop, "growth_card:GC001") == 37_655
    spend(card, 37_655)  # to the last fen
    assert balance(shop, "growth_card:GC001") == 0


@pytest.mark.parametrize(
    ("fen", "day", "live", "field", "code"),
    [
        (50_001, TODAY, "直播", "amount_fen", "exceeds_balance"),
        (0, TODAY, "直播", "amount_fen", "not_positive"),
        (-1, TODAY, "直播", "amount_fen", "not_positive"),
        (100, date(2026, 10, 31), "直播", "spent_on", "not_yet_valid"),
        (100, date(2026, 12, 1), "直播", "spent_on", "expired"),
        (100, date(2026, 11, 11), "直播", "spent_on", "future"),
        (100, TODAY, "", "live_name", "live_required"),
    ],
)
def test_refused_spends_write_nothing_and_leave_the_balance(shop, fen, day, live, field, code):
    card = issue(shop)
    before = ledger_state()
    with pytest.raises(ValidationError) as refused:
        spend(card, fen, day, live_name=live)
    assert [e.code for e in refused.value.error_dict[field]] == [code]
    assert ledger_state() == before
    assert balance(shop, "growth_card:GC001") == 50_000


def test_the_balance_refusal_says_what_is_left_in_the_users_language(shop):
    card = issue(shop)
    spend(card, 40_000)
    with pytest.raises(ValidationError) as refused:
        spend(card, 10_001)
    assert refused.value.message_dict == {"amount_fen": ["该成长卡余额仅剩 ¥100.00。"]}
    with override("en"), pytest.raises(ValidationError) as refused:
        spend(card, 10_001)
    assert refused.value.message_dict == {"amount_fen": ["Only ¥100.00 is left on the card."]}


def test_sequential_over_spend_is_refused_and_the_card_never_goes_below_zero(shop):
    card = issue(shop, fen=1_000)
    spend(card, 600)
    before = ledger_state()
    with pytest.raises(ValidationError):
        spend(card, 401)
    assert ledger_state() == before
    spend(card, 400)
    with pytest.raises(ValidationError):
        spend(card, 1)
    assert balance(shop, "growth_card:GC001") == 0


def test_a_spend_locks_the_card_row_before_reading_the_balance(shop):
    card = issue(shop)
    with CaptureQueriesContext(connection) as queries:
        spend(card, 100)
    sql = [q["sql"] for q in queries]
    lock = next(i for i, s in enumerate(sql) if "incentives_growthcard" in s)
    read = next(i for i, s in enumerate(sql) if "SUM(" in s.upper())
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in sql[lock]
    assert lock < read


@pytest.mark.skipif(not POSTGRESQL, reason="row locks are PostgreSQL's (SQLite serialises every write)")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_spends_never_take_a_card_below_zero():
    shop = ShopFactory()
    card = issue(shop, fen=1_000)
    barrier, outcomes = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            spend(GrowthCard.objects.get(pk=card.pk), 700)
            outcomes.append("spent")
        except ValidationError as exc:
            outcomes.append(exc.error_dict["amount_fen"][0].code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["exceeds_balance", "spent"]
    assert balance(shop, "growth_card:GC001") == 300
    assert CardSpend.objects.count() == 1


# --- reversal ---------------------------------------------------------------------------------------------------------


def test_a_reversal_restores_the_balance_and_keeps_the_spend(shop):
    card = issue(shop)
    boost = spend(card, 20_000)
    reversal = card_spend_reverse(spend=boost, today=TODAY)
    assert reversal.reverses_id == boost.journal_id
    assert journal_entries(reversal.key) == (
        "growth_card_spend", TODAY, [("boost_expense", -20_000), ("growth_card:GC001", 20_000)],
    )  # fmt: skip
    assert balance(shop, "growth_card:GC001") == 50_000
    assert balance(shop, "boost_expense") == 0
    assert [(s.pk, s.reversed) for s in card_spends(card=card)] == [(boost.pk, True)]
    before = ledger_state()
    with pytest.raises(ValidationError) as refused:
        card_spend_reverse(spend=boost, today=TODAY)
    assert refused.value.code == "already_reversed"
    assert ledger_state() == before


# --- expiry -----------------------------------------------------------------------------------------------------------


def test_expiry_writes_off_exactly_what_is_left_once_per_card(shop):
    card = issue(shop)
    spend(card, 12_345)
    used = issue(shop, number="GC002", fen=1_000)
    spend(used, 1_000)
    later = issue(shop, number="GC003", valid_until=date(2026, 12, 31))
    other = issue(ShopFactory(), number="GC009", fen=700)

    assert cards_expire(today=date(2026, 11, 30)) == 0  # the last valid day is still valid
    assert cards_expire(today=date(2026, 12, 1)) == 2
    assert journal_entries(f"growth_card_expiry:{card.pk}") == (
        "growth_card_expiry", date(2026, 12, 1), [("growth_card:GC001", -37_655), ("growth_card_expired", 37_655)],
    )  # fmt: skip
    assert journal_entries(f"growth_card_expiry:{other.pk}")[2] == [
        ("growth_card:GC009", -700), ("growth_card_expired", 700),
    ]  # fmt: skip
    assert not Journal.objects.filter(key=f"growth_card_expiry:{used.pk}").exists()  # nothing left to write off
    assert balance(shop, "growth_card:GC001") == 0
    assert balance(shop, "growth_card:GC003") == 50_000 == later.face_value_fen

    before = ledger_state()
    assert cards_expire(today=date(2026, 12, 2)) == 0
    assert ledger_state() == before


def test_a_reversal_after_the_write_off_expires_with_the_card(shop):
    card = issue(shop)
    boost = spend(card, 10_000)
    cards_expire(today=date(2026, 12, 1))
    card_spend_reverse(spend=boost, today=date(2026, 12, 3))
    assert balance(shop, "growth_card:GC001") == 0
    assert balance(shop, "growth_card_expired") == 50_000
    assert balance(shop, "boost_expense") == 0
    assert cards_expire(today=date(2026, 12, 4)) == 0


# --- selectors --------------------------------------------------------------------------------------------------------


def test_statuses_and_totals_follow_the_ledger_and_the_calendar(shop):
    valid = issue(shop, number="A", valid_until=date(2026, 12, 31))
    expiring = issue(shop, number="B", fen=2_000, valid_until=date(2026, 11, 16))  # 7th day counting today
    later = issue(shop, number="C", fen=3_000, issued_on=date(2026, 11, 20), valid_until=date(2026, 12, 31))
    used = issue(shop, number="D", fen=1_000)
    spend(used, 1_000)
    expired = issue(shop, number="E", fen=4_000, valid_until=date(2026, 11, 9))
    spend(valid, 100)
    cards_expire(today=TODAY)
    other_shop_card = issue(ShopFactory(), number="Z")

    with CaptureQueriesContext(connection) as queries:
        rows = [(c.card_number, c.remaining_fen, c.status) for c in growth_cards_for_shop(shop=shop, today=TODAY)]
    assert len(queries) == 1
    assert rows == [
        ("B", 2_000, CardStatus.EXPIRING),
        ("A", 49_900, CardStatus.VALID),
        ("C", 3_000, CardStatus.NOT_YET_VALID),
        ("D", 0, CardStatus.USED_UP),
        ("E", 0, CardStatus.EXPIRED),
    ]
    assert [c.card_number for c in growth_cards_for_shop(shop=shop, status="expired", today=TODAY)] == ["E"]
    assert growth_card_totals(shop=shop, today=TODAY).__dict__ == {
        "usable_fen": 54_900, "expiring_fen": 2_000, "spent_fen": 1_100, "expired_fen": 4_000,
    }  # fmt: skip
    assert growth_card_get_for_shop_or_404(shop=shop, pk=expiring.pk, today=TODAY).status == CardStatus.EXPIRING
    assert {later.pk, expired.pk} <= set(GrowthCard.objects.for_shop(shop).values_list("pk", flat=True))
    with pytest.raises(Http404):
        growth_card_get_for_shop_or_404(shop=shop, pk=other_shop_card.pk)


def test_history_lists_issue_spends_reversals_and_expiry_with_running_balance(shop):
    card = issue(shop, fen=10_000)
    first = spend(card, 3_000, date(2026, 11, 5))
    spend(card, 2_000, date(2026, 11, 6))
    card_spend_reverse(spend=first, today=date(2026, 11, 8))
    cards_expire(today=date(2026, 12, 1))
    history = [(h.booked_on, h.kind, h.amount_fen, h.balance_fen) for h in card_history(card=card)]
    assert history == [
        (ISSUED, "issue", 10_000, 10_000),
        (date(2026, 11, 5), "spend", -3_000, 7_000),
        (date(2026, 11, 6), "spend", -2_000, 5_000),
        (date(2026, 11, 8), "spend_reversal", 3_000, 8_000),
        (date(2026, 12, 1), "expiry", -8_000, 0),
    ]
    assert LedgerAccount.objects.get(code="growth_card:GC001").growth_card == card


def test_the_daily_task_writes_off_expired_cards(shop):
    issue(shop, fen=800)
    with time_machine.travel(datetime(2026, 12, 1, 0, 5, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        assert growth_cards_expire() == "1 growth cards written off"
        assert growth_cards_expire() == "0 growth cards written off"
    assert balances(shop) == {"growth_card:GC001": 0, "growth_card_expired": 800, "incentive_income": -800}
