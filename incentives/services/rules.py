"""Incentive rule sets: the 2025 example, and an owner's new versions.

A version that has earned (has accruals) is never changed: ``ruleset_update`` refuses it (code ``used``) and the
owner calls ``ruleset_new_version``, which copies the version, applies the changes and numbers it one higher. The new
version supersedes the older ones for orders paid from its ``valid_from`` (see ``incentives.models.rules``); the
evaluation then reverses what the older version accrued on lines the new one now covers and accrues them anew.
"""

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from incentives.models import Accrual, RewardForm, RuleSet, RuleSource
from shopops.channels import (
    ACCOUNT_MINIPROGRAM,
    ACCOUNT_MP,
    ACCOUNT_SERVICE,
    ACCOUNT_WECOM,
    SALE_CHANNEL_COOPERATION,
    SALE_CHANNEL_LINKED,
)
from shopops.models import Shop
from shopops.money import PPM


@dataclass(frozen=True)
class ExampleRules:
    """The 2025 私域激励计划 as ShopOps ships it. EXAMPLE rates: the platform does not publish them. They equal the
    emulator's constants (sandbox/lifecycle.py, agreed in /work/briefs/12-constants.md), so that a shop on the
    sandbox sees its expected reductions match what listorderflow charges."""

    code: str = "private_domain"
    name: str = "2025 私域激励计划 (example rates)"
    valid_from: datetime = datetime(2025, 1, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))  # unix 1735660800
    after_sale_days: int = 0  # the platform settles only after the after-sale period: settled = final
    min_order_basis_fen: int = 0
    rate_ppm: int = 10_000  # 1% of the basis
    cap_per_order_fen: int | None = 300
    cap_per_month_fen: int | None = None
    cap_at_order_fee: bool = True
    reward_form: str = RewardForm.FEE_REDUCTION
    # (sale_channel, account_type): the shop's linked 公众号, 企业微信, 服务号, and a 小程序 connected to the shop
    # (合作账号). Not the shop's linked 视频号 (public-domain traffic: where growth cards buy boosts), not a
    # cooperating third-party 公众号, 授权号, talents, agencies, 其他 or natural traffic.
    sources: tuple[tuple[int, int], ...] = (
        (SALE_CHANNEL_LINKED, ACCOUNT_MP),
        (SALE_CHANNEL_LINKED, ACCOUNT_WECOM),
        (SALE_CHANNEL_LINKED, ACCOUNT_SERVICE),
        (SALE_CHANNEL_COOPERATION, ACCOUNT_MINIPROGRAM),
    )


EXAMPLE_2025 = ExampleRules()

# The fields a version carries (besides its sources) and that a new version copies.
RULE_FIELDS = (
    "name", "valid_from", "valid_to", "after_sale_days", "min_order_basis_fen", "rate_ppm", "cap_per_order_fen",
    "cap_per_month_fen", "cap_at_order_fee", "reward_form", "note",
)  # fmt: skip


def ruleset_install_example(*, shop: Shop) -> RuleSet:
    """The 2025 example programme for ``shop`` (version 1), unless the shop already has that programme, in which
    case its highest version is returned unchanged. Idempotent."""
    existing = RuleSet.objects.for_shop(shop).filter(code=EXAMPLE_2025.code).order_by("-version").first()
    if existing is not None:
        return existing
    ex = EXAMPLE_2025
    with transaction.atomic():
        ruleset = RuleSet.objects.create(
            shop=shop, code=ex.code, version=1, name=ex.name, is_example=True, valid_from=ex.valid_from,
            after_sale_days=ex.after_sale_days, min_order_basis_fen=ex.min_order_basis_fen, rate_ppm=ex.rate_ppm,
            cap_per_order_fen=ex.cap_per_order_fen, cap_per_month_fen=ex.cap_per_month_fen,
            cap_at_order_fee=ex.cap_at_order_fee, reward_form=ex.reward_form,
        )  # fmt: skip
        _set_sources(ruleset, ex.sources)
    return ruleset


