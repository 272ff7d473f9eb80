from shopops.models.accounts import (
    AccountKind,
    CooperationAccount,
    LinkedAccount,
    LinkedAccountEvent,
    LinkingState,
    WecomStaff,
)
from shopops.models.commerce import AfterSale, AfterSaleStatusChange, Order, OrderLine, Product, Sku
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
    "AccountKind",
    "AfterSale",
    "AfterSaleStatusChange",
    "ApiCall",
    "CallbackNonce",
    "CooperationAccount",
    "InboundEvent",
    "LinkedAccount",
    "LinkedAccountEvent",
    "LinkingState",
    "Membership",
    "Order",
    "OrderLine",
    "PlatformToken",
    "Product",
    "Shop",
    "ShopAlert",
    "ShopQuerySet",
    "Sku",
    "SyncCursor",
    "SyncState",
    "TimeStampedModel",
    "User",
    "WecomStaff",
]
