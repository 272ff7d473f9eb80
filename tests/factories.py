from datetime import UTC, datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from affiliates.models import Agency, AgencyMember
from linked_accounts.models import AccountKind, CooperationAccount, LinkedAccount
from shopops.channels import Channel
from shopops.models import (
    AfterSale,
    AfterSaleStatusChange,
    Membership,
    Order,
    OrderLine,
    Product,
    Shop,
    Sku,
)
from shopops.roles import Role

PASSWORD = "correct-horse-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    name = factory.Sequence(lambda n: f"小店{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    shop = factory.SubFactory(ShopFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"机构{n}")


class AgencyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyMember

    agency = factory.SubFactory(AgencyFactory)
    user = factory.SubFactory(UserFactory)


class ProductFactory(factory.django.DjangoModelFactory):
    """A synced product, on sale; give it SKUs with SkuFactory(product=...)."""

    class Meta:
        model = Product

    shop = factory.SubFactory(ShopFactory)
    product_id = factory.Sequence(lambda n: f"{10000000 + n}")
    title = factory.Sequence(lambda n: f"商品{n}")
    status = 5
    fingerprint = factory.Sequence(lambda n: f"fp{n}")
    seen_at = factory.LazyFunction(timezone.now)
    synced_at = factory.LazyFunction(timezone.now)
    raw = factory.LazyAttribute(lambda p: {"product_id": p.product_id, "title": p.title})


class SkuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sku

    product = factory.SubFactory(ProductFactory)
    shop = factory.SelfAttribute("product.shop")
    sku_id = factory.Sequence(lambda n: f"{20000000000000 + n}")
    sale_price_fen = 9900
    market_price_fen = 12900
    stock_num = 10
    status = 5


# --- orders -----------------------------------------------------------------------------------------------------

ORDER_T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


class OrderFactory(factory.django.DjangoModelFactory):
    """An order as the sync stores it: created at ORDER_T0 + n minutes, paid a minute later, one payload."""

    class Meta:
        model = Order

    shop = factory.SubFactory(ShopFactory)
    order_id = factory.Sequence(lambda n: f"37{n:017d}")
    status = Order.Status.PAID
    create_time = factory.Sequence(lambda n: ORDER_T0 + timedelta(minutes=n))
    update_time = factory.LazyAttribute(lambda o: o.create_time)
    pay_time = factory.LazyAttribute(lambda o: o.create_time + timedelta(minutes=1))
    openid = factory.Sequence(lambda n: f"oBuyer{n:022d}")
    order_price_fen = 1990
    product_price_fen = factory.LazyAttribute(lambda o: o.order_price_fen)
    original_order_price_fen = factory.LazyAttribute(lambda o: o.order_price_fen)
    merchant_receive_price_fen = factory.LazyAttribute(lambda o: o.order_price_fen)
    raw = factory.LazyAttribute(lambda o: {"order_id": o.order_id, "status": int(o.status), "openid": o.openid})
    synced_at = factory.LazyAttribute(lambda o: o.update_time)


class OrderLineFactory(factory.django.DjangoModelFactory):
    """A line of its order's shop; numbered after the order's existing lines."""

    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    shop = factory.LazyAttribute(lambda o: o.order.shop)
    line_no = factory.LazyAttribute(lambda o: o.order.lines.count() + 1)
    product_id = factory.Sequence(lambda n: f"30{n:06d}")
    sku_id = factory.Sequence(lambda n: f"40{n:06d}")
    title = factory.Sequence(lambda n: f"商品{n}")
    sku_cnt = 1
    sale_price_fen = 1990
    market_price_fen = 2990
    real_price_fen = factory.LazyAttribute(lambda o: o.sale_price_fen * o.sku_cnt)
    estimate_price_fen = factory.LazyAttribute(lambda o: o.real_price_fen)
    channel = Channel.OTHER


class AfterSaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AfterSale

    shop = factory.SubFactory(ShopFactory)
    after_sale_order_id = factory.Sequence(lambda n: f"48{n:017d}")
    order_id = factory.Sequence(lambda n: f"37{n:017d}")
    type = "REFUND"
    status = "MERCHANT_PROCESSING"
    count = 1
    refund_amount_fen = 1990
    create_time = ORDER_T0 + timedelta(days=1)
    update_time = factory.LazyAttribute(lambda o: o.create_time)
    raw = factory.LazyAttribute(lambda o: {"after_sale_order_id": o.after_sale_order_id, "status": o.status})
    synced_at = factory.LazyAttribute(lambda o: o.update_time)


class AfterSaleStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AfterSaleStatusChange

    aftersale = factory.SubFactory(AfterSaleFactory)
    status = factory.LazyAttribute(lambda o: o.aftersale.status)
    changed_at = factory.LazyAttribute(lambda o: o.aftersale.update_time)


# --- linked and cooperation accounts ------------------------------------------------------------------------------


class LinkedAccountFactory(factory.django.DjangoModelFactory):
    """A linked 视频号 (店铺自营), as a refresh from the platform stores it."""

    class Meta:
        model = LinkedAccount

    shop = factory.SubFactory(ShopFactory)
    kind = AccountKind.CHANNELS
    account_id = factory.Sequence(lambda n: f"sphFactory{n:04d}")
    nickname = factory.Sequence(lambda n: f"视频号{n}")
    status = LinkedAccount.Status.ACCEPTED
    selling_identity = factory.LazyAttribute(
        lambda a: LinkedAccount.SellingIdentity.SELF_OPERATED if a.kind == AccountKind.CHANNELS else ""
    )
    linked_at = ORDER_T0


class CooperationAccountFactory(factory.django.DjangoModelFactory):
    """A bound cooperation 小程序."""

    class Meta:
        model = CooperationAccount

    shop = factory.SubFactory(ShopFactory)
    sharer_type = CooperationAccount.SharerType.MINIPROGRAM
    sharer_id = factory.Sequence(lambda n: f"wx{n:016d}")
    sharer_name = factory.Sequence(lambda n: f"合作小程序{n}")
    status = CooperationAccount.Status.BOUND
    bind_time = ORDER_T0
