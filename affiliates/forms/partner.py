"""Forms of the partner portal: the filters its lists and exports read from the query string, the invitation answer,
a 推客's commission setting and an API key's name.

Filter forms never refuse a page: an invalid field is reported above the list and filters nothing (a date range
goes whole: half of one would list rows nobody asked for). The exports refuse an invalid filter instead, because a
file says nothing about a filter it left out.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from affiliates.models import AgencyProduct, CommissionOrder, Cooperation, FundsFlow
from affiliates.selectors.partner import CommissionFilters, Period
from affiliates.services.partner import SHARER_MAX_PERCENT, SHARER_RATIO_PER_PERCENT
from shopops.forms.dates import EARLIEST_DAY, LATEST_DAY, day_field, day_out_of_range


def _status_field(label, choices, everything):
    return forms.TypedChoiceField(
        label=label, choices=[("", everything), *choices], coerce=int, empty_value=None, required=False
    )


class FilterForm(forms.Form):
    """A list's filters: small controls with stable ids (``filter-<name>``); ``value(name)`` is the valid value or
    None, and ``params()`` the query string of the filters that apply."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            small = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.update({"class": small, "id": f"filter-{name}"})

    def value(self, name):
        self.is_valid()
        value = self.cleaned_data.get(name)
        return None if value in (None, "") else value

    def params(self) -> dict[str, str]:
        params = {}
        for name in self.fields:
            value = self.value(name)
            if value is not None:
                params[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return params


class ShopFilterForm(FilterForm):
    status = _status_field(_("Status"), Cooperation.Status.choices, _("All statuses"))


class ProductFilterForm(FilterForm):
    shop = forms.ChoiceField(label=_("Shop"), required=False)
    status = _status_field(_("Status"), AgencyProduct.Status.choices, _("All statuses"))

    def __init__(self, *args, shops: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].choices = [("", _("All shops")), *shops]


class FundsFilterForm(FilterForm):
    type = _status_field(_("Type"), FundsFlow.Type.choices, _("All types"))


class CommissionFilterForm(FilterForm):
    """The commission list's query string, read into ``CommissionFilters``."""

    shop = forms.ChoiceField(label=_("Shop"), required=False)
    product = forms.CharField(label=_("Product id"), max_length=32, required=False)
    promoter = forms.ChoiceField(
        label=_("Promoted by"), choices=[("", _("Anyone")), *CommissionOrder.Promoter.choices], required=False
    )
    status = _status_field(_("Status"), CommissionOrder.Status.choices, _("All statuses"))
    period = forms.TypedChoiceField(
        label=_("Dates are"),
        choices=[(Period.CREATED.value, _("Created")), (Period.PAID.value, _("Paid"))],
        coerce=Period,
        empty_value=Period.CREATED,
        required=False,
    )
    date_from = day_field(_("From"))
    date_to = day_field(_("To"))

    def __init__(self, *args, shops: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].choices = [("", _("All shops")), *shops]
        self.fields["product"].widget.attrs.update(placeholder=_("Product id"), inputmode="numeric")

    def clean(self):
        cleaned = super().clean()
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
                self.add_error(name, day_out_of_range())
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error(
                "date_to", forms.ValidationError(_("The end date is before the start date."), code="date_range")
            )
        if "date_from" in self.errors or "date_to" in self.errors:
            cleaned.pop("date_from", None)
            cleaned.pop("date_to", None)
        return cleaned

    def params(self) -> dict[str, str]:
        params = super().params()
        if params.get("period") == Period.CREATED.value:
            del params["period"]  # the default
        return params

    def filters(self) -> CommissionFilters:
        """The valid filters (an invalid field filters nothing)."""
        return CommissionFilters(
            shop_appid=self.value("shop") or "",
            product_id=self.value("product") or "",
            promoter_kind=self.value("promoter") or "",
            status=self.value("status"),
            period=self.value("period") or Period.CREATED,
            date_from=self.value("date_from"),
            date_to=self.value("date_to"),
        )


class InvitationDecideForm(forms.Form):
    """Accept or decline a shop's invitation; declining needs a reason (the service checks: ``reason_required``)."""

    ACCEPT, DECLINE = "accept", "decline"

    decision = forms.ChoiceField(
        label=_("Your answer"),
        choices=[(ACCEPT, _("Accept")), (DECLINE, _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for declining"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("The shop sees it. Needed when you decline."),
    )

    @property
    def accept(self) -> bool:
        return self.cleaned_data["decision"] == self.ACCEPT


class SharerCommissionForm(forms.Form):
    """A 推客's commission setting: the platform's commission type code and the ratio, entered as a percent and sent
    in the platform's unit (``ratio_units``)."""

    commission_type = forms.IntegerField(
        label=_("Commission type"),
        min_value=0,
        max_value=99,
        help_text=_("The platform's code, as 联盟带货机构管理平台 shows it for this 推客."),
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    commission_ratio = forms.DecimalField(
        label=_("Commission ratio (%)"),
        min_value=Decimal(0),
        max_value=Decimal(SHARER_MAX_PERCENT),
        decimal_places=2,
        max_digits=4,
        help_text=_("The 推客's share of the commission, in percent with up to two decimals."),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )

    def ratio_units(self) -> int:
        return int(self.cleaned_data["commission_ratio"] * SHARER_RATIO_PER_PERCENT)


class APIKeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_("Which system uses the key, e.g. “ERP” or “reporting script”."),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
