"""The push callback's writes: the request's nonce (a replay is refused) and the event, stored once.

A push is keyed by the hash of its plaintext: the platform delivering the same event again only counts another
delivery. The first pending event of a shop queues the processing task after commit; that task processes every
event pending by then and the ones arriving meanwhile, so a burst of pushes costs one task.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from shopops.models import CallbackNonce, InboundEvent, Shop
from shopops.sync.engine import event_time
from shopops.tasks import queue_events


def push_event_record(*, shop: Shop, timestamp: int, nonce: str, plaintext: str, payload: dict) -> InboundEvent:
    """Record one verified, decrypted push. Refused (code ``replayed``, nothing stored) when the same
    timestamp and nonce were seen before for the shop."""
    try:
        with transaction.atomic():
            CallbackNonce.objects.create(shop=shop, timestamp=timestamp, nonce=nonce[:64])
    except IntegrityError:
        raise ValidationError("replayed request", code="replayed") from None
    key = hashlib.sha256(plaintext.encode()).hexdigest()
    with transaction.atomic():
        event, created = InboundEvent.objects.get_or_create(
            shop=shop,
            key=key,
            defaults={
                "event": str(payload.get("Event", ""))[:80],
                "payload": payload,
                "platform_time": event_time(payload),
            },
        )
        if not created:
            InboundEvent.objects.filter(pk=event.pk).update(deliveries=F("deliveries") + 1)
        elif not InboundEvent.objects.filter(shop=shop, processed_at=None).exclude(pk=event.pk).exists():
            transaction.on_commit(lambda: queue_events(shop_id=shop.pk))
    return event
