"""The product pages: the synced catalogue with prices, stock and sales, and one product with its SKUs and the
orders that sold it."""

from django.core.paginator import Paginator
from django.urls import reverse
from django.views.generic import TemplateView

from shopops.forms.catalog import ProductFilterForm
from shopops.money import format_yuan as yuan
from shopops.selectors import catalog as selectors
from shopops.views import ShopMixin

PRODUCTS_PER_PAGE = 50


def price_range(low: int | None, high: int | None) -> str:
    if low is None:
        return "—"
    return yuan(low) if low == high else f"{yuan(low)} – {yuan(high)}"


class ProductListView(ShopMixin, TemplateView):
    template_name = "console/products/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ProductFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        products = selectors.products_for_shop(
            shop=self.shop,
            status=filters.get("status"),
            stock=filters.get("stock") or "",
            include_deleted=bool(filters.get("deleted")),
            search=filters.get("q") or "",
        )
        page = Paginator(products, PRODUCTS_PER_PAGE).get_page(self.request.GET.get("page"))
        for product in page.object_list:
            product.price_text = price_range(product.price_min_fen, product.price_max_fen)
            product.status_text = selectors.product_status_label(product.status)
        query = self.request.GET.copy()
        query.pop("page", None)
        filtered = any(filters.get(name) not in (None, "", False) for name in ("q", "status", "stock", "deleted"))
        context.update(
            form=form,
            page=page,
            products=page.object_list,
            query=query.urlencode(),
            filtered=filtered,
            catalogue_empty=not page.object_list and not filtered and not selectors.products_exist(shop=self.shop),
            last_scan=selectors.products_last_scan(shop=self.shop),
        )
        return context


def order_detail_url(shop, order_id: str) -> str:
    return reverse("console:order_detail", kwargs={"shop": shop.public_id, "order_id": order_id})


class ProductDetailView(ShopMixin, TemplateView):
    template_name = "console/products/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        product = selectors.product_get_or_404(shop=self.shop, product_id=self.kwargs["product_id"])
        skus = list(selectors.product_skus(product=product))
        for sku in skus:
            sku.attrs_text = selectors.sku_attrs_text(sku.attrs)
            sku.status_text = selectors.product_status_label(sku.status)
            sku.price_text, sku.market_price_text = yuan(sku.sale_price_fen), yuan(sku.market_price_fen)
        lines = list(selectors.product_recent_order_lines(shop=self.shop, product_id=product.product_id))
        for line in lines:
            line.order_url = order_detail_url(self.shop, line.order.order_id)
            line.price_text, line.paid_text = yuan(line.sale_price_fen), yuan(line.real_price_fen)
        prices = [sku.sale_price_fen for sku in skus]
        context.update(
            product=product,
            status_text=selectors.product_status_label(product.status),
            price_text=price_range(min(prices), max(prices)) if prices else "—",
            stock_total=sum(sku.stock_num for sku in skus),
            skus=skus,
            lines=lines,
        )
        return context
