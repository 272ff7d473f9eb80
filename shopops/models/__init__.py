from shopops.models.commerce import (
    AfterSale,
    AfterSaleStatusChange,
    Order,
    OrderLine,
    Product,
    ShopScopedQuerySet,
    Sku,
)
from shopops.models.platform import (
    ApiCall,
    CallbackNonce,
    InboundEvent,
    PlatformToken,
    ShopAlert,
    SyncCursor,
    SyncState,
)
from shopops.models.rollups import BuyerDay, CouponDay, SalesDay
from shopops.models.tenancy import Membership, Shop, ShopQuerySet, TimeStampedModel, User

__all__ = [
    "AfterSale",
    "AfterSaleStatusChange",
    "ApiCall",
    "BuyerDay",
    "CallbackNonce",
    "CouponDay",
    "InboundEvent",
    "Membership",
    "Order",
    "OrderLine",
    "PlatformToken",
    "Product",
    "SalesDay",
    "Shop",
    "ShopAlert",
    "ShopQuerySet",
    "ShopScopedQuerySet",
    "Sku",
    "SyncCursor",
    "SyncState",
    "TimeStampedModel",
    "User",
]
