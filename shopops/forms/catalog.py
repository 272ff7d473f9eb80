"""The products list's filter."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shopops.selectors.catalog import ProductStatus, StockFilter


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Title or product id"), required=False, max_length=100)
    status = forms.TypedChoiceField(
        label=_("Status"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any status")), *ProductStatus.choices],
    )
    stock = forms.ChoiceField(label=_("Stock"), required=False, choices=[("", _("Any stock")), *StockFilter.choices])
    deleted = forms.BooleanField(label=_("Include products gone from the platform"), required=False)
