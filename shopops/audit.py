"""Which models the audit log (django-auditlog) records, and which fields it must never store."""

from auditlog.registry import auditlog
from django.apps import apps

# Secrets are left out of the log entirely: only the fact that a row changed is recorded for them.
EXCLUDED_FIELDS = {
    "shopops.User": ["password", "last_login"],
    "shopops.Shop": ["app_secret", "push_token", "encoding_aes_key"],
    "affiliates.Agency": ["app_secret"],
    "affiliates.AgencyAPIKey": ["hashed_key"],
}

AUDITED_APPS = ("shopops", "linked_accounts", "campaigns", "affiliates", "incentives")

# Copies of platform data and the sync's own bookkeeping: written in bulk by background jobs, read-only in the
# admin, and their history is the platform's, not ours.
NOT_AUDITED = {
    "shopops.ApiCall",
    "shopops.PlatformToken",
    "shopops.SyncCursor",
    "shopops.SyncState",
    "shopops.InboundEvent",
    "shopops.CallbackNonce",
    "shopops.Order",
    "shopops.OrderLine",
    "shopops.AfterSale",
    "shopops.AfterSaleStatusChange",
    "shopops.Product",
    "shopops.Sku",
    # The daily roll-ups the order store derives.
    "shopops.SalesDay",
    "shopops.BuyerDay",
    "shopops.CouponDay",
    "shopops.CouponSales",
    "shopops.OrderDay",
    "shopops.LiveDay",
    "shopops.BuyerSince",
    "shopops.SalesHour",
    "shopops.ChannelDay",
    "shopops.ProductDay",
    "shopops.AccountDay",
    # Campaign analytics: the platform's favourites counts, read daily, and the funnel figures the worker derives.
    "campaigns.FavoritesSnapshot",
    "campaigns.FunnelFigures",
    # 优选联盟: copies of the platform's data (the agency's and the shop's) and what the reconciliation derives.
    "affiliates.PlanTerms",
    "affiliates.CommissionLine",
    "affiliates.CommissionOrder",
    "affiliates.CommissionRollup",
    "affiliates.CommissionOrderRollup",
    "affiliates.AgencyProduct",
    "affiliates.AgencyTalent",
    "affiliates.FundsFlow",
    # 私域激励: the platform's per-order fund flows, and the ledger (append-only, written by the services only).
    "incentives.OrderFlow",
    "incentives.LedgerAccount",
    "incentives.Journal",
    "incentives.Entry",
    # Live previews: the start-time reminders and the console notifications they send are derived rows.
    "campaigns.PreviewReminder",
    "campaigns.ConsoleNotification",
    # Campaigns: coupons are the platform's (every write goes through the platform and its call log), coupon uses
    # are derived from orders.
    "campaigns.Coupon",
    "campaigns.UserCoupon",
    "campaigns.CouponUse",
    # 私域激励: accruals are derived from orders by the evaluation, in bulk, and only ever added.
    "incentives.Accrual",
    # WeCom staff rewards: derived from orders by the evaluation, in bulk, and only ever added.
    "incentives.StaffReward",
}


def register_models() -> None:
    """Register every model of our apps: support staff changes anything only with a trace."""
    for app_label in AUDITED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            label = model._meta.label
            if auditlog.contains(model) or label in NOT_AUDITED:
                continue
            auditlog.register(model, exclude_fields=EXCLUDED_FIELDS.get(label, []))
