"""Writes about cooperation accounts (合作账号: a 公众号 or 小程序 connected as a sales channel), through the
platform's cooperation API (shared/wechat-platform.md §8): read both lists, generate an invitation QR code, cancel
a pending invitation, unbind a bound account.

Each write is refused (``ValidationError`` with a stable code, nothing changed) for an account in the wrong status
(``not_pending``, ``not_bound``) or a wrong type (``invalid_sharer_type``); after a platform
write the list is read again, so the rows carry the platform's own statuses and times. Row changes are recorded by
django-auditlog with the acting user.
"""

from contextlib import suppress

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linked_accounts.models import CooperationAccount, LinkingState
from linked_accounts.services.platform import linking_state_locked, platform_session, refusal
from shopops.models import Shop
from shopops.wechat.errors import WeChatError
from shopops.wechat.types import as_id, as_int, as_str, platform_time


def cooperation_accounts_refresh(*, shop: Shop) -> int:
    """Read both cooperation lists (公众号, 小程序) and store them; returns how many rows changed."""
    with platform_session(shop) as client:
        try:
            lists = {
                int(sharer_type): client.cooperation_list(int(sharer_type))
                for sharer_type in CooperationAccount.SharerType
            }
        except WeChatError as error:
            raise refusal(error) from None
    return _store_cooperation(shop, lists)


def _store_cooperation(shop: Shop, lists: dict[int, list[dict]]) -> int:
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        # The shop's linking state row is the lock: two refreshes at once (the button and the schedule) take turns
        # instead of both inserting the same new account.
        state = linking_state_locked(shop)
        rows = {
            (row.sharer_type, row.sharer_id): row
            for row in CooperationAccount.objects.select_for_update().filter(shop=shop)
        }
        for sharer_type, entries in lists.items():
            for entry in entries:
                sharer_id = as_id(entry.get("sharer_id"))
                status = as_int(entry.get("status"))
                if not sharer_id or status not in CooperationAccount.Status.values:
                    continue
                row = rows.get((sharer_type, sharer_id)) or CooperationAccount(
                    shop=shop, sharer_type=sharer_type, sharer_id=sharer_id
                )
                values = {
                    "sharer_name": as_str(entry.get("sharer_name"))[:100],
                    "status": status,
                    "bind_time": platform_time(entry.get("bind_time"), milliseconds=True),
                    "unbind_time": platform_time(entry.get("unbind_time"), milliseconds=True),
                    "reject_time": platform_time(entry.get("reject_time"), milliseconds=True),
                    "cancel_time": platform_time(entry.get("cancel_time"), milliseconds=True),
                    "raw": entry,
                }
                if row.pk is None or any(getattr(row, name) != value for name, value in values.items()):
                    for name, value in values.items():
                        setattr(row, name, value)
                    row.synced_at = now
                    row.save()
                    rows[(sharer_type, sharer_id)] = row
                    changed += 1
        # When the lists were read is bookkeeping, not a change anyone made: no audit entry for it.
        LinkingState.objects.filter(pk=state.pk).update(cooperation_refreshed_at=now)
    return changed


def cooperation_qrcode_generate(*, shop: Shop, sharer_type: int, appid: str) -> str:
    """A new invitation QR code for the 公众号 or 小程序 ``appid``; returns the image, base64-encoded. The list
    is read again afterwards, so the invited account shows as pending."""
    if sharer_type not in CooperationAccount.SharerType.values:
        raise ValidationError(
            {
                "sharer_type": ValidationError(
                    _("Choose an official account or a mini program."), code="invalid_sharer_type"
                )
            }
        )
    with platform_session(shop) as client:
        try:
            qrcode = client.cooperation_qrcode(sharer_type, sharer_id=appid)
        except WeChatError as error:
            raise refusal(error, field="appid", write=True) from None
    # The QR code is valid all the same if the list cannot be read now: the next refresh shows the pending account.
    with suppress(ValidationError):
        cooperation_accounts_refresh(shop=shop)
    return qrcode


def cooperation_cancel(*, cooperation: CooperationAccount) -> CooperationAccount:
    """Withdraw a pending invitation (→ 7 邀请店铺取消). Refused for any other status."""
    if cooperation.status != CooperationAccount.Status.PENDING:
        raise ValidationError(
            _("Only a pending invitation can be cancelled; this account is “%(status)s”."),
            code="not_pending",
            params={"status": cooperation.get_status_display()},
        )
    return _cooperation_write(cooperation, "cooperation_cancel", CooperationAccount.Status.CANCELLED, "cancel_time")


def cooperation_unbind(*, cooperation: CooperationAccount) -> CooperationAccount:
    """Unbind a bound cooperation account (→ 2 已解绑). Refused for any other status."""
    if cooperation.status != CooperationAccount.Status.BOUND:
        raise ValidationError(
            _("Only a bound account can be unbound; this account is “%(status)s”."),
            code="not_bound",
            params={"status": cooperation.get_status_display()},
        )
    return _cooperation_write(cooperation, "cooperation_unbind", CooperationAccount.Status.UNBOUND, "unbind_time")


def _cooperation_write(cooperation: CooperationAccount, method: str, status: int, time_field: str):
    shop = cooperation.shop
    with platform_session(shop) as client:
        try:
            getattr(client, method)(sharer_id=cooperation.sharer_id, sharer_type=cooperation.sharer_type)
        except WeChatError as error:
            raise refusal(error, write=True) from None
        try:
            entries = client.cooperation_list(cooperation.sharer_type)
        except WeChatError:
            entries = None
    if entries is not None:
        _store_cooperation(shop, {cooperation.sharer_type: entries})
    else:  # the write went through; the list could not be read, so record it with our own clock
        with transaction.atomic():
            row = CooperationAccount.objects.select_for_update().get(pk=cooperation.pk)
            row.status = status
            setattr(row, time_field, timezone.now())
            row.save()
    return CooperationAccount.objects.get(pk=cooperation.pk)
