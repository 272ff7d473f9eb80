"""The accounts a shop sells through besides itself: linked accounts (关联账号: 视频号, 公众号, 服务号, 企业微信), the
WeCom staff seen in orders, and cooperation accounts (合作账号: a 公众号 or 小程序 connected as a sales channel).

The platform owns the links; these rows are the console's copy of what it reported (refreshed by polling,
linked_accounts.services), plus what only the console decides: which linked account is shown as the display
account of its kind, the name a WeCom member goes by, whether the WeCom sidebar app is set up. On the real platform,
which has no linked-account API, a row is what the operator recorded (``origin`` "recorded"), and orders naming the
account verify it. Every state change of a linked account also leaves a ``LinkedAccountEvent`` (who did what,
when, with a stable action code and parameters; the text is made when it is shown); django-auditlog records every
row change with its actor.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shopops.models import Shop, ShopScopedQuerySet, TimeStampedModel


class AccountKind(models.TextChoices):
    """What can be linked to a shop. Labels are those of the order attribution (source_infos.account_type)."""

    CHANNELS = "channels", _("Channels account")  # 视频号
    MP = "mp", _("Official account")  # 公众号
    SERVICE = "service", _("Service account")  # 服务号
    WECOM = "wecom", _("WeCom")  # 企业微信


# source_infos[].account_type (带货账号类型) of each kind (shared/wechat-platform.md §2.3).
ACCOUNT_TYPE_OF_KIND = {AccountKind.CHANNELS: 1, AccountKind.MP: 2, AccountKind.WECOM: 4, AccountKind.SERVICE: 6}
KIND_OF_ACCOUNT_TYPE = {number: kind for kind, number in ACCOUNT_TYPE_OF_KIND.items()}
# The shop's home page shows at most one of each of these (seed 001: one 视频号; one 公众号 and one 服务号).
DISPLAY_KINDS = (AccountKind.CHANNELS, AccountKind.MP, AccountKind.SERVICE)


class LinkedAccount(TimeStampedModel):
    """One account linked, or invited to link, with the shop, whatever became of it.

    One row per (shop, kind, account id): inviting or recording the account again after a rejection, expiry,
    cancellation or unlinking reuses the row, and ``events`` keeps the whole story.
    """

    class Origin(models.TextChoices):
        """How the console came to know the account."""

        INVITED = "invited", _("Invited from ShopOps")
        RECORDED = "recorded", _("Recorded by an operator")  # linked in the WeChat Shop backend, no API
        FOUND = "found", _("Found linked on the platform")

    class Status(models.TextChoices):
        PENDING = "pending", _("Invitation pending")
        ACCEPTED = "accepted", _("Linked")
        REJECTED = "rejected", _("Invitation rejected")
        EXPIRED = "expired", _("Invitation expired")
        CANCELLED = "cancelled", _("Invitation cancelled")
        UNLINKED = "unlinked", _("Unlinked")

    class SellingIdentity(models.TextChoices):
        """带货身份 of a linked 视频号."""

        SELF_OPERATED = "self_operated", _("Shop's own products")  # 店铺自营
        CREATOR = "creator", _("Creator for other shops")  # 达人带货

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="linked_accounts", verbose_name=_("shop"))
    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices)
    # 视频号 id (sph…), 公众号/服务号 AppID, 企业微信 corp id: what orders report as source_infos.account_id.
    account_id = models.CharField(_("account id"), max_length=64)
    nickname = models.CharField(_("nickname"), max_length=100, blank=True)
    original_id = models.CharField(_("original id"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices, default=Origin.FOUND)
    selling_identity = models.CharField(
        _("selling identity"), max_length=16, choices=SellingIdentity.choices, blank=True
    )
    # The WeChat user administering the 视频号 (超管), as an opaque id the platform reports.
    super_admin_id = models.CharField(_("super admin"), max_length=64, blank=True)
    is_display = models.BooleanField(_("display account"), default=False)
    invitation_id = models.CharField(_("invitation id"), max_length=32, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited by"),
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    # A recorded account: who recorded it as linked, and when (orders placed since then verify it).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("invitation or link ended at"), null=True, blank=True)
    # 公众号/服务号 only: the 视频号 it is bound to (公众平台账号绑定视频号), which need not be linked to the shop.
    bound_finder_id = models.CharField(_("bound channels id"), max_length=64, blank=True)
    bound_finder_nickname = models.CharField(_("bound channels nickname"), max_length=100, blank=True)
    bound_at = models.DateTimeField(_("bound at"), null=True, blank=True)
    # 企业微信 only: the shop-side corp id (wecom/get_wecom_id) and whether the sidebar app is set up.
    wecom_corp_id = models.CharField(_("shop-side WeCom corp id"), max_length=64, blank=True)
    sidebar_configured = models.BooleanField(_("sidebar app set up"), default=False)
    synced_at = models.DateTimeField(_("last confirmed by the platform"), null=True, blank=True)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        db_table = "shopops_linkedaccount"
        verbose_name = _("linked account")
        verbose_name_plural = _("linked accounts")
        ordering = ["shop", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "kind", "account_id"], name="linkedaccount_unique_per_shop"),
            models.UniqueConstraint(
                fields=["shop", "kind"], condition=Q(is_display=True), name="linkedaccount_one_display_per_kind"
            ),
            models.CheckConstraint(
                condition=Q(is_display=False) | (Q(status="accepted") & Q(kind__in=["channels", "mp", "service"])),
                name="linkedaccount_display_only_when_linked",
            ),
            models.CheckConstraint(
                condition=Q(selling_identity="") | Q(kind="channels"),
                name="linkedaccount_selling_identity_channels_only",
            ),
        ]

    def __str__(self):
        return self.nickname or self.account_id

    @property
    def account_type(self) -> int:
        return ACCOUNT_TYPE_OF_KIND[self.kind]

    @property
    def is_linked(self) -> bool:
        return self.status == self.Status.ACCEPTED

    @property
    def is_recorded(self) -> bool:
        return self.origin == self.Origin.RECORDED

    @property
    def may_use_shop_marketing(self) -> bool:
        """店铺自营 视频号 may use the shop's coupons and flash sales; 达人带货 ones sell for other shops."""
        return self.is_linked and self.selling_identity == self.SellingIdentity.SELF_OPERATED


