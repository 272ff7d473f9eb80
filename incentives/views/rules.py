"""The 激励规则 (programme rules) pages of the merchant console: the shop's rule-set versions, a new version from
any of them, and the edit of a version that has earned nothing yet. Thin: the form parses, the services in
incentives.services.rules decide (their refusals land on the form's fields), the selectors read. Editing the rules
changes what orders earn, so it takes the FINANCE permission. Another shop's version answers 404."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from incentives.forms.fields import PercentField, YuanField, day_field, percent, start_of, yuan
from incentives.models import Accrual, RewardForm, RuleSet
from incentives.selectors.rules import ruleset_get_for_shop_or_404, rulesets_for_shop
from incentives.services.rules import ruleset_new_version, ruleset_update
from shopops import channels
from shopops.roles import Perm
from shopops.views import ShopMixin
from shopops.views.confirm import add_errors

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
    valid_from = day_field(_("Valid from"))
    valid_to = day_field(_("Valid until (inclusive)"), required=False)
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
            "min_order_basis_fen": yuan(ruleset.min_order_basis_fen),
            "cap_per_order_fen": yuan(ruleset.cap_per_order_fen),
            "cap_per_month_fen": yuan(ruleset.cap_per_month_fen),
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


class RuleSetListView(ShopMixin, TemplateView):
    """The shop's versions, newest first per programme, each with its sources and whether it has earned."""

    template_name = "incentives/rules.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        used = Exists(Accrual.objects.filter(shop=self.shop, ruleset=OuterRef("pk")))
        versions = list(rulesets_for_shop(self.shop).annotate(used=used))
        for version in versions:
            version.source_labels = [source_label(s.sale_channel, s.account_type) for s in version.sources.all()]
            version.rate_display = f"{percent(version.rate_ppm):f}".rstrip("0").rstrip(".") + "%"  # exact: 0.25%
        context.update(versions=versions)
        return context


class RuleSetNewVersionView(ShopMixin, FormView):
    """A new version of a programme from the chosen version's fields; it applies to orders paid from its start."""

    permission = Perm.FINANCE
    template_name = "incentives/rule_form.html"
    form_class = RuleSetForm
    editing = False

    def get_ruleset(self) -> RuleSet:
        if not hasattr(self, "_ruleset"):
            self._ruleset = ruleset_get_for_shop_or_404(self.shop, self.kwargs["pk"])
        return self._ruleset

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"ruleset": self.get_ruleset()}

    def get_initial(self):
        # A new version starts today unless the owner says otherwise: from an earlier date it would take over the
        # orders the chosen version has already accrued.
        return RuleSetForm.initial_from(self.get_ruleset()) | {"valid_from": timezone.localdate()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"ruleset": self.get_ruleset(), "editing": self.editing}

    def form_valid(self, form):
        try:
            saved = self.save(form.service_fields())
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Rules %(name)s version %(version)s saved.") % {
            "name": saved.name, "version": saved.version})  # fmt: skip
        return redirect("console:incentive_rules", shop=self.shop.public_id)

    def save(self, fields: dict) -> RuleSet:
        return ruleset_new_version(ruleset=self.get_ruleset(), user=self.request.user, **fields)


class RuleSetEditView(RuleSetNewVersionView):
    """The edit of a version that has earned nothing yet; one that has is refused (save a new version instead)."""

    editing = True

    def get_initial(self):
        return RuleSetForm.initial_from(self.get_ruleset())

    def save(self, fields: dict) -> RuleSet:
        return ruleset_update(ruleset=self.get_ruleset(), **fields)
