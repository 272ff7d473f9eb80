"""The 员工激励 (WeCom staff rewards) pages of the merchant console: schemes (list, create, new version), staff
with the month's figures, a member's month statement with its CSV, and payouts. Thin: forms parse, the services in
incentives.services.staff decide, the selectors in incentives.selectors.staff read (a fixed number of queries per
page). Another shop's scheme or member answers 404."""

import uuid
import zoneinfo
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View

from incentives.forms.fields import PercentField, percent, start_of
from incentives.models import StaffRewardBasis
from incentives.selectors.ledger import month_start, next_month
from incentives.selectors.staff import (
    staff_member_get_for_shop_or_404,
    staff_month_list,
    staff_scheme_get_for_shop_or_404,
    staff_scheme_list,
    staff_statement,
)
from incentives.services.staff import (
    staff_member_update,
    staff_owed_fen,
    staff_reward_payout,
    staff_scheme_create,
    staff_scheme_new_version,
)
from incentives.staff_exports import staff_statement_csv_response
from incentives.views.console import _month_param
from shopops.forms.dates import day_field
from shopops.forms.money import YuanField, fen_initial
from shopops.money import format_yuan
from shopops.roles import Perm
from shopops.views import ShopMixin
from shopops.views.confirm import ConfirmView, add_errors

# --- forms ---------------------------------------------------------------------------------------------------------


