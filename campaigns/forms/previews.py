"""Forms of the live-preview pages. They parse input only; the rules are campaigns.services.previews'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import GiftPlacement, PostPaymentEntry


class PreviewFilterForm(forms.Form):
    WHEN = [("", _("All")), ("upcoming", _("Upcoming")), ("past", _("Started"))]
    when = forms.ChoiceField(label=_("Start"), required=False, choices=WHEN)


class PreviewPlanForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=200)
    start_time = forms.DateTimeField(
        label=_("Start time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    finder_id = forms.ChoiceField(label=_("视频号"), required=False, choices=[])

    def __init__(self, *args, channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finder_id"].choices = [("", _("Not chosen yet")), *channels]


def _ids(text: str) -> list[str]:
    return [part for part in text.replace("，", ",").replace("\n", ",").replace(" ", ",").split(",") if part]


class PreviewEditForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    bound_coupon_ids = forms.CharField(
        label=_("Coupons bound to the notice"),
        required=False,
        max_length=1000,
        help_text=_(
            "Platform coupon ids, separated by commas. Bind them in 视频号助手 → 直播 → 直播预告 → 关联优惠券."
        ),
    )
    gift_coupon_id = forms.CharField(
        label=_("预约有礼 gift coupon"),
        required=False,
        max_length=32,
        help_text=_("The platform coupon id users receive when they reserve."),
    )
    gift_placements = forms.MultipleChoiceField(
        label=_("Gift coupon shown in"),
        required=False,
        choices=GiftPlacement.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    reservations_entered = forms.IntegerField(
        label=_("Reservations (from 视频号助手)"),
        required=False,
        min_value=0,
        help_text=_("No API gives a notice's reservations: copy the figure from 视频号助手 → 直播 → 直播预告."),
    )
    post_payment = forms.MultipleChoiceField(
        label=_("支付后预约 entries set"),
        required=False,
        choices=PostPaymentEntry.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "bound_coupon_ids": _ids(data["bound_coupon_ids"]),
            "gift_coupon_id": data["gift_coupon_id"].strip(),
            "gift_placements": data["gift_placements"],
            "reservations_entered": data["reservations_entered"],
            "post_payment": dict.fromkeys(data["post_payment"], True),
            "topic": data["topic"] or None,
        }


class SharerPromoterForm(forms.Form):
    sharer = forms.ChoiceField(label=_("Agency 推客"), choices=[])

    def __init__(self, *args, sharers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sharer"].choices = list(sharers)

    def values(self) -> dict:
        agency_appid, _sep, sharer_appid = self.cleaned_data["sharer"].partition("|")
        return {"agency_appid": agency_appid, "sharer_appid": sharer_appid}


class OwnPromoterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    link = forms.CharField(
        label=_("Link"),
        max_length=500,
        help_text=_(
            "The preview's link from 视频号助手 (直播预告 → 推广), or a mini-program page that reserves the live."
        ),
    )


class PromoterCountsForm(forms.Form):
    reservations_entered = forms.IntegerField(label=_("Reservations"), required=False, min_value=0)
    orders_entered = forms.IntegerField(label=_("Orders"), required=False, min_value=0)
