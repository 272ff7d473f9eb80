"""What each shop role may do: the one place that says so.

Console views and API permission classes name one of the permissions below; a member may use the view when
their role grants it. Analysts read and export, never change.
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    OPERATOR = "operator", _("Operator")
    FINANCE = "finance", _("Finance")
    ANALYST = "analyst", _("Analyst")


class Perm(StrEnum):
    VIEW = "view"  # see the shop's data
    EXPORT = "export"  # download CSV/XLSX exports
    OPERATE = "operate"  # day-to-day operations: campaigns, linked accounts, syncs, alliance plans
    FINANCE = "finance"  # settlements, commissions, incentive statements
    MANAGE_SHOP = "manage_shop"  # shop settings, platform connection, members and roles


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: frozenset(Perm),
    Role.OPERATOR: frozenset({Perm.VIEW, Perm.EXPORT, Perm.OPERATE}),
    Role.FINANCE: frozenset({Perm.VIEW, Perm.EXPORT, Perm.FINANCE}),
    Role.ANALYST: frozenset({Perm.VIEW, Perm.EXPORT}),
}


def role_allows(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())
