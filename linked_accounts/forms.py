"""Forms of the linked-account and cooperation-account pages."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linked_accounts.models import AccountKind, CooperationAccount, LinkedAccount
from linked_accounts.selectors.linked_accounts import linked_channels_for_shop
from shopops.forms.validators import appid_validator

# UNCONFIRMED id shapes: a 视频号 id ("sph…") as orders report it, an AppID, a WeCom corp id ("ww" + 16).
ACCOUNT_ID_FORMATS = {
    AccountKind.CHANNELS: (
        re.compile(r"^sph[0-9A-Za-z]{4,40}$"),
        _("A Channels account id starts with “sph”, followed by letters or digits."),
    ),
    AccountKind.MP: (appid_validator.regex, appid_validator.message),
    AccountKind.SERVICE: (appid_validator.regex, appid_validator.message),
    AccountKind.WECOM: (
        re.compile(r"^ww[0-9A-Za-z]{16}$"),
        _("A WeCom corp id is “ww” followed by 16 letters or digits."),
    ),
}
IDENTITY_HELP = _(
    "Shop's own products (店铺自营): sells this shop's products and may use its coupons and flash sales. "
    "Creator for other shops (达人带货): sells mainly for other shops; possible only when the Channels account's "
    "super admin is the same WeChat user as the shop's super admin."
)


class AccountForm(forms.Form):
    """An account to link: its kind, its id in the shape of that kind, and a 视频号's selling identity."""

    kind = forms.ChoiceField(label=_("Account type"), choices=AccountKind.choices)
    account_id = forms.CharField(
        label=_("Account id"),
        max_length=64,
        help_text=_("Channels account id (sph…), AppID of the official or service account, or WeCom corp id (ww…)."),
    )
    selling_identity = forms.ChoiceField(
        label=_("Selling identity (Channels accounts)"),
        choices=LinkedAccount.SellingIdentity.choices,
        required=False,
        initial=LinkedAccount.SellingIdentity.SELF_OPERATED,
        widget=forms.RadioSelect,
        help_text=IDENTITY_HELP,
    )

    def clean(self):
        cleaned = super().clean()
        kind, account_id = cleaned.get("kind"), cleaned.get("account_id", "").strip()
        if kind and account_id:
            pattern, message = ACCOUNT_ID_FORMATS[kind]
            if not pattern.match(account_id):
                self.add_error("account_id", ValidationError(message, code="invalid_account_id"))
            cleaned["account_id"] = account_id
        if kind == AccountKind.CHANNELS and not cleaned.get("selling_identity"):
            self.add_error(
                "selling_identity",
                ValidationError(_("Choose how this Channels account sells."), code="selling_identity_required"),
            )
        if kind and kind != AccountKind.CHANNELS:
            cleaned["selling_identity"] = ""
        return cleaned


class InviteForm(AccountForm):
    """Invite an account through the platform (the sandbox's SANDBOX-ONLY API)."""


class RecordForm(AccountForm):
    """Record an account the operator linked in the WeChat Shop backend (no API exists for it)."""

    field_order = ["kind", "account_id", "nickname", "selling_identity"]

    nickname = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("The account's name as the WeChat Shop backend shows it."),
    )


class IdentityForm(forms.Form):
    selling_identity = forms.ChoiceField(
        label=_("Selling identity"),
        choices=LinkedAccount.SellingIdentity.choices,
        widget=forms.RadioSelect,
        help_text=IDENTITY_HELP,
    )


class BindingForm(forms.Form):
    finder = forms.ModelChoiceField(
        label=_("Bound Channels account"),
        queryset=LinkedAccount.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("The binding is made on the official account platform or in the Channels account itself."),
    )

    def __init__(self, *args, shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finder"].queryset = linked_channels_for_shop(shop=shop)


class SidebarForm(forms.Form):
    configured = forms.TypedChoiceField(
        choices=[("yes", _("Set up")), ("no", _("Not set up"))], coerce=lambda value: value == "yes"
    )


class DisplayForm(forms.Form):
    display = forms.ChoiceField(choices=[("on", "on"), ("off", "off")])


class StaffNameForm(forms.Form):
    user_id = forms.CharField(max_length=64, widget=forms.HiddenInput)
    display_name = forms.CharField(label=_("Name in the console"), max_length=64, required=False)


class QrcodeForm(forms.Form):
    sharer_type = forms.TypedChoiceField(
        label=_("Account type"), choices=CooperationAccount.SharerType.choices, coerce=int
    )
    appid = forms.CharField(
        label=_("AppID"),
        max_length=18,
        validators=[appid_validator],
        help_text=_("The AppID of the mini program or official account to invite."),
    )
