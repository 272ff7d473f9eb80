"""Forms of the analytics pages: the period (the home page's, shopops.forms.dashboard.PeriodForm) and the
favourite-shop coupon mark."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.services.analytics import COUPON_ID_MAX


class FavouriteCouponForm(forms.Form):
    coupon_id = forms.CharField(
        label=_("Coupon id of the favourite-shop coupon"),
        max_length=COUPON_ID_MAX,
        required=False,
        help_text=_("The platform's coupon id, as in the WeChat Shop backend. Leave empty to remove the mark."),
    )
