"""The console's orders area: the filtered order list, its CSV/XLSX export and the order detail page.

The list and the exports read the same query string through ``OrderFilterForm`` into ``OrderFilters`` and call
the same selector (``shopops.selectors.orders.orders_for_shop``), so an export holds exactly the listed orders.
Nothing here writes: viewing needs ``Perm.VIEW``, downloading ``Perm.EXPORT``.
"""

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from shopops import exports
from shopops.channels import CONTENT_WECOM_MEMBER_FORWARD, Channel
from shopops.forms.orders import OrderFilterForm, filter_params, labelled
from shopops.masking import mask_buyer_data, mask_name, mask_openid, mask_text
from shopops.models import Order, OrderLine
from shopops.roles import Perm
from shopops.selectors import orders as order_selectors
from shopops.selectors.orders import DEFAULT_PAGE_SIZE, PAGE_SIZES, OrderSort
from shopops.views import ShopMixin


def _query(params: dict[str, object]) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


# --- labels for platform codes -------------------------------------------------------------------------------------

STATUS_BADGES = {
    Order.Status.UNPAID: "text-bg-warning",
    Order.Status.GIFT_PENDING: "text-bg-info",
    Order.Status.GROUPING: "text-bg-info",
    Order.Status.PAID: "text-bg-primary",
    Order.Status.PARTLY_SHIPPED: "text-bg-primary",
    Order.Status.SHIPPED: "text-bg-info",
    Order.Status.COMPLETED: "text-bg-success",
    Order.Status.CANCELLED_AFTERSALE: "text-bg-secondary",
    Order.Status.CANCELLED: "text-bg-secondary",
}
# source_infos[].sale_channel 账号关联类型 and account_type 带货账号类型 (shared/wechat-platform.md §2.3)
SALE_CHANNEL_LABELS = {
    0: _("Linked account"),
    1: _("Cooperation account"),
    2: _("Authorized account"),
    100: _("Talent sale"),
    101: _("Agency promotion"),
    102: _("Other"),
}
ACCOUNT_TYPE_LABELS = {
    1: _("Channels account"),
    2: _("Official account"),
    3: _("Mini program"),
    4: _("WeCom"),
    5: _("Talent"),
    6: _("Service account"),
    1000: _("Agency"),
}
CONTENT_TYPE_LABELS = {CONTENT_WECOM_MEMBER_FORWARD: _("WeCom member forward")}
# commission_infos[]: type 0 达人/带货者, 1 团长/带货机构; status 1 未结算, 2 已结算
COMMISSION_TYPE_LABELS = {0: _("Talent"), 1: _("Agency")}
COMMISSION_STATUS_LABELS = {1: _("Unsettled"), 2: _("Settled")}
# order_product_coupon_info_list[].coupon_type: the documentation names no values; the sandbox (and the orders seen
# so far) use 1 for merchant coupons and 2 for talent-funded coupons. Anything else shows its number.
COUPON_TYPE_LABELS = {1: _("Merchant coupon"), 2: _("Talent coupon")}
PAYMENT_METHOD_LABELS = {
    1: _("WeChat Pay"),
    2: _("Pay later"),
    3: _("Free lucky-draw order"),
    4: _("Member points"),
}
DELIVER_METHOD_LABELS = {0: _("Logistics"), 1: _("Virtual delivery")}
DELIVER_TYPE_LABELS = {
    1: _("Self-arranged courier"),
    2: _("Online courier contract"),
    3: _("Virtual goods, no logistics"),
    4: _("Online courier, single order"),
}
AFTERSALE_TYPE_LABELS = {"REFUND": _("Refund only"), "RETURN": _("Return and refund"), "EXCHANGE": _("Exchange")}
AFTERSALE_STATUS_LABELS = {
    "USER_CANCELD": _("Cancelled by the buyer"),
    "MERCHANT_PROCESSING": _("Merchant reviewing"),
    "MERCHANT_REJECT_REFUND": _("Merchant refused the refund"),
    "MERCHANT_REJECT_RETURN": _("Merchant refused the return"),
    "USER_WAIT_RETURN": _("Waiting for the buyer to return the goods"),
    "RETURN_CLOSED": _("Return closed"),
    "MERCHANT_WAIT_RECEIPT": _("Waiting for the merchant to receive the return"),
    "MERCHANT_OVERDUE_REFUND": _("Merchant refund overdue"),
    "MERCHANT_REFUND_SUCCESS": _("Refunded"),
    "MERCHANT_RETURN_SUCCESS": _("Returned and refunded"),
    "PLATFORM_REFUNDING": _("Platform refunding"),
    "PLATFORM_REFUND_FAIL": _("Platform refund failed"),
    "USER_WAIT_CONFIRM": _("Waiting for the buyer to confirm"),
    "MERCHANT_REFUND_RETRY_FAIL": _("Refund retry failed; closed by customer service"),
    "MERCHANT_FAIL": _("After-sale closed"),
    "USER_WAIT_CONFIRM_UPDATE": _("Waiting for the buyer to accept the merchant's proposal"),
    "USER_WAIT_HANDLE_MERCHANT_AFTER_SALE": _("Waiting for the buyer to handle the merchant's after-sale"),
}


