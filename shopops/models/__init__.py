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
from shopops.models.tenancy import Membership, Shop, ShopQuerySet, TimeStampedModel, User

__all__ = [
    "AfterSale",
    "AfterSaleStatusChange",
    "ApiCall",
    "CallbackNonce",
    "InboundEvent",
    "Membership",
    "Order",
    "OrderLine",
    "PlatformToken",
    "Product",
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
