"""Forms of the talent pages: the list's filters, the invitation, the thresholds, a reason, and exclusive terms.
They parse input only; the rules are the services' (affiliates.services.talents, affiliates.services.exclusive)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from affiliates.models import AffiliateSettings, Talent
from shopops.forms.money import YuanField, fen_initial


class TalentFilterForm(forms.Form):
    BLACKLIST_CHOICES = [("", _("All")), ("yes", _("Blacklisted")), ("no", _("Not blacklisted"))]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.TypedChoiceField(
        label=_("Status"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All statuses")), *Talent.Status.choices],
    )
    blacklisted = forms.ChoiceField(label=_("Blacklist"), required=False, choices=BLACKLIST_CHOICES)

    def filters(self) -> dict:
        """The selector's keyword arguments (no filter for an invalid form)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        blacklisted = {"yes": True, "no": False}.get(data["blacklisted"])
        return {"status": data["status"], "search": data["q"].strip(), "blacklisted": blacklisted}


class TalentInviteForm(forms.Form):
    talent_appid = forms.CharField(
        label=_("Talent AppID"),
        required=False,
        max_length=64,
        help_text=_("The talent's AppID in 优选联盟."),
    )
    search_key = forms.CharField(
        label=_("Or a search key"),
        required=False,
        max_length=64,
        help_text=_("The talent's search key (带货者搜索码), instead of the AppID."),
    )
    fans = forms.IntegerField(
        label=_("Fans"),
        required=False,
        min_value=0,
        help_text=_("WeChat Shop does not report a talent's fans: copy them from the talent's Channels profile."),
    )
    category = forms.CharField(
        label=_("Category"),
        required=False,
        max_length=64,
        help_text=_("What the talent mainly sells, from its profile: WeChat Shop does not report it either."),
    )

    def __init__(self, *args, thresholds: AffiliateSettings, **kwargs):
        super().__init__(*args, **kwargs)
        if thresholds.categories:
            self.fields["category"] = forms.ChoiceField(
                label=self.fields["category"].label,
                help_text=self.fields["category"].help_text,
                choices=[("", "—"), *((c, c) for c in thresholds.categories)],
                required=False,
            )


class ThresholdsForm(forms.Form):
    min_fans = forms.IntegerField(label=_("Minimum fans"), min_value=0, max_value=2**31 - 1, initial=0)
    min_sale_gmv_30d_fen = YuanField(label=_("Minimum 30-day GMV (yuan)"), initial=0)
    categories = forms.CharField(
        label=_("Categories"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line. A talent must sell one of them to be invited; leave empty to allow any category."),
    )

    def clean_categories(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["categories"].splitlines() if line.strip()]

    @classmethod
    def initial_for(cls, settings: AffiliateSettings) -> dict:
        return {
            "min_fans": settings.min_fans,
            "min_sale_gmv_30d_fen": fen_initial(settings.min_sale_gmv_30d_fen),
            "categories": "\n".join(settings.categories),
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 200})
    )


class ExclusiveTermForm(forms.Form):
    product_id = forms.CharField(label=_("Product id"), max_length=32)
    price_fen = YuanField(label=_("Exclusive price (yuan)"))
    floor_price_fen = YuanField(
        label=_("Your floor price (yuan)"), help_text=_("The exclusive price may never go below it.")
    )
    stock = forms.IntegerField(label=_("Stock"), min_value=0, max_value=2**31 - 1)
    title = forms.CharField(label=_("Title"), required=False, widget=forms.TextInput(attrs={"maxlength": 60}))
    image_url = forms.CharField(label=_("Image URL"), required=False, max_length=500)

    @classmethod
    def initial_for(cls, term) -> dict:
        return {
            "product_id": term.product_id,
            "price_fen": fen_initial(term.price_fen),
            "floor_price_fen": fen_initial(term.floor_price_fen),
            "stock": term.stock,
            "title": term.title,
            "image_url": term.image_url,
        }
