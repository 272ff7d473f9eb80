"""Writes for the plays WeChat has no API for (福袋, 粉丝团, 点赞买): ShopOps records the plan and what the merchant
did in WeChat; no platform call is made, so nothing here can fail on the platform's side.

Every function checks its business rules first and raises ``ValidationError`` with field errors (keyed by the
form's field names) and a ``code``; a refusal changes nothing. Writes run in one transaction.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from campaigns.models import FanClub, LikeToBuy, LuckyBag, ProductCost
from shopops.models import Product, Shop, Sku
from shopops.money import format_yuan

LUCKY_BAG_FIELDS = (
    "name",
    "prize_product_id",
    "prize_sku_id",
    "bag_product_id",
    "quantity",
    "condition",
    "password",
    "draw_at",
    "live_id",
    "live_date",
    "unit_cost_fen",
)
LIKE_TO_BUY_FIELDS = (
    "name",
    "product_id",
    "sku_id",
    "likes_needed",
    "floor_price_fen",
    "subsidy_fen",
    "unit_cost_fen",
    "starts_at",
    "ends_at",
)
FAN_CLUB_FIELDS = (
    "tipping_enabled",
    "corporate_settlement",
    "club_created",
    "notice",
    "notice_visibility",
    "notice_set",
)


def _check_product(*, shop: Shop, product_id: str, sku_id: str, field: str, sku_field: str) -> dict:
    """The shop's synced, ordinary product (and SKU, when given); field errors otherwise."""
    product = Product.objects.filter(shop=shop, product_id=product_id, deleted=False).first()
    if product is None:
        return {field: ValidationError(_("The shop has no such product: sync the products first."), code="product")}
    if product.product_type != 1:
        return {field: ValidationError(_("Pick an ordinary product, not one WeChat made."), code="product_type")}
    if sku_id and not Sku.objects.filter(product=product, sku_id=sku_id).exists():
        return {sku_field: ValidationError(_("This SKU is not one of the product's."), code="sku")}
    return {}


def product_cost_set(*, shop: Shop, product_id: str, sku_id: str = "", unit_cost_fen: int) -> ProductCost:
    """Record what a unit of the product (or of one SKU) costs the merchant; the latest entry wins."""
    if unit_cost_fen < 0:
        raise ValidationError({"unit_cost_fen": _("A cost cannot be negative.")}, code="negative")
    cost, _created = ProductCost.objects.update_or_create(
        shop=shop, product_id=product_id, sku_id=sku_id, defaults={"unit_cost_fen": unit_cost_fen}
    )
    return cost


# --- 福袋 -----------------------------------------------------------------------------------------------------------


