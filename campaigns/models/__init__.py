"""Campaigns: one module per feature.

- ``coupons``: the shop's coupons (a copy of the platform's, with the rules checked before each call), their stock
  figures and the users' coupons.
- ``previews``: live previews (直播预告), their promoters, reminders, 预约有礼 and 支付后预约.
- ``plays``: what the platform has no API for and ShopOps plans and records: 福袋, 粉丝团 notices, 点赞买.
- ``analytics``: daily roll-ups of orders and favourites snapshots the analytics pages read.
"""

from campaigns.models.analytics import FavoritesSnapshot, FavouriteCoupon, FunnelFigures
from campaigns.models.coupons import Coupon, CouponType, CouponUse, UserCoupon
from campaigns.models.plays import FanClub, LikeToBuy, LuckyBag, ProductCost
from campaigns.models.previews import (
    ConsoleNotification,
    GiftPlacement,
    LivePreview,
    PostPaymentEntry,
    PreviewPromoter,
    PreviewReminder,
)

__all__ = [
    "ConsoleNotification",
    "Coupon",
    "CouponType",
    "CouponUse",
    "FanClub",
    "FavoritesSnapshot",
    "FavouriteCoupon",
    "FunnelFigures",
    "GiftPlacement",
    "LikeToBuy",
    "LivePreview",
    "LuckyBag",
    "PostPaymentEntry",
    "PreviewPromoter",
    "PreviewReminder",
    "ProductCost",
    "UserCoupon",
]
