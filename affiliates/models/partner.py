"""What an agency's own platform account holds, synced with the agency's credentials (headsupplier and 推客
APIs). Every row belongs to one agency; the portal and the agency API read nothing else."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from affiliates.models.agencies import Agency


class AgencyProduct(models.Model):
    """A product a shop promotes through the agency (headsupplier item/get). Ratios in parts per million."""

    class Status(models.IntegerChoices):
        LISTED = 1, _("Listed")
        DELISTED = 2, _("Delisted")
        REMOVED = 5, _("Removed by the platform")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="products", db_index=False)
    shop_appid = models.CharField(_("shop AppID"), max_length=32)
    product_id = models.CharField(_("product id"), max_length=32)
    title = models.CharField(_("title"), max_length=300, blank=True)
    image_url = models.URLField(_("image"), max_length=500, blank=True)
    min_price_fen = models.BigIntegerField(_("price from (fen)"), null=True, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), choices=Status.choices)
    ratio_ppm = models.PositiveIntegerField(_("commission ratio (ppm)"))
    service_ratio_ppm = models.PositiveIntegerField(_("service ratio (ppm)"))
    start_time = models.DateTimeField(_("starts"), null=True, blank=True)
    end_time = models.DateTimeField(_("ends"), null=True, blank=True)
    link = models.URLField(_("promotion link"), max_length=500, blank=True)
    raw = models.JSONField(_("platform payload"), default=dict)
    synced_at = models.DateTimeField(_("synced at"))

    class Meta:
        verbose_name = _("promoted product")
        verbose_name_plural = _("promoted products")
        ordering = ["shop_appid", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "shop_appid", "product_id"], name="agencyproduct_once")
        ]

    def __str__(self):
        return self.title or self.product_id


class Sharer(models.Model):
    """One of the agency's 推客 (get_bind_sharer_list), with the commission setting the agency gives them."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="sharers", db_index=False)
    sharer_appid = models.CharField(_("推客 AppID"), max_length=64)
    nickname = models.CharField(_("nickname"), max_length=100, blank=True)
    head_img_url = models.URLField(_("avatar"), max_length=500, blank=True)
    bind_time = models.DateTimeField(_("bound at"), null=True, blank=True)
    commission_type = models.PositiveSmallIntegerField(_("commission type"), null=True, blank=True)
    commission_ratio = models.PositiveIntegerField(_("commission ratio"), null=True, blank=True)
    synced_at = models.DateTimeField(_("synced at"))

    class Meta:
        verbose_name = _("推客")
        verbose_name_plural = _("推客")
        ordering = ["nickname", "id"]
        constraints = [models.UniqueConstraint(fields=["agency", "sharer_appid"], name="sharer_once")]

    def __str__(self):
        return self.nickname or self.sharer_appid


class AgencyTalent(models.Model):
    """A talent bound to the agency (get_bind_talent_list): the agency sees the exclusive terms shops give them."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="talents", db_index=False)
    talent_appid = models.CharField(_("talent AppID"), max_length=64)
    nickname = models.CharField(_("nickname"), max_length=100, blank=True)
    head_img = models.URLField(_("avatar"), max_length=500, blank=True)
    bind_time = models.DateTimeField(_("bound at"), null=True, blank=True)
    synced_at = models.DateTimeField(_("synced at"))

    class Meta:
        verbose_name = _("bound talent")
        verbose_name_plural = _("bound talents")
        ordering = ["nickname", "id"]
        constraints = [models.UniqueConstraint(fields=["agency", "talent_appid"], name="agencytalent_once")]

    def __str__(self):
        return self.nickname or self.talent_appid


class FundsFlow(models.Model):
    """One movement of the agency's funds (headsupplier funds/flowdetail/get): 1 提现 (withdrawal), 2 分账."""

    class Type(models.IntegerChoices):
        WITHDRAWAL = 1, _("Withdrawal")
        PROFIT_SHARING = 2, _("Commission received")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="funds_flows", db_index=False)
    flow_id = models.CharField(_("flow id"), max_length=64)
    funds_type = models.PositiveSmallIntegerField(_("type"), choices=Type.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    balance_fen = models.BigIntegerField(_("balance after (fen)"))
    bookkeeping_time = models.DateTimeField(_("booked at"))
    remark = models.CharField(_("remark"), max_length=200, blank=True)
    order_id = models.CharField(_("order id"), max_length=32, blank=True)
    withdraw_id = models.CharField(_("withdrawal id"), max_length=64, blank=True)
    synced_at = models.DateTimeField(_("synced at"))

    class Meta:
        verbose_name = _("funds flow")
        verbose_name_plural = _("funds flows")
        ordering = ["-bookkeeping_time", "-id"]
        constraints = [models.UniqueConstraint(fields=["agency", "flow_id"], name="fundsflow_once")]
        indexes = [models.Index(fields=["agency", "-bookkeeping_time"], name="fundsflow_agency_booked")]

    def __str__(self):
        return self.flow_id
