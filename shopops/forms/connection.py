"""The platform connection's credentials."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from shopops.forms.validators import appid_validator


class CredentialsForm(forms.Form):
    appid = forms.CharField(label=_("AppID"), max_length=32, validators=[appid_validator])
    app_secret = forms.CharField(
        label=_("AppSecret"),
        required=False,
        strip=True,
        validators=[RegexValidator(r"^[0-9a-zA-Z]{32}$", _("The AppSecret is 32 letters or digits."))],
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to keep the stored AppSecret."),
    )

    def __init__(self, *args, shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["app_secret"].widget.attrs["placeholder"] = _("Stored") if shop.app_secret else _("Not set")