def luckybag_save(*, shop: Shop, bag: LuckyBag | None = None, **fields) -> LuckyBag:
    """Create (``bag`` None) or change a 福袋 plan and record the prize's unit cost.

    Refused: a prize the shop does not sell (or a SKU not its own), a lucky-bag product that is not a synced
    福袋抽奖商品 (product_type 2), no prize, a comment condition without its password, and no live (neither a live
    id nor a date)."""
    unknown = set(fields) - set(LUCKY_BAG_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    errors = _check_product(
        shop=shop,
        product_id=fields["prize_product_id"],
        sku_id=fields.get("prize_sku_id", ""),
        field="prize_product_id",
        sku_field="prize_sku_id",
    )
    if (
        fields.get("bag_product_id")
        and not Product.objects.filter(shop=shop, product_id=fields["bag_product_id"], product_type=2).exists()
    ):
        errors["bag_product_id"] = ValidationError(
            _("No synced lucky bag product has this id (WeChat makes it when the lucky bag starts)."), code="bag"
        )
    if fields["quantity"] < 1:
        errors["quantity"] = ValidationError(_("At least one prize."), code="quantity")
    if fields["condition"] == LuckyBag.Condition.COMMENT and not fields.get("password", "").strip():
        errors["password"] = ValidationError(_("Say which word viewers must comment."), code="password")
    if not fields.get("live_id") and not fields.get("live_date"):
        errors["live_id"] = ValidationError(_("Pick the live, or give its date."), code="live")
    if fields["unit_cost_fen"] < 0:
        errors["unit_cost_fen"] = ValidationError(_("A cost cannot be negative."), code="negative")
    if errors:
        raise ValidationError(errors)
    if fields["condition"] != LuckyBag.Condition.COMMENT:
        fields["password"] = ""
    with transaction.atomic():
        bag = bag or LuckyBag(shop=shop)
        for name, value in fields.items():
            setattr(bag, name, value)
        bag.full_clean(exclude=["shop"])
        bag.save()
        product_cost_set(
            shop=shop,
            product_id=bag.prize_product_id,
            sku_id=bag.prize_sku_id,
            unit_cost_fen=bag.unit_cost_fen,
        )
    return bag


def luckybag_delete(*, bag: LuckyBag) -> None:
    """Forget a plan. The lottery orders stay: they are the platform's."""
    bag.delete()


# --- 粉丝团 ---------------------------------------------------------------------------------------------------------


def fanclub_update(*, shop: Shop, **fields) -> FanClub:
    """Record the 粉丝团 checklist and the fan-only notice as set in 视频号助手.

    Refused: ticking off the fan club before tipping and corporate settlement (WeChat requires both first), and
    marking the notice as set while it is empty or before the fan club exists."""
    unknown = set(fields) - set(FAN_CLUB_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    errors = {}
    if fields.get("club_created") and not (fields.get("tipping_enabled") and fields.get("corporate_settlement")):
        errors["club_created"] = ValidationError(
            _("WeChat opens a fan club only after live tipping and corporate settlement are enabled."),
            code="prerequisites",
        )
    if fields.get("notice_set") and not fields.get("club_created"):
        errors["notice_set"] = ValidationError(_("The notice is set once the fan club exists."), code="no_club")
    elif fields.get("notice_set") and not fields.get("notice", "").strip():
        errors["notice"] = ValidationError(_("Write the notice you set in WeChat."), code="empty")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        club, _created = FanClub.objects.select_for_update().get_or_create(shop=shop)
        for name, value in fields.items():
            setattr(club, name, value)
        club.full_clean(exclude=["shop"])
        club.save()
    return club


# --- 点赞买 ---------------------------------------------------------------------------------------------------------


def liketobuy_save(*, shop: Shop, campaign: LikeToBuy | None = None, **fields) -> LikeToBuy:
    """Create (``campaign`` None) or change a 点赞买 plan and record the unit cost.

    Refused: a product or SKU the shop does not sell, fewer than 1 like, a period that ends before it starts,
    and a loss: floor price + platform subsidy must cover the unit cost (error on the floor price)."""
    unknown = set(fields) - set(LIKE_TO_BUY_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    errors = _check_product(
        shop=shop,
        product_id=fields["product_id"],
        sku_id=fields.get("sku_id", ""),
        field="product_id",
        sku_field="sku_id",
    )
    if fields["likes_needed"] < 1:
        errors["likes_needed"] = ValidationError(_("At least one like."), code="likes")
    for name in ("floor_price_fen", "subsidy_fen", "unit_cost_fen"):
        if fields[name] < 0:
            errors[name] = ValidationError(_("An amount cannot be negative."), code="negative")
    if fields["ends_at"] <= fields["starts_at"]:
        errors["ends_at"] = ValidationError(_("The campaign must end after it starts."), code="period")
    margin = fields["floor_price_fen"] + fields["subsidy_fen"] - fields["unit_cost_fen"]
    if margin < 0 and "floor_price_fen" not in errors:
        errors["floor_price_fen"] = ValidationError(
            _(
                "Floor price plus subsidy (%(income)s) is below the unit cost (%(cost)s): each sale would lose "
                "%(loss)s. Raise the floor price to at least %(least)s."
            )
            % {
                "income": format_yuan(fields["floor_price_fen"] + fields["subsidy_fen"]),
                "cost": format_yuan(fields["unit_cost_fen"]),
                "loss": format_yuan(-margin),
                "least": format_yuan(fields["unit_cost_fen"] - fields["subsidy_fen"]),
            },
            code="below_cost",
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        campaign = campaign or LikeToBuy(shop=shop)
        for name, value in fields.items():
            setattr(campaign, name, value)
        campaign.full_clean(exclude=["shop"])
        campaign.save()
        product_cost_set(
            shop=shop, product_id=campaign.product_id, sku_id=campaign.sku_id, unit_cost_fen=campaign.unit_cost_fen
        )
    return campaign


def liketobuy_delete(*, campaign: LikeToBuy) -> None:
    """Forget a plan. Its orders stay: they are the platform's."""
    campaign.delete()
