"""Inviting a member and changing a member's role."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from shopops.roles import Role


class MemberInviteForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.OPERATOR)

    def clean_username(self):
        return re.sub(r"\s+", "", self.cleaned_data["username"])


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
