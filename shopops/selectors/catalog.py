"""Reads for the product pages: the synced catalogue of one shop, its SKUs and the order lines that sold them."""

from django.db import models
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from shopops.models import OrderLine, Product, Sku, SyncCursor

RECENT_LINES = 20


class ProductStatus(models.IntegerChoices):
    """The platform's SPU status (product/list/get, product/get). The Chinese names are the platform's own."""

    INITIAL = 0, _("Never listed")  # 初始值
    LISTED = 5, _("On sale")  # 上架
    RECYCLED = 6, _("In the recycle bin")  # 回收站
    PURGED = 9, _("Deleted for good")  # 彻底删除
    DELISTED = 11, _("Taken off sale")  # 自主下架
    DELISTED_VIOLATION = 13, _("Taken off sale for a violation")  # 违规下架/风控系统下架
    DELISTED_DEPOSIT = 14, _("Taken off sale: deposit too low")  # 保证金不足下架
    DELISTED_BRAND = 15, _("Taken off sale: brand authorisation expired")  # 品牌过期下架
    BANNED = 20, _("Banned")  # 商品被封禁


def product_status_label(code: int) -> str:
    """The status in words; a code the platform adds later shows as its number rather than failing."""
    if code in ProductStatus.values:
        return str(ProductStatus(code).label)
    return str(_("Status %(code)s") % {"code": code})


class StockFilter(models.TextChoices):
    IN_STOCK = "in", _("In stock")
    OUT_OF_STOCK = "out", _("Out of stock")


def products_for_shop(
    *,
    shop,
    status: int | None = None,
    stock: str = "",
    include_deleted: bool = False,
    search: str = "",
):
    """The shop's products, by title, each annotated with its SKUs' lowest and highest sale price
    (``price_min_fen``/``price_max_fen``, None without SKUs), total stock (``stock_total``, 0 without SKUs) and
    ``sku_count`` — one query however many rows.

    Products gone from the platform (``deleted``) are left out unless ``include_deleted``. ``search`` matches the
    title (case-insensitive) or the product id. A product without SKUs counts as out of stock.
    """
    products = Product.objects.for_shop(shop).annotate(
        price_min_fen=Min("skus__sale_price_fen"),
        price_max_fen=Max("skus__sale_price_fen"),
        stock_total=Coalesce(Sum("skus__stock_num"), 0),
        sku_count=Count("skus"),
    )
    if not include_deleted:
        products = products.filter(deleted=False)
    if status is not None:
        products = products.filter(status=status)
    if stock == StockFilter.IN_STOCK:
        products = products.filter(stock_total__gt=0)
    elif stock == StockFilter.OUT_OF_STOCK:
        products = products.filter(stock_total__lte=0)
    search = search.strip()
    if search:
        products = products.filter(Q(title__icontains=search) | Q(product_id__icontains=search))
    return products.order_by("title", "id")


def products_exist(*, shop) -> bool:
    return Product.objects.for_shop(shop).exists()


def product_get_or_404(*, shop, product_id: str) -> Product:
    """One product of this shop by its platform id, deleted ones included; another shop's answers 404."""
    product = Product.objects.for_shop(shop).filter(product_id=product_id).first()
    if product is None:
        raise Http404
    return product


def product_skus(*, product: Product):
    return Sku.objects.filter(shop_id=product.shop_id, product=product).order_by("sku_id")


def product_recent_order_lines(*, shop, product_id: str, limit: int = RECENT_LINES):
    """The latest order lines that sold this product in this shop, newest order first, with their orders."""
    return (
        OrderLine.objects.filter(shop=shop, product_id=product_id)
        .select_related("order")
        .order_by("-order__create_time", "-order_id", "line_no")[:limit]
    )


def products_last_scan(*, shop):
    """When the product scan last completed (None before the first one)."""
    return (
        SyncCursor.objects.filter(shop=shop, stream=SyncCursor.Stream.PRODUCTS)
        .values_list("completed_until", flat=True)
        .first()
    )


def sku_attrs_text(attrs) -> str:
    """The SKU's attributes as the shop shows them: "颜色: 红 / 尺码: L"."""
    return " / ".join(f"{a.get('attr_key', '')}: {a.get('attr_value', '')}" for a in attrs or [] if isinstance(a, dict))
