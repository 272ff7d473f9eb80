"""Forms of the 福袋, 粉丝团, 点赞买 and poster pages. They parse input only; the rules are the services'
(campaigns.services.plays). Amounts are entered in yuan and cleaned to fen; field names are the services'
keyword names, so a refusal lands on its field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import FanClub, LuckyBag
from shopops.forms.money import YuanField

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_field(label, **kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        **kwargs,
    )


class _ProductForm(forms.Form):
    """A form that picks one of the shop's ordinary products (``products``: [(id, label)])."""

    product_field = "product_id"

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.product_field].choices = [("", "—")] + list(products)


class LuckyBagForm(_ProductForm):
    product_field = "prize_product_id"

    name = forms.CharField(label=_("Name"), max_length=40)
    prize_product_id = forms.ChoiceField(label=_("Prize"))
    prize_sku_id = forms.CharField(
        label=_("Prize SKU id"), max_length=32, required=False, help_text=_("Blank: any SKU of the product.")
    )
    quantity = forms.IntegerField(label=_("Number of prizes"), min_value=1, max_value=10000)
    unit_cost_fen = YuanField(
        label=_("Unit cost (yuan)"), help_text=_("What one prize costs the shop; the plan's cost is prizes × cost.")
    )
    condition = forms.ChoiceField(label=_("Who may join"), choices=LuckyBag.Condition.choices)
    password = forms.CharField(
        label=_("Comment password"),
        max_length=20,
        required=False,
        help_text=_("The word viewers comment to join, when that is the condition."),
    )
    draw_at = _datetime_field(_("Draw time"))
    live_id = forms.CharField(
        label=_("Live"),
        max_length=255,
        required=False,
        help_text=_("The live's export id (export/…) from the recent lives; or leave it blank and give the date."),
    )
    live_date = forms.DateField(
        label=_("Live date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    bag_product_id = forms.ChoiceField(
        label=_("Lucky bag product"),
        required=False,
        help_text=_(
            "The lucky bag product WeChat made for this lucky bag (synced once it started). Needed only when one "
            "live ran several lucky bags."
        ),
    )

    def __init__(self, *args, bag_products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bag_product_id"].choices = [("", "—")] + list(bag_products)


class FanClubForm(forms.Form):
    tipping_enabled = forms.BooleanField(label=_("Live tipping is enabled"), required=False)
    corporate_settlement = forms.BooleanField(label=_("Corporate settlement is enabled"), required=False)
    club_created = forms.BooleanField(label=_("The fan club is created"), required=False)
    notice = forms.CharField(
        label=_("Fan-only notice"), max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    notice_visibility = forms.ChoiceField(label=_("Visible to"), choices=FanClub.Visibility.choices)
    notice_set = forms.BooleanField(label=_("The notice is set in WeChat"), required=False)


class LikeToBuyForm(_ProductForm):
    name = forms.CharField(label=_("Name"), max_length=40)
    product_id = forms.ChoiceField(label=_("Product"))
    sku_id = forms.CharField(
        label=_("SKU id"), max_length=32, required=False, help_text=_("Blank: every SKU of the product.")
    )
    likes_needed = forms.IntegerField(label=_("Likes needed"), min_value=1, max_value=100, initial=3)
    floor_price_fen = YuanField(label=_("Floor price (yuan)"), help_text=_("What the buyer pays after the likes."))
    subsidy_fen = YuanField(
        label=_("Platform subsidy (yuan)"), initial=0, help_text=_("What WeChat adds per unit, as agreed.")
    )
    unit_cost_fen = YuanField(label=_("Unit cost (yuan)"))
    starts_at = _datetime_field(_("Starts"))
    ends_at = _datetime_field(_("Ends"))


class PosterForm(forms.Form):
    link = forms.URLField(
        label=_("Product link"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The product's share link, copied in 微信小店 (商品 → 推广 → 复制链接); the QR code opens it."),
    )
