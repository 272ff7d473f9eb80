"""Cooperation accounts (合作账号) in the console: the list with status and orders, invitation QR codes, cancel and
unbind. Views parse input and call one service or selector; every change needs ``Perm.OPERATE``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from linked_accounts.forms import QrcodeForm
from linked_accounts.models import CooperationAccount
from linked_accounts.selectors import cooperation as selectors
from linked_accounts.selectors.linked_accounts import linking_state_for_shop
from linked_accounts.services import cooperation as services
from linked_accounts.views.linked_accounts import orders_url
from shopops.roles import Perm
from shopops.views import ShopMixin
from shopops.views.confirm import ConfirmView, add_errors
from shopops.views.orders import SALE_CHANNEL_LABELS

COOPERATION_BADGES = {
    CooperationAccount.Status.BOUND: "text-bg-success",
    CooperationAccount.Status.PENDING: "text-bg-warning",
    CooperationAccount.Status.REJECTED: "text-bg-danger",
    CooperationAccount.Status.FAILED: "text-bg-danger",
    CooperationAccount.Status.TIMED_OUT: "text-bg-secondary",
    CooperationAccount.Status.CANCELLED: "text-bg-secondary",
    CooperationAccount.Status.UNBOUND: "text-bg-light border",
}


class CooperationListView(ShopMixin, TemplateView):
    """The shop's cooperation accounts with their status and orders; the invitation QR code form."""

    template_name = "linked_accounts/cooperation/list.html"
    qrcode_form = None
    qrcode = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = [
            {
                "row": row,
                "badge": COOPERATION_BADGES.get(row.account.status, "text-bg-light"),
                "orders_url": orders_url(self.shop, row.order_account_id) if row.order_account_id else "",
            }
            for row in selectors.cooperation_accounts_for_shop(shop=self.shop)
        ]
        context.update(
            rows=rows,
            qrcode_form=self.qrcode_form
            or QrcodeForm(initial={"sharer_type": CooperationAccount.SharerType.MINIPROGRAM}),
            qrcode=self.qrcode,
            state=linking_state_for_shop(shop=self.shop),
            sale_channel_label=SALE_CHANNEL_LABELS[1],
        )
        return context


class CooperationQrcodeView(CooperationListView):
    """POST: generate an invitation QR code and show it (once) above the list."""

    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = QrcodeForm(request.POST)
        if form.is_valid():
            try:
                self.qrcode = services.cooperation_qrcode_generate(shop=self.shop, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Invitation QR code generated for %(appid)s. The account scans it to accept.")
                    % {"appid": form.cleaned_data["appid"]},
                )
        self.qrcode_form = form
        return self.render_to_response(self.get_context_data(**kwargs))


class CooperationRefreshView(ShopMixin, View):
    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            changed = services.cooperation_accounts_refresh(shop=self.shop)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Refreshed from WeChat Shop: %(changed)d accounts changed.") % {"changed": changed}
            )
        return redirect("console:cooperation_accounts", shop=self.shop.public_id)


class CooperationConfirmView(ConfirmView):
    def get_object(self):
        return selectors.cooperation_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def back_url(self, account):
        return reverse("console:cooperation_accounts", kwargs={"shop": self.shop.public_id})


class CooperationCancelView(CooperationConfirmView):
    def confirm_context(self, account):
        return {
            "confirm_title": _("Cancel the invitation to “%(name)s”?") % {"name": account},
            "confirm_text": _("Its QR code stops working at once. You can generate a new one later."),
            "confirm_label": _("Cancel the invitation"),
            "cancel_url": self.back_url(account),
            "breadcrumb": account,
        }

    def act(self, account):
        services.cooperation_cancel(cooperation=account)
        return _("The invitation to “%(name)s” was cancelled.") % {"name": account}


class CooperationUnbindView(CooperationConfirmView):
    def confirm_context(self, account):
        return {
            "confirm_title": _("Unbind “%(name)s”?") % {"name": account},
            "confirm_text": _(
                "It stops being a sales channel of the shop: it can no longer show the shop's products or read the "
                "orders it brings. Orders already placed keep their source."
            ),
            "confirm_label": _("Unbind"),
            "cancel_url": self.back_url(account),
            "breadcrumb": account,
        }

    def act(self, account):
        services.cooperation_unbind(cooperation=account)
        return _("“%(name)s” was unbound.") % {"name": account}
