"""The 订单与卡包 (Orders & Cards) analytics page and the favourites page. Figures come from
``campaigns.selectors.analytics`` (definitions there); this module parses the period and turns fen and ppm into
text and chart data. Both pages run a fixed number of queries whatever the number of orders."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View

from campaigns.forms.analytics import FavouriteCouponForm
from campaigns.selectors import analytics as selectors
from campaigns.services import analytics as services
from shopops.forms.dashboard import CUSTOM, PERIOD_CHOICES, PeriodForm
from shopops.money import format_percent, format_yuan, ratio_ppm
from shopops.roles import Perm
from shopops.views import ShopMixin

SCENE_LABELS = {
    1: _("Other"),
    2: _("Live room"),
    3: _("Short video"),
    4: _("Product share"),
    5: _("Showcase home page"),
    6: _("Official account article card"),
    0: _("Not given"),
}
FAVOURITE_SCENES = {
    "shop_homepage": (_("Shop home page"), "#07c160"),
    "product_detail": (_("Product page"), "#1c7ed6"),
    "order_detail": (_("Order page"), "#f76707"),
    "other_scene": (_("Other scenes"), "#adb5bd"),
}


class PeriodMixin:
    """The period from the query string, as on the home page (default the last 7 days)."""

    PARAMS = ("period", "start", "end")
    url_name = ""

    def period_context(self) -> dict:
        query = self.request.GET
        form = PeriodForm(query if any(name in query for name in self.PARAMS) else None)
        period, start, end = form.chosen(timezone.localdate())
        here = reverse(f"console:{self.url_name}", kwargs={"shop": self.shop.public_id})
        return {
            "form": form,
            "period": period,
            "start": start,
            "end": end,
            "presets": [
                {"label": label, "url": f"{here}?period={key}", "active": key == period}
                for key, label in PERIOD_CHOICES
                if key != CUSTOM
            ],
            "custom_open": period == CUSTOM or bool(form.errors),
        }


def _labels(days) -> list[str]:
    return [day.strftime("%m-%d") for day in days]


class OrdersCardsView(PeriodMixin, ShopMixin, TemplateView):
    template_name = "campaigns/analytics/orders_cards.html"
    url_name = "campaign_analytics_orders_cards"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period = self.period_context()
        board = selectors.orders_cards_for_shop(shop=self.shop, start=period["start"], end=period["end"])
        days = [d.day for d in board.days]
        favourites = board.favourites[1:]  # the day before the period only serves the first day's growth
        context.update(
            period,
            board=board,
            cards=[
                {"label": _("GMV"), "value": format_yuan(board.gmv_fen)},
                {
                    "label": _("Repurchase share of GMV"),
                    "value": format_percent(board.repeat_share_ppm),
                    "note": format_yuan(board.repeat_gmv_fen),
                },
                {
                    "label": _("New buyers"),
                    "value": f"{board.new_buyers:,}",
                    "note": _("%(share)s of %(buyers)s buyers")
                    % {"share": format_percent(board.new_share_ppm), "buyers": f"{board.buyers:,}"},
                },
                {
                    "label": _("Favourites gained"),
                    "value": "—" if board.favourites_gained is None else f"{board.favourites_gained:,}",
                },
                {
                    "label": _("Gift orders"),
                    "value": f"{board.present_orders:,}",
                    "note": _("%(gmv)s, %(share)s of GMV")
                    % {"gmv": format_yuan(board.present_gmv_fen), "share": format_percent(board.present_share_ppm)},
                },
            ],
            scenes=[
                {
                    "label": SCENE_LABELS.get(s.order_scene, s.order_scene),
                    "buyers": s.buyers,
                    "new": s.new_buyers,
                    "share": format_percent(s.new_share_ppm),
                }
                for s in board.scenes
            ],
            gmv_chart={
                "kind": "bar",
                "unit": "fen",
                "stacked": True,
                "labels": _labels(days),
                "series": [
                    {
                        "label": str(_("Repeat buyers")),
                        "color": "#07c160",
                        "values": [d.repeat_gmv_fen for d in board.days],
                    },
                    {
                        "label": str(_("New buyers and first orders")),
                        "color": "#1c7ed6",
                        "values": [d.gmv_fen - d.repeat_gmv_fen for d in board.days],
                    },
                    {
                        "label": str(_("of which gifts")),
                        "color": "#e64980",
                        "values": [d.present_gmv_fen for d in board.days],
                        "line": True,
                    },
                ],
            },
            scene_chart={
                "kind": "bar",
                "unit": "count",
                "stacked": False,
                "labels": [str(SCENE_LABELS.get(s.order_scene, s.order_scene)) for s in board.scenes],
                "series": [
                    {"label": str(_("Buyers")), "color": "#adb5bd", "values": [s.buyers for s in board.scenes]},
                    {"label": str(_("New buyers")), "color": "#07c160", "values": [s.new_buyers for s in board.scenes]},
                ],
            },
            favourites_chart={
                "kind": "bar",
                "unit": "count",
                "stacked": False,
                "labels": _labels(d.day for d in favourites),
                "series": [
                    {
                        "label": str(_("Favourites gained")),
                        "color": "#fab005",
                        "values": [d.gained for d in favourites],
                    }
                ],
            },
        )
        return context


class FunnelMixin:
    """The favourites → buyers → GMV funnel. Its buyer figures are computed by the worker (``FunnelFigures``):
    until they are, the card says so and htmx fetches it again every 2 s (``FavouritesFunnelView``)."""

    def funnel_context(self, board) -> dict:
        figures = None
        if board.coupon_id:
            figures = services.funnel_figures_request(
                shop=self.shop, coupon_id=board.coupon_id, start=board.start, end=board.end
            )
        ready = figures is not None and figures.computed_at is not None
        pending = _("Computing…")
        query = self.request.GET.urlencode()
        poll = reverse("console:campaign_analytics_favourites_funnel", kwargs={"shop": self.shop.public_id})
        return {
            "funnel": [
                {
                    "label": _("Favourites gained"),
                    "value": "—" if board.gained is None else f"{board.gained:,}",
                    "help": _("Growth of the platform's favourites count over the period."),
                },
                {
                    "label": _("Buyers who used the favourite-shop coupon"),
                    "value": "—" if figures is None else f"{figures.buyers:,}" if ready else pending,
                    "help": _("Only users who favourited the shop receive it."),
                },
                {
                    "label": _("Their GMV in the period"),
                    "value": "—" if figures is None else format_yuan(figures.gmv_fen) if ready else pending,
                    "help": _("Every paid order of those buyers in the period, with or without the coupon."),
                },
            ],
            "funnel_figures": figures,
            "funnel_poll_url": f"{poll}?{query}" if figures is not None and not ready else "",
        }


class FavouritesFunnelView(FunnelMixin, PeriodMixin, ShopMixin, TemplateView):
    """The funnel card alone, for htmx to poll while its figures are computed."""

    template_name = "campaigns/analytics/_funnel.html"
    url_name = "campaign_analytics_favourites"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period = self.period_context()
        board = selectors.favourites_for_shop(shop=self.shop, start=period["start"], end=period["end"])
        context.update(board=board, **self.funnel_context(board))
        return context


class FavouritesView(FunnelMixin, PeriodMixin, ShopMixin, TemplateView):
    template_name = "campaigns/analytics/favourites.html"
    url_name = "campaign_analytics_favourites"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period = self.period_context()
        board = selectors.favourites_for_shop(shop=self.shop, start=period["start"], end=period["end"])
        shown = board.days[1:]
        latest = board.latest
        context.update(
            period,
            board=board,
            coupon_form=kwargs.get("coupon_form") or FavouriteCouponForm(initial={"coupon_id": board.coupon_id}),
            scenes=[
                {
                    "label": label,
                    "color": color,
                    "count": getattr(latest, name) if latest else None,
                    "share": format_percent(ratio_ppm(getattr(latest, name), latest.total) if latest else None),
                }
                for name, (label, color) in FAVOURITE_SCENES.items()
            ],
            **self.funnel_context(board),
            coupon_cards=[
                {"label": _("Orders with the coupon"), "value": f"{board.coupon_orders:,}"},
                {"label": _("GMV of those orders"), "value": format_yuan(board.coupon_gmv_fen)},
                {"label": _("Discount given"), "value": format_yuan(board.coupon_discount_fen)},
            ],
            chart={
                "kind": "bar",
                "unit": "count",
                "stacked": True,
                "labels": _labels(d.day for d in shown),
                "series": [
                    {
                        "label": str(label),
                        "color": color,
                        "values": [d.scenes.get(name) for d in shown],
                    }
                    for name, (label, color) in FAVOURITE_SCENES.items()
                ],
            },
            coupon_chart={
                "kind": "bar",
                "unit": "fen",
                "stacked": False,
                "labels": _labels(d.day for d in board.coupon_days),
                "series": [
                    {
                        "label": str(_("GMV of orders with the coupon")),
                        "color": "#07c160",
                        "values": [d.gmv_fen for d in board.coupon_days],
                    }
                ],
            },
        )
        return context


class FavouriteCouponView(ShopMixin, View):
    """Mark (or unmark) the shop's favourite-shop coupon."""

    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = FavouriteCouponForm(request.POST)
        if form.is_valid():
            try:
                mark = services.favourite_coupon_set(
                    shop=self.shop, coupon_id=form.cleaned_data["coupon_id"], user=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("The favourite-shop coupon is %(coupon)s.") % {"coupon": mark.coupon_id}
                    if mark
                    else _("No coupon is marked as the favourite-shop coupon any more."),
                )
                return redirect("console:campaign_analytics_favourites", shop=self.shop.public_id)
        view = FavouritesView(request=request, kwargs=kwargs, args=args)
        view.shop, view.membership = self.shop, self.membership
        return view.render_to_response(view.get_context_data(coupon_form=form), status=400)


class FavouritesSnapshotView(ShopMixin, View):
    """Read today's favourites from the platform now (the daily task does it anyway)."""

    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            snapshot = services.favorites_snapshot_take(shop=self.shop)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Favourites read: %(total)s in all.") % {"total": f"{snapshot.total:,}"})
        return redirect("console:campaign_analytics_favourites", shop=self.shop.public_id)
