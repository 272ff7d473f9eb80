"""Form fields the incentive pages share: yuan to whole fen, percent to parts per million, a Beijing day's start."""

import zoneinfo
from datetime import date, datetime, time
from decimal import Decimal

from django import forms
from django.conf import settings

from shopops.money import FEN_PER_YUAN, PPM

PPM_PER_PERCENT = PPM // 100
MAX_YUAN = Decimal("99999999.99")


class YuanField(forms.DecimalField):
    """An amount in yuan with at most two decimals, cleaned to whole fen (int)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(max_digits=10, decimal_places=2, max_value=MAX_YUAN, **kwargs)
        self.widget.attrs.setdefault("step", "0.01")

    def clean(self, value):
        yuan = super().clean(value)
        return None if yuan is None else int(yuan * FEN_PER_YUAN)


class PercentField(forms.DecimalField):
    """A percentage with at most four decimals (1‰ = 0.1%), cleaned to parts per million exactly (int)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=7, decimal_places=4, min_value=Decimal(0), max_value=Decimal(100), **kwargs)
        self.widget.attrs.setdefault("step", "0.0001")

    def clean(self, value):
        percent = super().clean(value)
        return None if percent is None else int(percent * PPM_PER_PERCENT)


def day_field(label, **kwargs) -> forms.DateField:
    """A day, in the browser's date input (which reads ISO dates only, whatever the language)."""
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


def start_of(day: date) -> datetime:
    """00:00 Beijing time of ``day``."""
    return datetime.combine(day, time.min, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def yuan(fen: int | None) -> Decimal | None:
    """Fen as the yuan a YuanField shows."""
    return None if fen is None else Decimal(fen) / FEN_PER_YUAN


def percent(ppm: int | None) -> Decimal | None:
    """Parts per million as the percent a PercentField shows."""
    return None if ppm is None else Decimal(ppm) / PPM_PER_PERCENT
