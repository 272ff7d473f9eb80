"""Login forms: each area (console, partner portal) refuses the accounts of the others."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from shopops.access import audience_of


class AudienceAuthenticationForm(AuthenticationForm):
    """The login form of one area: a correct password for an account of another area is still refused."""

    audience: str = ""
    wrong_audience_message = ""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if audience_of(user) != self.audience:
            raise forms.ValidationError(self.wrong_audience_message, code="wrong_audience")


class ConsoleAuthenticationForm(AudienceAuthenticationForm):
    audience = "console"
    wrong_audience_message = _(
        "This account cannot sign in to the merchant console. Agency accounts use the partner portal; "
        "support staff use the admin."
    )


class PartnerAuthenticationForm(AudienceAuthenticationForm):
    audience = "partner"
    wrong_audience_message = _("This account is not an agency account. Merchants sign in to the console.")
