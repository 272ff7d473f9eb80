"""The shop's 达人 (talents) in the console: the list with the platform's figures, a talent's page (per-product
data, exclusive terms, blacklist history), invitation after the thresholds, cancel, end, blacklist, and the
thresholds themselves. Views parse input and call one service or selector: everyone with ``Perm.VIEW`` may look,
every change needs ``Perm.OPERATE``; a refusal shows its reason and changes nothing."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from affiliates.forms.talents import (
    ExclusiveTermForm,
    ReasonForm,
    TalentFilterForm,
    TalentInviteForm,
    ThresholdsForm,
)
from affiliates.models import Talent
from affiliates.selectors import talents as selectors
from affiliates.services import exclusive as exclusive_services
from affiliates.services import talents as services
from shopops.roles import Perm
from shopops.views import ShopMixin
from shopops.views.confirm import ConfirmView, add_errors

TALENTS_PER_PAGE = 50
STATUS_BADGES = {
    Talent.Status.INITIAL: "text-bg-light border",
    Talent.Status.INVITING: "text-bg-warning",
    Talent.Status.ACCEPTED: "text-bg-success",
    Talent.Status.REJECTED: "text-bg-danger",
    Talent.Status.INVITATION_CANCELLED: "text-bg-secondary",
    Talent.Status.ENDED: "text-bg-secondary",
    Talent.Status.DELETED: "text-bg-light border",
}


def talent_url(talent: Talent) -> str:
    return reverse("console:affiliate_talent_detail", kwargs={"shop": talent.shop.public_id, "pk": talent.pk})


class TalentListView(ShopMixin, TemplateView):
    """The shop's talents with their status, blacklist flag and the platform's figures; filters and pages."""

    template_name = "affiliates/talents/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = TalentFilterForm(self.request.GET or None)
        filters = form.filters()
        page = Paginator(selectors.talents_for_shop(shop=self.shop, **filters), TALENTS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        for talent in page.object_list:
            talent.badge = STATUS_BADGES.get(talent.status, "text-bg-light")
        query = self.request.GET.copy()
        query.pop("page", None)
        filtered = any(value not in (None, "") for value in filters.values())
        context.update(
            form=form,
            page=page,
            talents=page.object_list,
            query=query.urlencode(),
            filtered=filtered,
            thresholds=services.affiliate_settings_for_shop(shop=self.shop),
        )
        return context


class TalentsSyncView(ShopMixin, View):
    """POST: copy the shop's talents and their figures from the platform."""

    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            report = services.talents_sync(shop=self.shop)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Synced from WeChat Shop: %(found)d new talents, %(changed)d changed.")
                % {"found": report.found, "changed": report.changed},
            )
            for problem in report.problems:
                messages.warning(request, problem)
        return redirect("console:affiliate_talents", shop=self.shop.public_id)


class TalentDetailView(ShopMixin, TemplateView):
    """One talent: what the platform reports, the per-product figures (read live), exclusive terms, blacklist."""

    template_name = "affiliates/talents/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        talent = selectors.talent_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        products, products_error = None, ""
        try:
            products = services.talent_products_fetch(talent=talent, page=self.request.GET.get("page"))
        except ValidationError as exc:
            products_error = " ".join(exc.messages)
        context.update(
            talent=talent,
            badge=STATUS_BADGES.get(talent.status, "text-bg-light"),
            products=products,
            products_error=products_error,
            terms=selectors.exclusive_terms_for_talent(talent=talent),
            history=selectors.blacklist_history(talent=talent),
            can_offer_terms=talent.status in selectors.OFFERED_STATUSES and not talent.is_blacklisted,
        )
        return context


class TalentInviteView(ShopMixin, FormView):
    """Invite a talent by AppID or search key; the shop's thresholds are checked first."""

    permission = Perm.OPERATE
    template_name = "affiliates/talents/invite.html"
    form_class = TalentInviteForm

    @cached_property
    def thresholds(self):
        return services.affiliate_settings_for_shop(shop=self.shop)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "thresholds": self.thresholds}

    def get_initial(self):
        return {"talent_appid": self.request.GET.get("talent_appid", "")[:64]}

    def get_context_data(self, **kwargs):
        return super().get_context_data(thresholds=self.thresholds, **kwargs)

    def form_valid(self, form):
        try:
            talent = services.talent_invite(shop=self.shop, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Invitation sent to “%(name)s”. It waits for the talent's answer: sync the talents to see it.")
            % {"name": talent},
        )
        return redirect(talent_url(talent))


