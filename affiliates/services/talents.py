"""Writes about the shop's 达人 (talents) in 优选联盟 and the thresholds a talent must meet before it is invited.

Each action goes to the platform first (league/promoter add, upd, the 2026 league/talent/update for 拉黑) and the
local row follows in one transaction; ``talents_sync`` copies the platform's talents and their figures. The
merchant's thresholds (``AffiliateSettings``: minimum fans, minimum 30-day GMV, allowed categories) are checked
before the invitation is sent: the platform reports a talent's GMV but neither its fans nor its category, so those
are entered from the talent's profile by the operator, and the page says so.

Every refusal is a ``ValidationError`` with a stable code and changes nothing: ``talent_required``,
``invitation_pending``, ``already_cooperating``, ``blacklisted``, ``fans_required``, ``below_min_fans``,
``below_min_gmv``, ``category_not_allowed``, ``wrong_state``, ``already_blacklisted``, ``not_blacklisted``,
``reason_required``, ``reason_too_long``, ``invalid_category``, ``talent_not_found`` (the platform knows no such
talent), and the league's refusals (affiliates.services.league: ``not_connected``, ``league_not_enabled``, one code
per league errcode, ``platform_unclear``, ``platform_refused``). Platform calls go through the league session, so
they also keep the shop's enrolment state current. django-auditlog records every row change with the request's
user; the blacklist's history (who, when, why) is read back from it.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from affiliates.models import AffiliateSettings, Talent
from affiliates.services.league import league_session
from shopops.models import Product, Shop
from shopops.money import format_yuan
from shopops.wechat.client import ShopClient
from shopops.wechat.errors import NotFoundError, WeChatError
from shopops.wechat.types import as_bool, as_dict, as_id, as_int, as_str

Status = Talent.Status
REASON_MAX = 200
CATEGORY_MAX = 64
# league/promoter/upd ``type``: 1 取消邀请, 2 结束合作 (wechat-platform-2026.md B.1).
UPD_CANCEL_INVITATION, UPD_END_COOPERATION = 1, 2
# The statuses a talent is listed under (league/promoter/list/get ``status``); 0 初始值 and 10 已删除 are not kept.
LISTED_STATUSES = (Status.INVITING, Status.ACCEPTED, Status.REJECTED, Status.INVITATION_CANCELLED, Status.ENDED)
INVALID_TALENT = 10023001  # league: 不合法的 finder_id / talent (wechat-platform.md §5.1)
PAGE_SIZE = 20  # the 2026 doc review says ≤ 20 per page (an older one ≤ 200): the smaller is safe either way


def _talent_not_found() -> ValidationError:
    return ValidationError(_("WeChat Shop knows no talent by this AppID or search key."), code="talent_not_found")


def talent_qs_select_for_update():
    """The one way to lock talent rows."""
    return Talent.objects.select_for_update()


# --- talking to the platform ------------------------------------------------------------------------------------------


def _lookup(client: ShopClient, **key) -> dict:
    """league/promoter/get by one key; a talent the platform does not know is ``talent_not_found`` (on
    ``talent_appid``) rather than the league's generic refusal."""
    try:
        return client.league_promoter_get(**key)
    except NotFoundError:
        raise ValidationError({"talent_appid": _talent_not_found()}) from None
    except WeChatError as error:
        if error.errcode == INVALID_TALENT:
            raise ValidationError({"talent_appid": _talent_not_found()}) from None
        raise


