"""Forms of the promotion-plan pages. They parse input only: every platform rule (ratios, limits, products on sale,
exclusion, talents, period) is checked by affiliates.services.plans, whose refusal comes back on the form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from affiliates.models import PromotionPlan
from affiliates.services.plans import Period, PlanItem

Type, Status = PromotionPlan.Type, PromotionPlan.Status
AGENCY_PLANS = "agency"
DEFAULT_ROWS, MAX_ROWS = 5, 20
# Agency plans' commission_type (headsupplier batchadd): the values are UNCONFIRMED in every source (2026 §B.1:
# press reports 机构分佣 and 平台分佣); the emulator accepts these two.
COMMISSION_TYPES = [(1, _("Agency pays its promoters (机构分佣)")), (2, _("Platform pays the promoters (平台分佣)"))]
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PlanFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Any type")), *Type.choices, (AGENCY_PLANS, _("Agency plans"))],
    )
    status = forms.TypedChoiceField(
        label=_("Status"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any status")), *Status.choices],
    )
    product = forms.CharField(label=_("Product id or title"), required=False, max_length=100)

    def filters(self) -> dict:
        """The selector's arguments for valid filters; none for invalid ones (the page shows every plan)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        kind = data.get("type") or ""
        return {
            "type": int(kind) if kind.isdigit() else None,
            "agency": True if kind == AGENCY_PLANS else None,
            "status": data.get("status"),
            "product": data.get("product") or "",
        }


class PeriodForm(forms.Form):
    """When the plan is in force: no end date (from now), or from a start to an end."""

    forever = forms.BooleanField(label=_("No end date"), required=False, initial=True)
    begin_time = forms.DateTimeField(label=_("Starts"), required=False, widget=DATETIME_WIDGET)
    end_time = forms.DateTimeField(label=_("Ends"), required=False, widget=DATETIME_WIDGET)

    def period(self) -> Period:
        data = self.cleaned_data
        return Period(begin_time=data.get("begin_time"), end_time=data.get("end_time"), forever=data.get("forever"))


class PlanCreateForm(PeriodForm):
    type = forms.TypedChoiceField(
        label=_("Plan type"), choices=Type.choices, coerce=int, initial=Type.NORMAL, widget=forms.RadioSelect
    )
    talent_appids = forms.MultipleChoiceField(
        label=_("Talents (targeted and exclusive plans)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The shop's talents who cooperate with it and are not blacklisted; at most 30."),
    )
    field_order = ["type", "talent_appids", "forever", "begin_time", "end_time"]

    def __init__(self, *args, talents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["talent_appids"].choices = [
            (t.talent_appid, f"{t.nickname} ({t.talent_appid})" if t.nickname else t.talent_appid) for t in talents
        ]


class PlanItemForm(forms.Form):
    """One product of a batch: its id and commission ratio (whole percent); a blank row is skipped."""

    product_id = forms.CharField(label=_("Product id"), max_length=32)
    ratio_percent = forms.IntegerField(label=_("Commission (%)"))

    def item(self) -> PlanItem:
        return PlanItem(self.cleaned_data["product_id"].strip(), self.cleaned_data["ratio_percent"])


class AgencyPlanItemForm(PlanItemForm):
    service_ratio_percent = forms.IntegerField(label=_("Service ratio (%)"))

    def item(self) -> PlanItem:
        return PlanItem(
            self.cleaned_data["product_id"].strip(),
            self.cleaned_data["ratio_percent"],
            self.cleaned_data["service_ratio_percent"],
        )


class ItemsFormSet(forms.BaseFormSet):
    """Rows given ``initial`` values (products to try again) are blank rows filled in, not existing objects: every
    row may be left empty and is skipped then."""

    def initial_form_count(self):
        return super().initial_form_count() if self.is_bound else 0

    def items(self) -> list[PlanItem]:
        return [form.item() for form in self.forms if form.has_changed() and form not in self.deleted_forms]


def items_formset(data=None, *, agency: bool = False, rows: int = DEFAULT_ROWS, initial=None):
    """The batch's product rows: ``rows`` blank ones (at most 20) on a new page, after the ``initial`` ones (dicts
    of PlanItem fields); as many as were posted after a submit. The limit of 20 products is the service's rule, so
    more posted rows reach it and are refused there."""
    formset_class = forms.formset_factory(
        AgencyPlanItemForm if agency else PlanItemForm,
        formset=ItemsFormSet,
        extra=max(1, len(initial or []), min(rows, MAX_ROWS)),
        max_num=1000,
        absolute_max=1000,
    )
    return formset_class(data, prefix="items", initial=initial)


class AgencyPlanForm(PeriodForm):
    headsupplier_appid = forms.ChoiceField(label=_("Agency"))
    commission_type = forms.TypedChoiceField(label=_("Commission type"), choices=COMMISSION_TYPES, coerce=int)
    field_order = ["headsupplier_appid", "commission_type", "forever", "begin_time", "end_time"]

    def __init__(self, *args, cooperations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["headsupplier_appid"].choices = [
            (c.agency_appid, f"{c.agency_name} ({c.agency_appid})" if c.agency_name else c.agency_appid)
            for c in cooperations
        ]


class PlanEditForm(PeriodForm):
    """A plan's ratio; for 定向 and 专属 also its period and talents (the platform edits only those)."""

    ratio_percent = forms.IntegerField(label=_("Commission (%)"), help_text=_("A whole percent from 0 to 90."))
    talent_appids = forms.MultipleChoiceField(label=_("Talents"), required=False, widget=forms.CheckboxSelectMultiple)
    field_order = ["ratio_percent", "talent_appids", "forever", "begin_time", "end_time"]

    def __init__(self, *args, plan: PromotionPlan, talents=(), **kwargs):
        super().__init__(*args, **kwargs)
        if plan.type == Type.NORMAL:
            for name in ("talent_appids", "forever", "begin_time", "end_time"):
                del self.fields[name]
            return
        # The plan's current talents stay choosable even if one has since stopped cooperating: unticking it is
        # how it is removed.
        known = {t.talent_appid: t for t in talents}
        appids = [*known, *(appid for appid in plan.talent_appids if appid not in known)]
        self.fields["talent_appids"].choices = [
            (appid, f"{known[appid].nickname} ({appid})" if appid in known and known[appid].nickname else appid)
            for appid in appids
        ]

    def period(self) -> Period:
        if "forever" not in self.fields:
            return Period()
        return super().period()
