"""The sandbox platform's own state. Nothing here is shared with the product: this is "WeChat's database".

Every platform object keeps its full API payload (exactly what the endpoint returns, ids as strings, money in fen,
times in Unix seconds) in ``payload``, plus the few indexed columns the list endpoints filter and sort on. The
columns are always derived from the payload by the code that writes it (generator, lifecycle, admin), never the
other way round.

Platform times are plain integers (Unix seconds): they belong to a shop's simulated clock, not to Django's
timezone machinery.
"""

from http import HTTPStatus

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Account(models.Model):
    """One appid on the platform: a shop (微信小店) or an agency (联盟带货机构).

    Tokens, faults and pushes are per appid.
    """

    class Kind(models.TextChoices):
        SHOP = "shop", _("Shop")
        AGENCY = "agency", _("Agency")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.SHOP)
    appid = models.CharField(_("appid"), max_length=32, unique=True)
    secret = models.CharField(_("AppSecret"), max_length=64)
    name = models.CharField(_("name"), max_length=64)
    username = models.CharField(_("original id (gh_…)"), max_length=32, blank=True)
    headimg_url = models.URLField(_("avatar URL"), max_length=300, blank=True)
    subject_type = models.CharField(_("subject type"), max_length=16, default="企业")
    shop_status = models.CharField(_("shop status"), max_length=16, default="open_finished")
    is_local_life = models.BooleanField(_("local life"), default=False)
    open_timestamp = models.BigIntegerField(_("opened at (unix)"), default=0)
    # 优选联盟 (a shop's): when off, every merchant league API answers 10023007 优选联盟未开通.
    league_enabled = models.BooleanField(_("alliance enabled"), default=True)
    # Deliberate platform mistakes (per mille of the commission lines paid / of the 推客 agency lines): see
    # sandbox.lifecycle (``skew``) and CommissionAnomaly, which records exactly which lines they hit.
    miscompute_permille = models.PositiveSmallIntegerField(
        _("mis-computed commission lines (‰)"), default=0, validators=[MaxValueValidator(1000)]
    )
    self_referral_permille = models.PositiveSmallIntegerField(
        _("self-referral sharer lines (‰)"), default=0, validators=[MaxValueValidator(1000)]
    )
    # Settled orders charged a wrong 私域激励 fee reduction (per mille; sandbox.lifecycle.fee_mistake, kind "fee").
    fee_mismatch_permille = models.PositiveSmallIntegerField(
        _("wrong incentive fee reductions (‰)"), default=0, validators=[MaxValueValidator(1000)]
    )

    # Message push (开发设置 - 消息推送): only secure mode with JSON exists for shops.
    callback_url = models.URLField(_("callback URL"), max_length=500, blank=True)
    push_token = models.CharField(_("push Token"), max_length=64, blank=True)
    encoding_aes_key = models.CharField(_("EncodingAESKey"), max_length=43, blank=True)
    pushes_enabled = models.BooleanField(_("pushes enabled"), default=True)

    # The simulation: the shop's own clock (Unix seconds) and what the generator needs to continue deterministically.
    clock = models.BigIntegerField(_("clock (unix)"), null=True, blank=True)
    seed = models.BigIntegerField(_("seed"), null=True, blank=True)
    daily_order_rate = models.FloatField(_("orders per day"), default=0)
    order_seq = models.PositiveIntegerField(_("orders generated"), default=0)
    aftersale_seq = models.PositiveIntegerField(_("after-sales generated"), default=0)
    # Generated reference data other modules can build on: linked accounts, talents, lives, coupons, league items.
    catalog = models.JSONField(_("catalog"), default=dict, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("platform account")
        verbose_name_plural = _("platform accounts")
        ordering = ["kind", "appid"]

    def __str__(self):
        return f"{self.name} ({self.appid})"


class AccessToken(models.Model):
    class Kind(models.TextChoices):
        BASIC = "basic", _("cgi-bin/token")
        STABLE = "stable", _("cgi-bin/stable_token")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("account"))
    token = models.CharField(_("token"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    issued_at = models.BigIntegerField(_("issued at (unix)"))
    expires_at = models.BigIntegerField(_("expires at (unix)"))
    by_force_refresh = models.BooleanField(_("force refresh"), default=False)
    # Set when a newer token replaced it or a fault invalidated it: the token then answers 40001.
    invalidated_at = models.BigIntegerField(_("invalidated at (unix)"), null=True, blank=True)
    # Set by the "expire tokens" fault: the token answers 42001 although its lifetime has not run out.
    expired_by_fault = models.BooleanField(_("expired by fault"), default=False)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        indexes = [models.Index(fields=["account", "kind", "issued_at"])]

    def __str__(self):
        return f"{self.token[:12]}… ({self.kind})"


class LinkedAccount(models.Model):
    """An account a shop sells through: 关联账号 (0), 合作账号 (1) or 授权号 (2), as source_infos reports them."""

    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="linked_accounts", verbose_name=_("shop"))
    sale_channel = models.PositiveSmallIntegerField(_("sale channel"))
    account_type = models.PositiveSmallIntegerField(_("account type"))
    account_id = models.CharField(_("account id"), max_length=64)
    nickname = models.CharField(_("nickname"), max_length=64)
    original_id = models.CharField(_("original id"), max_length=32, blank=True)
    # e.g. WeCom: raw corp id and members [{user_id, wecom_user_id, name}]; cooperation: bind_time, status.
    extra = models.JSONField(_("extra"), default=dict, blank=True)

    class Meta:
        verbose_name = _("linked account")
        verbose_name_plural = _("linked accounts")
        constraints = [
            models.UniqueConstraint(fields=["shop", "sale_channel", "account_id"], name="sandbox_linked_unique")
        ]

    def __str__(self):
        return f"{self.nickname} ({self.account_id})"


class Buyer(models.Model):
    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="buyers", verbose_name=_("shop"))
    openid = models.CharField(_("openid"), max_length=64)
    unionid = models.CharField(_("unionid"), max_length=64, blank=True)
    nickname = models.CharField(_("nickname"), max_length=64)
    # The undesensitised address (what sensitiveinfo/decode would answer).
    address = models.JSONField(_("address"), default=dict)

    class Meta:
        verbose_name = _("buyer")
        verbose_name_plural = _("buyers")
        constraints = [models.UniqueConstraint(fields=["shop", "openid"], name="sandbox_buyer_unique")]

    def __str__(self):
        return self.openid


