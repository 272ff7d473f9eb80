"""Live previews (直播预告) in the console: the list, the sync from WeChat, planning a preview, its page (checklist
with where each step is done in WeChat, coupons and the 预约有礼 gift, promoters with links and QR codes,
支付后预约, results after the live and the 预约有礼 funnel), and the console notifications (reminders)."""

import io

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from campaigns import posters
from campaigns.forms.previews import (
    OwnPromoterForm,
    PreviewEditForm,
    PreviewFilterForm,
    PreviewPlanForm,
    PromoterCountsForm,
    SharerPromoterForm,
)
from campaigns.models import GiftPlacement, PreviewPromoter
from campaigns.selectors import previews as selectors
from campaigns.services import previews as services
from linked_accounts.selectors.linked_accounts import linked_channels_for_shop
from shopops.roles import Perm
from shopops.views import ShopMixin
from shopops.views.confirm import ConfirmView, add_errors
from shopops.wechat.errors import WeChatError

PER_PAGE = 30


def preview_url(preview) -> str:
    return reverse("console:preview_detail", kwargs={"shop": preview.shop.public_id, "pk": preview.pk})


class PreviewListView(ShopMixin, TemplateView):
    template_name = "campaigns/previews/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = PreviewFilterForm(self.request.GET or None)
        when = form.cleaned_data["when"] if form.is_valid() else ""
        page = Paginator(selectors.previews_for_shop(shop=self.shop, when=when), PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(form=form, page=page, previews=page.object_list, query=query.urlencode(), filtered=bool(when))
        return context


class PreviewSyncView(ShopMixin, View):
    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not self.shop.is_connected:
            messages.error(request, _("Connect the shop to WeChat Shop first (Platform connection)."))
            return redirect("console:preview_list", shop=self.shop.public_id)
        try:
            report = services.previews_sync(shop=self.shop)
        except WeChatError as error:
            messages.error(request, " ".join(services.refusal(error).messages))
        else:
            messages.success(
                request,
                _("Read from WeChat: %(created)d new notices, %(merged)d merged with plans, %(updated)d updated.")
                % {"created": report.created, "merged": report.merged, "updated": report.updated},
            )
            for problem in report.problems:
                messages.warning(request, problem)
        return redirect("console:preview_list", shop=self.shop.public_id)


def _channels(shop) -> list[tuple[str, str]]:
    return [(row.account_id, row.nickname) for row in linked_channels_for_shop(shop=shop)]


class PreviewPlanView(ShopMixin, FormView):
    permission = Perm.OPERATE
    template_name = "campaigns/previews/plan.html"
    form_class = PreviewPlanForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "channels": _channels(self.shop)}

    def form_valid(self, form):
        try:
            preview = services.preview_plan(shop=self.shop, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Planned. Create the notice in 视频号助手 → 直播 → 直播预告 with this start time.")
        )
        return redirect(preview_url(preview))


class PreviewDetailView(ShopMixin, TemplateView):
    template_name = "campaigns/previews/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        preview = selectors.preview_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        results = selectors.preview_results(preview)
        promoters = selectors.promoter_rows(preview, results)
        entries = preview.post_payment or {}
        edit = kwargs.get("edit_form") or PreviewEditForm(
            initial={
                "topic": preview.topic,
                "bound_coupon_ids": ", ".join(preview.bound_coupon_ids),
                "gift_coupon_id": preview.gift_coupon_id,
                "gift_placements": preview.gift_placements,
                "reservations_entered": preview.reservations_entered,
                "post_payment": [key for key, done in entries.items() if done],
            }
        )
        sharers = []
        if can_add_sharers := bool(preview.notice_id and preview.finder_id):
            for agency, rows in services.agency_sharers(shop=self.shop):
                sharers += [(f"{agency.appid}|{s.sharer_appid}", f"{agency.name} · {s}") for s in rows]
        context.update(
            preview=preview,
            checklist=selectors.reminder_checklist(preview),
            post_payment=selectors.post_payment_checklist(preview),
            placements=[label for key, label in GiftPlacement.choices if key in preview.gift_placements],
            results=results,
            dashboard=preview.dashboard,
            # 点赞率 comes in 万分比 (per ten thousand): ×100 gives the ppm the percent filter shows.
            like_rate_ppm=preview.dashboard["like_permyriad"] * 100 if preview.dashboard else None,
            promoters=promoters,
            funnel=selectors.gift_funnel(preview, results, promoters),
            edit_form=edit,
            sharer_form=SharerPromoterForm(sharers=sharers) if sharers else None,
            can_add_sharers=can_add_sharers,
            own_form=OwnPromoterForm(),
            where=selectors,
            reminder=getattr(preview, "reminder", None) if hasattr(preview, "reminder") else None,
        )
        return context


class PreviewEditView(ShopMixin, View):
    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        preview = selectors.preview_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        form = PreviewEditForm(request.POST)
        if form.is_valid():
            try:
                services.preview_update(preview=preview, **form.values())
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(preview_url(preview))
        view = PreviewDetailView(request=request, kwargs=self.kwargs, args=())
        view.shop, view.membership = self.shop, self.membership
        return view.render_to_response(view.get_context_data(edit_form=form), status=400)