def _copy_profile(talent: Talent, payload: dict) -> None:
    """Take over what league/promoter/get reports (the 2026 ``talent`` object); amounts are fen."""
    base, data, feature = (as_dict(payload.get(key)) for key in ("base_talent_info", "data", "feature_info"))
    talent.nickname = as_str(base.get("nickname"))[:100] or talent.nickname
    talent.head_img = as_str(base.get("head_img"))[:500] or talent.head_img
    talent.total_sale_gmv_fen = as_int(data.get("total_sale_gmv"))
    talent.sale_gmv_30d_fen = as_int(data.get("sale_gmv_30d"))
    talent.total_order_num = as_int(data.get("total_order_num"))
    talent.order_num_30d = as_int(data.get("order_num_30d"))
    talent.sale_product_num_30d = as_int(data.get("sale_product_num_30d"))
    talent.window_product_num = as_int(data.get("window_product_num"))
    talent.level = as_int(feature.get("level"), default=None) if "level" in feature else talent.level
    if "is_blacklisted" in feature:
        talent.is_blacklisted = as_bool(feature.get("is_blacklisted"))
    talent.synced_at = timezone.now()


# --- thresholds ------------------------------------------------------------------------------------------------------


def affiliate_settings_for_shop(*, shop: Shop) -> AffiliateSettings:
    """The shop's alliance settings row (unsaved defaults when it has none yet)."""
    return AffiliateSettings.objects.filter(shop=shop).first() or AffiliateSettings(shop=shop)


@transaction.atomic
def thresholds_set(*, shop: Shop, min_fans: int, min_sale_gmv_30d_fen: int, categories: list[str]) -> AffiliateSettings:
    """Set what a talent must meet before ShopOps sends it an invitation: at least ``min_fans`` fans, at least
    ``min_sale_gmv_30d_fen`` of 30-day GMV, and one of ``categories`` (none: any category). Categories are trimmed,
    deduplicated in order; refused on ``categories`` (``invalid_category``) for one over 64 characters. Only the
    threshold columns are written (the league state beside them is another service's)."""
    cleaned = list(dict.fromkeys(c.strip() for c in categories if c.strip()))
    too_long = [c for c in cleaned if len(c) > CATEGORY_MAX]
    if too_long:
        raise ValidationError(
            {
                "categories": ValidationError(
                    _("A category has at most %(max)d characters: “%(category)s”."),
                    code="invalid_category",
                    params={"max": CATEGORY_MAX, "category": too_long[0]},
                )
            }
        )
    row, _created = AffiliateSettings.objects.select_for_update().get_or_create(shop=shop)
    row.min_fans, row.min_sale_gmv_30d_fen, row.categories = min_fans, min_sale_gmv_30d_fen, cleaned
    row.full_clean()
    row.save(update_fields=["min_fans", "min_sale_gmv_30d_fen", "categories", "updated_at"])
    return row


def check_thresholds(
    *, thresholds: AffiliateSettings, fans: int | None, category: str, sale_gmv_30d_fen: int | None = None
) -> None:
    """Refuse a talent below the shop's thresholds: ``fans_required`` (the threshold needs fans and none were
    entered) and ``below_min_fans`` on ``fans``, ``category_not_allowed`` on ``category``, ``below_min_gmv`` (checked
    only once the platform's figure is known: ``sale_gmv_30d_fen`` not None)."""
    if thresholds.min_fans and fans is None:
        raise ValidationError(
            {
                "fans": ValidationError(
                    _("Enter the talent's fans from its Channels profile: the shop requires at least %(min)d."),
                    code="fans_required",
                    params={"min": thresholds.min_fans},
                )
            }
        )
    if fans is not None and fans < thresholds.min_fans:
        raise ValidationError(
            {
                "fans": ValidationError(
                    _("The talent has %(fans)d fans; the shop requires at least %(min)d."),
                    code="below_min_fans",
                    params={"fans": fans, "min": thresholds.min_fans},
                )
            }
        )
    if thresholds.categories and category not in thresholds.categories:
        raise ValidationError(
            {
                "category": ValidationError(
                    _("The shop invites talents of these categories only: %(allowed)s."),
                    code="category_not_allowed",
                    params={"allowed": "、".join(thresholds.categories)},
                )
            }
        )
    if sale_gmv_30d_fen is not None and sale_gmv_30d_fen < thresholds.min_sale_gmv_30d_fen:
        raise ValidationError(
            _("The talent's 30-day GMV is %(gmv)s; the shop requires at least %(min)s."),
            code="below_min_gmv",
            params={"gmv": format_yuan(sale_gmv_30d_fen), "min": format_yuan(thresholds.min_sale_gmv_30d_fen)},
        )


