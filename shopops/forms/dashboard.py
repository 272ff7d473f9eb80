"""The home page's period: a preset counted back from today, or two days."""

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from shopops.forms.dates import EARLIEST_DAY, LATEST_DAY, day_field, day_out_of_range
from shopops.selectors.dashboard import MAX_DAYS

TODAY, LAST_7_DAYS, LAST_30_DAYS, CUSTOM = "today", "7d", "30d", "custom"
PRESET_DAYS = {TODAY: 1, LAST_7_DAYS: 7, LAST_30_DAYS: 30}
DEFAULT_PERIOD = LAST_7_DAYS
PERIOD_CHOICES = [
    (TODAY, _("Today")),
    (LAST_7_DAYS, _("Last 7 days")),
    (LAST_30_DAYS, _("Last 30 days")),
    (CUSTOM, _("Custom")),
]


class PeriodForm(forms.Form):
    """The period of the home page: a preset counted back from today (Beijing time, today included) or two days.

    Without ``period`` but with a day, the period is custom. An invalid field is reported on that field and the
    page shows the default period instead.
    """

    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    start = day_field(_("From"))
    end = day_field(_("To"))

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period") or (CUSTOM if self.data.get("start") or self.data.get("end") else "")
        cleaned["period"] = period or DEFAULT_PERIOD
        if period != CUSTOM:
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        for name, day in (("start", start), ("end", end)):
            if name in self.errors:
                continue
            if day is None:
                self.add_error(name, _("Choose a day."))
            elif not EARLIEST_DAY <= day <= LATEST_DAY:
                self.add_error(name, day_out_of_range())
        if not self.errors and end < start:
            self.add_error("end", _("The end date is before the start date."))
        elif not self.errors and (end - start).days + 1 > MAX_DAYS:
            self.add_error("end", _("Choose at most %(days)s days.") % {"days": MAX_DAYS})
        return cleaned

    def chosen(self, today: date) -> tuple[str, date, date]:
        """(period, first day, last day): what was asked for, or the default period when the input is invalid."""
        if self.is_bound and self.is_valid():
            period = self.cleaned_data["period"]
            if period == CUSTOM:
                return period, self.cleaned_data["start"], self.cleaned_data["end"]
        else:
            period = DEFAULT_PERIOD
        return period, today - timedelta(days=PRESET_DAYS[period] - 1), today
