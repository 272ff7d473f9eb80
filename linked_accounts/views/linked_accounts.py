"""Linked accounts (关联账号) in the console: the list with their history, display accounts, selling identity,
公众号↔视频号 binding and WeCom staff. Cooperation accounts are in ``linked_accounts.views.cooperation``.

Views parse input and call one service or selector. Everyone with ``Perm.VIEW`` may look; every change needs
``Perm.OPERATE``. A refused change shows the reason next to the field (the page is shown again, with the form) or
as a message, and changes nothing. With the real platform (SANDBOX-ONLY APIs off) the pages offer recording an
account linked in the WeChat Shop backend instead of inviting, and no invite, cancel or unlink buttons.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from linked_accounts.forms import (
    BindingForm,
    DisplayForm,
    IdentityForm,
    InviteForm,
    RecordForm,
    SidebarForm,
    StaffNameForm,
)
from linked_accounts.models import DISPLAY_KINDS, AccountKind, LinkedAccount
from linked_accounts.selectors import linked_accounts as selectors
from linked_accounts.services import linked_accounts as services
from linked_accounts.services.platform import sandbox_only_apis_enabled
from shopops.roles import Perm
from shopops.views import ShopMixin
from shopops.views.confirm import ConfirmView, add_errors
from shopops.views.orders import SALE_CHANNEL_LABELS

# --- labels and badges -----------------------------------------------------------------------------------------------

STATUS_BADGES = {
    LinkedAccount.Status.ACCEPTED: "text-bg-success",
    LinkedAccount.Status.PENDING: "text-bg-warning",
    LinkedAccount.Status.REJECTED: "text-bg-danger",
    LinkedAccount.Status.EXPIRED: "text-bg-secondary",
    LinkedAccount.Status.CANCELLED: "text-bg-secondary",
    LinkedAccount.Status.UNLINKED: "text-bg-light border",
}
KIND_ICONS = {
    AccountKind.CHANNELS: "camera-reels",
    AccountKind.MP: "newspaper",
    AccountKind.SERVICE: "megaphone",
    AccountKind.WECOM: "building",
}


def orders_url(shop, account_id: str) -> str:
    """The order list filtered to one source account (its ``account`` parameter)."""
    return reverse("console:orders", kwargs={"shop": shop.public_id}) + "?" + urlencode({"account": account_id})


def add_url(shop, *, kind: str = "", account_id: str = "", nickname: str = "") -> str:
    """Where to add an account: the invitation form with the sandbox, the record form with the real platform;
    filled in with whatever is given."""
    query = {"kind": kind, "account_id": account_id}
    if sandbox_only_apis_enabled():
        url = reverse("console:linked_account_invite", kwargs={"shop": shop.public_id})
    else:
        url = reverse("console:linked_account_record", kwargs={"shop": shop.public_id})
        query["nickname"] = nickname
    query = {key: value for key, value in query.items() if value}
    return url + ("?" + urlencode(query) if query else "")


# --- linked accounts -------------------------------------------------------------------------------------------------


class LinkedAccountListView(ShopMixin, TemplateView):
    """Every linked account by kind, the display accounts, and the accounts seen in orders but not linked."""

    template_name = "linked_accounts/linked_accounts/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        accounts = selectors.linked_accounts_for_shop(shop=self.shop)
        sales = selectors.account_sales_for_shop(shop=self.shop, account_ids=[a.account_id for a in accounts])
        verifications = selectors.recorded_verifications(shop=self.shop)
        rows = [
            {
                "account": account,
                "badge": STATUS_BADGES.get(account.status, "text-bg-light"),
                "orders": sales.get(account.account_id, (0, 0))[0],
                "gmv_fen": sales.get(account.account_id, (0, 0))[1],
                "verification": verifications.get(account.pk) if account.is_linked else None,
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
        seen = [
            {
                "account": item,
                "label": AccountKind(item.kind).label,
                "sold_as": SALE_CHANNEL_LABELS.get(item.sale_channel, ""),
                "add_url": add_url(self.shop, kind=item.kind, account_id=item.account_id, nickname=item.nickname),
                "orders_url": orders_url(self.shop, item.account_id),
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
            sandbox_only_apis=sandbox_only_apis_enabled(),
            add_url=add_url(self.shop),
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
            if not report.listed:
                messages.success(
                    request,
                    _(
                        "Refreshed the WeCom ids from WeChat Shop: %(resolved)d members resolved. WeChat Shop has no "
                        "API listing linked accounts: record the ones linked in its backend."
                    )
                    % {"resolved": report.staff_resolved},
                )
            elif report.changes:
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


class _AddAccountView(ShopMixin, FormView):
    """A form adding an account; a link from "seen in orders" fills it in (``?kind=…&account_id=…``)."""

    permission = Perm.OPERATE

    def get_initial(self):
        initial = {"selling_identity": LinkedAccount.SellingIdentity.SELF_OPERATED}
        kind = self.request.GET.get("kind", "")
        if kind in AccountKind.values:
            initial["kind"] = kind
        account_id = self.request.GET.get("account_id", "")[:64]
        if account_id:
            initial["account_id"] = account_id
        return initial


class LinkedAccountInviteView(_AddAccountView):
    """The invitation form (SANDBOX-ONLY API); with the real platform it leads to the record form instead."""

    template_name = "linked_accounts/linked_accounts/invite.html"
    form_class = InviteForm

    def get(self, request, *args, **kwargs):
        if not sandbox_only_apis_enabled():
            # The real platform has no invitation API: the account is linked in its backend, then recorded here.
            query = request.GET.urlencode()
            url = reverse("console:linked_account_record", kwargs={"shop": self.shop.public_id})
            return redirect(url + ("?" + query if query else ""))
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            account = services.linked_account_invite(shop=self.shop, actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Invitation sent to “%(name)s”. It waits for their answer: refresh the list to see it.")
            % {"name": account},
        )
        return redirect("console:linked_account_detail", shop=self.shop.public_id, pk=account.pk)


class LinkedAccountRecordView(_AddAccountView):
    """Record an account linked in the WeChat Shop backend (the way to add one on the real platform); a link from
    "seen in orders" fills it in (``?kind=…&account_id=…&nickname=…``). No platform call is made."""

    template_name = "linked_accounts/linked_accounts/record.html"
    form_class = RecordForm

    def get_initial(self):
        initial = super().get_initial()
        nickname = self.request.GET.get("nickname", "")[:100]
        if nickname:
            initial["nickname"] = nickname
        return initial

    def form_valid(self, form):
        try:
            account = services.linked_account_record(shop=self.shop, actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("“%(name)s” is recorded as linked. Orders from it will verify it once they are synced.")
            % {"name": account},
        )
        return redirect("console:linked_account_detail", shop=self.shop.public_id, pk=account.pk)


class LinkedAccountDetailView(ShopMixin, TemplateView):
    """One linked account: what the platform says, the console's choices, its history; WeCom staff for a corp."""

    template_name = "linked_accounts/linked_accounts/detail.html"
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
        verification = None
        if account.is_recorded and account.is_linked:
            verification = selectors.recorded_verifications(shop=self.shop, pk=account.pk).get(account.pk)
        context.update(
            account=account,
            badge=STATUS_BADGES.get(account.status, "text-bg-light"),
            icon=KIND_ICONS[account.kind],
            verification=verification,
            sandbox_only_apis=sandbox_only_apis_enabled(),
            add_again_url=add_url(
                self.shop, kind=account.kind, account_id=account.account_id, nickname=account.nickname
            ),
            events=selectors.linked_account_events(linked_account=account),
            orders=orders,
            gmv_fen=gmv,
            orders_url=orders_url(self.shop, account.account_id),
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
                add_errors(form, exc)
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
                add_errors(form, exc)
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
                add_errors(form, exc)
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


class _LinkedAccountConfirmView(ConfirmView):
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
