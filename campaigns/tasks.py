"""Background tasks of the campaigns (django-q2). Schedules (setup_schedules):

- ``campaigns.tasks.preview_reminders_due`` every minute: the start-time reminder of each live preview, sent
  exactly once (campaigns.services.previews.reminders_send_due claims a unique row in the same transaction as the
  notification; a run repeated, retried or restarted after a kill -9 sends nothing twice).
- ``campaigns.tasks.previews_sync_all_shops`` every 15 minutes: each connected shop's notices, lives and dashboards.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django_q.tasks import async_task

from campaigns.services import previews
from shopops.models import Shop
from shopops.wechat.errors import WeChatError

logger = logging.getLogger(__name__)


def preview_reminders_due() -> int:
    return previews.reminders_send_due()


def previews_sync_all_shops() -> int:
    shop_ids = list(Shop.objects.connected().filter(status=Shop.Status.ACTIVE).values_list("pk", flat=True))
    for shop_id in shop_ids:
        transaction.on_commit(lambda s=shop_id: async_task("campaigns.tasks.previews_sync_shop", s, group="previews"))
    return len(shop_ids)


def previews_sync_shop(shop_id: int) -> str:
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return "skipped"
    try:
        report = previews.previews_sync(shop=shop)
    except (WeChatError, ValidationError) as error:
        logger.warning("previews sync of %s failed: %s", shop.appid, error)
        return f"failed: {error}"
    return f"created {report.created}, merged {report.merged}, updated {report.updated}"
