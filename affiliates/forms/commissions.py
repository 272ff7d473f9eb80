"""The commission pages' query strings: the list/differences filter (shared with the exports) and the report's
dimension and months. Every field is optional; an invalid one is reported and filters nothing."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from affiliates.models import CommissionLine, Reason
from affiliates.selectors.commissions import DIFFERENCES, MATCHING, CommissionFilters, ReportBy
from shopops.forms.dates import EARLIEST_DAY, LATEST_DAY

MONTH_FORMAT = "%Y-%m"


def month_field(label) -> forms.DateField:
    """A month (``2026-11``), read as its first day; the browser's month picker where it has one."""
    bounds = {"type": "month", "min": EARLIEST_DAY.strftime(MONTH_FORMAT), "max": LATEST_DAY.strftime(MONTH_FORMAT)}
    return forms.DateField(
        label=label,
        required=False,
        input_formats=[MONTH_FORMAT],
        widget=forms.DateInput(attrs=bounds, format=MONTH_FORMAT),
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )


def _small(form: forms.Form) -> None:
    for name, form_field in form.fields.items():
        widget = form_field.widget
        widget.attrs["class"] = (
            "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
        )
        widget.attrs["id"] = f"filter-{name}"


def _in_range(form: forms.Form, *names: str) -> None:
    for name in names:
        month = form.cleaned_data.get(name)
        if month is not None and not EARLIEST_DAY <= month <= LATEST_DAY:
            form.add_error(name, _("Choose a month from 2000-01 to 2099-12."))


class CommissionFilterForm(forms.Form):
    """The commission list's and the difference list's filter (``differences`` limits a reason to differences)."""

    q = forms.CharField(label=_("Order id"), max_length=32, required=False)
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    party = forms.TypedChoiceField(
        label=_("Party"),
        choices=[("", _("Talents and agencies")), *CommissionLine.Party.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    agency = forms.CharField(label=_("Agency AppID"), max_length=32, required=False)
    talent = forms.CharField(label=_("Talent"), max_length=64, required=False)
    product = forms.CharField(label=_("Product id"), max_length=32, required=False)
    month = month_field(_("Paid in month"))

    PARAMS = {"q": "order_id", "reason": "reason", "party": "party", "agency": "agency", "talent": "talent",
              "product": "product", "month": "month"}  # fmt: skip

    def __init__(self, *args, differences: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        reasons = [(r.value, r.label) for r in Reason if r != Reason.NONE]
        if differences:
            self.fields["reason"].choices = [("", _("Every difference")), *reasons]
        else:
            self.fields["reason"].choices = [
                ("", _("Every line")),
                (DIFFERENCES, _("Lines with a difference")),
                (MATCHING, _("Matching lines")),
                *reasons,
            ]
        self.differences = differences
        _small(self)
        self.fields["q"].widget.attrs.update(placeholder=_("Search by order id"), inputmode="numeric")
        self.fields["agency"].widget.attrs["list"] = "commission-agencies"
        self.fields["talent"].widget.attrs.update(list="commission-talents", placeholder=_("AppID or channels id"))

    def clean(self):
        cleaned = super().clean()
        _in_range(self, "month")
        return cleaned

    def _valid(self) -> dict:
        self.is_valid()
        return {
            name: self.cleaned_data[name]
            for name in self.PARAMS
            if name not in self.errors and self.cleaned_data.get(name) not in (None, "")
        }

    def filters(self) -> CommissionFilters:
        """The valid filters (an invalid field filters nothing); on the difference list, differences only."""
        values = {self.PARAMS[name]: value for name, value in self._valid().items()}
        if self.differences:
            values.setdefault("reason", DIFFERENCES)
        return CommissionFilters(**values)

    def params(self) -> dict[str, str]:
        """The query parameters of the applied filters, to keep them in links (pages, exports)."""
        return {
            name: value.strftime(MONTH_FORMAT) if isinstance(value, date) else str(value)
            for name, value in self._valid().items()
        }


class ReportForm(forms.Form):
    """The report's dimension and months (both included)."""

    by = forms.ChoiceField(
        label=_("Group by"),
        choices=[
            (ReportBy.AGENCY, _("Agency")),
            (ReportBy.TALENT, _("Talent")),
            (ReportBy.PRODUCT, _("Product")),
            (ReportBy.MONTH, _("Month")),
        ],
        required=False,
    )
    month_from = month_field(_("From month"))
    month_to = month_field(_("To month"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _small(self)

    def clean(self):
        cleaned = super().clean()
        _in_range(self, "month_from", "month_to")
        start, end = cleaned.get("month_from"), cleaned.get("month_to")
        if start and end and start > end:
            self.add_error("month_to", _("The end month is before the start month."))
        return cleaned

    def values(self) -> dict:
        """``by``, ``month_from`` and ``month_to``, the invalid ones left out (by: agency)."""
        self.is_valid()
        data = self.cleaned_data
        invalid_range = "month_from" in self.errors or "month_to" in self.errors
        return {
            "by": data.get("by") or ReportBy.AGENCY,
            "month_from": None if invalid_range else data.get("month_from"),
            "month_to": None if invalid_range else data.get("month_to"),
        }
