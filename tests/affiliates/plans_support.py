"""Builders shared by the promotion-plan tests (tests/affiliates/test_plans*.py): plans, terms, talents and
cooperations as the services store them, without the platform."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from affiliates.models import Cooperation, PlanTerms, PromotionPlan, Talent

T0 = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)


def talent(shop, appid: str, *, status=Talent.Status.ACCEPTED, blacklisted: bool = False, nickname: str = "") -> Talent:
    return Talent.objects.create(
        shop=shop, talent_appid=appid, nickname=nickname or appid, status=status, is_blacklisted=blacklisted
    )


def cooperation(shop, agency_appid: str, *, status=Cooperation.Status.ACCEPTED, name: str = "") -> Cooperation:
    return Cooperation.objects.create(
        shop=shop,
        shop_appid=shop.appid or "wxshop",
        agency_appid=agency_appid,
        agency_name=name or agency_appid,
        status=status,
    )


def plan(shop, product_id: str, *, type=PromotionPlan.Type.NORMAL, status=PromotionPlan.Status.LISTED, **fields):
    fields.setdefault("ratio_percent", 10)
    return PromotionPlan.objects.create(shop=shop, product_id=product_id, type=type, status=status, **fields)


def terms(plan_row: PromotionPlan, *, valid_from, valid_to=None, listed=True, **fields) -> PlanTerms:
    values = {
        "ratio_percent": plan_row.ratio_percent,
        "service_ratio_percent": plan_row.service_ratio_percent,
        "talent_appids": plan_row.talent_appids,
        "headsupplier_appid": plan_row.headsupplier_appid,
        **fields,
    }
    return PlanTerms.objects.create(
        shop=plan_row.shop,
        plan=plan_row,
        product_id=plan_row.product_id,
        type=plan_row.type,
        listed=listed,
        valid_from=valid_from,
        valid_to=valid_to,
        **values,
    )


def refused(call) -> tuple[str | None, str]:
    """The (field, code) of the one error a service refused with; field None for a non-field refusal."""
    with pytest.raises(ValidationError) as caught:
        call()
    error = caught.value
    if hasattr(error, "error_dict"):
        ((name, errors),) = error.error_dict.items()
        return name, errors[0].code
    return None, error.error_list[0].code
