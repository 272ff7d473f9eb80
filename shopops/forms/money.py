"""Money fields of the console's forms: an amount entered in yuan, cleaned to whole fen (shopops.money)."""

from decimal import Decimal

from django import forms

from shopops.money import FEN_PER_YUAN

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


def fen_initial(fen: int | None) -> Decimal | None:
    """A fen amount as the yuan a YuanField shows."""
    return None if fen is None else Decimal(fen) / FEN_PER_YUAN