class Product(models.Model):
    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="products", verbose_name=_("shop"))
    product_id = models.CharField(_("product id"), max_length=32)
    status = models.PositiveSmallIntegerField(_("status"))
    update_time = models.BigIntegerField(_("edit time (unix)"))
    # product/get "product" (online data; null for a never-listed draft) and "edit_product" (draft data).
    payload = models.JSONField(_("product"), null=True, blank=True)
    edit_payload = models.JSONField(_("edit product"), null=True, blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [models.UniqueConstraint(fields=["shop", "product_id"], name="sandbox_product_unique")]

    def __str__(self):
        return self.product_id


class Order(models.Model):
    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="orders", verbose_name=_("shop"))
    order_id = models.CharField(_("order id"), max_length=32)
    create_time = models.BigIntegerField(_("create time (unix)"))
    update_time = models.BigIntegerField(_("update time (unix)"))
    status = models.PositiveSmallIntegerField(_("status"))
    openid = models.CharField(_("openid"), max_length=64)
    payload = models.JSONField(_("order"))
    # What will happen to the order next: [[time, action, args], …] in time order (see sandbox.lifecycle).
    plan = models.JSONField(_("plan"), default=list, blank=True)
    next_action_time = models.BigIntegerField(_("next action (unix)"), null=True, blank=True)
    seq = models.PositiveIntegerField(_("sequence"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [models.UniqueConstraint(fields=["shop", "order_id"], name="sandbox_order_unique")]
        indexes = [
            models.Index(fields=["shop", "create_time", "order_id"], name="sandbox_order_ctime"),
            models.Index(fields=["shop", "update_time", "order_id"], name="sandbox_order_utime"),
            models.Index(fields=["shop", "next_action_time"], name="sandbox_order_next"),
        ]

    def __str__(self):
        return self.order_id


class AfterSale(models.Model):
    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="aftersales", verbose_name=_("shop"))
    after_sale_order_id = models.CharField(_("after-sale id"), max_length=32)
    order_id = models.CharField(_("order id"), max_length=32)
    create_time = models.BigIntegerField(_("create time (unix)"))
    update_time = models.BigIntegerField(_("update time (unix)"))
    status = models.CharField(_("status"), max_length=48)
    payload = models.JSONField(_("after-sale order"))

    class Meta:
        verbose_name = _("after-sale order")
        verbose_name_plural = _("after-sale orders")
        constraints = [models.UniqueConstraint(fields=["shop", "after_sale_order_id"], name="sandbox_aftersale_unique")]
        indexes = [
            models.Index(fields=["shop", "create_time", "after_sale_order_id"], name="sandbox_aftersale_ctime"),
            models.Index(fields=["shop", "order_id"], name="sandbox_aftersale_order"),
        ]

    def __str__(self):
        return self.after_sale_order_id


class Cooperation(models.Model):
    """An agency's cooperation with a shop (headsupplier shop/list/get).

    status: 1 邀请中, 2 已接受, 3 已拒绝, 4 取消邀请, 5 取消合作.
    """

    agency = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="cooperations", verbose_name=_("agency"))
    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="agency_cooperations")
    status = models.PositiveSmallIntegerField(_("status"))
    update_time = models.BigIntegerField(_("update time (unix)"))

    class Meta:
        verbose_name = _("agency cooperation")
        verbose_name_plural = _("agency cooperations")
        constraints = [models.UniqueConstraint(fields=["agency", "shop"], name="sandbox_cooperation_unique")]

    def __str__(self):
        return f"{self.agency.appid} × {self.shop.appid}"


