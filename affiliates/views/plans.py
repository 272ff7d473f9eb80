"""Promotion plans (推广计划) in the console: the list with filters, one plan with its terms history, creating a
batch of 普通/定向/专属 plans or agency plans, editing, delisting, relisting and deleting, syncing from WeChat
Shop, and the shop's 优选联盟 enrolment state with a "check again" button.

Views parse input and call one service or selector. Everyone with ``Perm.VIEW`` may look; every change needs
``Perm.OPERATE`` (the role permission that covers "alliance plans"). A refusal shows on the form (the page again)
or as a message, and changes nothing; 优选联盟 not being enabled is a refusal like any other, never an error page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from affiliates.forms import plans as forms
from affiliates.models import AffiliateSettings, PromotionPlan
from affiliates.selectors import plans as selectors
from affiliates.services import league as league_services
from affiliates.services import plans as services
from shopops.roles import Perm
from shopops.views import ShopMixin
from shopops.views.confirm import ConfirmView, add_errors

PLANS_PER_PAGE = 50
Status = PromotionPlan.Status
STATUS_BADGES = {
    Status.LISTED: "text-bg-success",
    Status.PENDING: "text-bg-info",
    Status.DELISTED: "text-bg-secondary",
    Status.BELOW_THRESHOLD: "text-bg-warning",
    Status.DELETED: "text-bg-light border",
}


def plans_url(shop) -> str:
    return reverse("console:affiliate_plans", kwargs={"shop": shop.public_id})


def plan_url(plan) -> str:
    return reverse("console:affiliate_plan_detail", kwargs={"shop": plan.shop.public_id, "pk": plan.pk})


def refusal_message(error: ValidationError) -> str:
    return " ".join(error.messages)


def decorate(plan: PromotionPlan) -> PromotionPlan:
    """What the templates show of a plan beside its fields."""
    plan.badge = STATUS_BADGES.get(plan.status, "text-bg-light")
    plan.editable = not plan.headsupplier_appid and plan.status != Status.DELETED
    return plan


class LeagueStateMixin:
    """Puts the shop's 优选联盟 enrolment state on the page (``league``), with what to do when it is not enabled."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = selectors.league_state_for_shop(shop=self.shop)
        context.update(
            league=state,
            league_not_enabled=state.league == AffiliateSettings.League.NOT_ENABLED,
            league_unknown=state.league == AffiliateSettings.League.UNKNOWN,
            league_help=league_services.NOT_ENABLED_HELP,
        )
        return context


class PlanListView(LeagueStateMixin, ShopMixin, TemplateView):
    """The shop's plans, filtered by type, status and product, 50 a page, in a fixed number of queries."""

    template_name = "affiliates/plans/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.PlanFilterForm(self.request.GET or None)
        filters = form.filters()
        page = Paginator(selectors.plans_for_shop(shop=self.shop, **filters), PLANS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        for plan in page.object_list:
            decorate(plan)
        query = self.request.GET.copy()
        query.pop("page", None)
        filtered = any(value not in (None, "") for value in filters.values())
        context.update(
            form=form,
            page=page,
            plans=page.object_list,
            query=query.urlencode(),
            filtered=filtered,
            no_plans=not page.object_list and not filtered and not selectors.plans_exist(shop=self.shop),
        )
        return context


class PlanDetailView(LeagueStateMixin, ShopMixin, TemplateView):
    template_name = "affiliates/plans/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = decorate(selectors.plan_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"]))
        history = selectors.plan_terms_history(plan=plan)
        names = selectors.talent_names(
            shop=self.shop, talent_appids={a for row in [plan, *history] for a in row.talent_appids}
        )
        for row in [plan, *history]:
            row.talents = [(appid, names.get(appid, "")) for appid in row.talent_appids]
        context.update(plan=plan, history=history)
        return context


class _BatchCreateView(LeagueStateMixin, ShopMixin, TemplateView):
    """A batch of products (≤ 20 rows, each with its ratio) and the plan's settings; on submit the service checks
    every rule first, then reports what the platform accepted and, item by item, what it refused."""

    permission = Perm.OPERATE
    agency = False

    def make_form(self, data=None):
        raise NotImplementedError

    def create(self, form, items):
        raise NotImplementedError

    def get_context_data(self, form=None, items=None, failed=(), **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            rows = int(self.request.GET.get("rows", forms.DEFAULT_ROWS))
        except ValueError:
            rows = forms.DEFAULT_ROWS
        context.update(
            form=form or self.make_form(),
            items=items or forms.items_formset(agency=self.agency, rows=rows),
            products=selectors.products_for_plans(shop=self.shop),
            failed=failed,
            more_rows=forms.MAX_ROWS,
        )
        return context

    def post(self, request, *args, **kwargs):
        form, items = self.make_form(request.POST), forms.items_formset(request.POST, agency=self.agency)
        if not (form.is_valid() and items.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, items=items))
        try:
            result = self.create(form, items.items())
        except ValidationError as exc:
            add_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form, items=items))
        created, failed = len(result.created), len(result.failed)
        if created:
            messages.success(
                request,
                ngettext("%(count)d plan created on WeChat Shop.", "%(count)d plans created on WeChat Shop.", created)
                % {"count": created},
            )
        if not failed:
            return redirect(plans_url(self.shop))
        messages.error(
            request,
            ngettext(
                "WeChat Shop refused %(count)d product; it is listed below.",
                "WeChat Shop refused %(count)d products; they are listed below.",
                failed,
            )
            % {"count": failed},
        )
        # The form again with only the refused products, so a second submit does not send the others twice.
        refused = {failure.product_id for failure in result.failed}
        retry = [item for item in items.items() if item.product_id in refused]
        items = forms.items_formset(agency=self.agency, initial=[vars(item) for item in retry])
        return self.render_to_response(self.get_context_data(form=form, items=items, failed=result.failed))


