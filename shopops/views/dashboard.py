"""The shop home page: the shop's sales for a chosen period (headline figures against the period before, sales by
channel per day, top products and top accounts), its open alerts and a few facts about the shop.

The figures come from ``shopops.selectors.dashboard.shop_dashboard`` (definitions there); this module parses the
period from the query string and turns fen and ppm into what a person reads. The page runs a fixed number of
queries whatever the number of orders.
"""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from shopops import selectors
from shopops.channels import Channel
from shopops.forms.dashboard import CUSTOM, PERIOD_CHOICES, PeriodForm
from shopops.forms.orders import filter_params
from shopops.money import format_percent, format_yuan, ratio_ppm
from shopops.selectors import dashboard as dashboard_selectors
from shopops.selectors.dashboard import change_ppm
from shopops.selectors.orders import OrderFilters
from shopops.views import ShopMixin
from shopops.views.orders import ACCOUNT_TYPE_LABELS, SALE_CHANNEL_LABELS

# One colour per channel, the same in every period (a channel keeps its colour when others come and go).
CHANNEL_COLORS = {
    Channel.FINDER_LIVE: "#07c160",
    Channel.FINDER_VIDEO: "#2f9e44",
    Channel.FINDER_SHOWCASE: "#94d82d",
    Channel.MP_ARTICLE: "#1c7ed6",
    Channel.SERVICE_ACCOUNT: "#4dabf7",
    Channel.MINIPROGRAM: "#7048e8",
    Channel.WECOM_FORWARD: "#15aabf",
    Channel.TALENT: "#f76707",
    Channel.AGENCY: "#e64980",
    Channel.SHARER: "#fab005",
    Channel.OTHER: "#adb5bd",
}


# Longer figures ("¥1,234,567.89") get the smaller of the two sizes, so every figure fits its card on one line.
LONG_FIGURE = 11


def _card(label, value: str, *, change: int | None = None, previous: str = "", note: str = "", help_text="") -> dict:
    return {
        "label": label,
        "value": value,
        "long": len(value) > LONG_FIGURE,
        "change": change,
        "previous": previous,
        "note": note,
        "help": help_text,
    }


def headline_cards(board: dashboard_selectors.Dashboard) -> list[dict]:
    cur, prev = board.current, board.previous
    return [
        _card(
            _("Sales (GMV)"),
            format_yuan(cur.gmv_fen),
            change=change_ppm(cur.gmv_fen, prev.gmv_fen),
            previous=format_yuan(prev.gmv_fen),
            help_text=_("What buyers paid for orders paid in the period, freight included, before refunds."),
        ),
        _card(
            _("Paid orders"),
            f"{cur.orders:,}",
            change=change_ppm(cur.orders, prev.orders),
            previous=f"{prev.orders:,}",
            help_text=_("Orders paid in the period, whatever happened to them afterwards."),
        ),
        _card(
            _("Buyers"),
            f"{cur.buyers:,}",
            change=change_ppm(cur.buyers, prev.buyers),
            previous=f"{prev.buyers:,}",
            help_text=_("Different buyers among the paid orders."),
        ),
        _card(
            _("Average order value"),
            format_yuan(cur.average_order_fen),
            change=change_ppm(cur.average_order_fen, prev.average_order_fen),
            previous=format_yuan(prev.average_order_fen),
            help_text=_("Sales divided by paid orders, rounded half up to the fen."),
        ),
        _card(
            _("Refund rate"),
            format_percent(cur.refund_rate_ppm),
            previous=format_percent(prev.refund_rate_ppm),
            note=_("Refunded %(amount)s") % {"amount": format_yuan(cur.refunded_fen)},
            help_text=_(
                "Refunds completed on the period's paid orders, divided by their sales. It can still rise while "
                "after-sales of recent orders finish."
            ),
        ),
    ]


# The chart's y axis counts every tick in one unit: yuan while the tallest day stays under ¥10,000, then a larger
# unit, the one each language counts in (万 = 10,000 in Chinese, thousands in English). Chart.js chooses the tick
# values; the page only divides them and appends the suffix, so "¥1万" never stands above "¥9000".
LARGE_UNIT_FROM_FEN = 1_000_000  # ¥10,000
LARGE_UNITS = {"zh": (10_000, "万"), "en": (1_000, "k")}