class PreviewDeleteView(ConfirmView):
    def get_object(self):
        return selectors.preview_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def back_url(self, preview):
        if preview.pk is None:
            return reverse("console:preview_list", kwargs={"shop": self.shop.public_id})
        return preview_url(preview)

    def confirm_context(self, preview):
        return {
            "confirm_title": _("Delete the planned preview “%(topic)s”?") % {"topic": preview.topic},
            "confirm_text": _("Only ShopOps' plan is deleted; nothing changes in WeChat."),
            "confirm_label": _("Delete"),
            "cancel_url": preview_url(preview),
            "breadcrumb": preview,
        }

    def act(self, preview):
        services.preview_delete(preview=preview)
        return _("Deleted.")


class _PromoterPost(ShopMixin, View):
    permission = Perm.OPERATE
    http_method_names = ["post"]

    def preview(self):
        return selectors.preview_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def fail(self, form_or_error):
        error = form_or_error
        if hasattr(form_or_error, "errors"):
            for field, errors in form_or_error.errors.items():
                label = form_or_error.fields[field].label if field in form_or_error.fields else ""
                messages.error(self.request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
            return
        messages.error(self.request, " ".join(error.messages))


class PromoterSharerAddView(_PromoterPost):
    def post(self, request, *args, **kwargs):
        preview = self.preview()
        choices = request.POST.get("sharer", "")
        form = SharerPromoterForm(request.POST, sharers=[(choices, choices)] if "|" in choices else [])
        if not form.is_valid():
            self.fail(form)
        else:
            try:
                services.promoter_add_sharer(preview=preview, **form.values())
            except ValidationError as error:
                self.fail(error)
            else:
                messages.success(request, _("Promoter added."))
        return redirect(preview_url(preview))


class PromoterOwnAddView(_PromoterPost):
    def post(self, request, *args, **kwargs):
        preview = self.preview()
        form = OwnPromoterForm(request.POST)
        if not form.is_valid():
            self.fail(form)
        else:
            try:
                services.promoter_add_own(preview=preview, **form.cleaned_data)
            except ValidationError as error:
                self.fail(error)
            else:
                messages.success(request, _("Promoter added."))
        return redirect(preview_url(preview))


class PromotersRefreshView(_PromoterPost):
    def post(self, request, *args, **kwargs):
        preview = self.preview()
        try:
            count = services.promoters_refresh(preview=preview)
        except ValidationError as error:
            self.fail(error)
        else:
            messages.success(request, _("Reservations read for %(count)d 推客.") % {"count": count})
        return redirect(preview_url(preview))


class PromoterCountsView(_PromoterPost):
    def post(self, request, *args, **kwargs):
        promoter = selectors.promoter_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        form = PromoterCountsForm(request.POST)
        if not form.is_valid():
            self.fail(form)
        else:
            try:
                services.promoter_record(promoter=promoter, **form.cleaned_data)
            except ValidationError as error:
                self.fail(error)
            else:
                messages.success(request, _("Saved."))
        return redirect(preview_url(promoter.preview))


class PromoterDeleteView(ConfirmView):
    def get_object(self):
        return selectors.promoter_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def back_url(self, promoter):
        return preview_url(promoter.preview)

    def confirm_context(self, promoter):
        return {
            "confirm_title": _("Remove the promoter “%(name)s”?") % {"name": promoter.name},
            "confirm_text": _("Its link keeps working in WeChat; ShopOps stops following it."),
            "confirm_label": _("Remove"),
            "cancel_url": preview_url(promoter.preview),
            "breadcrumb": promoter.preview,
        }

    def act(self, promoter):
        services.promoter_delete(promoter=promoter)
        return _("Removed.")


class PromoterQrView(ShopMixin, View):
    """The QR code of a promoter's link (SVG, drawn here with segno)."""

    def get(self, request, *args, **kwargs):
        promoter = selectors.promoter_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        if promoter.kind != PreviewPromoter.Kind.OWN and not promoter.link:
            return HttpResponse(status=404)
        # A standalone SVG file (not svg_inline's, which has no xmlns: browsers then draw nothing in an <img>).
        svg = io.BytesIO()
        segno.make(promoter.link, error="m").save(svg, kind="svg", xmldecl=False, scale=4)
        return HttpResponse(svg.getvalue(), content_type="image/svg+xml")


class PromoterPosterView(ShopMixin, View):
    """A promoter's share poster (PNG): the preview's topic and start time with the QR code of the promoter's link."""

    def get(self, request, *args, **kwargs):
        promoter = selectors.promoter_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        if not promoter.link:
            raise Http404
        preview = promoter.preview
        png = posters.preview_poster(title=preview.topic, start_time=preview.start_time, qr_url=promoter.link)
        return posters.png_response(png, filename=f"preview-{preview.pk}-{promoter.pk}.png", download=True)


class NotificationListView(ShopMixin, TemplateView):
    template_name = "campaigns/previews/notifications.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(selectors.notifications_for_shop(shop=self.shop), PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        context.update(page=page, notifications=page.object_list)
        return context