class LinkedAccountEvent(models.Model):
    """One change of a linked account: what happened, from which status to which, who did it and when.

    ``actor`` is the console user who acted; changes the platform reported (the other side accepted, rejected,
    let it expire, unlinked) have ``by_platform`` set and ``occurred_at`` from the platform when it said.
    ``action`` is a stable code and ``params`` what its text needs (language-neutral values: choice codes, ids,
    names); ``describe()`` makes the text in the viewer's language when it is shown. Keys per action:

    - invited, recorded: ``selling_identity`` (a 视频号's ``SellingIdentity`` value)
    - selling_identity: ``from``, ``to`` (``SellingIdentity`` values; ``from`` "" when there was none)
    - display_off: ``reason`` "unlinked" (no longer linked) or "replaced" with ``by`` (the new display account's
      name); none when the operator stopped it
    - binding: ``finder_id``, ``finder_nickname`` (both "" when bound to none)
    - sidebar: ``configured`` (bool)
    - any: ``legacy_text``, a free text kept from before events had parameters
    """

    class Action(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted the invitation")
        REJECTED = "rejected", _("Rejected the invitation")
        EXPIRED = "expired", _("Invitation expired")
        CANCELLED = "cancelled", _("Invitation cancelled")
        UNLINKED = "unlinked", _("Unlinked")
        FOUND = "found", _("Found linked on the platform")
        SELLING_IDENTITY = "selling_identity", _("Selling identity changed")
        DISPLAY_ON = "display_on", _("Made the display account")
        DISPLAY_OFF = "display_off", _("No longer the display account")
        BINDING = "binding", _("Channels binding changed")
        SIDEBAR = "sidebar", _("WeCom sidebar setup changed")
        RECORDED = "recorded", _("Recorded as linked in the WeChat Shop backend")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    linked_account = models.ForeignKey(
        LinkedAccount, on_delete=models.CASCADE, related_name="events", verbose_name=_("linked account")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=LinkedAccount.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=LinkedAccount.Status.choices, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    by_platform = models.BooleanField(_("reported by the platform"), default=False)
    occurred_at = models.DateTimeField(_("when"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        db_table = "shopops_linkedaccountevent"
        verbose_name = _("linked account event")
        verbose_name_plural = _("linked account events")
        # In the order the console learnt of them: the platform's times can lag behind ours.
        ordering = ["linked_account", "id"]

    def __str__(self):
        return f"{self.linked_account_id} {self.action}"

    def describe(self) -> str:
        """The event's detail in the active language ("" when its action says it all)."""
        params, action = self.params or {}, self.action
        if params.get("legacy_text"):
            return str(params["legacy_text"])
        if action in (self.Action.INVITED, self.Action.RECORDED):
            return _identity_label(params.get("selling_identity", ""))
        if action == self.Action.SELLING_IDENTITY:
            return f"{_identity_label(params.get('from', '')) or '—'} → {_identity_label(params.get('to', '')) or '—'}"
        if action == self.Action.DISPLAY_OFF:
            if params.get("reason") == "unlinked":
                return gettext("no longer linked")
            if params.get("reason") == "replaced":
                return gettext("replaced by %(name)s") % {"name": params.get("by", "")}
            return ""
        if action == self.Action.BINDING:
            if not params.get("finder_id"):
                return gettext("bound to no Channels account")
            return gettext("bound to %(name)s (%(id)s)") % {
                "name": params.get("finder_nickname") or params["finder_id"],
                "id": params["finder_id"],
            }
        if action == self.Action.SIDEBAR and "configured" in params:
            return gettext("sidebar app set up") if params["configured"] else gettext("sidebar app not set up")
        return ""


def _identity_label(value: str) -> str:
    """A selling identity's label in the active language; "" for none, the raw value for an unknown one."""
    if not value:
        return ""
    if value in LinkedAccount.SellingIdentity.values:
        return str(LinkedAccount.SellingIdentity(value).label)
    return value


class LinkingState(models.Model):
    """What the platform last said about the shop as a whole: its super admin, and when each list was polled."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="linking_state", verbose_name=_("shop"))
    # The WeChat user administering the shop (超级管理员), as an opaque id the platform reports.
    shop_super_admin_id = models.CharField(_("shop super admin"), max_length=64, blank=True)
    linked_refreshed_at = models.DateTimeField(_("linked accounts refreshed at"), null=True, blank=True)
    cooperation_refreshed_at = models.DateTimeField(_("cooperation accounts refreshed at"), null=True, blank=True)

    class Meta:
        db_table = "shopops_linkingstate"
        verbose_name = _("linking state")
        verbose_name_plural = _("linking states")

    def __str__(self):
        return str(self.shop)


class WecomStaff(TimeStampedModel):
    """A WeCom member seen forwarding the shop's products (orders' content_type 1), with the name the console
    knows them by: the basis for staff rewards."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="wecom_staff", verbose_name=_("shop"))
    # source_infos[].content_id of content_type 1 (企微成员转发), and the corp id its line names.
    user_id = models.CharField(_("WeCom member id"), max_length=64)
    corp_id = models.CharField(_("WeCom corp id"), max_length=64, blank=True)
    # The shop-side opaque member id from wecom/get_wecom_id; blank until resolved or when the platform knows none.
    wecom_user_id = models.CharField(_("shop-side member id"), max_length=64, blank=True)
    display_name = models.CharField(_("name in the console"), max_length=64, blank=True)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        db_table = "shopops_wecomstaff"
        verbose_name = _("WeCom staff member")
        verbose_name_plural = _("WeCom staff")
        ordering = ["shop", "display_name", "user_id"]
        constraints = [models.UniqueConstraint(fields=["shop", "user_id"], name="wecomstaff_unique_per_shop")]

    def __str__(self):
        return self.display_name or self.user_id


class CooperationAccount(TimeStampedModel):
    """A 公众号 or 小程序 invited or connected as a sales channel (合作账号), as cooperation/list reports it."""

    class SharerType(models.IntegerChoices):
        MP = 2, _("Official account")
        MINIPROGRAM = 3, _("Mini program")

    class Status(models.IntegerChoices):
        BOUND = 1, _("Bound")  # 已绑定
        UNBOUND = 2, _("Unbound")  # 已解绑
        REJECTED = 3, _("Invitation rejected")  # 邀请已拒绝
        PENDING = 4, _("Invitation pending")  # 邀请接受中
        TIMED_OUT = 5, _("Invitation timed out")  # 邀请接受超时
        FAILED = 6, _("Invitation failed")  # 邀请接受失败
        CANCELLED = 7, _("Invitation cancelled")  # 邀请店铺取消

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="cooperation_accounts", verbose_name=_("shop")
    )
    sharer_type = models.PositiveSmallIntegerField(_("type"), choices=SharerType.choices)
    # The 公众号's original id (gh_…) or the 小程序's AppID.
    sharer_id = models.CharField(_("account id"), max_length=64)
    sharer_name = models.CharField(_("name"), max_length=100, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), choices=Status.choices)
    bind_time = models.DateTimeField(_("bound at"), null=True, blank=True)
    unbind_time = models.DateTimeField(_("unbound at"), null=True, blank=True)
    reject_time = models.DateTimeField(_("rejected at"), null=True, blank=True)
    cancel_time = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    raw = models.JSONField(_("platform payload"), default=dict, blank=True)
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        db_table = "shopops_cooperationaccount"
        verbose_name = _("cooperation account")
        verbose_name_plural = _("cooperation accounts")
        ordering = ["shop", "sharer_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "sharer_type", "sharer_id"], name="cooperationaccount_unique_per_shop"
            )
        ]

    def __str__(self):
        return self.sharer_name or self.sharer_id