class AgencyItem(models.Model):
    """A shop product promoted through an agency (headsupplier item/list/get, item/get); ratios in 1/1,000,000."""

    agency = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="agency_items", verbose_name=_("agency"))
    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="items_at_agencies")
    product_id = models.CharField(_("product id"), max_length=32)
    status = models.PositiveSmallIntegerField(_("status"))
    ratio_ppm = models.PositiveIntegerField(_("promoter ratio (ppm)"))
    service_ratio_ppm = models.PositiveIntegerField(_("service ratio (ppm)"))
    update_time = models.BigIntegerField(_("update time (unix)"))
    payload = models.JSONField(_("item"))

    class Meta:
        verbose_name = _("agency item")
        verbose_name_plural = _("agency items")
        constraints = [
            models.UniqueConstraint(fields=["agency", "shop", "product_id"], name="sandbox_agency_item_unique")
        ]

    def __str__(self):
        return f"{self.shop.appid}/{self.product_id}"


class CommissionOrder(models.Model):
    """The agency-side commission order (佣金单), one per (order_id, sku_id).

    status: 20 未结算, 100 已结算, 200 取消结算.
    """

    agency = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="commission_orders", verbose_name=_("agency")
    )
    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="shop_commission_orders")
    order_id = models.CharField(_("order id"), max_length=32)
    sku_id = models.CharField(_("sku id"), max_length=32)
    create_time = models.BigIntegerField(_("create time (unix)"))
    update_time = models.BigIntegerField(_("update time (unix)"))
    status = models.PositiveSmallIntegerField(_("status"))
    finder_id = models.CharField(_("finder id"), max_length=64, blank=True)
    openfinderid = models.CharField(_("openfinderid"), max_length=64, blank=True)
    sharer_appid = models.CharField(_("sharer appid"), max_length=64, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    payload = models.JSONField(_("commission order"))

    class Meta:
        verbose_name = _("commission order")
        verbose_name_plural = _("commission orders")
        constraints = [
            models.UniqueConstraint(fields=["agency", "order_id", "sku_id"], name="sandbox_commission_unique")
        ]
        indexes = [
            models.Index(fields=["agency", "create_time", "order_id", "sku_id"], name="sandbox_comm_ctime"),
            models.Index(fields=["agency", "update_time", "order_id", "sku_id"], name="sandbox_comm_utime"),
        ]

    def __str__(self):
        return f"{self.order_id}/{self.sku_id}"


class LeagueTalent(models.Model):
    """A 达人 (talent) in a shop's 优选联盟 talent list (league/promoter/*, the 2026 talent model).

    status: 0 初始值, 1 邀请中, 2 已接受邀请, 3 已拒绝邀请, 4 已取消邀请, 5 已取消合作, 10 已删除.
    ``is_blacklisted`` is set by league/talent/update; a blacklisted talent cannot be named in a plan.
    """

    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="league_talents", verbose_name=_("shop"))
    talent_appid = models.CharField(_("talent appid"), max_length=32)
    finder_id = models.CharField(_("channels finder id"), max_length=64, blank=True)
    nickname = models.CharField(_("nickname"), max_length=64)
    head_img = models.URLField(_("avatar URL"), max_length=300, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    status = models.PositiveSmallIntegerField(_("status"), default=0)
    is_blacklisted = models.BooleanField(_("blacklisted"), default=False)
    invite_time = models.BigIntegerField(_("invited (unix)"), default=0)
    update_time = models.BigIntegerField(_("updated (unix)"), default=0)

    class Meta:
        verbose_name = _("league talent")
        verbose_name_plural = _("league talents")
        ordering = ["shop", "pk"]
        constraints = [models.UniqueConstraint(fields=["shop", "talent_appid"], name="sandbox_league_talent_unique")]

    def __str__(self):
        return f"{self.nickname} ({self.talent_appid})"


class LeaguePlan(models.Model):
    """A promotion plan (推广计划) of a shop's product: what league/item/* and promotion/plan/list serve.

    type: 1 普通, 2 定向, 3 专属, and 0 for an agency plan (item/headsupplier/batchadd with ``agency``; 0 is the
    sandbox's own marker, never sent as a ``type``). status as stored: 1 listed, 2 delisted, 4 deleted, 5 below
    the admission threshold; the API shows 10 待生效 for a listed plan before ``begin_time`` (sandbox.services.league).
    The current terms are also in ``terms`` (LeaguePlanTerms): each change closes the open row and opens a new one.
    """

    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="league_plans", verbose_name=_("shop"))
    plan_id = models.CharField(_("promotion plan id"), max_length=32)
    type = models.PositiveSmallIntegerField(_("type"))
    product_id = models.CharField(_("product id"), max_length=32)
    agency = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="league_agency_plans"
    )
    status = models.PositiveSmallIntegerField(_("status"))
    ratio_pct = models.PositiveSmallIntegerField(_("ratio (%)"), validators=[MaxValueValidator(90)])
    service_ratio_pct = models.PositiveSmallIntegerField(
        _("service ratio (%)"), default=0, validators=[MaxValueValidator(90)]
    )
    commission_type = models.PositiveSmallIntegerField(_("commission type"), default=0)
    talents = models.JSONField(_("talent appids"), default=list, blank=True)
    begin_time = models.BigIntegerField(_("begin (unix)"), default=0)
    end_time = models.BigIntegerField(_("end (unix)"), null=True, blank=True)
    create_time = models.BigIntegerField(_("created (unix)"))
    update_time = models.BigIntegerField(_("updated (unix)"))

    class Meta:
        verbose_name = _("league promotion plan")
        verbose_name_plural = _("league promotion plans")
        ordering = ["shop", "pk"]
        constraints = [models.UniqueConstraint(fields=["shop", "plan_id"], name="sandbox_league_plan_unique")]
        indexes = [models.Index(fields=["shop", "product_id"], name="sandbox_league_plan_product")]

    def __str__(self):
        return f"{self.plan_id} ({self.product_id}, type {self.type})"

    @property
    def is_forever(self) -> bool:
        return self.end_time is None


