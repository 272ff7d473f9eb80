"""Day fields with the bounds every date filter accepts: any shop's history fits, and the day after the last one is
still a valid date (a filter runs up to the start of the next day, which for 9999-12-31 would not exist)."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def day_field(label, *, required: bool = False, **kwargs) -> forms.DateField:
    """A day in the browser's date input (which reads ISO dates only, whatever the language), within the bounds."""
    bounds = {"type": "date", "min": EARLIEST_DAY.isoformat(), "max": LATEST_DAY.isoformat()}
    widget = forms.DateInput(attrs=bounds, format="%Y-%m-%d")
    return forms.DateField(label=label, required=required, widget=widget, **kwargs)


def day_out_of_range() -> str:
    return _("Choose a day from %(earliest)s to %(latest)s.") % {
        "earliest": EARLIEST_DAY.isoformat(),
        "latest": LATEST_DAY.isoformat(),
    }