class TalentActionView(ConfirmView):
    """GET asks for confirmation (and a reason, for the blacklist); POST acts: ``cancel`` an invitation, ``end``
    the cooperation, ``blacklist`` or ``unblacklist``."""

    template_name = "affiliates/talents/confirm.html"
    ACTIONS = ("cancel", "end", "blacklist", "unblacklist")
    reason_form = None

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in self.ACTIONS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        return selectors.talent_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def back_url(self, talent):
        return talent_url(talent)

    def needs_reason(self) -> bool:
        return self.kwargs["action"] in ("blacklist", "unblacklist")

    def confirm_context(self, talent):
        name = {"name": talent}
        texts = {
            "cancel": (
                _("Cancel the invitation to “%(name)s”?"),
                _("The invitation is withdrawn on WeChat Shop at once. You can invite the talent again later."),
                _("Cancel the invitation"),
            ),
            "end": (
                _("End the cooperation with “%(name)s”?"),
                _(
                    "The talent stops promoting the shop's products through 优选联盟; targeted and exclusive plans "
                    "naming it no longer apply. Orders already placed keep their commission. Cooperating again "
                    "needs a new invitation."
                ),
                _("End the cooperation"),
            ),
            "blacklist": (
                _("Blacklist “%(name)s”?"),
                _(
                    "WeChat Shop stops the talent from promoting the shop's products and it cannot be named in a "
                    "plan. Say why: the reason and who blacklisted it are kept on the talent's page."
                ),
                _("Blacklist"),
            ),
            "unblacklist": (
                _("Take “%(name)s” off the blacklist?"),
                _("The talent may promote the shop's products again. Say why: it is kept on the talent's page."),
                _("Take off the blacklist"),
            ),
        }
        title, text, label = texts[self.kwargs["action"]]
        return {
            "confirm_title": title % name,
            "confirm_text": text,
            "confirm_label": label,
            "cancel_url": self.back_url(talent),
            "breadcrumb": talent,
            "reason_form": (self.reason_form or ReasonForm()) if self.needs_reason() else None,
        }

    def post(self, request, *args, **kwargs):
        if not self.needs_reason():
            return super().post(request, *args, **kwargs)
        talent = self.get_object()
        form = ReasonForm(request.POST)
        form.is_valid()
        try:
            message = self.act(talent, reason=form.cleaned_data.get("reason", ""))
        except ValidationError as exc:
            add_errors(form, exc)
            self.reason_form = form
            return self.render_to_response(self.get_context_data(**kwargs))
        messages.success(request, message)
        return redirect(self.back_url(talent))

    def act(self, talent, reason: str = ""):
        action, name = self.kwargs["action"], {"name": talent}
        if action == "cancel":
            services.talent_cancel_invitation(talent=talent)
            return _("The invitation to “%(name)s” was cancelled.") % name
        if action == "end":
            services.talent_end_cooperation(talent=talent)
            return _("The cooperation with “%(name)s” has ended.") % name
        if action == "blacklist":
            services.talent_blacklist(talent=talent, reason=reason)
            return _("“%(name)s” is blacklisted.") % name
        services.talent_unblacklist(talent=talent, reason=reason)
        return _("“%(name)s” is off the blacklist.") % name


class ThresholdsView(ShopMixin, FormView):
    """The thresholds a talent must meet before it is invited; anyone may read them, an operator changes them."""

    template_name = "affiliates/talents/thresholds.html"
    form_class = ThresholdsForm

    def get_initial(self):
        return ThresholdsForm.initial_for(services.affiliate_settings_for_shop(shop=self.shop))

    @property
    def permission(self) -> Perm:
        return Perm.OPERATE if self.request.method == "POST" else Perm.VIEW

    def form_valid(self, form):
        try:
            services.thresholds_set(shop=self.shop, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Thresholds saved. They apply to the next invitation."))
        return redirect("console:affiliate_thresholds", shop=self.shop.public_id)


# --- exclusive terms -------------------------------------------------------------------------------------------------


class _ExclusiveFormView(ShopMixin, FormView):
    permission = Perm.OPERATE
    template_name = "affiliates/talents/exclusive_form.html"
    form_class = ExclusiveTermForm

    def load(self):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        self.load()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.load()
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(talent=self.talent, cancel_url=talent_url(self.talent), **kwargs)
        product_id = str(context["form"]["product_id"].value() or "").strip()
        context["limits"] = selectors.product_limits(shop=self.shop, product_id=product_id) if product_id else None
        return context

    def save(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            term = self.save(form)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Exclusive terms for product %(product_id)s saved. Agencies the talent is bound to see them.")
            % {"product_id": term.product_id},
        )
        return redirect(talent_url(self.talent))


class ExclusiveCreateView(_ExclusiveFormView):
    def load(self):
        self.talent = selectors.talent_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def get_initial(self):
        return {"product_id": self.request.GET.get("product_id", "")[:32]}

    def save(self, form):
        return exclusive_services.exclusive_term_create(shop=self.shop, talent=self.talent, **form.cleaned_data)


class ExclusiveEditView(_ExclusiveFormView):
    def load(self):
        self.term = selectors.exclusive_term_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])
        self.talent = self.term.talent

    def get_initial(self):
        return ExclusiveTermForm.initial_for(self.term)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["product_id"].disabled = True
        return form

    def get_context_data(self, **kwargs):
        return super().get_context_data(term=self.term, **kwargs)

    def save(self, form):
        data = {name: value for name, value in form.cleaned_data.items() if name != "product_id"}
        return exclusive_services.exclusive_term_update(term=self.term, **data)


class ExclusiveDeleteView(ConfirmView):
    template_name = "affiliates/talents/confirm.html"

    def get_object(self):
        return selectors.exclusive_term_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def back_url(self, term):
        return talent_url(term.talent)

    def confirm_context(self, term):
        return {
            "confirm_title": _("Withdraw the exclusive terms for product %(product_id)s?")
            % {"product_id": term.product_id},
            "confirm_text": _("“%(talent)s” and the agencies it is bound to no longer see them. ShopOps keeps no copy.")
            % {"talent": term.talent},
            "confirm_label": _("Withdraw the terms"),
            "cancel_url": self.back_url(term),
            "breadcrumb": term.talent,
        }

    def act(self, term):
        exclusive_services.exclusive_term_delete(term=term)
        return _("The exclusive terms for product %(product_id)s were withdrawn.") % {"product_id": term.product_id}
