"""Reads for the console. Every query starts from the user's shop scope."""

from django.http import Http404

from shopops.models import Membership, Shop, ShopAlert


def shops_for_user(*, user):
    """The shops the user belongs to, by name; empty for anyone else."""
    return Shop.objects.for_user(user).order_by("name", "id")


def membership_get_for_user_or_404(*, user, shop_public_id) -> Membership:
    """The user's membership of the shop. A shop the user does not belong to answers 404, like a missing one."""
    membership = Membership.objects.select_related("shop").filter(user=user, shop__public_id=shop_public_id).first()
    if membership is None:
        raise Http404
    return membership


def memberships_for_shop(*, shop):
    return Membership.objects.filter(shop=shop).select_related("user").order_by("user__username")


def member_get_or_404(*, shop, membership_id) -> Membership:
    """A membership of this shop; another shop's membership answers 404."""
    membership = memberships_for_shop(shop=shop).filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    return membership


def memberships_for_user(*, user):
    """The user's memberships with their shops, by shop name."""
    return Membership.objects.filter(user=user).select_related("shop").order_by("shop__name", "shop_id")


def alerts_open_for_shop(*, shop):
    """What the merchant must act on (quota, whitelist, credentials...), newest first."""
    return ShopAlert.objects.filter(shop=shop, resolved_at=None).order_by("-created_at")[:20]
