"""The orders list's filter: the query string the list and the exports share, read into ``OrderFilters``."""

import dataclasses

from django import forms
from django.utils.translation import gettext_lazy as _

from shopops.channels import Channel
from shopops.forms.dates import EARLIEST_DAY, LATEST_DAY, day_field, day_out_of_range
from shopops.models import Order
from shopops.selectors.orders import DEFAULT_PAGE_SIZE, PAGE_SIZES, OrderFilters, OrderSort

YES = "yes"
NO = "no"


def _yes_no_field(label):
    return forms.TypedChoiceField(
        label=label,
        choices=[("", _("Any")), (YES, _("Yes")), (NO, _("No"))],
        coerce=lambda value: value == YES,
        empty_value=None,
        required=False,
    )


class OrderFilterForm(forms.Form):
    """The list's query string. Every field is optional; an invalid field is reported and left out of the filter.

    A date range (created, paid) is refused whole when either of its days is invalid or its end comes before its
    start: the error is reported on the range's field and neither day filters, because half a range (its start
    alone) would list orders the merchant did not ask for. The other filters still apply.
    """

    q = forms.CharField(label=_("Order id"), max_length=32, required=False)
    status = forms.TypedChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Order.Status.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    created_from = day_field(_("Created from"))
    created_to = day_field(_("Created to"))
    paid_from = day_field(_("Paid from"))
    paid_to = day_field(_("Paid to"))
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", _("All channels")), *Channel.choices], required=False)
    account = forms.CharField(label=_("Linked account"), max_length=100, required=False)
    product = forms.CharField(label=_("Product or SKU id"), max_length=32, required=False)
    coupon = _yes_no_field(_("Coupon used"))
    aftersale = _yes_no_field(_("In after-sale"))
    settled = _yes_no_field(_("Settled"))
    sort = forms.TypedChoiceField(
        choices=[(s.value, s.value) for s in OrderSort],
        coerce=OrderSort,
        empty_value=OrderSort.CREATED_DESC,
        required=False,
        widget=forms.HiddenInput,
    )
    per_page = forms.TypedChoiceField(
        label=_("Per page"),
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
        coerce=int,
        empty_value=DEFAULT_PAGE_SIZE,
        required=False,
    )

    # Query parameter → OrderFilters attribute.
    FILTER_PARAMS = {
        "q": "order_id",
        "status": "status",
        "created_from": "created_from",
        "created_to": "created_to",
        "paid_from": "paid_from",
        "paid_to": "paid_to",
        "channel": "channel",
        "account": "account",
        "product": "product",
        "coupon": "coupon_used",
        "aftersale": "in_aftersale",
        "settled": "settled",
    }
    # Shown outside the collapsible bar, so they do not make it open.
    ALWAYS_VISIBLE = frozenset({"q", "status"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, form_field in self.fields.items():
            widget = form_field.widget
            small = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
            widget.attrs["class"] = small
            widget.attrs["id"] = f"filter-{name}"
        self.fields["q"].widget.attrs["placeholder"] = _("Search by order id")
        self.fields["q"].widget.attrs["inputmode"] = "numeric"
        self.fields["account"].widget.attrs.update(list="order-accounts", placeholder=_("Account id or nickname"))
        self.fields["product"].widget.attrs["placeholder"] = _("Product id or SKU id")

    DATE_RANGES = (("created_from", "created_to"), ("paid_from", "paid_to"))

    def clean(self):
        cleaned = super().clean()
        for start, end in self.DATE_RANGES:
            for name in (start, end):
                day = cleaned.get(name)
                if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
                    self.add_error(name, day_out_of_range())
            if cleaned.get(start) and cleaned.get(end) and cleaned[start] > cleaned[end]:
                self.add_error(end, _("The end date is before the start date."))
            if start in self.errors or end in self.errors:
                # add_error dropped the faulty day; the other day of the range goes too.
                cleaned.pop(start, None)
                cleaned.pop(end, None)
                for name in (start, end):
                    self.fields[name].widget.attrs["class"] += " is-invalid"
                    self.fields[name].widget.attrs["aria-describedby"] = f"filter-{start}-errors"
        return cleaned

    def range_errors(self) -> dict[str, list[str]]:
        """The errors of each date range, by the range's first field, for the message under the range."""
        return {
            start: [labelled(self[name].label, error) for name in (start, end) for error in self.errors.get(name, [])]
            for start, end in self.DATE_RANGES
        }

    def _valid(self, name, default=None):
        self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    def filters(self) -> OrderFilters:
        """The valid filters (an invalid field filters nothing)."""
        return OrderFilters(**{attr: self._valid(param, _FILTER_DEFAULTS[attr]) for param, attr in _PARAMS})

    def sort_order(self) -> OrderSort:
        return self._valid("sort", OrderSort.CREATED_DESC)

    def page_size(self) -> int:
        return self._valid("per_page", DEFAULT_PAGE_SIZE)


_PARAMS = tuple(OrderFilterForm.FILTER_PARAMS.items())
_FILTER_DEFAULTS = {f.name: f.default for f in dataclasses.fields(OrderFilters)}


def filter_params(filters: OrderFilters) -> dict[str, str]:
    """The query parameters that reproduce ``filters`` (only the active ones), for links that keep the filter."""
    params = {}
    for param, attr in _PARAMS:
        value = getattr(filters, attr)
        if value in (None, ""):
            continue
        if isinstance(value, bool):
            value = YES if value else NO
        params[param] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return params


def labelled(label, error) -> str:
    """An error with the name of the field it is about, for messages shown away from the field."""
    return _("%(label)s: %(error)s") % {"label": label, "error": error}
