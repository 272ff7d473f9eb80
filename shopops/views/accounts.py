"""The console's accounts area: linked accounts (关联账号) with their history, display accounts, selling identity,
公众号↔视频号 binding and WeCom staff; and cooperation accounts (合作账号) with their invitation QR codes.

Views parse input and call one service or selector. Everyone with ``Perm.VIEW`` may look; every change needs
``Perm.OPERATE``. A refused change shows the reason next to the field (the page is shown again, with the form) or
as a message, and changes nothing.
"""

import re
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from shopops import services_accounts as services
from shopops import services_cooperation as cooperation_services
from shopops.forms import appid_validator
from shopops.models import AccountKind, CooperationAccount, LinkedAccount
from shopops.models.accounts import DISPLAY_KINDS
from shopops.roles import Perm
from shopops.selectors import accounts as selectors
from shopops.views import ShopMixin
from shopops.views.orders import SALE_CHANNEL_LABELS

# --- forms -----------------------------------------------------------------------------------------------------------

# UNCONFIRMED id shapes: a 视频号 id ("sph…") as orders report it, an AppID, a WeCom corp id ("ww" + 16).
ACCOUNT_ID_FORMATS = {
    AccountKind.CHANNELS: (
        re.compile(r"^sph[0-9A-Za-z]{4,40}$"),
        _("A Channels account id starts with “sph”, followed by letters or digits."),
    ),
    AccountKind.MP: (re.compile(r"^wx[0-9A-Za-z]{16}$"), appid_validator.message),
    AccountKind.SERVICE: (re.compile(r"^wx[0-9A-Za-z]{16}$"), appid_validator.message),
    AccountKind.WECOM: (
        re.compile(r"^ww[0-9A-Za-z]{16}$"),
        _("A WeCom corp id is “ww” followed by 16 letters or digits."),
    ),
}
IDENTITY_HELP = _(
    "Shop's own products (店铺自营): sells this shop's products and may use its coupons and flash sales. "
    "Creator for other shops (达人带货): sells mainly for other shops; possible only when the Channels account's "
    "super admin is the same WeChat user as the shop's super admin."
)


class InviteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Account type"), choices=AccountKind.choices)
    account_id = forms.CharField(
        label=_("Account id"),
        max_length=64,
        help_text=_("Channels account id (sph…), AppID of the official or service account, or WeCom corp id (ww…)."),
    )
    selling_identity = forms.ChoiceField(
        label=_("Selling identity (Channels accounts)"),
        choices=LinkedAccount.SellingIdentity.choices,
        required=False,
        initial=LinkedAccount.SellingIdentity.SELF_OPERATED,
        widget=forms.RadioSelect,
        help_text=IDENTITY_HELP,
    )

    def clean(self):
        cleaned = super().clean()
        kind, account_id = cleaned.get("kind"), cleaned.get("account_id", "").strip()
        if kind and account_id:
            pattern, message = ACCOUNT_ID_FORMATS[kind]
            if not pattern.match(account_id):
                self.add_error("account_id", message)
            cleaned["account_id"] = account_id
        if kind == AccountKind.CHANNELS and not cleaned.get("selling_identity"):
            self.add_error("selling_identity", _("Choose how this Channels account sells."))
        return cleaned


class IdentityForm(forms.Form):
    selling_identity = forms.ChoiceField(
        label=_("Selling identity"),
        choices=LinkedAccount.SellingIdentity.choices,
        widget=forms.RadioSelect,
        help_text=IDENTITY_HELP,
    )


