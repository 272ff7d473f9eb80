"""The shop's cooperations with agencies (带货机构) in the console: the list with the platform's figures, inviting an
agency by its AppID, cancelling a pending invitation and ending a cooperation (both after confirmation).

The real platform has no API for these: with it, ShopOps records the change and the pages say to do the same in
the 微信小店 backend (优选联盟 → 机构合作); the agency's sync confirms the status later. With the emulator the change
is sent to its SANDBOX-ONLY endpoint first (affiliates.services.cooperation)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from affiliates.forms.cooperation import AgencyInviteForm, CooperationFilterForm
from affiliates.models import Cooperation
from affiliates.selectors import cooperation as selectors
from affiliates.services import cooperation as services
from shopops.roles import Perm
from shopops.views import ShopMixin
from shopops.views.confirm import ConfirmView, add_errors

COOPERATIONS_PER_PAGE = 50
STATUS_BADGES = {
    Cooperation.Status.INVITING: "text-bg-warning",
    Cooperation.Status.ACCEPTED: "text-bg-success",
    Cooperation.Status.REJECTED: "text-bg-danger",
    Cooperation.Status.INVITATION_CANCELLED: "text-bg-secondary",
    Cooperation.Status.ENDED: "text-bg-secondary",
}


def agencies_url(shop) -> str:
    return reverse("console:affiliate_agencies", kwargs={"shop": shop.public_id})


class AgencyListView(ShopMixin, TemplateView):
    template_name = "affiliates/agencies/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = CooperationFilterForm(self.request.GET or None)
        status = form.cleaned_data["status"] if form.is_valid() else None
        rows = selectors.cooperations_for_shop(shop=self.shop, status=status)
        page = Paginator(rows, COOPERATIONS_PER_PAGE).get_page(self.request.GET.get("page"))
        for cooperation in page.object_list:
            cooperation.badge = STATUS_BADGES.get(cooperation.status, "text-bg-light")
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            cooperations=page.object_list,
            query=query.urlencode(),
            filtered=status is not None,
            sandbox_only_apis=services.sandbox_only_apis_enabled(),
            shop_backend=services.SHOP_BACKEND,
        )
        return context


class AgencyRefreshView(ShopMixin, View):
    """POST: read the shop's agency cooperations back from the emulator (SANDBOX-ONLY)."""

    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            changed = services.cooperations_refresh(shop=self.shop)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Refreshed from WeChat Shop: %(changed)d cooperations changed.") % {"changed": changed}
            )
        return redirect(agencies_url(self.shop))


class AgencyInviteView(ShopMixin, FormView):
    permission = Perm.OPERATE
    template_name = "affiliates/agencies/invite.html"
    form_class = AgencyInviteForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sandbox_only_apis=services.sandbox_only_apis_enabled(), shop_backend=services.SHOP_BACKEND, **kwargs
        )

    def form_valid(self, form):
        try:
            cooperation = services.cooperation_invite(shop=self.shop, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        if services.sandbox_only_apis_enabled():
            message = _("Invitation sent to “%(name)s”. It waits for the agency's answer.")
        else:
            message = _(
                "Invitation to “%(name)s” recorded. Now send it in %(where)s: WeChat Shop offers no API for it. "
                "The agency's answer shows here once its data is synced."
            )
        messages.success(
            self.request,
            message % {"name": cooperation.agency_name or cooperation.agency_appid, "where": services.SHOP_BACKEND},
        )
        return redirect(agencies_url(self.shop))


class AgencyActionView(ConfirmView):
    """``cancel`` a pending invitation or ``end`` a cooperation, after confirmation."""

    template_name = "affiliates/talents/confirm.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in ("cancel", "end"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        return selectors.cooperation_get_for_shop_or_404(shop=self.shop, pk=self.kwargs["pk"])

    def back_url(self, cooperation):
        return agencies_url(self.shop)

    def confirm_context(self, cooperation):
        name = {"name": cooperation.agency_name or cooperation.agency_appid}
        where = (
            ""
            if services.sandbox_only_apis_enabled()
            else _(" WeChat Shop offers no API for it: ShopOps records it, and you do the same in %(where)s.")
            % {"where": services.SHOP_BACKEND}
        )
        if self.kwargs["action"] == "cancel":
            title = _("Cancel the invitation to “%(name)s”?") % name
            text = _("The agency can no longer accept it. You can invite it again later.")
            label = _("Cancel the invitation")
        else:
            title = _("End the cooperation with “%(name)s”?") % name
            text = _(
                "The agency stops promoting the shop's products; its agency plans no longer apply. Orders already "
                "placed keep their commission. Cooperating again needs a new invitation."
            )
            label = _("End the cooperation")
        return {
            "confirm_title": title,
            "confirm_text": f"{text}{where}",
            "confirm_label": label,
            "cancel_url": self.back_url(cooperation),
            "breadcrumb": _("Agencies"),
        }

    def act(self, cooperation):
        name = {"name": cooperation.agency_name or cooperation.agency_appid}
        if self.kwargs["action"] == "cancel":
            services.cooperation_cancel(cooperation=cooperation)
            return _("The invitation to “%(name)s” was cancelled.") % name
        services.cooperation_end(cooperation=cooperation)
        return _("The cooperation with “%(name)s” has ended.") % name
