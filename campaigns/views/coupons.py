"""The shop's coupons in the console: the list (status and type filters, pages), one coupon with its funnel
(received → used → orders → GMV, cost, ROI), the create/edit form whose fields follow the type, status changes
(生效 / 作废 / 删除) after confirmation, and a sync. Everyone with ``Perm.VIEW`` may look; every change needs
``Perm.OPERATE``; a refusal (ours before the call, or the platform's verbatim) changes nothing."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_q.tasks import async_task

from campaigns.forms.coupons import CouponFilterForm, CouponForm
from campaigns.models import Coupon
from campaigns.selectors import coupons as selectors
from campaigns.services import coupons as services
from shopops.roles import Perm
from shopops.views import ShopMixin
from shopops.views.confirm import ConfirmView, add_errors

COUPONS_PER_PAGE = 50
STATUS_BADGES = {
    Coupon.Status.NOT_EFFECTIVE: "text-bg-warning",
    Coupon.Status.EFFECTIVE: "text-bg-success",
    Coupon.Status.EXPIRED: "text-bg-secondary",
    Coupon.Status.INVALIDATED: "text-bg-danger",
    Coupon.Status.DELETED: "text-bg-light border",
}


def coupon_url(coupon: Coupon) -> str:
    return reverse("console:campaign_coupon_detail", kwargs={"shop": coupon.shop.public_id, "pk": coupon.pk})


class CouponListView(ShopMixin, TemplateView):
    template_name = "campaigns/coupons/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = CouponFilterForm(self.request.GET or None)
        filters = form.filters()
        page = Paginator(selectors.coupons_for_shop(shop=self.shop, **filters), COUPONS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        coupons = list(page.object_list)
        performance = selectors.coupon_performance(shop=self.shop, coupons=coupons)
        for coupon in coupons:
            coupon.badge = STATUS_BADGES.get(coupon.status, "text-bg-light")
            coupon.performance = performance[coupon.coupon_id]
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            coupons=coupons,
            query=query.urlencode(),
            filtered=any(value is not None for value in filters.values()),
        )
        return context


class CouponDetailView(ShopMixin, TemplateView):
    template_name = "campaigns/coupons/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        coupon = selectors.coupon_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        context.update(
            coupon=coupon,
            badge=STATUS_BADGES.get(coupon.status, "text-bg-light"),
            performance=selectors.coupon_performance(shop=self.shop, coupons=[coupon])[coupon.coupon_id],
            user_coupons=selectors.user_coupons_for_coupon(coupon=coupon),
            actions=[
                (status, label)
                for status, label in (
                    (Coupon.Status.EFFECTIVE, _("Put in effect")),
                    (Coupon.Status.INVALIDATED, _("Invalidate")),
                    (Coupon.Status.DELETED, _("Delete")),
                )
                if coupon.status in services.TRANSITIONS[status]
            ],
            editable=coupon.status in services.EDITABLE,
        )
        return context


class _CouponFormView(ShopMixin, FormView):
    permission = Perm.OPERATE
    template_name = "campaigns/coupons/form.html"
    form_class = CouponForm
    coupon = None

    def get_context_data(self, **kwargs):
        return super().get_context_data(coupon=self.coupon, **kwargs)

    def form_valid(self, form):
        try:
            coupon = self.save(form.spec())
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message % {"name": coupon.name})
        return redirect(coupon_url(coupon))


class CouponCreateView(_CouponFormView):
    success_message = _("Coupon “%(name)s” created on WeChat Shop.")

    def save(self, spec):
        return services.coupon_create(shop=self.shop, spec=spec)


class CouponEditView(_CouponFormView):
    success_message = _("Coupon “%(name)s” updated on WeChat Shop.")

    def get_initial(self):
        return CouponForm.initial_of(self.get_coupon())

    def get_coupon(self) -> Coupon:
        if self.coupon is None:
            self.coupon = selectors.coupon_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        return self.coupon

    def get_context_data(self, **kwargs):
        self.get_coupon()
        return super().get_context_data(**kwargs)

    def save(self, spec):
        return services.coupon_update(coupon=self.get_coupon(), spec=spec)


class CouponStatusView(ConfirmView):
    """GET asks for confirmation; POST changes the coupon's status on the platform: ``effective``, ``invalidate``
    or ``delete``."""

    template_name = "campaigns/coupons/confirm.html"
    ACTIONS = {
        "effective": Coupon.Status.EFFECTIVE,
        "invalidate": Coupon.Status.INVALIDATED,
        "delete": Coupon.Status.DELETED,
    }

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in self.ACTIONS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        return selectors.coupon_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def back_url(self, coupon):
        return coupon_url(coupon)

    def confirm_context(self, coupon):
        texts = {
            "effective": (
                _("Put “%(name)s” in effect?"),
                _("Buyers can receive it from the start of its receiving period."),
                _("Put in effect"),
            ),
            "invalidate": (
                _("Invalidate “%(name)s”?"),
                _("Buyers can no longer receive it; this cannot be undone on WeChat Shop."),
                _("Invalidate"),
            ),
            "delete": (
                _("Delete “%(name)s”?"),
                _("The coupon is deleted on WeChat Shop. Its figures stay in ShopOps."),
                _("Delete"),
            ),
        }
        title, text, label = texts[self.kwargs["action"]]
        return {
            "confirm_title": title % {"name": coupon.name},
            "confirm_text": text,
            "confirm_label": label,
            "cancel_url": coupon_url(coupon),
            "breadcrumb": coupon.name,
        }

    def act(self, coupon):
        services.coupon_status_change(coupon=coupon, status=self.ACTIONS[self.kwargs["action"]])
        return _("Done: WeChat Shop accepted the change.")


class CouponsSyncView(ShopMixin, View):
    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        """Queues the shop's coupon sync for the worker (it can take minutes; a busy shop retries on its own)."""
        try:
            services.require_connection(self.shop)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            shop_id = self.shop.pk
            transaction.on_commit(lambda: async_task("campaigns.tasks.coupons_sync_shop", shop_id, group="sync"))
            messages.success(request, _("Coupon sync started: the coupons show here as the worker reads them."))
        return redirect("console:campaign_coupons", shop=self.shop.public_id)
