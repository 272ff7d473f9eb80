"""Forms of the coupon pages: the list's filters and the create/edit form. They parse input only (yuan → fen,
折 → the platform's discount_num); every rule is the service's (campaigns.services.coupons.coupon_check), whose
field-level refusals land on these fields."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Coupon
from campaigns.services.coupons import REQUIRED, CouponSpec
from shopops.money import FEN_PER_YUAN

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DISCOUNT_NUM_PER_ZHE = 1000  # 8.5折 → 8500


class CouponFilterForm(forms.Form):
    status = forms.TypedChoiceField(
        label=_("Status"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All statuses")), *Coupon.Status.choices],
    )
    type = forms.TypedChoiceField(
        label=_("Type"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All types")), *Coupon.Type.choices],
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {"status": self.cleaned_data["status"], "type": self.cleaned_data["type"]}


def _yuan_to_fen(value: Decimal | None) -> int | None:
    return None if value is None else int(value * FEN_PER_YUAN)


class CouponForm(forms.Form):
    """A coupon as the merchant enters it. Which discount fields show depends on the type (``data-types`` on each
    row lists the types that take it; the page's script hides the others)."""

    type = forms.TypedChoiceField(label=_("Type"), coerce=int, choices=Coupon.Type.choices)
    name = forms.CharField(label=_("Name"), max_length=30, help_text=_("At most 10 Chinese characters."))
    promote_type = forms.TypedChoiceField(
        label=_("Promotion"), coerce=int, choices=Coupon.PromoteType.choices, initial=1
    )
    product_ids = forms.CharField(
        label=_("Products"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Product ids, one per line or separated by commas (product coupons only, at most 200)."),
    )
    product_cnt = forms.IntegerField(label=_("Item threshold"), required=False, help_text=_("From N items."))
    product_price = forms.DecimalField(
        label=_("Amount threshold (yuan)"), required=False, max_digits=10, decimal_places=2
    )
    discount_num = forms.DecimalField(
        label=_("Discount (折)"),
        required=False,
        max_digits=4,
        decimal_places=1,
        help_text=_("8.5 means the buyer pays 85%. From 2折 to 10折."),
    )
    discount_fee = forms.DecimalField(label=_("Amount off (yuan)"), required=False, max_digits=10, decimal_places=2)
    receive_start = forms.DateTimeField(label=_("Receivable from"), widget=DATETIME_WIDGET)
    receive_end = forms.DateTimeField(label=_("Receivable until"), widget=DATETIME_WIDGET)
    limit_num_one_person = forms.IntegerField(label=_("Limit per buyer"), initial=1)
    total_num = forms.IntegerField(label=_("Total issued"))
    valid_type = forms.TypedChoiceField(
        label=_("Validity"), coerce=int, choices=Coupon.ValidType.choices, initial=Coupon.ValidType.DAY
    )
    valid_day_num = forms.IntegerField(label=_("Valid days after receipt"), required=False)
    valid_start = forms.DateTimeField(label=_("Valid from"), required=False, widget=DATETIME_WIDGET)
    valid_end = forms.DateTimeField(label=_("Valid until"), required=False, widget=DATETIME_WIDGET)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=200)
    auto_valid = forms.BooleanField(label=_("Take effect automatically when receiving starts"), required=False)

    DISCOUNT_ROWS = ("product_ids", "product_cnt", "product_price", "discount_num", "discount_fee")

    def discount_types(self) -> dict[str, str]:
        """For each discount field, the types that take it (space separated), for the page's script."""
        return {
            name: " ".join(str(t) for t, fields in REQUIRED.items() if name in fields) for name in self.DISCOUNT_ROWS
        }

    def spec(self) -> CouponSpec:
        data = self.cleaned_data
        ids = [p.strip() for chunk in (data.get("product_ids") or "").splitlines() for p in chunk.split(",")]
        discount = data.get("discount_num")
        return CouponSpec(
            type=data["type"],
            name=data["name"].strip(),
            promote_type=data["promote_type"],
            product_ids=[p for p in ids if p],
            product_cnt=data.get("product_cnt"),
            product_price_fen=_yuan_to_fen(data.get("product_price")),
            discount_num=None if discount is None else int(discount * DISCOUNT_NUM_PER_ZHE),
            discount_fee_fen=_yuan_to_fen(data.get("discount_fee")),
            receive_start=data["receive_start"],
            receive_end=data["receive_end"],
            limit_num_one_person=data["limit_num_one_person"],
            total_num=data["total_num"],
            valid_type=data["valid_type"],
            valid_day_num=data.get("valid_day_num") if data["valid_type"] == Coupon.ValidType.DAY else None,
            valid_start=data.get("valid_start") if data["valid_type"] == Coupon.ValidType.TIME else None,
            valid_end=data.get("valid_end") if data["valid_type"] == Coupon.ValidType.TIME else None,
            notes=data.get("notes") or "",
            auto_valid=data.get("auto_valid") or False,
        )

    @classmethod
    def initial_of(cls, coupon: Coupon) -> dict:
        def yuan(fen):
            return None if fen is None else Decimal(fen) / FEN_PER_YUAN

        return {
            "type": coupon.type,
            "name": coupon.name,
            "promote_type": coupon.promote_type,
            "product_ids": "\n".join(coupon.product_ids),
            "product_cnt": coupon.product_cnt,
            "product_price": yuan(coupon.product_price_fen),
            "discount_num": None if coupon.discount_num is None else Decimal(coupon.discount_num) / 1000,
            "discount_fee": yuan(coupon.discount_fee_fen),
            "receive_start": coupon.receive_start,
            "receive_end": coupon.receive_end,
            "limit_num_one_person": coupon.limit_num_one_person,
            "total_num": coupon.total_num,
            "valid_type": coupon.valid_type,
            "valid_day_num": coupon.valid_day_num,
            "valid_start": coupon.valid_start,
            "valid_end": coupon.valid_end,
            "notes": coupon.notes,
            "auto_valid": coupon.auto_valid,
        }