class StaffSchemeForm(forms.Form):
    """The fields of a scheme version, named as the service's keywords so its refusals land on them."""

    name = forms.CharField(label=_("Name"), max_length=100)
    basis = forms.ChoiceField(label=_("Basis"), choices=StaffRewardBasis.choices, widget=forms.RadioSelect)
    rate_ppm = PercentField(
        label=_("Share of settled GMV (%)"), required=False,
        help_text=_("For example 1.5 for 1.5% (15‰). Rounded down to the fen once per order and staff member."),
    )  # fmt: skip
    fixed_fen = YuanField(label=_("Fixed amount per order (¥)"), required=False)
    valid_from = day_field(_("Valid from"), required=True)
    valid_until = day_field(_("Valid until (inclusive)"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["valid_from"] = start_of(data["valid_from"])
        until = data.get("valid_until")
        data["valid_until"] = start_of(until + timedelta(days=1)) if until else None
        return data

    @staticmethod
    def initial_from(scheme) -> dict:
        local = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        until = scheme.valid_until.astimezone(local).date() - timedelta(days=1) if scheme.valid_until else None
        return {
            "name": scheme.name,
            "basis": scheme.basis,
            "rate_ppm": percent(scheme.rate_ppm or None),
            "fixed_fen": fen_initial(scheme.fixed_fen or None),
            "valid_from": scheme.valid_from.astimezone(local).date(),
            "valid_until": until,
            "note": scheme.note,
        }


class StaffMemberForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    active = forms.BooleanField(label=_("Active"), required=False)


class StaffPayoutForm(forms.Form):
    amount_fen = YuanField(label=_("Amount (¥)"), min_value=Decimal("0.01"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)


# --- schemes -------------------------------------------------------------------------------------------------------


class StaffSchemeListView(ShopMixin, TemplateView):
    template_name = "incentives/staff/schemes.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(schemes=staff_scheme_list(self.shop))
        return context


class StaffSchemeCreateView(ShopMixin, FormView):
    """A new scheme (version 1)."""

    permission = Perm.OPERATE
    template_name = "incentives/staff/scheme_form.html"
    form_class = StaffSchemeForm

    def get_initial(self):
        return {"basis": StaffRewardBasis.GMV_SHARE, "valid_from": timezone.localdate()}

    def form_valid(self, form):
        try:
            scheme = self.save(form)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Scheme %(name)s version %(version)s saved.") % {
            "name": scheme.name, "version": scheme.version})  # fmt: skip
        return redirect("console:incentive_staff_schemes", shop=self.shop.public_id)

    def save(self, form):
        return staff_scheme_create(shop=self.shop, user=self.request.user, **form.service_fields())


class StaffSchemeNewVersionView(StaffSchemeCreateView):
    """A new version of a scheme, from the chosen version's fields: a version is never edited once created here."""

    def get_scheme(self):
        if not hasattr(self, "_scheme"):
            self._scheme = staff_scheme_get_for_shop_or_404(self.shop, self.kwargs["pk"])
        return self._scheme

    def get(self, request, *args, **kwargs):
        self.get_scheme()  # 404 for another shop's scheme before anything else
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.get_scheme()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return StaffSchemeForm.initial_from(self.get_scheme())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(scheme=self.get_scheme())
        return context

    def save(self, form):
        return staff_scheme_new_version(scheme=self.get_scheme(), user=self.request.user, **form.service_fields())


# --- staff and statements ------------------------------------------------------------------------------------------


def _month(request) -> date:
    return _month_param(request.GET.get("month")) or month_start(timezone.localdate())


class StaffListView(ShopMixin, TemplateView):
    """Every staff member with the month's accrued, reversed, paid and owed amounts (two queries)."""

    template_name = "incentives/staff/staff_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        month = _month(self.request)
        rows = staff_month_list(self.shop, month)
        context.update(
            rows=rows,
            month=month,
            previous=month_start(month - timedelta(days=1)),
            following=next_month(month),
            totals={
                name: sum(getattr(r, name) for r in rows)
                for name in ("accrued_fen", "reversed_fen", "paid_fen", "closing_fen")
            },
        )
        return context


class _MemberMixin(ShopMixin):
    def member(self):
        if not hasattr(self, "_member"):
            self._member = staff_member_get_for_shop_or_404(self.shop, self.kwargs["pk"])
        return self._member

    def statement(self):
        return staff_statement(self.shop, self.member(), _month(self.request))


class StaffStatementView(_MemberMixin, TemplateView):
    template_name = "incentives/staff/statement.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        found = self.statement()
        month = found.month.month
        context.update(
            member=self.member(),
            statement=found,
            month=month,
            previous=month_start(month - timedelta(days=1)),
            following=next_month(month),
        )
        return context


class StaffStatementCsvView(_MemberMixin, View):
    permission = Perm.EXPORT

    def get(self, request, *args, **kwargs):
        return staff_statement_csv_response(self.statement())


class StaffMemberEditView(_MemberMixin, FormView):
    """Name a staff member (the platform gives only the WeCom userid) and mark them active or not."""

    permission = Perm.OPERATE
    template_name = "incentives/staff/member_form.html"
    form_class = StaffMemberForm

    def get(self, request, *args, **kwargs):
        self.member()  # 404 for another shop's member before anything else
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.member()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return {"display_name": self.member().display_name, "active": self.member().active}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(member=self.member())
        return context

    def form_valid(self, form):
        member = staff_member_update(member=self.member(), **form.cleaned_data)
        messages.success(self.request, _("%(name)s saved.") % {"name": member.label})
        return redirect("console:incentive_staff_statement", shop=self.shop.public_id, pk=member.pk)


class StaffPayoutView(_MemberMixin, ConfirmView):
    """GET: the amount to pay (default: all that is owed) and what will happen; POST: records the payout once (the
    form carries an idempotency key, so a second submit of the same page records nothing more). Finance's work."""

    permission = Perm.FINANCE
    template_name = "incentives/staff/payout.html"

    def get_object(self):
        return self.member()

    def back_url(self, obj):
        return reverse("console:incentive_staff_statement", kwargs={"shop": self.shop.public_id, "pk": obj.pk})

    def confirm_context(self, obj):
        owed = staff_owed_fen(self.shop, obj.userid)
        form = getattr(self, "form", None) or StaffPayoutForm(
            initial={"amount_fen": fen_initial(max(owed, 0)), "key": uuid.uuid4().hex}
        )
        return {
            "member": obj,
            "owed_fen": owed,
            "form": form,
            "confirm_title": _("Pay %(name)s") % {"name": obj.label},
            "confirm_label": _("Record payout"),
            "cancel_url": self.back_url(obj),
        }

    def post(self, request, *args, **kwargs):
        member = self.get_object()
        self.form = StaffPayoutForm(request.POST)
        if self.form.is_valid():
            data = self.form.cleaned_data
            try:
                payout = staff_reward_payout(
                    member=member, amount_fen=data["amount_fen"], key=data["key"], user=request.user,
                    note=data["note"],
                )  # fmt: skip
            except ValidationError as exc:
                add_errors(self.form, exc)
            else:
                messages.success(request, _("Payout of %(amount)s to %(name)s recorded.") % {
                    "amount": format_yuan(payout.amount_fen), "name": member.label})  # fmt: skip
                return redirect(self.back_url(member))
        return self.render_to_response(self.get_context_data(**kwargs))
