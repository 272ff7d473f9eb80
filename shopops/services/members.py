"""Writes for a shop's members. The shop always keeps at least one owner; refusals carry a stable code:
``unknown_user``, ``already_member``, ``last_owner``.

The console's views and the admin call the same functions (the admin's forms call the ``…_check`` functions in
``clean`` so a refusal shows on the form, then save through the services).

Model changes are recorded by django-auditlog (shopops.audit) with the acting user taken from the request.
"""

from collections.abc import Iterable, Mapping

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from shopops.models import Membership, Shop
from shopops.roles import Role

KEEP_AN_OWNER = _("The shop must keep at least one owner.")
LAST_OWNER_REMOVAL = _("The last owner of a shop cannot be removed.")
ALREADY_MEMBER = _("%(name)s is already a member of this shop.")


def membership_add_check(*, shop: Shop, user, username: str = "") -> None:
    """Refused (``unknown_user``) for a missing (None: ``username`` names who was asked for), inactive, staff or
    agency user, and (``already_member``) for a member of the shop. Not a field error: the console names the field
    ``username``, the admin ``user``."""
    if user is None or not user.is_active or user.is_staff or hasattr(user, "agency_membership"):
        name = user.username if user is not None else username
        raise ValidationError(
            _("No merchant console user is called “%(name)s”."), code="unknown_user", params={"name": name}
        )
    if Membership.objects.filter(shop=shop, user=user).exists():
        raise ValidationError(ALREADY_MEMBER, code="already_member", params={"name": user.username})


def _membership_create(*, shop: Shop, user, role: str) -> Membership:
    """The row, or ``already_member`` when a concurrent add of the same user committed after our check: the unique
    constraint refuses it inside a savepoint, so the caller's transaction stays usable."""
    try:
        with transaction.atomic():
            return Membership.objects.create(shop=shop, user=user, role=role)
    except IntegrityError:
        if not Membership.objects.filter(shop=shop, user=user).exists():
            raise
        raise ValidationError(ALREADY_MEMBER, code="already_member", params={"name": user.username}) from None


@transaction.atomic
def membership_add(*, shop: Shop, user, role: str) -> Membership:
    """Add a console user to the shop with ``role``; refused as ``membership_add_check`` says."""
    membership_add_check(shop=shop, user=user)
    return _membership_create(shop=shop, user=user, role=role)


@transaction.atomic
def membership_invite(*, shop: Shop, username: str, role: str) -> Membership:
    """Add an existing console user, by username. Refusals are errors of the ``username`` field."""
    user = get_user_model().objects.filter(username=username).first()
    try:
        membership_add_check(shop=shop, user=user, username=username)
        return _membership_create(shop=shop, user=user, role=role)
    except ValidationError as exc:
        raise ValidationError({"username": exc}) from None


def _owner_ids(shop: Shop, *, lock: bool) -> set[int]:
    """The shop's owner memberships; locked so two concurrent demotions cannot both pass the last-owner check."""
    owners = Membership.objects.filter(shop=shop, role=Role.OWNER)
    if lock:
        owners = owners.select_for_update()
    return {membership.pk for membership in owners.only("pk")}


def memberships_keep_an_owner_check(
    *, shop: Shop, roles_after: Mapping[int, str | None], new_owners: int = 0, lock: bool = False
) -> None:
    """Refused (``last_owner``) when the changes would leave the shop without an owner.

    ``roles_after`` maps membership ids to their new role, or None for a removal; memberships not in it keep their
    role. ``new_owners`` counts owners being added. ``lock`` locks the owner rows (inside a transaction).
    """
    owners = _owner_ids(shop, lock=lock)
    remaining = {pk for pk in owners if roles_after.get(pk, Role.OWNER) == Role.OWNER}
    promoted = {pk for pk, role in roles_after.items() if role == Role.OWNER and pk not in owners}
    if not remaining and not promoted and new_owners < 1:
        raise ValidationError(KEEP_AN_OWNER, code="last_owner")


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    """Change a member's role. The shop always keeps at least one owner (``last_owner``, an error of ``role``)."""
    if membership.role == Role.OWNER and role != Role.OWNER:
        try:
            memberships_keep_an_owner_check(shop=membership.shop, roles_after={membership.pk: role}, lock=True)
        except ValidationError as exc:
            raise ValidationError({"role": exc}) from None
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


def membership_remove_check(*, membership: Membership, lock: bool = False) -> None:
    """Refused (``last_owner``) for the shop's last owner."""
    if membership.role != Role.OWNER:
        return
    try:
        memberships_keep_an_owner_check(shop=membership.shop, roles_after={membership.pk: None}, lock=lock)
    except ValidationError:
        raise ValidationError(LAST_OWNER_REMOVAL, code="last_owner") from None


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove a member. The last owner cannot be removed (``last_owner``)."""
    membership_remove_check(membership=membership, lock=True)
    membership.delete()


def user_delete_check(*, users: Iterable, lock: bool = False) -> None:
    """Refused (``last_owner``) when deleting ``users`` together would leave a shop without an owner: each user
    alone may not be the last owner, yet two co-owners deleted at once are. ``lock`` locks the owner rows."""
    user_ids = {user.pk for user in users}
    shop_ids = Membership.objects.filter(user_id__in=user_ids, role=Role.OWNER).values("shop_id")
    owners = Membership.objects.filter(shop_id__in=shop_ids, role=Role.OWNER).select_related("shop").order_by("pk")
    if lock:
        owners = owners.select_for_update(of=("self",))
    orphaned, kept = {}, set()
    for membership in owners:
        if membership.user_id in user_ids:
            orphaned.setdefault(membership.shop_id, membership.shop.name)
        else:
            kept.add(membership.shop_id)
    names = [name for shop_id, name in orphaned.items() if shop_id not in kept]
    if names:
        raise ValidationError(
            _("This would delete the last owner of %(shops)s. Give the shop another owner first."),
            code="last_owner",
            params={"shops": "、".join(f"“{name}”" for name in sorted(names))},
        )


@transaction.atomic
def users_delete(*, users: Iterable) -> None:
    """Delete users, with everything that is only theirs (memberships, portal access). Refused (``last_owner``) as
    ``user_delete_check`` says, under the owner rows' locks."""
    users = list(users)
    user_delete_check(users=users, lock=True)
    get_user_model().objects.filter(pk__in=[user.pk for user in users]).delete()
