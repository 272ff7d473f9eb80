"""The 电商成长卡 console pages: list with totals and statuses (expiring soon highlighted), empty state, a fixed number
of queries whatever the cards, adding a card, recording a boost in yuan, refusals on their field with nothing
changed, reversing with confirmation, roles, and another shop's cards never shown."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from incentives.models import CardSpend, Entry, GrowthCard, Journal
from incentives.selectors.ledger import balance, balances
from incentives.services.growth import card_issue, card_spend
from tests.factories import MembershipFactory, ShopFactory
from tests.helpers import assert_constant_queries, console_url, flash_messages

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def issue(shop, number="GC001", fen=50_000, until=date(2026, 11, 30), **kwargs):
    kwargs = {"issued_on": date(2026, 11, 1), **kwargs}
    return card_issue(shop=shop, card_number=number, face_value_fen=fen, valid_until=until, **kwargs)


def ledger_state():
    return (
        list(Journal.objects.order_by("pk").values_list("pk", "key")),
        list(Entry.objects.order_by("pk").values_list("pk", "amount_fen")),
        list(CardSpend.objects.order_by("pk").values_list("pk", "amount_fen")),
        list(GrowthCard.objects.order_by("pk").values_list("pk", "card_number")),
    )


def test_the_list_shows_balances_statuses_and_totals_and_never_another_shops_card(owner_client, shop):
    valid = issue(shop, "A")
    card_spend(card=valid, amount_fen=1_050, spent_on=TODAY, live_name="直播")
    expiring = issue(shop, "B", fen=2_000, until=date(2026, 11, 12))
    other = issue(ShopFactory(), "OTHER")

    response = owner_client.get(console_url("growth_card_list", shop))

    assert response.status_code == 200
    rows = [(c.card_number, c.remaining_fen, c.status) for c in response.context["cards"]]
    assert rows == [("B", 2_000, "expiring"), ("A", 48_950, "valid")]
    totals = response.context["totals"]
    assert (totals.usable_fen, totals.expiring_fen, totals.spent_fen, totals.expired_fen) == (50_950, 2_000, 1_050, 0)
    html = response.content.decode()
    assert f'id="growth-card-{expiring.pk}" class="table-warning"' in html
    assert "¥489.50" in html and "¥509.50" in html
    assert other.card_number not in html and f"growth-card-{other.pk}" not in html


def test_the_list_filters_by_status(owner_client, shop):
    issue(shop, "A")
    issue(shop, "OLD", until=date(2026, 11, 9))
    response = owner_client.get(console_url("growth_card_list", shop) + "?status=expired")
    assert [c.card_number for c in response.context["cards"]] == ["OLD"]


def test_the_list_has_an_empty_state(owner_client, shop):
    response = owner_client.get(console_url("growth_card_list", shop))
    assert response.status_code == 200
    assert 'id="no-cards"' in response.content.decode()
    assert console_url("growth_card_create", shop) in response.content.decode()


def test_the_list_runs_the_same_queries_for_1_and_30_cards(owner_client, shop):
    made = iter(range(1000))

    def add_rows(n):
        for _ in range(n):
            card = issue(shop, f"C{next(made)}")
            card_spend(card=card, amount_fen=100, spent_on=TODAY, live_name="直播")

    _few, many = assert_constant_queries(owner_client, console_url("growth_card_list", shop), add_rows, large=30)
    assert len(many.context["cards"]) == 30


def test_adding_a_card_in_yuan_books_it_in_fen(owner_client, shop):
    response = owner_client.post(
        console_url("growth_card_create", shop),
        {"card_number": "GC2025-11", "face_value_fen": "1234.56", "issued_on": "2026-11-01",
         "valid_until": "2026-12-31", "source": "manual", "programme_month": "", "note": "双11 活动"},
    )  # fmt: skip
    card = GrowthCard.objects.get(shop=shop)
    assert response.status_code == 302
    assert response.url == console_url("growth_card_detail", shop, pk=card.pk)
    assert (card.card_number, card.face_value_fen, card.valid_until, card.created_by) == (
        "GC2025-11", 123_456, date(2026, 12, 31), shop.memberships.get().user,
    )  # fmt: skip
    assert balances(shop) == {"growth_card:GC2025-11": 123_456, "incentive_income": -123_456}


def test_a_refused_card_shows_the_reason_on_its_field_and_writes_nothing(owner_client, shop):
    issue(shop, "GC1")
    before = ledger_state()
    response = owner_client.post(
        console_url("growth_card_create", shop),
        {"card_number": "GC1", "face_value_fen": "10", "issued_on": "2026-11-05", "valid_until": "2026-11-01",
         "source": "manual"},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert {name: [e.code for e in errs] for name, errs in errors.items()} == {
        "card_number": ["duplicate"], "valid_until": ["validity"],
    }  # fmt: skip
    assert ledger_state() == before


def test_a_boost_in_yuan_is_recorded_on_the_card(owner_client, shop):
    card = issue(shop)
    url = console_url("growth_card_detail", shop, pk=card.pk)
    response = owner_client.post(url, {"live_name": "双11 专场", "live_id": "export/abc", "amount_fen": "123.45",
                                       "spent_on": "2026-11-10", "memo": ""})  # fmt: skip
    assert response.status_code == 302 and response.url == url
    spend = CardSpend.objects.get()
    assert (spend.amount_fen, spend.live_name, spend.live_id, spend.spent_on) == (
        12_345, "双11 专场", "export/abc", TODAY,
    )  # fmt: skip
    assert balance(shop, "growth_card:GC001") == 37_655
    page = owner_client.get(url)
    assert page.context["card"].remaining_fen == 37_655
    assert [(h.kind, h.amount_fen, h.balance_fen) for h in page.context["history"]] == [
        ("issue", 50_000, 50_000), ("spend", -12_345, 37_655),
    ]  # fmt: skip
    assert "¥123.45" in page.content.decode()


@pytest.mark.parametrize(
    ("amount", "day", "field", "code"),
    [("500.01", "2026-11-10", "amount_fen", "exceeds_balance"), ("10", "2026-12-01", "spent_on", "expired")],
)
def test_a_refused_boost_shows_the_reason_on_its_field_and_changes_nothing(owner_client, shop, amount, day, field,
                                                                          code):  # fmt: skip
    card = issue(shop)
    before = ledger_state()
    response = owner_client.post(
        console_url("growth_card_detail", shop, pk=card.pk),
        {"live_name": "直播", "amount_fen": amount, "spent_on": day},
    )
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()[field]] == [code]
    assert ledger_state() == before
    assert balance(shop, "growth_card:GC001") == 50_000


def test_reversing_a_boost_asks_first_then_restores_the_balance(owner_client, shop):
    card = issue(shop)
    spend = card_spend(card=card, amount_fen=20_000, spent_on=TODAY, live_name="直播")
    url = console_url("growth_card_spend_reverse", shop, pk=card.pk, spend=spend.pk)

    ask = owner_client.get(url)
    assert ask.status_code == 200
    assert ask.context["confirm_label"] and ledger_state()[1][-1][1] == -20_000  # asking changed nothing
    assert balance(shop, "growth_card:GC001") == 30_000

    response = owner_client.post(url)
    assert response.status_code == 302
    assert response.url == console_url("growth_card_detail", shop, pk=card.pk)
    assert balance(shop, "growth_card:GC001") == 50_000
    assert Journal.objects.get(reverses=spend.journal).booked_on == TODAY

    before = ledger_state()
    again = owner_client.post(url, follow=True)
    assert flash_messages(again)[-1] == "该加热记录已冲销。"  # "This boost is already reversed."
    assert ledger_state() == before


def test_an_analyst_sees_cards_but_cannot_change_them(client, shop):
    card = issue(shop)
    spend = card_spend(card=card, amount_fen=100, spent_on=TODAY, live_name="直播")
    analyst = MembershipFactory(shop=shop, role="analyst")
    client.force_login(analyst.user)
    before = ledger_state()
    assert client.get(console_url("growth_card_list", shop)).status_code == 200
    detail = client.get(console_url("growth_card_detail", shop, pk=card.pk))
    assert detail.status_code == 200 and 'id="spend-form"' not in detail.content.decode()
    assert client.post(console_url("growth_card_detail", shop, pk=card.pk),
                       {"live_name": "x", "amount_fen": "1", "spent_on": "2026-11-10"}).status_code == 403  # fmt: skip
    assert client.get(console_url("growth_card_create", shop)).status_code == 403
    assert client.post(console_url("growth_card_spend_reverse", shop, pk=card.pk, spend=spend.pk)).status_code == 403
    assert ledger_state() == before


def test_another_shops_card_and_boost_answer_404(owner_client, shop):
    other = issue(ShopFactory(), "OTHER")
    spend = card_spend(card=other, amount_fen=100, spent_on=TODAY, live_name="直播")
    mine = issue(shop, "MINE")
    before = ledger_state()
    assert owner_client.get(console_url("growth_card_detail", shop, pk=other.pk)).status_code == 404
    # The other shop's boost under my own card's URL is not mine either.
    assert (
        owner_client.post(console_url("growth_card_spend_reverse", shop, pk=mine.pk, spend=spend.pk)).status_code == 404
    )
    assert (
        owner_client.post(console_url("growth_card_spend_reverse", shop, pk=other.pk, spend=spend.pk)).status_code
        == 404
    )
    assert ledger_state() == before


def test_the_sidebar_links_the_cards(owner_client, shop):
    response = owner_client.get(console_url("incentive_ledger", shop))
    assert console_url("growth_card_list", shop) in response.content.decode()
