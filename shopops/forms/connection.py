"""The platform connection's credentials and push settings. Secrets are write-only: never rendered back."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from shopops.forms.validators import aes_key_validator, appid_validator, token_validator


def _secret_field(label, validators, help_text=None):
    return forms.CharField(
        label=label,
        strip=True,
        validators=validators,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=help_text,
    )


class CredentialsForm(forms.Form):
    """A new AppID and AppSecret, entered together: they are tested against the platform before they are saved."""

    appid = forms.CharField(label=_("AppID"), max_length=32, validators=[appid_validator])
    app_secret = _secret_field(
        _("AppSecret"),
        [RegexValidator(r"^[0-9a-zA-Z]{32}$", _("The AppSecret is 32 letters or digits."))],
        _("Enter it with the AppID: WeChat Shop checks both before they replace the stored ones."),
    )


class PushSettingsForm(forms.Form):
    """Push settings the merchant already entered in the WeChat Shop backend (消息推送), typed in here as well."""

    push_token = _secret_field(_("Push Token"), [token_validator])
    encoding_aes_key = _secret_field(_("EncodingAESKey"), [aes_key_validator])

    prefix = "push"
