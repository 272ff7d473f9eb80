"""Writes for shops: creating one and its name and status. Each service validates its business rule and runs
atomically. The platform credentials have one place: the connection page (``shopops.services.connection``), which
tests them before it stores them.

Model changes are recorded by django-auditlog (shopops.audit) with the acting user taken from the request.
"""

from django.db import transaction

from shopops.models import Membership, Shop
from shopops.roles import Role


@transaction.atomic
def shop_create(*, user, name: str, appid: str = "", app_secret: str = "") -> Shop:
    """Create a shop and make its creator the owner.

    The console creates shops without credentials: the owner enters them next on the connection page, which tests
    them first. The credential arguments are stored untested and are for the sandbox demo only (``demo_setup``),
    which seeds the sandbox with the same pair in the same command.
    """
    shop = Shop(name=name, appid=appid, app_secret=app_secret)
    shop.full_clean()
    shop.save()
    Membership.objects.create(shop=shop, user=user, role=Role.OWNER)
    return shop


@transaction.atomic
def shop_update(*, shop: Shop, name: str, status: str) -> Shop:
    """Rename a shop or change its status in ShopOps (a paused or archived shop does not sync)."""
    shop.name, shop.status = name, status
    shop.full_clean()
    shop.save(update_fields=["name", "status", "updated_at"])
    return shop