UNKNOWN_CODE = _("Code %(code)s")


def _label(labels: dict, code) -> str:
    """The label of a platform code; an unknown code shows itself; no code shows nothing."""
    if code in (None, ""):
        return ""
    return labels.get(code) or UNKNOWN_CODE % {"code": code}


def aftersale_status_label(status: str) -> str:
    return _label(AFTERSALE_STATUS_LABELS, status)


# --- the list ------------------------------------------------------------------------------------------------------


@dataclass
class OrderRow:
    order: Order
    lines: list[OrderLine]
    buyer: str
    first_title: str
    item_count: int
    channels: list[str]
    aftersale_finished: bool
    status_badge: str


def order_row(order: Order) -> OrderRow:
    lines = list(order.lines.all())  # prefetched
    channel_labels = dict(Channel.choices)
    channels = list(dict.fromkeys(str(channel_labels.get(line.channel, line.channel)) for line in lines))
    return OrderRow(
        order=order,
        lines=lines,
        buyer=mask_openid(order.openid),
        first_title=lines[0].title if lines else "",
        item_count=sum(line.sku_cnt for line in lines),
        channels=channels,
        aftersale_finished=any(line.finish_aftersale_sku_cnt for line in lines),
        status_badge=STATUS_BADGES.get(order.status, "text-bg-light"),
    )


SORT_COLUMNS = (("created", _("Created")), ("paid", _("Paid")), ("amount", _("Amount")))


class OrderListView(ShopMixin, TemplateView):
    """The shop's orders, newest first by default, a keyset page at a time (no count of the whole set)."""

    permission = Perm.VIEW
    template_name = "console/orders/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = OrderFilterForm(self.request.GET)
        form.is_valid()
        filters, sort, page_size = form.filters(), form.sort_order(), form.page_size()
        page = order_selectors.order_page_for_shop(
            shop=self.shop,
            filters=filters,
            sort=sort,
            page_size=page_size,
            after=self.request.GET.get("after", ""),
            before=self.request.GET.get("before", ""),
        )
        params = filter_params(filters)
        kept = {**params, "sort": sort.value if sort is not OrderSort.CREATED_DESC else ""}
        paged = {**kept, "per_page": page_size if page_size != DEFAULT_PAGE_SIZE else ""}
        active = set(params)
        context.update(
            form=form,
            range_errors=form.range_errors(),
            rows=[order_row(order) for order in page.orders],
            accounts=order_selectors.order_accounts_for_shop(shop=self.shop),
            filtered=bool(active),
            advanced_open=bool(active - OrderFilterForm.ALWAYS_VISIBLE) or bool(form.errors),
            advanced_count=len(active - OrderFilterForm.ALWAYS_VISIBLE),
            sort=sort,
            sort_links=self._sort_links(sort, {**params, "per_page": paged["per_page"]}),
            page_size=page_size,
            page_sizes=PAGE_SIZES,
            page_size_links=[(n, _query({**kept, "per_page": n})) for n in PAGE_SIZES],
            next_query=_query({**paged, "after": page.next_cursor}) if page.next_cursor else "",
            prev_query=_query({**paged, "before": page.prev_cursor}) if page.prev_cursor else "",
            is_later_page=bool(self.request.GET.get("after") or self.request.GET.get("before")),
            first_query=_query(paged),
            export_query=_query(kept),
        )
        return context

    @staticmethod
    def _sort_links(current: OrderSort, params: dict) -> dict[str, dict]:
        """Per sortable column: the link that sorts by it (descending first, then toggling) and its state."""
        links = {}
        for key, label in SORT_COLUMNS:
            active = current.key == key
            target = OrderSort(key if active and current.descending else f"-{key}")
            links[key] = {
                "label": label,
                "query": _query({**params, "sort": target.value}),
                "active": active,
                "descending": current.descending,
            }
        return links


