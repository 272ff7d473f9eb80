"""The 激励规则 console pages: the shop's rule-set versions with their sources and status, a new version in percent
and yuan, the edit of a version that has earned nothing, refusals on their fields with nothing saved, the FINANCE
permission, and a constant number of queries."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from incentives.models import Accrual, RuleSet
from incentives.services.rules import ruleset_install_example, ruleset_new_version
from shopops.roles import Role
from tests.factories import MembershipFactory
from tests.helpers import assert_constant_queries, console_url

pytestmark = pytest.mark.django_db

VERSION_2 = {
    "name": "2026 私域激励", "valid_from": "2026-12-01", "valid_to": "2026-12-31", "sources": ["0:2", "1:3"],
    "rate_ppm": "0.5", "min_order_basis_fen": "10", "cap_per_order_fen": "2.50", "cap_per_month_fen": "",
    "after_sale_days": "7", "reward_form": "growth_card", "note": "按官方通知",
}  # fmt: skip


def earned(ruleset: RuleSet) -> None:
    Accrual.objects.create(
        shop=ruleset.shop, key=f"o1:s1:{ruleset.label}:1", ruleset=ruleset, order_id="o1", sku_id="s1", step=1,
        kind="accrual", channel="mp_article", basis_fen=1_000, amount_fen=10, booked_on=date(2026, 11, 2),
        created_at=timezone.now(),
    )  # fmt: skip


def test_the_page_lists_each_version_with_its_sources_rate_caps_and_status(owner_client, shop):
    example = ruleset_install_example(shop=shop)
    earned(example)
    ruleset_new_version(ruleset=example, rate_ppm=2_500, cap_per_order_fen=None)
    html = owner_client.get(console_url("incentive_rules", shop)).content.decode()
    assert "激励规则" in html and "示例比例" in html
    for source in ("关联公众号", "关联服务号", "关联企业微信", "合作小程序"):
        assert source in html
    assert "1%" in html and "0.25%" in html and "¥3.00" in html
    assert html.count("已产生激励（锁定）") == 1 and html.count("尚未使用") == 1
    v1, v2 = console_url("incentive_rules_edit", shop, pk=example.pk), RuleSet.objects.get(shop=shop, version=2)
    assert v1 not in html  # earned: no edit, only a new version
    assert console_url("incentive_rules_edit", shop, pk=v2.pk) in html


def test_a_new_version_is_saved_in_percent_and_yuan_from_the_chosen_one(owner_client, shop, owner):
    example = ruleset_install_example(shop=shop)
    page = owner_client.get(console_url("incentive_rules_new_version", shop, pk=example.pk))
    initial = page.context["form"].initial
    assert (initial["rate_ppm"], initial["cap_per_order_fen"], initial["valid_from"]) == (
        Decimal(1), Decimal(3), timezone.localdate(),  # from today, not from the chosen version's start
    )  # fmt: skip
    assert sorted(initial["sources"]) == ["0:2", "0:4", "0:6", "1:3"]

    response = owner_client.post(console_url("incentive_rules_new_version", shop, pk=example.pk), VERSION_2)
    assert response.status_code == 302
    new = RuleSet.objects.get(shop=shop, version=2)
    assert (new.code, new.name, new.is_example, new.supersedes, new.created_by) == (
        "private_domain", "2026 私域激励", False, example, owner.user,
    )  # fmt: skip
    assert (new.rate_ppm, new.min_order_basis_fen, new.cap_per_order_fen, new.cap_per_month_fen) == (
        5_000, 1_000, 250, None,
    )  # fmt: skip
    assert (new.cap_at_order_fee, new.after_sale_days, new.reward_form, new.note) == (
        False, 7, "growth_card", "按官方通知",
    )  # fmt: skip
    # 00:00 Beijing time of the first day, and of the day after the last
    assert (new.valid_from, new.valid_to) == (
        datetime(2026, 11, 30, 16, tzinfo=UTC),
        datetime(2026, 12, 31, 16, tzinfo=UTC),
    )
    assert sorted(new.sources.values_list("sale_channel", "account_type")) == [(0, 2), (1, 3)]
    assert RuleSet.objects.get(pk=example.pk).rate_ppm == 10_000  # the older version is left as it was


def test_refusals_land_on_their_fields_and_nothing_is_saved(owner_client, shop):
    example = ruleset_install_example(shop=shop)
    url = console_url("incentive_rules_new_version", shop, pk=example.pk)
    response = owner_client.post(url, VERSION_2 | {"rate_ppm": "101", "sources": [], "after_sale_days": "-1"})
    assert response.status_code == 200
    assert sorted(response.context["form"].errors) == ["after_sale_days", "rate_ppm", "sources"]
    response = owner_client.post(url, VERSION_2 | {"valid_to": "2026-11-01"})  # the service's rule
    assert response.status_code == 200
    assert response.context["form"].errors["valid_to"] == ["版本的结束时间必须晚于开始时间。"]
    assert list(RuleSet.objects.filter(shop=shop).values_list("version", flat=True)) == [1]


def test_a_version_that_has_earned_nothing_is_edited_in_place_and_one_that_has_is_refused(owner_client, shop):
    example = ruleset_install_example(shop=shop)
    draft = ruleset_new_version(ruleset=example, rate_ppm=2_000)
    page = owner_client.get(console_url("incentive_rules_edit", shop, pk=draft.pk))
    assert page.context["form"].initial["valid_from"] == date(2025, 1, 1)  # its own
    response = owner_client.post(console_url("incentive_rules_edit", shop, pk=draft.pk), VERSION_2)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.version, draft.rate_ppm, draft.cap_per_order_fen) == (2, 5_000, 250)
    assert RuleSet.objects.filter(shop=shop).count() == 2

    earned(example)
    before = RuleSet.objects.filter(pk=example.pk).values().get()
    response = owner_client.post(console_url("incentive_rules_edit", shop, pk=example.pk), VERSION_2)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["该版本已产生计提，不能修改：请创建新版本。"]
    assert RuleSet.objects.filter(pk=example.pk).values().get() == before


def test_changing_the_rules_takes_the_finance_permission(client, shop):
    example = ruleset_install_example(shop=shop)
    client.force_login(MembershipFactory(shop=shop, role=Role.OPERATOR).user)
    html = client.get(console_url("incentive_rules", shop)).content.decode()
    assert "示例比例" in html and console_url("incentive_rules_new_version", shop, pk=example.pk) not in html
    for name in ("incentive_rules_new_version", "incentive_rules_edit"):
        assert client.get(console_url(name, shop, pk=example.pk)).status_code == 403
        assert client.post(console_url(name, shop, pk=example.pk), VERSION_2).status_code == 403
    assert RuleSet.objects.filter(shop=shop).count() == 1
    client.force_login(MembershipFactory(shop=shop, role=Role.FINANCE).user)
    assert client.post(console_url("incentive_rules_new_version", shop, pk=example.pk), VERSION_2).status_code == 302


def test_the_page_runs_a_fixed_number_of_queries(owner_client, shop):
    example = ruleset_install_example(shop=shop)

    def add_versions(n):
        for _ in range(n):
            ruleset_new_version(ruleset=example, rate_ppm=5_000)

    _few, many = assert_constant_queries(owner_client, console_url("incentive_rules", shop), add_versions, large=20)
    assert many.content.decode().count('id="ruleset-') == 21
