"""Writes for a shop's members. The shop always keeps at least one owner; refusals carry a stable code.

Model changes are recorded by django-auditlog (shopops.audit) with the acting user taken from the request.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shopops.models import Membership, Shop
from shopops.roles import Role


@transaction.atomic
def membership_invite(*, shop: Shop, username: str, role: str) -> Membership:
    """Add an existing console user to the shop. Fails for unknown, agency or staff users and for members."""
    user = get_user_model().objects.filter(username=username, is_active=True, is_staff=False).first()
    if user is None or hasattr(user, "agency_membership"):
        raise ValidationError({"username": _("No merchant console user is called “%(name)s”.") % {"name": username}})
    if Membership.objects.filter(shop=shop, user=user).exists():
        raise ValidationError({"username": _("%(name)s is already a member of this shop.") % {"name": username}})
    return Membership.objects.create(shop=shop, user=user, role=role)


def _lock_owners(shop: Shop) -> int:
    """Lock the shop's owner rows so two concurrent demotions cannot both pass the last-owner check."""
    return len(Membership.objects.select_for_update().filter(shop=shop, role=Role.OWNER))


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    """Change a member's role. The shop always keeps at least one owner."""
    if membership.role == Role.OWNER and role != Role.OWNER and _lock_owners(membership.shop) <= 1:
        raise ValidationError({"role": _("The shop must keep at least one owner.")})
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove a member. The last owner cannot be removed."""
    if membership.role == Role.OWNER and _lock_owners(membership.shop) <= 1:
        raise ValidationError(_("The last owner of a shop cannot be removed."))
    membership.delete()