# --- invitations -----------------------------------------------------------------------------------------------------


def talent_invite(
    *, shop: Shop, talent_appid: str = "", search_key: str = "", fans: int | None = None, category: str = ""
) -> Talent:
    """Invite a talent, found by its AppID or a search key (exactly one: ``talent_required`` on ``talent_appid``),
    after checking the shop's thresholds: fans and category (entered from the talent's profile) before any call,
    the 30-day GMV (the platform's, league/promoter/get) before the invitation (league/promoter/add).

    A talent whose invitation was declined or cancelled, or whose cooperation ended, is invited again on its row.
    Refused with ``invitation_pending``, ``already_cooperating``, ``blacklisted`` (on ``talent_appid``), the
    threshold codes of ``check_thresholds``, and the platform's refusals.
    """
    talent_appid, search_key, category = talent_appid.strip(), search_key.strip(), category.strip()
    if bool(talent_appid) == bool(search_key):
        raise ValidationError(
            {
                "talent_appid": ValidationError(
                    _("Enter the talent's AppID or a search key, not both."), code="talent_required"
                )
            }
        )
    thresholds = affiliate_settings_for_shop(shop=shop)
    if talent_appid:
        _refuse_invited(Talent.objects.filter(shop=shop, talent_appid=talent_appid).first())
    check_thresholds(thresholds=thresholds, fans=fans, category=category)
    with league_session(shop, write=True) as client:
        if talent_appid:
            profile = _lookup(client, talent_appid=talent_appid)
        else:
            profile = _lookup(client, talent_search_key=search_key)
        found_appid = as_id(as_dict(profile.get("base_talent_info")).get("talent_appid")) or talent_appid
        if not found_appid:
            raise ValidationError({"talent_appid": _talent_not_found()})
        _refuse_invited(Talent.objects.filter(shop=shop, talent_appid=found_appid).first())
        if as_bool(as_dict(profile.get("feature_info")).get("is_blacklisted")):
            raise ValidationError({"talent_appid": _blacklisted()})
        check_thresholds(
            thresholds=thresholds,
            fans=fans,
            category=category,
            sale_gmv_30d_fen=as_int(as_dict(profile.get("data")).get("sale_gmv_30d")),
        )
        client.league_promoter_add(talent_appid=found_appid)
    with transaction.atomic():
        talent = talent_qs_select_for_update().filter(shop=shop, talent_appid=found_appid).first()
        talent = talent or Talent(shop=shop, talent_appid=found_appid)
        _copy_profile(talent, profile)
        talent.fans = fans if fans is not None else talent.fans
        talent.category = category[:CATEGORY_MAX] or talent.category
        talent.status, talent.invite_time = Status.INVITING, timezone.now()
        talent.save()
    return talent


def _blacklisted() -> ValidationError:
    return ValidationError(
        _("This talent is blacklisted: take it off the blacklist before inviting it."), code="blacklisted"
    )


def _refuse_invited(talent: Talent | None) -> None:
    if talent is None:
        return
    if talent.is_blacklisted:
        raise ValidationError({"talent_appid": _blacklisted()})
    if talent.status == Status.INVITING:
        raise ValidationError(
            {
                "talent_appid": ValidationError(
                    _("An invitation to this talent is already waiting for an answer."), code="invitation_pending"
                )
            }
        )
    if talent.status == Status.ACCEPTED:
        raise ValidationError(
            {
                "talent_appid": ValidationError(
                    _("The shop already cooperates with this talent."), code="already_cooperating"
                )
            }
        )