def axis_unit(max_fen: int, *, language: str) -> dict:
    """The y axis' unit for a chart whose tallest stacked day is ``max_fen``: ``divisor`` (yuan per unit) and the
    ``suffix`` written after the number."""
    if max_fen < LARGE_UNIT_FROM_FEN:
        return {"divisor": 1, "suffix": ""}
    divisor, suffix = LARGE_UNITS["zh" if language.startswith("zh") else "en"]
    return {"divisor": divisor, "suffix": suffix}


def chart_data(board: dashboard_selectors.Dashboard) -> dict:
    """What static/js/dashboard.js draws: one stacked dataset per channel, amounts in fen (shown as yuan), and the
    y axis' unit (``axis_unit``) for the tallest day, all channels stacked."""
    same_year = board.start.year == board.end.year == timezone.localdate().year
    tallest = max((sum(day) for day in zip(*(s.daily_fen for s in board.channels), strict=True)), default=0)
    return {
        "labels": [day.strftime("%m-%d" if same_year else "%Y-%m-%d") for day in board.days],
        "titles": [day.isoformat() for day in board.days],
        "datasets": [
            {"label": str(series.channel.label), "color": CHANNEL_COLORS[series.channel], "fen": series.daily_fen}
            for series in board.channels
        ],
        "total_label": str(_("Total")),
        "axis": axis_unit(tallest, language=translation.get_language() or ""),
    }


def channel_rows(board: dashboard_selectors.Dashboard) -> list[dict]:
    total = board.channel_sales_fen
    return [
        {
            "label": series.channel.label,
            "color": CHANNEL_COLORS[series.channel],
            "sales": format_yuan(series.total_fen),
            "share": format_percent(ratio_ppm(series.total_fen, total)),
        }
        for series in board.channels
    ]


class ShopHomeView(ShopMixin, TemplateView):
    template_name = "console/shop_home.html"
    PARAMS = ("period", "start", "end")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET
        form = PeriodForm(query if any(name in query for name in self.PARAMS) else None)
        today = timezone.localdate()
        period, start, end = form.chosen(today)
        board = dashboard_selectors.shop_dashboard(shop=self.shop, start=start, end=end)
        home = reverse("console:shop_home", kwargs={"shop": self.shop.public_id})
        paid = {"paid_from": start, "paid_to": end}
        orders_url = reverse("console:orders", kwargs={"shop": self.shop.public_id})

        def orders_link(**filters) -> str:
            return f"{orders_url}?{urlencode(filter_params(OrderFilters(**paid, **filters)))}"

        context.update(
            member_count=selectors.memberships_for_shop(shop=self.shop).count(),
            alerts=selectors.alerts_open_for_shop(shop=self.shop),
            form=form,
            period=period,
            presets=[
                {"key": key, "label": label, "url": f"{home}?period={key}", "active": key == period}
                for key, label in PERIOD_CHOICES
                if key != CUSTOM
            ],
            custom_open=period == CUSTOM or bool(form.errors),
            board=board,
            cards=headline_cards(board),
            chart=chart_data(board),
            channel_rows=channel_rows(board),
            period_orders_url=orders_link(),
            top_products=[
                {
                    "item": item,
                    "url": reverse(
                        "console:product_detail", kwargs={"shop": self.shop.public_id, "product_id": item.product_id}
                    )
                    if item.in_catalogue
                    else "",
                    "orders_url": orders_link(product=item.product_id),
                    "sales": format_yuan(item.sales_fen),
                }
                for item in board.top_products
            ],
            top_accounts=[
                {
                    "item": item,
                    "type": ACCOUNT_TYPE_LABELS.get(item.account_type, ""),
                    "relation": SALE_CHANNEL_LABELS.get(item.sale_channel, ""),
                    "orders_url": orders_link(account=item.account_id),
                    "sales": format_yuan(item.sales_fen),
                }
                for item in board.top_accounts
            ],
        )
        return context
