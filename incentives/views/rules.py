"""The 激励规则 (programme rules) pages of the merchant console: the shop's rule-set versions, a new version from
any of them, and the edit of a version that has earned nothing yet. Thin: the form parses, the services in
incentives.services.rules decide (their refusals land on the form's fields), the selectors read. Editing the rules
changes what orders earn, so it takes the FINANCE permission. Another shop's version answers 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from incentives.forms.fields import percent
from incentives.forms.rules import RuleSetForm, source_label
from incentives.models import Accrual, RuleSet
from incentives.selectors.rules import ruleset_get_for_shop_or_404, rulesets_for_shop
from incentives.services.rules import ruleset_new_version, ruleset_update
from shopops.roles import Perm
from shopops.views import ShopMixin
from shopops.views.confirm import add_errors


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
