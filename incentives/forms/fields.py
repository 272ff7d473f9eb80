"""Form fields the incentive pages share: percent to parts per million, a Beijing day's start (yuan fields and days:
shopops.forms.money, shopops.forms.dates)."""

import zoneinfo
from datetime import date, datetime, time
from decimal import Decimal

from django import forms
from django.conf import settings

from shopops.money import PPM

PPM_PER_PERCENT = PPM // 100


class PercentField(forms.DecimalField):
    """A percentage with at most four decimals (1‰ = 0.1%), cleaned to parts per million exactly (int)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=7, decimal_places=4, min_value=Decimal(0), max_value=Decimal(100), **kwargs)
        self.widget.attrs.setdefault("step", "0.0001")

    def clean(self, value):
        percent = super().clean(value)
        return None if percent is None else int(percent * PPM_PER_PERCENT)


def start_of(day: date) -> datetime:
    """00:00 Beijing time of ``day``."""
    return datetime.combine(day, time.min, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def percent(ppm: int | None) -> Decimal | None:
    """Parts per million as the percent a PercentField shows."""
    return None if ppm is None else Decimal(ppm) / PPM_PER_PERCENT
