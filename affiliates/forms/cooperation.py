"""Forms of the agency cooperation pages (merchant side): the list's filter and the invitation. The rules are the
service's (affiliates.services.cooperation)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from affiliates.models import Cooperation


class CooperationFilterForm(forms.Form):
    status = forms.TypedChoiceField(
        label=_("Status"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All statuses")), *Cooperation.Status.choices],
    )


class AgencyInviteForm(forms.Form):
    agency_appid = forms.CharField(
        label=_("Agency AppID"),
        max_length=32,
        help_text=_("The agency's AppID in 联盟带货机构管理平台: “wx” and 16 letters or digits."),
    )
    agency_name = forms.CharField(label=_("Agency name"), required=False, max_length=100)