def talent_cancel_invitation(*, talent: Talent) -> Talent:
    """Withdraw a pending invitation (league/promoter/upd type 1 → 4 已取消邀请). Refused (``wrong_state``) unless
    it is pending."""
    return _talent_upd(
        talent,
        expected=Status.INVITING,
        upd_type=UPD_CANCEL_INVITATION,
        status=Status.INVITATION_CANCELLED,
        message=_("Only a pending invitation can be cancelled; this talent is “%(status)s”."),
    )


def talent_end_cooperation(*, talent: Talent) -> Talent:
    """End the cooperation (league/promoter/upd type 2 → 5 已取消合作). Refused (``wrong_state``) unless the talent
    cooperates."""
    return _talent_upd(
        talent,
        expected=Status.ACCEPTED,
        upd_type=UPD_END_COOPERATION,
        status=Status.ENDED,
        message=_("Only a cooperating talent's cooperation can be ended; this talent is “%(status)s”."),
    )


def _talent_upd(talent: Talent, *, expected: int, upd_type: int, status: int, message) -> Talent:
    if talent.status != expected:
        raise ValidationError(message, code="wrong_state", params={"status": talent.get_status_display()})
    with league_session(talent.shop, write=True) as client:
        client.league_promoter_upd(talent_appid=talent.talent_appid, type=upd_type)
    with transaction.atomic():
        row = talent_qs_select_for_update().get(pk=talent.pk)
        row.status = status
        row.save()
    return row


# --- blacklist (拉黑) ------------------------------------------------------------------------------------------------


def talent_blacklist(*, talent: Talent, reason: str) -> Talent:
    """Blacklist the talent (拉黑, league/talent/update), with the merchant's reason. Refused:
    ``already_blacklisted``, ``reason_required`` / ``reason_too_long`` (on ``reason``)."""
    return _blacklist_set(talent, blacklisted=True, reason=reason)


def talent_unblacklist(*, talent: Talent, reason: str) -> Talent:
    """Take the talent off the blacklist (取消拉黑), with the merchant's reason, which replaces the blacklisting's:
    the audit log keeps both. Refused: ``not_blacklisted``, ``reason_required`` / ``reason_too_long``."""
    return _blacklist_set(talent, blacklisted=False, reason=reason)


def _blacklist_set(talent: Talent, *, blacklisted: bool, reason: str) -> Talent:
    reason = reason.strip()
    check_reason(reason)
    if talent.is_blacklisted == blacklisted:
        code = "already_blacklisted" if blacklisted else "not_blacklisted"
        message = _("The talent is already blacklisted.") if blacklisted else _("The talent is not blacklisted.")
        raise ValidationError(message, code=code)
    with league_session(talent.shop, write=True) as client:
        client.league_talent_update(talent_appid=talent.talent_appid, blacklisted=blacklisted)
    with transaction.atomic():
        row = talent_qs_select_for_update().get(pk=talent.pk)
        row.is_blacklisted, row.blacklist_reason = blacklisted, reason
        row.save()
    return row


def check_reason(reason: str) -> None:
    """A reason is required and has at most 200 characters (``reason_required``, ``reason_too_long`` on
    ``reason``)."""
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Give a reason."), code="reason_required")})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Keep the reason to %(max)d characters (it has %(length)d)."),
                    code="reason_too_long",
                    params={"max": REASON_MAX, "length": len(reason)},
                )
            }
        )


# --- sync ------------------------------------------------------------------------------------------------------------


@dataclass
class SyncReport:
    """What ``talents_sync`` changed, for the message shown after it."""

    found: int = 0
    changed: int = 0
    problems: list[str] | None = None


