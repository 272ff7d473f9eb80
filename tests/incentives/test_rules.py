"""Incentive rule sets: the 2025 example, editing drafts only, new versions, and which version is in force."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from incentives.models import Accrual, RuleSet
from incentives.selectors.rules import ruleset_in_force, ruleset_segments
from incentives.services.evaluation import accruals_evaluate
from incentives.services.rules import (
    EXAMPLE_2025,
    ruleset_install_example,
    ruleset_new_version,
    ruleset_update,
)
from tests.incentives.rules_support import AS_OF, LINKED_MP, make_order

pytestmark = pytest.mark.django_db

START_2025 = datetime(2024, 12, 31, 16, 0, tzinfo=UTC)  # 2025-01-01 00:00 Beijing


def snapshot(ruleset):
    ruleset.refresh_from_db()
    return model_to_dict(ruleset), sorted(ruleset.sources.values_list("sale_channel", "account_type"))


def test_example_equals_the_emulator_constants(shop):
    ruleset = ruleset_install_example(shop=shop)
    # /work/briefs/12-constants.md: start unix 1735660800, 10,000 ppm floored per line, 300 fen per order and never
    # more than the fee, no month cap, settled = final, fee reduction; 关联 公众号/企业微信/服务号 and 合作 小程序.
    assert (ruleset.code, ruleset.version, ruleset.is_example) == ("private_domain", 1, True)
    assert ruleset.valid_from == START_2025 and int(ruleset.valid_from.timestamp()) == 1_735_660_800
    assert ruleset.valid_to is None
    assert (ruleset.rate_ppm, ruleset.cap_per_order_fen, ruleset.cap_per_month_fen) == (10_000, 300, None)
    assert (ruleset.cap_at_order_fee, ruleset.after_sale_days, ruleset.min_order_basis_fen) == (True, 0, 0)
    assert ruleset.reward_form == "fee_reduction"
    assert sorted(ruleset.sources.values_list("sale_channel", "account_type")) == [(0, 2), (0, 4), (0, 6), (1, 3)]


def test_example_migration_values_equal_the_service_constants():
    from importlib import import_module

    migration = import_module("incentives.migrations.0005_example_rules_2025")
    assert EXAMPLE_2025.valid_from == migration.VALID_FROM
    assert sorted(migration.SOURCES) == sorted(EXAMPLE_2025.sources)


def test_install_is_idempotent(shop):
    first = ruleset_install_example(shop=shop)
    assert ruleset_install_example(shop=shop) == first
    assert RuleSet.objects.for_shop(shop).count() == 1


def test_draft_can_be_edited(shop):
    ruleset = ruleset_install_example(shop=shop)
    ruleset_update(ruleset=ruleset, rate_ppm=20_000, sources=[(0, 2)])
    ruleset.refresh_from_db()
    assert ruleset.rate_ppm == 20_000
    assert list(ruleset.sources.values_list("sale_channel", "account_type")) == [(0, 2)]


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"rate_ppm": 1_000_001}, "rate_ppm", "rate"),
        ({"cap_per_order_fen": -1}, "cap_per_order_fen", "negative"),
        ({"cap_per_month_fen": -1}, "cap_per_month_fen", "negative"),
        ({"valid_to": START_2025}, "valid_to", "period"),
        ({"reward_form": "cash"}, "reward_form", "reward_form"),
        ({"sources": []}, "sources", "sources"),
    ],
)
def test_invalid_changes_are_refused_and_change_nothing(shop, changes, field, code):
    ruleset = ruleset_install_example(shop=shop)
    before = snapshot(ruleset)
    with pytest.raises(ValidationError) as refused:
        ruleset_update(ruleset=ruleset, **changes)
    assert [e.code for e in refused.value.error_dict[field]] == [code]
    assert snapshot(ruleset) == before


def test_unknown_field_is_refused(shop):
    ruleset = ruleset_install_example(shop=shop)
    with pytest.raises(ValidationError) as refused:
        ruleset_update(ruleset=ruleset, shop=None)
    assert refused.value.code == "field"


def test_used_version_is_never_edited(shop):
    ruleset = ruleset_install_example(shop=shop)
    make_order(shop, ("a", 19_990, LINKED_MP))
    accruals_evaluate(shop=shop, as_of=AS_OF, post=False)
    before = snapshot(ruleset)
    with pytest.raises(ValidationError) as refused:
        ruleset_update(ruleset=ruleset, rate_ppm=20_000)
    assert refused.value.code == "used"
    assert snapshot(ruleset) == before
    assert Accrual.objects.get().amount_fen == 199


def test_new_version_copies_and_supersedes(shop, owner):
    v1 = ruleset_install_example(shop=shop)
    before = snapshot(v1)
    v2 = ruleset_new_version(
        ruleset=v1, user=owner.user, rate_ppm=15_000, valid_from=datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
    )
    assert (v2.code, v2.version, v2.is_example, v2.supersedes, v2.created_by) == (
        "private_domain", 2, False, v1, owner.user,
    )  # fmt: skip
    assert (v2.rate_ppm, v2.cap_per_order_fen, v2.reward_form) == (15_000, 300, "fee_reduction")
    assert sorted(v2.sources.values_list("sale_channel", "account_type")) == [(0, 2), (0, 4), (0, 6), (1, 3)]
    assert snapshot(v1) == before
    v3 = ruleset_new_version(ruleset=v1, sources=[(0, 4)], valid_from=datetime(2026, 8, 1, tzinfo=UTC))
    assert v3.version == 3
    assert list(v3.sources.values_list("sale_channel", "account_type")) == [(0, 4)]


def test_new_version_with_bad_values_is_refused(shop):
    v1 = ruleset_install_example(shop=shop)
    with pytest.raises(ValidationError) as refused:
        ruleset_new_version(ruleset=v1, rate_ppm=-1)
    assert [e.code for e in refused.value.error_dict["rate_ppm"]] == ["rate"]
    assert RuleSet.objects.for_shop(shop).count() == 1


def test_segments_give_each_instant_the_highest_version(shop):
    v1 = ruleset_install_example(shop=shop)
    june, september = datetime(2026, 5, 31, 16, tzinfo=UTC), datetime(2026, 8, 31, 16, tzinfo=UTC)
    v2 = ruleset_new_version(ruleset=v1, rate_ppm=20_000, valid_from=june, valid_to=september)
    assert [(s.ruleset.version, s.starts, s.ends) for s in ruleset_segments(shop)] == [
        (1, START_2025, june),
        (2, june, september),
        (1, september, None),
    ]
    assert ruleset_in_force(shop, "private_domain", datetime(2026, 7, 1, tzinfo=UTC)) == v2
    assert ruleset_in_force(shop, "private_domain", september) == v1
    assert ruleset_in_force(shop, "private_domain", START_2025) == v1
    assert ruleset_in_force(shop, "private_domain", datetime(2024, 12, 31, 15, 59, tzinfo=UTC)) is None
    v3 = ruleset_new_version(ruleset=v1, valid_from=datetime(2026, 7, 31, 16, tzinfo=UTC))
    assert [(s.ruleset.version, s.ends) for s in ruleset_segments(shop)] == [(1, june), (2, v3.valid_from), (3, None)]


def test_rule_sets_are_per_shop(shop):
    from tests.factories import ShopFactory

    other = ShopFactory()
    ruleset_install_example(shop=other)
    assert ruleset_segments(shop) == []
    assert ruleset_in_force(shop, "private_domain", AS_OF) is None
