"""Forms of the 电商成长卡 pages. They parse input only (yuan → fen, dates); the rules are
``incentives.services.growth``'s. Field names are the services' keyword names, so a refusal lands on its field."""

from datetime import date
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from incentives.models.growth import CARD_NUMBER_MAX_LENGTH, CardSource, card_number_validator
from shopops.forms.dates import day_field
from shopops.forms.money import YuanField


class MonthField(forms.CharField):
    """A month as ``YYYY-MM`` (the browser's month input), cleaned to the month's first day."""

    widget = forms.DateInput(attrs={"type": "month"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return date.fromisoformat(f"{value}-01")
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid") from None


class GrowthCardForm(forms.Form):
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=CARD_NUMBER_MAX_LENGTH,
        validators=[card_number_validator],
        help_text=_("As the WeChat Shop backend shows it."),
    )
    face_value_fen = YuanField(label=_("Face value (yuan)"), min_value=Decimal("0.01"))
    issued_on = day_field(_("Issued on"), required=True)
    valid_until = day_field(_("Valid until"), required=True, help_text=_("The last day the card can be used."))
    source = forms.ChoiceField(label=_("Source"), choices=CardSource.choices, widget=forms.RadioSelect)
    programme_month = MonthField(
        label=_("Programme month"),
        required=False,
        help_text=_("For a card of the incentive programme: the month whose rewards it pays out."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CardSpendForm(forms.Form):
    live_name = forms.CharField(label=_("Live"), max_length=100, required=False,
                                help_text=_("The live's title or date, as you know it."))  # fmt: skip
    live_id = forms.CharField(label=_("Live id"), max_length=200, required=False)
    amount_fen = YuanField(label=_("Amount (yuan)"), min_value=Decimal("0.01"))
    spent_on = day_field(_("Boosted on"), required=True)
    memo = forms.CharField(label=_("Memo"), max_length=200, required=False)