class LeaguePlanTerms(models.Model):
    """The terms of a plan between ``valid_from`` and ``valid_to`` (open: null), as the platform applied them.

    The terms in force at t: valid_from <= t < valid_to, listed, begin_time <= t and (end_time null or
    t <= end_time). A commission paid at t uses them (sandbox.lifecycle.PlanBook).
    """

    plan = models.ForeignKey(LeaguePlan, on_delete=models.CASCADE, related_name="terms", verbose_name=_("plan"))
    ratio_pct = models.PositiveSmallIntegerField(_("ratio (%)"))
    service_ratio_pct = models.PositiveSmallIntegerField(_("service ratio (%)"), default=0)
    talents = models.JSONField(_("talent appids"), default=list, blank=True)
    listed = models.BooleanField(_("listed"))
    begin_time = models.BigIntegerField(_("begin (unix)"), default=0)
    end_time = models.BigIntegerField(_("end (unix)"), null=True, blank=True)
    valid_from = models.BigIntegerField(_("valid from (unix)"))
    valid_to = models.BigIntegerField(_("valid to (unix)"), null=True, blank=True)

    class Meta:
        verbose_name = _("league plan terms")
        verbose_name_plural = _("league plan terms")
        ordering = ["plan", "valid_from", "pk"]

    def __str__(self):
        return f"{self.plan.plan_id} from {self.valid_from}"