# --- the export ----------------------------------------------------------------------------------------------------


class OrderExportView(ShopMixin, View):
    """The filtered orders as a file, one row per order line (see ``shopops.exports.order_lines_table``)."""

    permission = Perm.EXPORT
    http_method_names = ["get"]
    file_format = "csv"
    CHUNK_SIZE = 2000

    def get(self, request, *args, **kwargs):
        form = OrderFilterForm(request.GET)
        if not form.is_valid():
            # Refused whole, unlike the list, which shows what it left out: a file made without part of the filter
            # would hold orders the merchant did not ask for, and nothing in the file would say so. (The list's own
            # export links carry only the filters it applied, so they never land here.)
            errors = [
                labelled(form.fields[name].label, error) if name in form.fields else error
                for name, messages in form.errors.items()
                for error in messages
            ]
            body = "\n".join([str(_("No file was made: these filters were not understood.")), *errors])
            return HttpResponseBadRequest(body + "\n", content_type="text/plain; charset=utf-8")
        lines = order_selectors.order_lines_for_export(shop=self.shop, filters=form.filters(), sort=form.sort_order())
        table = exports.order_lines_table(lines.iterator(chunk_size=self.CHUNK_SIZE))
        parts = (str(_("orders")), self.shop.name, timezone.localdate().strftime("%Y%m%d"))
        filename = exports.safe_filename(*parts, extension=self.file_format)
        if self.file_format == "xlsx":
            return exports.xlsx_response(table, filename=filename, sheet_name=str(_("Orders")))
        return exports.csv_response(table, filename=filename)


# --- the detail page -----------------------------------------------------------------------------------------------


@dataclass
class LineView:
    line: OrderLine
    list_total_fen: int
    coupons: list[dict] = field(default_factory=list)
    commissions: list[dict] = field(default_factory=list)
    gift_for: list[dict] = field(default_factory=list)
    channel_label: str = ""
    sale_channel_label: str = ""
    account_type_label: str = ""
    content_type_label: str = ""
    wecom_member: str = ""


def line_view(detail: order_selectors.LineDetail) -> LineView:
    line = detail.line
    return LineView(
        line=line,
        list_total_fen=line.sale_price_fen * line.sku_cnt,
        coupons=[
            {
                "type": _label(COUPON_TYPE_LABELS, c.coupon_type),
                "coupon_id": c.coupon_id,
                "user_coupon_id": c.user_coupon_id,
                "discount_fen": c.discount_fen,
            }
            for c in detail.coupons
        ],
        commissions=[
            {
                "type": _label(COMMISSION_TYPE_LABELS, c.type),
                "status": _label(COMMISSION_STATUS_LABELS, c.status),
                "nickname": c.nickname,
                "account": c.account,
                "amount_fen": c.amount_fen,
            }
            for c in detail.commissions
        ],
        gift_for=[{"title": main.title, "sku_id": main.sku_id} for main in detail.gift_for],
        channel_label=line.get_channel_display(),
        sale_channel_label=_label(SALE_CHANNEL_LABELS, line.sale_channel),
        account_type_label=_label(ACCOUNT_TYPE_LABELS, line.account_type),
        content_type_label=_label(CONTENT_TYPE_LABELS, line.content_type or None),  # 0: none (only 1 is documented)
        wecom_member=line.content_id if line.content_type == CONTENT_WECOM_MEMBER_FORWARD else "",
    )


