"""Writes about exclusive terms (专属条件): what the shop offers one talent for one product.

The platform has no API for them: they are kept in ShopOps only, and shown to the agencies the talent is bound to
(partner portal, agency API). The rules, each refused with a stable code on its field and nothing changed:

- the talent is the shop's, invited or cooperating and not blacklisted (``talent_not_offered``);
- the product is one of the shop's synced products (``unknown_product``), one term per talent and product
  (``term_exists``);
- the price is not below the merchant's floor (``below_floor``; the table's CheckConstraint holds it too), and
  neither is above the product's own price (``above_product_price``): an exclusive offer is a better price than
  the shop's, never a dearer one. The product's own price is its highest SKU price (the lowest price the platform
  reports when no SKU is synced), so a term may be above some SKUs' prices; the talent's page names the limit;
- the stock is not above the stock that exists, the sum of the product's SKU stock (``stock_exceeds``);
- the title has at most 60 characters (``title_too_long``), the image is a URL (``invalid``); amounts are whole fen
  and not negative (``invalid_amount``).

django-auditlog records every change with the request's user.
"""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from affiliates.models import ExclusiveTerm, Talent
from affiliates.selectors.talents import OFFERED_STATUSES, product_limits
from shopops.models import Shop
from shopops.money import format_yuan

TITLE_MAX = 60


def exclusive_term_create(
    *,
    shop: Shop,
    talent: Talent,
    product_id: str,
    floor_price_fen: int,
    price_fen: int,
    stock: int,
    title: str = "",
    image_url: str = "",
) -> ExclusiveTerm:
    """Offer the talent exclusive terms for one product (rules in the module docstring)."""
    term = ExclusiveTerm(shop=shop, talent=talent, product_id=product_id.strip())
    _apply(term, floor_price_fen, price_fen, stock, title, image_url)
    if ExclusiveTerm.objects.filter(talent=talent, product_id=term.product_id).exists():
        raise _term_exists()
    try:
        with transaction.atomic():
            term.save()
    except IntegrityError:
        raise _term_exists() from None  # the same term created at the same moment: theirs stands
    return term


def exclusive_term_update(
    *, term: ExclusiveTerm, floor_price_fen: int, price_fen: int, stock: int, title: str = "", image_url: str = ""
) -> ExclusiveTerm:
    """Change the terms' price, floor, stock, title or image (the talent and product stay)."""
    with transaction.atomic():
        row = ExclusiveTerm.objects.select_for_update().select_related("talent", "shop").get(pk=term.pk)
        _apply(row, floor_price_fen, price_fen, stock, title, image_url)
        row.save()
    return row


@transaction.atomic
def exclusive_term_delete(*, term: ExclusiveTerm) -> None:
    """Withdraw the terms; the agencies no longer see them."""
    ExclusiveTerm.objects.filter(pk=term.pk).delete()


def _apply(term: ExclusiveTerm, floor_price_fen: int, price_fen: int, stock: int, title: str, image_url: str):
    """Check every rule and copy the values onto ``term``; the first broken rule of each field is reported."""
    talent, errors = term.talent, {}
    if talent.shop_id != term.shop_id or talent.status not in OFFERED_STATUSES or talent.is_blacklisted:
        errors["talent"] = ValidationError(
            _("Exclusive terms are offered to an invited or cooperating talent that is not blacklisted."),
            code="talent_not_offered",
        )
    limits = product_limits(shop=term.shop, product_id=term.product_id)
    if limits is None:
        errors["product_id"] = ValidationError(
            _("The shop has no product %(product_id)s: sync the products, or check the id."),
            code="unknown_product",
            params={"product_id": term.product_id or "—"},
        )
    amounts = {"floor_price_fen": floor_price_fen, "price_fen": price_fen, "stock": stock}
    for name, value in amounts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors[name] = ValidationError(_("Enter an amount of zero or more."), code="invalid_amount")
    if "price_fen" not in errors and "floor_price_fen" not in errors:
        if price_fen < floor_price_fen:
            errors["price_fen"] = ValidationError(
                _("The exclusive price %(price)s is below your floor price %(floor)s."),
                code="below_floor",
                params={"price": format_yuan(price_fen), "floor": format_yuan(floor_price_fen)},
            )
        elif limits is not None and price_fen > limits.price_fen:
            errors["price_fen"] = ValidationError(
                _("The exclusive price %(price)s is above the product's own price %(limit)s."),
                code="above_product_price",
                params={"price": format_yuan(price_fen), "limit": format_yuan(limits.price_fen)},
            )
    if "stock" not in errors and limits is not None and stock > limits.stock:
        errors["stock"] = ValidationError(
            _("Only %(available)d are in stock across the product's SKUs."),
            code="stock_exceeds",
            params={"available": limits.stock},
        )
    title, image_url = title.strip(), image_url.strip()
    if len(title) > TITLE_MAX:
        errors["title"] = ValidationError(
            _("The title has at most %(max)d characters (it has %(length)d)."),
            code="title_too_long",
            params={"max": TITLE_MAX, "length": len(title)},
        )
    if image_url:
        try:
            URLValidator(schemes=["http", "https"])(image_url)
        except ValidationError as exc:
            errors["image_url"] = exc
    if errors:
        raise ValidationError(errors)
    term.floor_price_fen, term.price_fen, term.stock, term.title, term.image_url = (
        floor_price_fen,
        price_fen,
        stock,
        title,
        image_url,
    )


def _term_exists() -> ValidationError:
    return ValidationError(
        {
            "product_id": ValidationError(
                _("This talent already has exclusive terms for this product: edit them instead."), code="term_exists"
            )
        }
    )
