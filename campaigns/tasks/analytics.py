"""Background work of the analytics feature (django-q2). Every task can run twice with the same result."""

import logging

from django.core.exceptions import ValidationError

from campaigns.services.analytics import favorites_snapshot_take
from shopops.models import Shop

logger = logging.getLogger(__name__)


def favorites_snapshots_take() -> int:
    """Today's favourites snapshot of every connected shop (a shop with an AppID and a secret); a shop whose call
    fails is logged and skipped, the others still get theirs. Returns how many were taken. Scheduled daily."""
    taken = 0
    for shop in Shop.objects.connected().order_by("pk"):
        try:
            favorites_snapshot_take(shop=shop)
        except ValidationError as error:
            logger.warning("favourites snapshot of shop %s failed: %s", shop.pk, error.messages)
            continue
        taken += 1
    return taken
