"""The sync status page's forms: backfill from a date, and the call log's filter."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shopops.forms.dates import EARLIEST_DAY, LATEST_DAY, day_field, day_out_of_range


class BackfillForm(forms.Form):
    since = forms.DateField(
        label=_("Backfill from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Orders and after-sales updated since 00:00 (Beijing time) of this day are read again."),
    )


class ApiCallFilterForm(forms.Form):
    endpoint = forms.ChoiceField(label=_("Endpoint"), required=False)
    errors_only = forms.BooleanField(label=_("Errors only"), required=False)
    day = day_field(_("Day"))

    def __init__(self, *args, endpoints: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].choices = [("", _("All endpoints")), *((e, e) for e in endpoints)]

    def clean_day(self):
        """A day outside the bounds every date filter accepts is refused (the log filters up to the start of the
        next day, which after 9999-12-31 does not exist)."""
        day = self.cleaned_data.get("day")
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise ValidationError(day_out_of_range(), code="day_out_of_range")
        return day
