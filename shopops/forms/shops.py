"""The shop's details and credentials."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from shopops.forms.validators import aes_key_validator, appid_validator, token_validator
from shopops.models import Shop


def _secret_field(label, validators, help_text):
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        validators=validators,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=help_text,
    )


class ShopForm(forms.Form):
    """Shop details and platform credentials. Secrets are write-only: blank keeps the stored value."""

    name = forms.CharField(label=_("Shop name"), max_length=100)
    appid = forms.CharField(label=_("AppID"), max_length=32, required=False, validators=[appid_validator])
    app_secret = _secret_field(
        _("AppSecret"),
        [RegexValidator(r"^[0-9a-zA-Z]{32}$", _("The AppSecret is 32 letters or digits."))],
        _("Leave blank to keep the stored AppSecret."),
    )
    push_token = _secret_field(_("Push Token"), [token_validator], _("Leave blank to keep the stored Token."))
    encoding_aes_key = _secret_field(
        _("EncodingAESKey"), [aes_key_validator], _("Leave blank to keep the stored EncodingAESKey.")
    )
    status = forms.ChoiceField(label=_("Status"), choices=Shop.Status.choices, initial=Shop.Status.ACTIVE)

    def __init__(self, *args, shop: Shop | None = None, **kwargs):
        self.shop = shop
        super().__init__(*args, **kwargs)
        if shop is None:
            del self.fields["status"]
        else:
            for field in ("app_secret", "push_token", "encoding_aes_key"):
                stored = bool(getattr(shop, field))
                self.fields[field].widget.attrs["placeholder"] = _("Stored") if stored else _("Not set")

    def clean_appid(self):
        appid = self.cleaned_data["appid"]
        taken = Shop.objects.filter(appid=appid).exclude(pk=getattr(self.shop, "pk", None))
        if appid and taken.exists():
            raise forms.ValidationError(_("Another shop already uses this AppID."))
        return appid
