"""Writes for shops. Each service validates its business rule and runs atomically.

Model changes are recorded by django-auditlog (shopops.audit) with the acting user taken from the request.
"""

from django.db import transaction

from shopops.models import Membership, Shop
from shopops.roles import Role

SECRET_FIELDS = ("app_secret", "push_token", "encoding_aes_key")


@transaction.atomic
def shop_create(*, user, name: str, appid: str = "", **secrets: str) -> Shop:
    """Create a shop and make its creator the owner."""
    shop = Shop(name=name, appid=appid)
    _set_secrets(shop, secrets)
    shop.full_clean()
    shop.save()
    Membership.objects.create(shop=shop, user=user, role=Role.OWNER)
    return shop


@transaction.atomic
def shop_update(*, shop: Shop, name: str, appid: str, status: str, **secrets: str) -> Shop:
    """Update a shop. A blank secret keeps the stored one: secrets are never shown back to be re-entered."""
    shop.name, shop.appid, shop.status = name, appid, status
    _set_secrets(shop, secrets)
    shop.full_clean()
    shop.save()
    return shop


def _set_secrets(shop: Shop, secrets: dict[str, str]) -> None:
    for field in SECRET_FIELDS:
        if secrets.get(field):
            setattr(shop, field, secrets[field])