class LeagueSale(models.Model):
    """A talent's sale of a shop's product (a paid line attributed to a 达人 outside any agency), written when the
    order is paid: the figures of league/promoter/get and talent/getproductdatalist are sums of these rows."""

    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="league_sales", verbose_name=_("shop"))
    talent_appid = models.CharField(_("talent appid"), max_length=32)
    order_id = models.CharField(_("order id"), max_length=32)
    sku_id = models.CharField(_("sku id"), max_length=32)
    product_id = models.CharField(_("product id"), max_length=32)
    amount = models.BigIntegerField(_("paid (fen)"))
    pay_time = models.BigIntegerField(_("paid (unix)"))

    class Meta:
        verbose_name = _("league talent sale")
        verbose_name_plural = _("league talent sales")
        constraints = [
            models.UniqueConstraint(fields=["shop", "order_id", "sku_id"], name="sandbox_league_sale_unique")
        ]
        indexes = [models.Index(fields=["shop", "talent_appid", "pay_time"], name="sandbox_league_sale_talent")]

    def __str__(self):
        return f"{self.talent_appid} {self.order_id}/{self.sku_id}"


class CommissionAnomaly(models.Model):
    """The truth about a deliberately wrong commission line, for tests: the platform's amount for ``party``
    (commission_infos type: 0 达人/推客 side, 1 机构) of (order_id, sku_id) is wrong (``miscomputed``; the same
    wrong amount in the order and in the agency's commission order), or the agency line's buyer is the 推客
    themself (``self_referral``: buyer_info.open_id = the 推客's opensharerid). ``fee``: the order's 私域激励 fee
    reduction in funds/listorderflow is wrong (sku_id "", party 0; ``rule`` {reason missing / unexpected /
    wrong_amount, due, granted}). ``rule`` says how it was made."""

    class Kind(models.TextChoices):
        MISCOMPUTED = "miscomputed", _("Mis-computed")
        SELF_REFERRAL = "self_referral", _("Self-referral")
        FEE = "fee", _("Wrong incentive fee reduction")

    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="commission_anomalies")
    agency = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="agency_commission_anomalies"
    )
    order_id = models.CharField(_("order id"), max_length=32)
    sku_id = models.CharField(_("sku id"), max_length=32)
    party = models.PositiveSmallIntegerField(_("party"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    rule = models.JSONField(_("rule"), default=dict, blank=True)

    class Meta:
        verbose_name = _("commission anomaly")
        verbose_name_plural = _("commission anomalies")
        ordering = ["shop", "order_id", "sku_id", "party"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "order_id", "sku_id", "party", "kind"], name="sandbox_commission_anomaly_unique"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.order_id}/{self.sku_id}/{self.party}"


class Invitation(models.Model):
    """Something one party proposed and the other has yet to accept or reject (decided in the admin).

    ``kind`` names a handler registered in ``sandbox.invitations`` (e.g. ``headsupplier_cooperation``); modules that
    add invitation-like flows (league promoters, cooperation accounts…) register their own kind. ``linked_account``
    and ``cooperation_account`` (sandbox.linking) keep their platform-facing id in ``reference``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        # Ended without an answer: withdrawn by the inviter, left unanswered too long, or failed on the platform.
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=48)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("from"))
    counterpart = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations_received"
    )
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    create_time = models.BigIntegerField(_("created (unix)"))
    decided_time = models.BigIntegerField(_("decided (unix)"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.kind} {self.reference}"


class PushEvent(models.Model):
    """One platform event, in plaintext (what the receiver sees after decrypting). Ordered by id = emission order."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="push_events", verbose_name=_("to"))
    event = models.CharField(_("event"), max_length=64)
    create_time = models.BigIntegerField(_("CreateTime (unix)"))
    payload = models.JSONField(_("message"))
    created_at = models.DateTimeField(_("emitted"), auto_now_add=True)

    class Meta:
        verbose_name = _("push event")
        verbose_name_plural = _("push events")
        indexes = [models.Index(fields=["account", "create_time"], name="sandbox_event_time")]

    def __str__(self):
        return f"{self.event} #{self.pk}"


class PushDelivery(models.Model):
    """Delivering one event to the callback URL: up to 10 attempts on the platform's retry schedule."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed (gave up)")

    event = models.ForeignKey(PushEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event"))
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="push_deliveries")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    duplicate = models.BooleanField(_("duplicate (fault)"), default=False)
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Real time (platform_now), not the shop clock: retries happen in the receiver's time.
    next_attempt_at = models.FloatField(_("next attempt (unix)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("push delivery")
        verbose_name_plural = _("push deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sandbox_delivery_due")]

    def __str__(self):
        return f"{self.event} → {self.status}"


class PushAttempt(models.Model):
    delivery = models.ForeignKey(
        PushDelivery, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    attempted_at = models.FloatField(_("at (unix)"))
    url = models.CharField(_("URL"), max_length=1000)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    delivered = models.BooleanField(_("delivered"), default=False)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("push attempt")
        verbose_name_plural = _("push attempts")
        ordering = ["delivery", "number"]

    def __str__(self):
        return f"#{self.number} {self.http_status or self.error}"


class FaultSettings(models.Model):
    """Faults injected into one appid's calls. Random decisions depend only on (seed, call number)."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="faults", verbose_name=_("account"))
    busy_rate = models.FloatField(_("busy (-1) rate"), default=0)
    http5xx_rate = models.FloatField(_("HTTP 5xx rate"), default=0)
    slow_rate = models.FloatField(_("slow rate"), default=0)
    slow_seconds = models.FloatField(_("slow seconds"), default=12)
    rate_limit_remaining = models.PositiveIntegerField(_("45011 for the next N calls"), default=0)
    quota_exhausted = models.BooleanField(_("daily quota exhausted (45009)"), default=False)
    duplicate_push_rate = models.FloatField(_("duplicate push rate"), default=0)
    reorder_pushes = models.BooleanField(_("reorder pushes"), default=False)
    seed = models.BigIntegerField(_("seed"), default=0)
    call_counter = models.PositiveBigIntegerField(_("business calls counted"), default=0)
    push_counter = models.PositiveBigIntegerField(_("events counted"), default=0)
    batch_counter = models.PositiveBigIntegerField(_("push batches counted"), default=0)

    class Meta:
        verbose_name = _("fault settings")
        verbose_name_plural = _("fault settings")

    def __str__(self):
        return f"faults for {self.account.appid}"


class TargetedFault(models.Model):
    """Fail calls ``first_call`` … ``first_call + times − 1`` of one path by one appid, counted from when the fault
    was armed (1 is the next call of that path), with ``errcode`` (HTTP 200, platform error body) or ``http_status``
    (an nginx HTML page). Used up once it has fired ``times`` times. Token endpoints never count.

    Arm it through ``sandbox.faults`` (``faults_configure(targeted=[…])``; the command and the admin do), which
    restarts its counts and makes sure the appid has FaultSettings: calls are checked against these rows only for an
    appid that has them.
    """

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="targeted_faults", verbose_name=_("account")
    )
    path = models.CharField(
        _("path"), max_length=200, help_text=_("The platform path, for example /channels/ec/order/get.")
    )
    first_call = models.PositiveIntegerField(
        _("first failing call"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Calls of the path are counted from when the fault is saved: 1 is the next call."),
    )
    times = models.PositiveIntegerField(_("failing calls in a row"), default=1, validators=[MinValueValidator(1)])
    errcode = models.IntegerField(_("errcode"), null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(
        _("HTTP status"), null=True, blank=True, validators=[MinValueValidator(400), MaxValueValidator(599)]
    )
    calls_counted = models.PositiveIntegerField(_("calls counted"), default=0)
    fired = models.PositiveIntegerField(_("times fired"), default=0)

    class Meta:
        verbose_name = _("targeted fault")
        verbose_name_plural = _("targeted faults")
        ordering = ["account", "pk"]
        indexes = [models.Index(fields=["account", "path"], name="sandbox_targeted_path")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(errcode__isnull=False, http_status__isnull=True)
                | models.Q(errcode__isnull=True, http_status__isnull=False),
                name="sandbox_targeted_one_answer",
            ),
            models.CheckConstraint(
                condition=models.Q(first_call__gte=1, times__gte=1), name="sandbox_targeted_positive"
            ),
        ]

    def __str__(self):
        answer = self.errcode if self.errcode is not None else f"HTTP {self.http_status}"
        last = self.first_call + self.times - 1
        calls = f"#{self.first_call}" if self.times == 1 else f"#{self.first_call}–{last}"
        return f"{self.path} {calls} → {answer}"

    @property
    def used_up(self) -> bool:
        return self.fired >= self.times

    def clean(self):
        if (self.errcode is None) == (self.http_status is None):
            raise ValidationError(_("Give either an errcode or an HTTP status."), code="one_answer")
        if self.errcode == 0:
            raise ValidationError({"errcode": _("errcode 0 is a success, not a fault.")}, code="errcode_zero")
        if self.http_status is not None and not _is_http_status(self.http_status):
            raise ValidationError({"http_status": _("Not an HTTP status.")}, code="unknown_status")
        if not self.path.startswith("/") or "?" in self.path:
            raise ValidationError({"path": _("The path starts with / and has no query string.")}, code="path_shape")


def _is_http_status(value: int) -> bool:
    try:
        HTTPStatus(value)
    except ValueError:
        return False
    return True


# --- coupons (营销管理-优惠券, sandbox/api/coupons.py, sandbox/gen_coupons.py) -----------------------------------


class Coupon(models.Model):
    """A shop's coupon as ``coupon/get`` answers it. ``coupon_info`` is what create/update were given (normalised:
    ids as strings); the stock figures are columns because receipts and uses move them."""

    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="coupons", verbose_name=_("shop"))
    coupon_id = models.CharField(_("coupon id"), max_length=32)
    type = models.PositiveSmallIntegerField(_("type"))
    # 1 未生效/编辑中, 2 生效, 3 已过期, 4 已作废, 5 删除.
    status = models.PositiveSmallIntegerField(_("status"))
    create_time = models.BigIntegerField(_("create time (unix)"))
    update_time = models.BigIntegerField(_("update time (unix)"))
    coupon_info = models.JSONField(_("coupon info"), default=dict)
    total_num = models.PositiveIntegerField(_("total"), default=0)
    receive_num = models.PositiveIntegerField(_("received"), default=0)
    used_num = models.PositiveIntegerField(_("used"), default=0)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [models.UniqueConstraint(fields=["shop", "coupon_id"], name="sandbox_coupon_unique")]
        indexes = [models.Index(fields=["shop", "status", "coupon_id"], name="sandbox_coupon_status")]

    def __str__(self):
        return self.coupon_id

    def payload(self) -> dict:
        return {
            "coupon_id": self.coupon_id,
            "type": self.type,
            "status": self.status,
            "create_time": self.create_time,
            "update_time": self.update_time,
            "coupon_info": self.coupon_info,
            "stock_info": {
                "issued_num": max(0, self.total_num - self.receive_num),
                "receive_num": self.receive_num,
                "used_num": self.used_num,
            },
        }


