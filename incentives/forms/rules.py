"""The form of a rule-set version (激励规则 pages). It parses input only (percent → ppm, yuan → fen, Beijing dates →
instants, sources as (sale_channel, account_type)); the rules are ``incentives.services.rules``'s, and its field
names are the service's keywords, so a refusal lands on its field."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incentives.forms.fields import PercentField, percent, start_of
from incentives.models import RewardForm, RuleSet
from shopops import channels
from shopops.forms.dates import day_field
from shopops.forms.money import YuanField, fen_initial

# The sources a version can make eligible: the line's source_infos (sale_channel, account_type), shopops.channels.
SOURCES = {
    (channels.SALE_CHANNEL_LINKED, channels.ACCOUNT_MP): _("Linked official account (公众号)"),
    (channels.SALE_CHANNEL_LINKED, channels.ACCOUNT_SERVICE): _("Linked service account (服务号)"),
    (channels.SALE_CHANNEL_LINKED, channels.ACCOUNT_WECOM): _("Linked WeCom (企业微信)"),
    (channels.SALE_CHANNEL_LINKED, channels.ACCOUNT_MINIPROGRAM): _("Linked mini program (小程序)"),
    (channels.SALE_CHANNEL_LINKED, channels.ACCOUNT_CHANNELS): _("Linked Channels account (视频号)"),
    (channels.SALE_CHANNEL_COOPERATION, channels.ACCOUNT_MINIPROGRAM): _("Cooperating mini program (合作小程序)"),
    (channels.SALE_CHANNEL_COOPERATION, channels.ACCOUNT_MP): _("Cooperating official account (合作公众号)"),
    (channels.SALE_CHANNEL_AUTHORIZED, channels.ACCOUNT_CHANNELS): _("Authorized Channels account (授权号)"),
    (channels.SALE_CHANNEL_TALENT, channels.ACCOUNT_TALENT): _("Talent (达人带货)"),
    (channels.SALE_CHANNEL_AGENCY, channels.ACCOUNT_AGENCY): _("Agency (带货机构)"),
}


def source_label(sale_channel: int, account_type: int) -> str:
    return str(SOURCES.get((sale_channel, account_type), f"{sale_channel}/{account_type}"))


def _key(source: tuple[int, int]) -> str:
    return f"{source[0]}:{source[1]}"


class RuleSetForm(forms.Form):
    """The fields of a version, named as the service's keywords so its refusals land on them."""

    name = forms.CharField(label=_("Name"), max_length=100)
    valid_from = day_field(_("Valid from"), required=True)
    valid_to = day_field(_("Valid until (inclusive)"))
    sources = forms.MultipleChoiceField(label=_("Eligible sources"), widget=forms.CheckboxSelectMultiple)
    rate_ppm = PercentField(
        label=_("Rate (%)"), help_text=_("Of the basis: what the buyer paid for an eligible line less its refunds.")
    )
    min_order_basis_fen = YuanField(label=_("Minimum eligible amount per order (¥)"), required=False)
    cap_per_order_fen = YuanField(label=_("Cap per order (¥)"), required=False, help_text=_("Blank: no cap."))
    cap_per_month_fen = YuanField(
        label=_("Cap per month (¥)"), required=False, help_text=_("Blank: no cap. First settled, first served.")
    )
    cap_at_order_fee = forms.BooleanField(label=_("Never more than the order's service fee"), required=False)
    after_sale_days = forms.IntegerField(
        label=_("After-sale period after settlement (days)"), min_value=0, max_value=365,
        help_text=_("An order counts once this many days have passed since settlement with no after-sale open."),
    )  # fmt: skip
    reward_form = forms.ChoiceField(label=_("Reward form"), choices=RewardForm.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, ruleset: RuleSet, **kwargs):
        super().__init__(*args, **kwargs)
        own = [(s.sale_channel, s.account_type) for s in ruleset.sources.all()]
        offered = [*SOURCES, *sorted(set(own) - set(SOURCES))]  # a source set elsewhere stays shown, and kept
        self.fields["sources"].choices = [(_key(s), source_label(*s)) for s in offered]

    @staticmethod
    def initial_from(ruleset: RuleSet) -> dict:
        local = timezone.get_current_timezone()
        last_day = ruleset.valid_to.astimezone(local).date() - timedelta(days=1) if ruleset.valid_to else None
        return {
            "name": ruleset.name,
            "valid_from": ruleset.valid_from.astimezone(local).date(),
            "valid_to": last_day,
            "sources": [_key((s.sale_channel, s.account_type)) for s in ruleset.sources.all()],
            "rate_ppm": percent(ruleset.rate_ppm),
            "min_order_basis_fen": fen_initial(ruleset.min_order_basis_fen),
            "cap_per_order_fen": fen_initial(ruleset.cap_per_order_fen),
            "cap_per_month_fen": fen_initial(ruleset.cap_per_month_fen),
            "cap_at_order_fee": ruleset.cap_at_order_fee,
            "after_sale_days": ruleset.after_sale_days,
            "reward_form": ruleset.reward_form,
            "note": ruleset.note,
        }

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["valid_from"] = start_of(data["valid_from"])
        last_day = data["valid_to"]
        data["valid_to"] = start_of(last_day + timedelta(days=1)) if last_day else None
        data["min_order_basis_fen"] = data["min_order_basis_fen"] or 0
        data["sources"] = [tuple(int(part) for part in key.split(":")) for key in data["sources"]]
        return data