def _set_sources(ruleset: RuleSet, sources: Iterable[tuple[int, int]]) -> None:
    ruleset.sources.all().delete()
    RuleSource.objects.bulk_create(
        [RuleSource(ruleset=ruleset, sale_channel=s, account_type=a) for s, a in sorted(set(sources))]
    )


def _check(fields: dict, sources: Iterable[tuple[int, int]] | None) -> None:
    errors = {}
    rate = fields.get("rate_ppm")
    if rate is None or not 0 <= rate <= PPM:
        errors["rate_ppm"] = ValidationError(_("The rate is between 0 and 1,000,000 ppm."), code="rate")
    for name in ("cap_per_order_fen", "cap_per_month_fen", "min_order_basis_fen"):
        value = fields.get(name)
        if value is not None and value < 0:
            errors[name] = ValidationError(_("An amount cannot be negative."), code="negative")
    if fields.get("after_sale_days", 0) < 0:
        errors["after_sale_days"] = ValidationError(_("Days cannot be negative."), code="negative")
    if fields.get("valid_to") is not None and fields["valid_to"] <= fields["valid_from"]:
        errors["valid_to"] = ValidationError(_("A version must end after it starts."), code="period")
    if fields.get("reward_form") not in RewardForm.values:
        errors["reward_form"] = ValidationError(_("Choose how the reward is paid."), code="reward_form")
    if sources is not None and not list(sources):
        errors["sources"] = ValidationError(_("Choose at least one eligible source."), code="sources")
    if errors:
        raise ValidationError(errors)


def ruleset_is_used(ruleset: RuleSet) -> bool:
    return Accrual.objects.filter(ruleset=ruleset).exists()


def ruleset_update(*, ruleset: RuleSet, sources: Iterable[tuple[int, int]] | None = None, **changes) -> RuleSet:
    """Edit a version that has earned nothing yet (a draft). A version with accruals is refused (code ``used``):
    write a new version instead. Unknown fields are refused (code ``field``)."""
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be set: %(fields)s"), code="field",
                              params={"fields": ", ".join(sorted(unknown))})  # fmt: skip
    with transaction.atomic():
        locked = RuleSet.objects.select_for_update().get(pk=ruleset.pk)
        if ruleset_is_used(locked):
            raise ValidationError(
                _("This version has already earned accruals: create a new version instead."), code="used"
            )
        fields = {name: getattr(locked, name) for name in RULE_FIELDS} | changes
        sources = list(sources) if sources is not None else None
        _check(fields, sources)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save()
        if sources is not None:
            _set_sources(locked, sources)
    return locked


def ruleset_new_version(
    *, ruleset: RuleSet, user=None, sources: Iterable[tuple[int, int]] | None = None, **changes
) -> RuleSet:
    """A new version of ``ruleset``'s programme: the given version's fields and sources with ``changes`` applied,
    numbered one above the programme's highest version, ``is_example`` cleared (the owner has set the rates).
    The older versions are left as they are. Unknown fields are refused (code ``field``)."""
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be set: %(fields)s"), code="field",
                              params={"fields": ", ".join(sorted(unknown))})  # fmt: skip
    fields = {name: getattr(ruleset, name) for name in RULE_FIELDS} | changes
    if sources is None:
        sources = ruleset.sources.values_list("sale_channel", "account_type")
    sources = list(sources)
    _check(fields, sources)
    with transaction.atomic():
        # Lock the programme's versions so two owners saving at once do not both take the same number.
        versions = list(
            RuleSet.objects.select_for_update().filter(shop_id=ruleset.shop_id, code=ruleset.code).order_by("version")
        )
        new = RuleSet.objects.create(
            shop_id=ruleset.shop_id, code=ruleset.code, version=versions[-1].version + 1, is_example=False,
            supersedes=ruleset, created_by=user, **fields,
        )  # fmt: skip
        _set_sources(new, sources)
    return new
