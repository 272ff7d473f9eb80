"""The demo owner's first steps (django-q2), run by the worker once the web server, and so the sandbox, is up.

What a merchant does on the first day, through the console's own services and over HTTP to the platform:
refresh the linked accounts and choose the display account of each kind, invite a 视频号 to link (the invitation
waits for its answer), and invite a 小程序 as a cooperation account (its QR code waits to be scanned). Each step is
skipped once done, so the task can run again with the same result; a refusal is logged and reported in the task's
result, the other steps still run.
"""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django_q.tasks import async_task

from affiliates import tasks as affiliate_tasks
from campaigns import tasks as campaign_tasks
from campaigns.services.analytics import favorites_snapshot_take
from linked_accounts.models import DISPLAY_KINDS, AccountKind, CooperationAccount, LinkedAccount
from linked_accounts.services import cooperation as cooperation_services
from linked_accounts.services import linked_accounts as linked_services
from shopops.models import Shop

logger = logging.getLogger(__name__)

# Accounts the platform knows nothing special about: it names them after their ids (视频号2026, 合作小程序2026).
INVITED_FINDER = "sphDemoFinder2026"
INVITED_MINIPROGRAM = "wxd3m0m1n1pr0g2026"


def queue_first_steps(*, shop_id: int, owner_id: int) -> None:
    transaction.on_commit(lambda: async_task("demo.tasks.demo_first_steps", shop_id, owner_id, group="demo"))


def demo_first_steps(shop_id: int, owner_id: int) -> str:
    shop = Shop.objects.filter(pk=shop_id).first()
    owner = get_user_model().objects.filter(pk=owner_id).first()
    if shop is None or owner is None:
        return "skipped"
    done, problems = [], []

    def step(name, action):
        try:
            action()
        except ValidationError as error:
            problems.append(f"{name}: {' '.join(error.messages)}")
        else:
            done.append(name)

    step("refresh", lambda: linked_services.linked_accounts_refresh(shop=shop, actor=owner))
    for kind in DISPLAY_KINDS:
        accounts = LinkedAccount.objects.for_shop(shop).filter(kind=kind, status=LinkedAccount.Status.ACCEPTED)
        first = accounts.order_by("pk").first()
        if first is not None and not accounts.filter(is_display=True).exists():
            step(
                f"display {kind}",
                lambda first=first: linked_services.linked_account_set_display(linked_account=first, actor=owner),
            )
    if not LinkedAccount.objects.for_shop(shop).filter(kind=AccountKind.CHANNELS, account_id=INVITED_FINDER).exists():
        step(
            "invite",
            lambda: linked_services.linked_account_invite(
                shop=shop,
                kind=AccountKind.CHANNELS,
                account_id=INVITED_FINDER,
                selling_identity=LinkedAccount.SellingIdentity.SELF_OPERATED,
                actor=owner,
            ),
        )
    mini = CooperationAccount.SharerType.MINIPROGRAM
    if not CooperationAccount.objects.for_shop(shop).filter(sharer_type=mini, sharer_id=INVITED_MINIPROGRAM).exists():
        step(
            "cooperation invite",
            lambda: cooperation_services.cooperation_qrcode_generate(
                shop=shop, sharer_type=mini, appid=INVITED_MINIPROGRAM
            ),
        )
    # The alliance as the platform holds it (plans, talents, the agency's cooperation), then the commission lines of
    # the orders synced so far checked against those plans (later pages are checked as they are stored).
    step("alliance", lambda: _alliance_refreshed(shop))
    # The live notices read from the 视频号, and one preview planned for tomorrow evening with the shop's own link.
    step("previews", lambda: campaign_tasks.previews_demo_first_steps(shop.pk))
    # The coupons with their stock figures and buyers' coupons, and today's favourites counts.
    step("coupons", lambda: campaign_tasks.coupons_sync_shop(shop.pk))
    step("favourites", lambda: favorites_snapshot_take(shop=shop))
    if problems:
        logger.warning("The demo's first steps for shop %s: %s", shop.pk, "; ".join(problems))
    return f"done: {', '.join(done) or 'nothing'}" + (f"; refused: {'; '.join(problems)}" if problems else "")


def _alliance_refreshed(shop: Shop) -> None:
    outcome = affiliate_tasks.alliance_refresh_shop(shop.pk)
    if "refused" in outcome:
        raise ValidationError(outcome)