class UserCoupon(models.Model):
    """A coupon a buyer received (``get_user_coupon``): 100 生效中, 101 已过期, 102 已使用."""

    shop = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="user_coupons", verbose_name=_("shop"))
    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="user_coupons", verbose_name=_("coupon"))
    user_coupon_id = models.CharField(_("user coupon id"), max_length=32)
    openid = models.CharField(_("openid"), max_length=64)
    unionid = models.CharField(_("unionid"), max_length=64, blank=True)
    status = models.PositiveSmallIntegerField(_("status"))
    create_time = models.BigIntegerField(_("received (unix)"))
    update_time = models.BigIntegerField(_("update time (unix)"))
    start_time = models.BigIntegerField(_("valid from (unix)"))
    end_time = models.BigIntegerField(_("valid until (unix)"))
    use_time = models.BigIntegerField(_("used (unix)"), null=True, blank=True)
    order_id = models.CharField(_("order id"), max_length=32, blank=True)
    discount_fee = models.PositiveIntegerField(_("discount (fen)"), default=0)

    class Meta:
        verbose_name = _("user coupon")
        verbose_name_plural = _("user coupons")
        constraints = [models.UniqueConstraint(fields=["shop", "user_coupon_id"], name="sandbox_usercoupon_unique")]
        indexes = [models.Index(fields=["shop", "openid", "user_coupon_id"], name="sandbox_usercoupon_owner")]

    def __str__(self):
        return self.user_coupon_id

    def payload(self) -> dict:
        return {
            "user_coupon_id": self.user_coupon_id,
            "coupon_id": self.coupon.coupon_id,
            "status": self.status,
            "create_time": self.create_time,
            "update_time": self.update_time,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "ext_info": {"use_time": self.use_time or 0},
            "order_id": self.order_id,
            "discount_fee": self.discount_fee,
        }