def delivery_view(delivery: order_selectors.OrderDelivery) -> dict:
    """The delivery as the page shows it: labels for the codes, the recipient masked (address kept coarse)."""
    return {
        "present": delivery.present,
        "method": _label(DELIVER_METHOD_LABELS, delivery.deliver_method),
        "recipient": mask_name(delivery.recipient_name),
        "region": delivery.region,
        "address_under_review": delivery.address_change_pending,
        "packages": [
            {
                "company": package.company,
                "waybill_id": package.waybill_id,
                "time": package.time,
                "type": _label(DELIVER_TYPE_LABELS, package.deliver_type),
                "items": [{"sku_id": i.sku_id, "title": i.title, "count": i.count} for i in package.items],
            }
            for package in delivery.packages
        ],
        "ship_done_time": delivery.ship_done_time,
        "confirm_receipt_time": delivery.confirm_receipt_time,
        "customer_notes": mask_text(delivery.customer_notes),
        "merchant_notes": mask_text(delivery.merchant_notes),
    }


def aftersale_view(aftersale) -> dict:
    """Refunded: green; ended without a refund (cancelled, closed): grey; still in after-sale by the platform's
    definition, a merchant's rejection included: amber."""
    status = aftersale.status
    if status in order_selectors.AFTERSALE_REFUNDED:
        badge = "text-bg-success"
    elif not order_selectors.aftersale_is_open(status):
        badge = "text-bg-secondary"
    else:
        badge = "text-bg-warning"
    return {
        "aftersale": aftersale,
        "type": _label(AFTERSALE_TYPE_LABELS, aftersale.type),
        "status": aftersale_status_label(status),
        "badge": badge,
        "open": order_selectors.aftersale_is_open(status),
        # What a person reads: the platform's explanation; the bare key only when it sent none.
        "reason": aftersale.reason_text or aftersale.reason,
        "history": [
            {"status": aftersale_status_label(change.status), "code": change.status, "at": change.changed_at}
            for change in aftersale.status_changes.all()  # prefetched
        ],
    }


class OrderDetailView(ShopMixin, TemplateView):
    """One order of the shop: lines, attribution, coupons, commissions, settlement, after-sales, delivery, payload."""

    permission = Perm.VIEW
    template_name = "console/orders/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        detail = order_selectors.order_detail_for_shop_or_404(shop=self.shop, order_id=self.kwargs["order_id"])
        order, lines = detail.order, [line.line for line in detail.lines]
        context.update(
            order=order,
            status_badge=STATUS_BADGES.get(order.status, "text-bg-light"),
            buyer=mask_openid(order.openid),
            unionid=mask_openid(detail.unionid),
            payment_method=_label(PAYMENT_METHOD_LABELS, detail.payment_method),
            lines=[line_view(line) for line in detail.lines],
            totals={
                "quantity": sum(line.sku_cnt for line in lines),
                "merchant_discount_fen": sum(line.merchant_discounted_price_fen for line in lines),
                "finder_discount_fen": sum(line.finder_discounted_price_fen for line in lines),
                "paid_fen": sum(line.real_price_fen for line in lines),
            },
            delivery=delivery_view(detail.delivery),
            aftersales=[aftersale_view(a) for a in detail.aftersales],
            refund_total_fen=sum(a.refund_amount_fen for a in detail.aftersales),
            raw_json=json.dumps(mask_buyer_data(order.raw), ensure_ascii=False, indent=2),
        )
        return context