def talents_sync(*, shop: Shop) -> SyncReport:
    """Copy the shop's talents from the platform: every status list (league/promoter/list/get), then each talent's
    profile and figures (league/promoter/get). Rows are upserted by talent AppID; the console's own columns (fans,
    category, the blacklist reason) are kept; a talent no list shows any more was deleted (10 已删除). Running it
    twice changes nothing the second time. A talent whose profile cannot be read keeps its figures and is named in
    ``problems``."""
    statuses: dict[str, int] = {}
    profiles: dict[str, dict] = {}
    problems: list[str] = []
    with league_session(shop) as client:
        for status in LISTED_STATUSES:
            page_index = 1
            while True:
                page = client.league_promoter_list(page_index=page_index, page_size=PAGE_SIZE, status=status)
                for ref in page.talents:
                    statuses[ref.talent_appid] = int(status)
                if not page.has_more or not page.talents:
                    break
                page_index += 1
        for talent_appid in statuses:
            try:
                profiles[talent_appid] = client.league_promoter_get(talent_appid=talent_appid)
            except WeChatError as error:
                problems.append(f"{talent_appid}: {error.errmsg or type(error).__name__}")
    report = SyncReport(problems=problems)
    with transaction.atomic():
        rows = {row.talent_appid: row for row in talent_qs_select_for_update().filter(shop=shop)}
        for talent_appid, status in statuses.items():
            talent = rows.get(talent_appid) or Talent(shop=shop, talent_appid=talent_appid)
            before = _synced_fields(talent) if talent.pk else None
            talent.status = status
            if talent_appid in profiles:
                _copy_profile(talent, profiles[talent_appid])
            if before is None:
                report.found += 1
                talent.save()
            elif _synced_fields(talent) != before:
                report.changed += 1
                talent.save()
        for talent_appid, talent in rows.items():
            # Listed under no status: the platform deleted it (its lists show every talent but 10 已删除).
            if talent_appid not in statuses and talent.status not in (Status.INITIAL, Status.DELETED):
                talent.status = Status.DELETED
                talent.save()
                report.changed += 1
        # When the figures were read is bookkeeping, not a change anyone made: no audit entry for it.
        Talent.objects.filter(shop=shop, talent_appid__in=list(profiles)).update(synced_at=timezone.now())
    return report


def _synced_fields(talent: Talent) -> tuple:
    return tuple(
        getattr(talent, name)
        for name in (
            "status",
            "nickname",
            "head_img",
            "level",
            "is_blacklisted",
            "blacklist_reason",
            "total_sale_gmv_fen",
            "sale_gmv_30d_fen",
            "total_order_num",
            "order_num_30d",
            "sale_product_num_30d",
            "window_product_num",
        )
    )


# --- per-product figures (read live) ---------------------------------------------------------------------------------

PRODUCTS_PAGE_SIZE = 20


@dataclass(frozen=True)
class TalentProductRow:
    """One product the talent sold, as league/talent/getproductdatalist reports it, with the shop's title."""

    product_id: str
    title: str
    total_sale_gmv_fen: int
    sale_gmv_30d_fen: int
    total_order_num: int
    order_num_30d: int


@dataclass(frozen=True)
class TalentProducts:
    rows: list[TalentProductRow]
    total: int
    page: int
    has_more: bool


def talent_products_fetch(*, talent: Talent, page: str | int | None = 1) -> TalentProducts:
    """The talent's figures per product of the shop (league/talent/getproductdatalist), one page at a time, read
    from the platform when the talent's page is shown (ShopOps keeps no copy). A page that is not a positive number
    is page 1. Refused like any league read."""
    page_index = max(as_int(page, default=1), 1)
    with league_session(talent.shop) as client:
        result = client.league_talent_product_data_list(
            talent_appid=talent.talent_appid, page_index=page_index, page_size=PRODUCTS_PAGE_SIZE
        )
    titles = dict(
        Product.objects.filter(
            shop_id=talent.shop_id, product_id__in=[p.product_id for p in result.products]
        ).values_list("product_id", "title")
    )
    rows = [
        TalentProductRow(
            product_id=p.product_id,
            title=titles.get(p.product_id, ""),
            total_sale_gmv_fen=p.total_sale_gmv,
            sale_gmv_30d_fen=p.sale_gmv_30d,
            total_order_num=p.total_order_num,
            order_num_30d=p.order_num_30d,
        )
        for p in result.products
    ]
    return TalentProducts(rows=rows, total=result.total, page=page_index, has_more=result.has_more)
