"""Reads about shop ↔ agency cooperations (带货机构合作), one row seen from both sides: the console's queries start
from the shop, the portal's from the agency; the other side's row answers 404."""

from django.db.models import QuerySet
from django.http import Http404

from affiliates.models import Agency, Cooperation
from shopops.models import Shop


def cooperations_for_shop(*, shop: Shop, status: int | None = None) -> QuerySet:
    """The shop's cooperations with agencies, pending invitations first, then the most recently changed."""
    rows = Cooperation.objects.filter(shop=shop).select_related("agency")
    if status is not None:
        rows = rows.filter(status=status)
    return rows.order_by("status", "-updated_at", "-pk")


def cooperation_get_for_shop_or_404(*, shop: Shop, pk: int) -> Cooperation:
    cooperation = Cooperation.objects.filter(shop=shop, pk=pk).select_related("shop", "agency").first()
    if cooperation is None:
        raise Http404
    return cooperation


def cooperation_get_for_agency_or_404(*, agency: Agency, pk: int) -> Cooperation:
    cooperation = Cooperation.objects.filter(agency=agency, pk=pk).select_related("shop", "agency").first()
    if cooperation is None:
        raise Http404
    return cooperation
