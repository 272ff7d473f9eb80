"""A shop's name and status. Its platform credentials are entered on the connection page (forms/connection.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shopops.models import Shop


class ShopForm(forms.Form):
    """The shop's name, and its status once it exists (a new shop is active)."""

    name = forms.CharField(label=_("Shop name"), max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=Shop.Status.choices, initial=Shop.Status.ACTIVE)

    def __init__(self, *args, shop: Shop | None = None, **kwargs):
        self.shop = shop
        super().__init__(*args, **kwargs)
        if shop is None:
            del self.fields["status"]