class PlanCreateView(_BatchCreateView):
    template_name = "affiliates/plans/create.html"

    def make_form(self, data=None):
        return forms.PlanCreateForm(data, talents=selectors.talents_for_plans(shop=self.shop))

    def create(self, form, items):
        return services.plans_create(
            shop=self.shop,
            type=form.cleaned_data["type"],
            items=items,
            talent_appids=form.cleaned_data["talent_appids"],
            period=form.period(),
        )


class AgencyPlanCreateView(_BatchCreateView):
    template_name = "affiliates/plans/agency_create.html"
    agency = True

    def make_form(self, data=None):
        return forms.AgencyPlanForm(data, cooperations=selectors.agencies_for_plans(shop=self.shop))

    def create(self, form, items):
        return services.agency_plans_create(
            shop=self.shop,
            headsupplier_appid=form.cleaned_data["headsupplier_appid"],
            items=items,
            commission_type=form.cleaned_data["commission_type"],
            period=form.period(),
        )


class PlanEditView(LeagueStateMixin, ShopMixin, TemplateView):
    """Edit a plan's ratio (and, for 定向/专属, its period and talents); the platform lists it again."""

    permission = Perm.OPERATE
    template_name = "affiliates/plans/edit.html"

    def get_plan(self) -> PromotionPlan:
        plan = decorate(selectors.plan_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"]))
        if not plan.editable:
            raise Http404
        return plan

    def make_form(self, plan, data=None):
        initial = {
            "ratio_percent": plan.ratio_percent,
            "talent_appids": plan.talent_appids,
            "forever": plan.forever,
            "begin_time": plan.begin_time,
            "end_time": plan.end_time,
        }
        return forms.PlanEditForm(data, initial=initial, plan=plan, talents=selectors.talents_for_plans(shop=self.shop))

    def get_context_data(self, plan=None, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = plan or self.get_plan()
        context.update(plan=plan, form=form or self.make_form(plan))
        return context

    def post(self, request, *args, **kwargs):
        plan = self.get_plan()
        form = self.make_form(plan, request.POST)
        if form.is_valid():
            try:
                services.plan_update(
                    plan=plan,
                    ratio_percent=form.cleaned_data["ratio_percent"],
                    period=form.period(),
                    talent_appids=form.cleaned_data.get("talent_appids"),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The plan was changed on WeChat Shop and is listed."))
                return redirect(plan_url(plan))
        return self.render_to_response(self.get_context_data(plan=plan, form=form))


class PlanActionView(ConfirmView):
    """Delist, relist or delete one plan: GET asks for confirmation, POST acts."""

    ACTIONS = {
        "delist": (
            services.plan_delist,
            _("Delist this plan?"),
            _(
                "Talents can no longer promote the product under this plan; orders from now on earn no commission "
                "under it. You can list it again later."
            ),
            _("Delist"),
            _("The plan was delisted."),
        ),
        "relist": (
            services.plan_relist,
            _("List this plan again?"),
            _("Talents can promote the product under this plan again, on the terms shown."),
            _("List again"),
            _("The plan is listed again."),
        ),
        "delete": (
            services.plan_delete,
            _("Delete this plan?"),
            _(
                "The plan is deleted on WeChat Shop and cannot be listed again; ShopOps keeps its terms history. "
                "Orders already placed keep the commission they were placed with."
            ),
            _("Delete the plan"),
            _("The plan was deleted."),
        ),
    }

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in self.ACTIONS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        return selectors.plan_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def back_url(self, plan):
        return plan_url(plan)

    def confirm_context(self, plan):
        _service, title, text, label, _done = self.ACTIONS[self.kwargs["action"]]
        return {
            "confirm_title": title,
            "confirm_text": text,
            "confirm_label": label,
            "cancel_url": self.back_url(plan),
            "breadcrumb": plan,
        }

    def act(self, plan):
        service, *_texts, done = self.ACTIONS[self.kwargs["action"]]
        service(plan=plan)
        return done


class LeagueCheckView(ShopMixin, View):
    """POST: ask WeChat Shop again whether 优选联盟 is enabled for the shop."""

    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            league_services.league_state_check(shop=self.shop)
        except ValidationError as exc:
            messages.error(request, refusal_message(exc))
        else:
            messages.success(request, _("优选联盟 is enabled for this shop."))
        return redirect(plans_url(self.shop))


class PlansSyncView(ShopMixin, View):
    """POST: read the shop's plans from WeChat Shop into ShopOps."""

    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            changed = services.plans_sync(shop=self.shop)
        except ValidationError as exc:
            messages.error(request, refusal_message(exc))
        else:
            messages.success(request, _("Read from WeChat Shop: %(changed)d plans changed.") % {"changed": changed})
        return redirect(plans_url(self.shop))
