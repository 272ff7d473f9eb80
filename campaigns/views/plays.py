"""Console pages of the plays WeChat has no API for — 福袋, 粉丝团, 点赞买 — and the share posters.

Each page says where the step itself is done in WeChat (视频号助手 or the live room); ShopOps records the plan and
reads the results from the synced orders. Views parse input and call one service or selector: everyone with
``Perm.VIEW`` may look, every change needs ``Perm.OPERATE``; a refusal shows its reason on its field and changes
nothing.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from campaigns.forms.plays import FanClubForm, LikeToBuyForm, LuckyBagForm, PosterForm
from campaigns.selectors import plays as selectors
from campaigns.services import plays as services
from shopops.forms.money import fen_initial
from shopops.money import format_percent, ratio_ppm
from shopops.roles import Perm
from shopops.views import ShopMixin
from shopops.views.confirm import ConfirmView, add_errors

PER_PAGE = 50
WINNERS_PER_PAGE = 100


def _page(request, rows, per_page=PER_PAGE):
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


# --- 福袋 -----------------------------------------------------------------------------------------------------------


def _cost_share(bag) -> str:
    """The 福袋's cost as a share of its live's GMV ("—" before the live sold anything)."""
    return format_percent(ratio_ppm(bag.cost_fen, bag.live_gmv_fen))


class LuckyBagListView(ShopMixin, TemplateView):
    template_name = "campaigns/plays/luckybag_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = _page(self.request, selectors.luckybags_for_shop(shop=self.shop))
        page.object_list = selectors.luckybag_results(list(page.object_list))
        for bag in page.object_list:
            bag.cost_share = _cost_share(bag)
        context.update(page=page, bags=page.object_list)
        return context


class LuckyBagDetailView(ShopMixin, TemplateView):
    template_name = "campaigns/plays/luckybag_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bag = selectors.luckybag_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        page = _page(self.request, selectors.luckybag_winners(bag=bag), WINNERS_PER_PAGE)
        context.update(bag=bag, cost_share=_cost_share(bag), page=page, winners=page.object_list)
        return context


class _LuckyBagFormView(ShopMixin, FormView):
    permission = Perm.OPERATE
    template_name = "campaigns/plays/luckybag_form.html"
    form_class = LuckyBagForm
    bag = None

    def get_form_kwargs(self):
        bag_products = [
            (p.product_id, f"{p.title} ({p.product_id})") for p in selectors.lucky_bag_products(shop=self.shop)
        ]
        return {
            **super().get_form_kwargs(),
            "products": selectors.product_choices(shop=self.shop),
            "bag_products": bag_products,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # builds the form, which loads the plan being edited
        context.update(bag=self.bag, lives=selectors.recent_lives(shop=self.shop))
        return context

    def form_valid(self, form):
        fields = dict(form.cleaned_data)
        if not fields["live_id"] and fields["live_date"]:
            fields["live_id"] = selectors.live_for_day(shop=self.shop, day=fields["live_date"])
        try:
            bag = services.luckybag_save(shop=self.shop, bag=self.bag, **fields)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Lucky bag “%(name)s” saved.") % {"name": bag})
        return redirect("console:luckybag_detail", shop=self.shop.public_id, pk=bag.pk)


class LuckyBagCreateView(_LuckyBagFormView):
    def get_initial(self):
        return {"condition": "comment", "quantity": 10}


class LuckyBagEditView(_LuckyBagFormView):
    def get_form_kwargs(self):
        self.bag = selectors.luckybag_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        return super().get_form_kwargs()

    def get_initial(self):
        bag = self.bag
        return {
            "name": bag.name,
            "prize_product_id": bag.prize_product_id,
            "prize_sku_id": bag.prize_sku_id,
            "bag_product_id": bag.bag_product_id,
            "quantity": bag.quantity,
            "unit_cost_fen": fen_initial(bag.unit_cost_fen),
            "condition": bag.condition,
            "password": bag.password,
            "draw_at": bag.draw_at,
            "live_id": bag.live_id,
            "live_date": bag.live_date,
        }


class LuckyBagDeleteView(ConfirmView):
    template_name = "campaigns/plays/confirm.html"

    def get_object(self):
        return selectors.luckybag_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def back_url(self, bag):
        return reverse("console:luckybag_list", kwargs={"shop": self.shop.public_id})

    def confirm_context(self, bag):
        return {
            "confirm_title": _("Delete the lucky bag plan “%(name)s”?") % {"name": bag},
            "confirm_text": _(
                "Only ShopOps' plan is deleted. The lucky bag in WeChat and its winners' orders stay as they are."
            ),
            "confirm_label": _("Delete the plan"),
            "cancel_url": reverse("console:luckybag_detail", kwargs={"shop": self.shop.public_id, "pk": bag.pk}),
            "breadcrumb": _("Lucky bags"),
        }

    def act(self, bag):
        services.luckybag_delete(bag=bag)
        return _("The plan “%(name)s” is deleted.") % {"name": bag}


# --- 粉丝团 ---------------------------------------------------------------------------------------------------------


class FanClubView(ShopMixin, FormView):
    """The 粉丝团 checklist and notice. Anyone may look; saving needs ``Perm.OPERATE`` (checked on POST)."""

    template_name = "campaigns/plays/fanclub.html"
    form_class = FanClubForm

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST":
            self.permission = Perm.OPERATE
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        club = selectors.fanclub_for_shop(shop=self.shop)
        return {name: getattr(club, name) for name in services.FAN_CLUB_FIELDS}

    def get_context_data(self, **kwargs):
        return super().get_context_data(club=selectors.fanclub_for_shop(shop=self.shop), **kwargs)

    def form_valid(self, form):
        try:
            services.fanclub_update(shop=self.shop, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The fan club record is saved."))
        return redirect("console:fanclub", shop=self.shop.public_id)


# --- 点赞买 ---------------------------------------------------------------------------------------------------------


class LikeToBuyListView(ShopMixin, TemplateView):
    template_name = "campaigns/plays/liketobuy_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = _page(self.request, selectors.liketobuys_for_shop(shop=self.shop))
        page.object_list = selectors.liketobuy_results(list(page.object_list))
        for campaign in page.object_list:
            campaign.margin_total_fen = campaign.margin_fen * campaign.units
        context.update(page=page, campaigns=page.object_list)
        return context


class LikeToBuyDetailView(ShopMixin, TemplateView):
    template_name = "campaigns/plays/liketobuy_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = selectors.liketobuy_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        campaign.margin_total_fen = campaign.margin_fen * campaign.units
        page = _page(self.request, selectors.liketobuy_lines(campaign=campaign), WINNERS_PER_PAGE)
        context.update(campaign=campaign, page=page, lines=page.object_list)
        return context


class _LikeToBuyFormView(ShopMixin, FormView):
    permission = Perm.OPERATE
    template_name = "campaigns/plays/liketobuy_form.html"
    form_class = LikeToBuyForm
    campaign = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "products": selectors.product_choices(shop=self.shop)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # builds the form, which loads the plan being edited
        context["campaign"] = self.campaign
        return context

    def form_valid(self, form):
        try:
            campaign = services.liketobuy_save(shop=self.shop, campaign=self.campaign, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Like-to-buy campaign “%(name)s” saved.") % {"name": campaign})
        return redirect("console:liketobuy_detail", shop=self.shop.public_id, pk=campaign.pk)


class LikeToBuyCreateView(_LikeToBuyFormView):
    def get_initial(self):
        return {"likes_needed": 3, "subsidy_fen": 0}


class LikeToBuyEditView(_LikeToBuyFormView):
    def get_form_kwargs(self):
        self.campaign = selectors.liketobuy_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        return super().get_form_kwargs()

    def get_initial(self):
        c = self.campaign
        return {
            "name": c.name,
            "product_id": c.product_id,
            "sku_id": c.sku_id,
            "likes_needed": c.likes_needed,
            "floor_price_fen": fen_initial(c.floor_price_fen),
            "subsidy_fen": fen_initial(c.subsidy_fen),
            "unit_cost_fen": fen_initial(c.unit_cost_fen),
            "starts_at": c.starts_at,
            "ends_at": c.ends_at,
        }


class LikeToBuyDeleteView(ConfirmView):
    template_name = "campaigns/plays/confirm.html"

    def get_object(self):
        return selectors.liketobuy_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def back_url(self, campaign):
        return reverse("console:liketobuy_list", kwargs={"shop": self.shop.public_id})

    def confirm_context(self, campaign):
        return {
            "confirm_title": _("Delete the like-to-buy plan “%(name)s”?") % {"name": campaign},
            "confirm_text": _("Only ShopOps' plan is deleted. The campaign in WeChat and its orders stay as they are."),
            "confirm_label": _("Delete the plan"),
            "cancel_url": reverse("console:liketobuy_detail", kwargs={"shop": self.shop.public_id, "pk": campaign.pk}),
            "breadcrumb": _("Like to buy"),
        }

    def act(self, campaign):
        services.liketobuy_delete(campaign=campaign)
        return _("The plan “%(name)s” is deleted.") % {"name": campaign}


# --- posters --------------------------------------------------------------------------------------------------------


class ProductPosterView(ShopMixin, TemplateView):
    """A product's share poster: paste the product's share link, see the poster, download the PNG."""

    template_name = "campaigns/plays/poster.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        from campaigns import posters  # Pillow loads with the poster pages only

        product = selectors.product_get_for_shop_or_404(shop=self.shop, product_id=self.kwargs["product_id"])
        form = PosterForm(self.request.GET or None)
        context.update(
            product=product,
            form=form,
            link=form.cleaned_data["link"] if form.is_valid() else "",
            missing=posters.missing_glyphs(product.title),
        )
        return context


class ProductPosterPngView(ShopMixin, View):
    """GET ?link=…: the poster as a PNG (``download=1``: as an attachment); without a valid link, the poster page."""

    def get(self, request, *args, **kwargs):
        from campaigns import posters

        product = selectors.product_get_for_shop_or_404(shop=self.shop, product_id=self.kwargs["product_id"])
        form = PosterForm(request.GET)
        if not form.is_valid():  # no link to put in the QR code: back to the page that asks for one
            return redirect("console:poster_product", shop=self.shop.public_id, product_id=product.product_id)
        png = posters.product_poster(
            title=product.title or product.product_id, price_fen=product.min_price_fen, qr_url=form.cleaned_data["link"]
        )
        return posters.png_response(
            png, filename=f"poster-{product.product_id}.png", download=bool(request.GET.get("download"))
        )
