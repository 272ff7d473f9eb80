"""The sync status page's forms: backfill from a date, and the call log's filter."""

from django import forms
from django.utils.translation import gettext_lazy as _


class BackfillForm(forms.Form):
    since = forms.DateField(
        label=_("Backfill from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Orders and after-sales updated since 00:00 (Beijing time) of this day are read again."),
    )


class ApiCallFilterForm(forms.Form):
    endpoint = forms.ChoiceField(label=_("Endpoint"), required=False)
    errors_only = forms.BooleanField(label=_("Errors only"), required=False)
    day = forms.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, endpoints: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].choices = [("", _("All endpoints")), *((e, e) for e in endpoints)]
