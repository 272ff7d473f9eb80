"""Reads about shop ↔ agency cooperations (带货机构合作) for the console: every query starts from the shop, and
another shop's row answers 404. The partner portal reads the same rows from the agency's side
(affiliates.selectors.partner)."""

from django.db.models import QuerySet
from django.http import Http404

from affiliates.models import Cooperation
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


def cooperating_for_shop(*, shop: Shop) -> QuerySet:
    """The shop's cooperations in force (已接受), with their agency: what other apps read (campaigns' preview
    promoters)."""
    return Cooperation.objects.filter(shop=shop, status=Cooperation.Status.ACCEPTED).select_related("agency")