class BindingForm(forms.Form):
    finder = forms.ModelChoiceField(
        label=_("Bound Channels account"),
        queryset=LinkedAccount.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("The binding is made on the official account platform or in the Channels account itself."),
    )

    def __init__(self, *args, shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finder"].queryset = selectors.linked_channels_for_shop(shop=shop)


class SidebarForm(forms.Form):
    configured = forms.TypedChoiceField(
        choices=[("yes", _("Set up")), ("no", _("Not set up"))], coerce=lambda value: value == "yes"
    )


class DisplayForm(forms.Form):
    display = forms.ChoiceField(choices=[("on", "on"), ("off", "off")])


class StaffNameForm(forms.Form):
    user_id = forms.CharField(max_length=64, widget=forms.HiddenInput)
    display_name = forms.CharField(label=_("Name in the console"), max_length=64, required=False)


class QrcodeForm(forms.Form):
    sharer_type = forms.TypedChoiceField(
        label=_("Account type"), choices=CooperationAccount.SharerType.choices, coerce=int
    )
    appid = forms.CharField(
        label=_("AppID"),
        max_length=18,
        validators=[appid_validator],
        help_text=_("The AppID of the mini program or official account to invite."),
    )


# --- labels and badges -----------------------------------------------------------------------------------------------

STATUS_BADGES = {
    LinkedAccount.Status.ACCEPTED: "text-bg-success",
    LinkedAccount.Status.PENDING: "text-bg-warning",
    LinkedAccount.Status.REJECTED: "text-bg-danger",
    LinkedAccount.Status.EXPIRED: "text-bg-secondary",
    LinkedAccount.Status.CANCELLED: "text-bg-secondary",
    LinkedAccount.Status.UNLINKED: "text-bg-light border",
}
COOPERATION_BADGES = {
    CooperationAccount.Status.BOUND: "text-bg-success",
    CooperationAccount.Status.PENDING: "text-bg-warning",
    CooperationAccount.Status.REJECTED: "text-bg-danger",
    CooperationAccount.Status.FAILED: "text-bg-danger",
    CooperationAccount.Status.TIMED_OUT: "text-bg-secondary",
    CooperationAccount.Status.CANCELLED: "text-bg-secondary",
    CooperationAccount.Status.UNBOUND: "text-bg-light border",
}
KIND_ICONS = {
    AccountKind.CHANNELS: "camera-reels",
    AccountKind.MP: "newspaper",
    AccountKind.SERVICE: "megaphone",
    AccountKind.WECOM: "building",
}


def _orders_url(shop, account_id: str) -> str:
    """The order list filtered to one source account (its ``account`` parameter)."""
    return reverse("console:orders", kwargs={"shop": shop.public_id}) + "?" + urlencode({"account": account_id})


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal on the form: on its field when the form has one, else above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- linked accounts -------------------------------------------------------------------------------------------------


class LinkedAccountListView(ShopMixin, TemplateView):
    """Every linked account by kind, the display accounts, and the accounts seen in orders but not linked."""

    template_name = "console/accounts/linked_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        accounts = selectors.linked_accounts_for_shop(shop=self.shop)
        sales = selectors.account_sales_for_shop(shop=self.shop, account_ids=[a.account_id for a in accounts])
        rows = [
            {
                "account": account,
                "badge": STATUS_BADGES.get(account.status, "text-bg-light"),
                "orders": sales.get(account.account_id, (0, 0))[0],
                "gmv_fen": sales.get(account.account_id, (0, 0))[1],
            }
            for account in accounts
        ]
        groups = [
            {
                "kind": kind,
                "label": kind.label,
                "icon": KIND_ICONS[kind],
                "rows": [row for row in rows if row["account"].kind == kind],
            }
            for kind in AccountKind
        ]
        display = selectors.display_accounts_for_shop(shop=self.shop)
        invite_url = reverse("console:linked_account_invite", kwargs={"shop": self.shop.public_id})
        seen = [
            {
                "account": item,
                "label": AccountKind(item.kind).label,
                "sold_as": SALE_CHANNEL_LABELS.get(item.sale_channel, ""),
                "invite_url": invite_url + "?" + urlencode({"kind": item.kind, "account_id": item.account_id}),
                "orders_url": _orders_url(self.shop, item.account_id),
            }
            for item in selectors.accounts_seen_in_orders(shop=self.shop)
        ]
        context.update(
            groups=groups,
            total=len(accounts),
            display=[
                {"kind": kind, "label": kind.label, "icon": KIND_ICONS[kind], "account": display[kind.value]}
                for kind in DISPLAY_KINDS
            ],
            seen=seen,
            state=selectors.linking_state_for_shop(shop=self.shop),
        )
        return context


class LinkedAccountRefreshView(ShopMixin, View):
    """POST: ask the platform what became of the invitations and which accounts are linked."""

    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            report = services.linked_accounts_refresh(shop=self.shop, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if report.changes:
                messages.success(
                    request,
                    _(
                        "Refreshed from WeChat Shop: %(accepted)d accepted, %(ended)d ended without linking, "
                        "%(found)d found linked, %(unlinked)d unlinked."
                    )
                    % {
                        "accepted": report.accepted,
                        "ended": report.ended,
                        "found": report.found,
                        "unlinked": report.unlinked,
                    },
                )
            else:
                messages.success(request, _("Refreshed from WeChat Shop: nothing changed."))
            for problem in report.problems:
                messages.warning(request, problem)
        return redirect("console:linked_accounts", shop=self.shop.public_id)


class LinkedAccountInviteView(ShopMixin, FormView):
    """The invitation form; a link from "seen in orders" fills it in (``?kind=…&account_id=…``)."""

    permission = Perm.OPERATE
    template_name = "console/accounts/invite.html"
    form_class = InviteForm

    def get_initial(self):
        initial = {"selling_identity": LinkedAccount.SellingIdentity.SELF_OPERATED}
        kind = self.request.GET.get("kind", "")
        if kind in AccountKind.values:
            initial["kind"] = kind
        account_id = self.request.GET.get("account_id", "")[:64]
        if account_id:
            initial["account_id"] = account_id
        return initial

    def form_valid(self, form):
        try:
            account = services.linked_account_invite(shop=self.shop, actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Invitation sent to “%(name)s”. It waits for their answer: refresh the list to see it.")
            % {"name": account},
        )
        return redirect("console:linked_account_detail", shop=self.shop.public_id, pk=account.pk)


class LinkedAccountDetailView(ShopMixin, TemplateView):
    """One linked account: what the platform says, the console's choices, its history; WeCom staff for a corp."""

    template_name = "console/accounts/linked_detail.html"
    identity_form = binding_form = staff_form = None

    def get_account(self) -> LinkedAccount:
        return selectors.linked_account_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account = self.account if hasattr(self, "account") else self.get_account()
        state = selectors.linking_state_for_shop(shop=self.shop)
        sales = selectors.account_sales_for_shop(shop=self.shop, account_ids=[account.account_id])
        orders, gmv = sales.get(account.account_id, (0, 0))
        shop_admin = state.shop_super_admin_id if state else ""
        context.update(
            account=account,
            badge=STATUS_BADGES.get(account.status, "text-bg-light"),
            icon=KIND_ICONS[account.kind],
            events=selectors.linked_account_events(linked_account=account),
            orders=orders,
            gmv_fen=gmv,
            orders_url=_orders_url(self.shop, account.account_id),
            shop_super_admin_id=shop_admin,
            same_admin=bool(shop_admin) and account.super_admin_id == shop_admin,
            can_display=account.kind in DISPLAY_KINDS and account.is_linked,
            identity_form=self.identity_form
            or IdentityForm(initial={"selling_identity": account.selling_identity or None}),
            binding_form=self.binding_form
            or BindingForm(
                shop=self.shop,
                initial={
                    "finder": selectors.linked_channels_for_shop(shop=self.shop)
                    .filter(account_id=account.bound_finder_id)
                    .first()
                },
            ),
            staff_form=self.staff_form,
            staff=selectors.wecom_staff_for_shop(shop=self.shop, corp_id=account.account_id)
            if account.kind == AccountKind.WECOM
            else [],
        )
        return context


class _LinkedAccountAction(LinkedAccountDetailView):
    """POST only: one change of the account; a refusal shows the detail page again with the reason."""

    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.account = self.get_account()
        return self.act(request)

    def done(self, message):
        messages.success(self.request, message)
        return redirect("console:linked_account_detail", shop=self.shop.public_id, pk=self.account.pk)

    def refused(self, exc: ValidationError):
        messages.error(self.request, " ".join(exc.messages))
        return redirect("console:linked_account_detail", shop=self.shop.public_id, pk=self.account.pk)

    def show_again(self):
        return self.render_to_response(self.get_context_data(**self.kwargs))


class LinkedAccountIdentityView(_LinkedAccountAction):
    def act(self, request):
        form = IdentityForm(request.POST)
        if form.is_valid():
            try:
                self.account = services.linked_account_set_selling_identity(
                    linked_account=self.account, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return self.done(
                    _("“%(name)s” now sells as: %(identity)s.")
                    % {"name": self.account, "identity": self.account.get_selling_identity_display()}
                )
        self.identity_form = form
        return self.show_again()


class LinkedAccountDisplayView(_LinkedAccountAction):
    def act(self, request):
        form = DisplayForm(request.POST)
        if not form.is_valid():
            return self.refused(ValidationError(_("Choose whether to show the account on the home page.")))
        try:
            if form.cleaned_data["display"] == "on":
                services.linked_account_set_display(linked_account=self.account, actor=request.user)
                message = _("“%(name)s” is now the shop's display %(kind)s.")
            else:
                services.linked_account_clear_display(linked_account=self.account, actor=request.user)
                message = _("“%(name)s” is no longer shown on the shop's home page.")
        except ValidationError as exc:
            return self.refused(exc)
        return self.done(message % {"name": self.account, "kind": self.account.get_kind_display()})


class LinkedAccountBindingView(_LinkedAccountAction):
    def act(self, request):
        form = BindingForm(request.POST, shop=self.shop)
        if form.is_valid():
            try:
                self.account = services.linked_account_record_binding(
                    linked_account=self.account, finder=form.cleaned_data["finder"], actor=request.user
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return self.done(_("Binding recorded."))
        self.binding_form = form
        return self.show_again()


class LinkedAccountSidebarView(_LinkedAccountAction):
    def act(self, request):
        form = SidebarForm(request.POST)
        if not form.is_valid():
            return self.refused(ValidationError(_("Choose whether the sidebar app is set up.")))
        try:
            services.wecom_sidebar_set(
                linked_account=self.account, configured=form.cleaned_data["configured"], actor=request.user
            )
        except ValidationError as exc:
            return self.refused(exc)
        return self.done(_("Sidebar setup recorded."))


class WecomStaffNameView(_LinkedAccountAction):
    def act(self, request):
        form = StaffNameForm(request.POST)
        if form.is_valid() and self.account.kind == AccountKind.WECOM:
            try:
                staff = services.wecom_staff_rename(shop=self.shop, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return self.done(
                    _("WeCom member %(user_id)s is now named “%(name)s”.")
                    % {
                        "user_id": staff.user_id,
                        "name": staff.display_name or "—",
                    }
                )
        elif self.account.kind != AccountKind.WECOM:
            return self.refused(ValidationError(_("Only a WeCom account has staff.")))
        self.staff_form = form
        return self.show_again()


class _ConfirmView(ShopMixin, TemplateView):
    """GET asks for confirmation; POST acts. Refusals come back as a message on the page the user came from."""

    permission = Perm.OPERATE
    template_name = "console/accounts/confirm.html"

    def get_object(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.confirm_context(self.get_object()))
        return context

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        try:
            message = self.act(obj)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, message)
        return redirect(self.back_url(obj))


class _LinkedAccountConfirmView(_ConfirmView):
    """A confirmed action on one linked account of the shop; afterwards back to its page."""

    def get_object(self):
        return selectors.linked_account_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def back_url(self, account):
        return reverse("console:linked_account_detail", kwargs={"shop": self.shop.public_id, "pk": account.pk})


class LinkedAccountCancelView(_LinkedAccountConfirmView):
    def confirm_context(self, account):
        return {
            "confirm_title": _("Cancel the invitation to “%(name)s”?") % {"name": account},
            "confirm_text": _(
                "The invitation is withdrawn on WeChat Shop at once and can no longer be accepted. You can invite "
                "the account again later."
            ),
            "confirm_label": _("Cancel the invitation"),
            "cancel_url": self.back_url(account),
            "breadcrumb": account,
        }

    def act(self, account):
        services.linked_account_cancel_invitation(linked_account=account, actor=self.request.user)
        return _("The invitation to “%(name)s” was cancelled.") % {"name": account}


class LinkedAccountUnlinkView(_LinkedAccountConfirmView):
    def confirm_context(self, account):
        return {
            "confirm_title": _("Unlink “%(name)s” from the shop?") % {"name": account},
            "confirm_text": _(
                "The shop's entry disappears from the account, its products can no longer be placed in its "
                "content, and it stops being a display account. Orders already placed keep their source. Linking "
                "again needs a new invitation."
            ),
            "confirm_label": _("Unlink"),
            "cancel_url": self.back_url(account),
            "breadcrumb": account,
        }

    def act(self, account):
        services.linked_account_unlink(linked_account=account, actor=self.request.user)
        return _("“%(name)s” was unlinked.") % {"name": account}


# --- cooperation accounts --------------------------------------------------------------------------------------------


class CooperationListView(ShopMixin, TemplateView):
    """The shop's cooperation accounts with their status and orders; the invitation QR code form."""

    template_name = "console/accounts/cooperation.html"
    qrcode_form = None
    qrcode = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = [
            {
                "row": row,
                "badge": COOPERATION_BADGES.get(row.account.status, "text-bg-light"),
                "orders_url": _orders_url(self.shop, row.order_account_id) if row.order_account_id else "",
            }
            for row in selectors.cooperation_accounts_for_shop(shop=self.shop)
        ]
        context.update(
            rows=rows,
            qrcode_form=self.qrcode_form
            or QrcodeForm(initial={"sharer_type": CooperationAccount.SharerType.MINIPROGRAM}),
            qrcode=self.qrcode,
            state=selectors.linking_state_for_shop(shop=self.shop),
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
                self.qrcode = cooperation_services.cooperation_qrcode_generate(shop=self.shop, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
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
            changed = cooperation_services.cooperation_accounts_refresh(shop=self.shop)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Refreshed from WeChat Shop: %(changed)d accounts changed.") % {"changed": changed}
            )
        return redirect("console:cooperation_accounts", shop=self.shop.public_id)


class _CooperationConfirmView(_ConfirmView):
    def get_object(self):
        return selectors.cooperation_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def back_url(self, account):
        return reverse("console:cooperation_accounts", kwargs={"shop": self.shop.public_id})


class CooperationCancelView(_CooperationConfirmView):
    def confirm_context(self, account):
        return {
            "confirm_title": _("Cancel the invitation to “%(name)s”?") % {"name": account},
            "confirm_text": _("Its QR code stops working at once. You can generate a new one later."),
            "confirm_label": _("Cancel the invitation"),
            "cancel_url": self.back_url(account),
            "breadcrumb": account,
        }

    def act(self, account):
        cooperation_services.cooperation_cancel(cooperation=account, actor=self.request.user)
        return _("The invitation to “%(name)s” was cancelled.") % {"name": account}


class CooperationUnbindView(_CooperationConfirmView):
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
        cooperation_services.cooperation_unbind(cooperation=account, actor=self.request.user)
        return _("“%(name)s” was unbound.") % {"name": account}
