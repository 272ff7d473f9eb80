"""Reads about the shop's 达人 (talents), their exclusive terms, and the terms an agency's bound talents hold.

Every console query starts from the shop (another shop's talent or term answers 404); the portal's starts from the
agency. List queries take a fixed number of statements whatever the row count.
"""

from dataclasses import dataclass
from datetime import datetime

from auditlog.models import LogEntry
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404

from affiliates.models import Agency, AgencyTalent, ExclusiveTerm, Talent
from shopops.models import Product, Shop, Sku

# Talents an exclusive term is still offered to: invited or cooperating, and not blacklisted.
OFFERED_STATUSES = (Talent.Status.INVITING, Talent.Status.ACCEPTED)


def talents_for_shop(*, shop: Shop, status: int | None = None, search: str = "", blacklisted: bool | None = None):
    """The shop's talents, best 30-day GMV first; ``search`` matches nickname, AppID or 视频号 id."""
    talents = Talent.objects.filter(shop=shop).annotate(exclusive_terms_count=_count_terms())
    if status is not None:
        talents = talents.filter(status=status)
    if blacklisted is not None:
        talents = talents.filter(is_blacklisted=blacklisted)
    if search:
        talents = talents.filter(
            Q(nickname__icontains=search) | Q(talent_appid__icontains=search) | Q(finder_id__icontains=search)
        )
    return talents


def _count_terms():
    return Coalesce(
        Subquery(
            ExclusiveTerm.objects.filter(talent=OuterRef("pk"))
            .order_by()
            .values("talent")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def talent_get_for_shop_or_404(*, shop: Shop, pk: int) -> Talent:
    talent = Talent.objects.filter(shop=shop, pk=pk).select_related("shop").first()
    if talent is None:
        raise Http404
    return talent


@dataclass(frozen=True)
class BlacklistChange:
    """One change of the talent's blacklist flag or reason, as the audit log recorded it."""

    at: datetime
    actor: str
    blacklisted: bool
    reason: str


def blacklist_history(*, talent: Talent) -> list[BlacklistChange]:
    """Who blacklisted the talent or took it off the blacklist, when and why, newest first (from django-auditlog,
    which records every change of the row with the request's user)."""
    entries = LogEntry.objects.get_for_object(talent).select_related("actor").order_by("-timestamp", "-pk")
    changes = []
    for entry in entries:
        diff = entry.changes_dict
        if "is_blacklisted" not in diff and "blacklist_reason" not in diff:
            continue
        flag = diff["is_blacklisted"][1] if "is_blacklisted" in diff else None
        if entry.action == LogEntry.Action.CREATE and flag != "True":
            continue  # a talent first seen not blacklisted: nothing happened to its blacklist
        reason = diff["blacklist_reason"][1] if "blacklist_reason" in diff else ""
        changes.append(
            BlacklistChange(
                at=entry.timestamp,
                actor=entry.actor.get_username() if entry.actor else "",
                blacklisted=flag == "True" if flag is not None else talent.is_blacklisted,
                reason="" if reason == "None" else reason,
            )
        )
    return changes


# --- exclusive terms -------------------------------------------------------------------------------------------------


def _with_product(terms: QuerySet) -> QuerySet:
    """Terms with their product's title and image (the shop's synced catalog; blank when not synced)."""
    product = Product.objects.filter(shop=OuterRef("shop"), product_id=OuterRef("product_id"))
    return terms.annotate(
        product_title=Subquery(product.values("title")[:1]),
        product_pk=Subquery(product.values("pk")[:1]),
    )


def exclusive_terms_for_talent(*, talent: Talent) -> QuerySet:
    return _with_product(ExclusiveTerm.objects.filter(shop_id=talent.shop_id, talent=talent)).order_by(
        "product_id", "pk"
    )


def exclusive_term_get_for_shop_or_404(*, shop: Shop, pk: int) -> ExclusiveTerm:
    term = ExclusiveTerm.objects.filter(shop=shop, pk=pk).select_related("talent", "shop").first()
    if term is None:
        raise Http404
    return term


def exclusive_terms_for_agency(*, agency: Agency) -> QuerySet:
    """The exclusive terms shops offer the agency's bound talents (affiliates.AgencyTalent), for the partner portal.

    Only terms still offered are shown: the talent is invited or cooperating with the shop and not blacklisted.
    Each row carries ``shop`` and ``talent`` (selected with it), ``product_title`` (the shop's synced product, or
    None) and ``display_title`` (the term's own title, else the product's). One query, ordered by shop, talent and
    product.
    """
    bound = AgencyTalent.objects.filter(agency=agency).values("talent_appid")
    terms = ExclusiveTerm.objects.filter(
        talent__talent_appid__in=bound, talent__status__in=OFFERED_STATUSES, talent__is_blacklisted=False
    ).select_related("shop", "talent")
    return (
        _with_product(terms)
        .annotate(display_title=Coalesce(NullIf(F("title"), Value("")), F("product_title")))
        .order_by("shop__name", "shop_id", "talent__nickname", "talent_id", "product_id")
    )


@dataclass(frozen=True)
class ProductLimits:
    """What an exclusive term may not exceed: the product's own price and the stock that exists."""

    title: str
    price_fen: int  # the highest SKU price, else the product's lowest price when no SKU is synced
    stock: int  # the sum of its SKUs' stock (a negative count counts as none)


def product_limits(*, shop: Shop, product_id: str) -> ProductLimits | None:
    """The product's limits for an exclusive term, or None when the shop has no such product (or it is gone)."""
    product = Product.objects.filter(shop=shop, product_id=product_id, deleted=False).first()
    if product is None:
        return None
    skus = list(Sku.objects.filter(product=product).values_list("sale_price_fen", "stock_num"))
    price = max((price for price, _stock in skus), default=product.min_price_fen)
    return ProductLimits(title=product.title, price_fen=price, stock=sum(max(stock, 0) for _price, stock in skus))
