"""The partner portal (/partner/): what an agency (带货机构) sees and does of its own 优选联盟 business.

Every page works within the signed-in member's agency (``PartnerMixin``): its objects come from the portal's
selectors (affiliates.selectors.partner), which filter on the agency, so another agency's object answers 404 and is
in no list, total or file. A suspended agency's portal stays closed (403, one page saying so). Views parse input
and call one service or selector; a refused change shows its reason next to the field and changes nothing.
"""

from collections import defaultdict
from io import BytesIO
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from affiliates.forms.partner import (
    APIKeyCreateForm,
    CommissionFilterForm,
    FundsFilterForm,
    InvitationDecideForm,
    ProductFilterForm,
    SharerCommissionForm,
    ShopFilterForm,
)
from affiliates.models import Agency, AgencyProduct, CommissionOrder, Cooperation, Reason
from affiliates.selectors import partner as selectors
from affiliates.selectors import talents as talent_selectors
from affiliates.services import cooperation as cooperation_services
from affiliates.services import partner as services
from shopops import exports
from shopops.forms.auth import PartnerAuthenticationForm
from shopops.forms.orders import labelled
from shopops.money import format_percent, format_yuan
from shopops.views.auth import AreaLoginView

PER_PAGE = 25
COMMISSIONS_PER_PAGE = 50
EXPORT_CHUNK = 2000

COOPERATION_BADGES = {
    Cooperation.Status.INVITING: "text-bg-warning",
    Cooperation.Status.ACCEPTED: "text-bg-success",
    Cooperation.Status.REJECTED: "text-bg-secondary",
    Cooperation.Status.INVITATION_CANCELLED: "text-bg-secondary",
    Cooperation.Status.ENDED: "text-bg-light border",
}
PRODUCT_BADGES = {
    AgencyProduct.Status.LISTED: "text-bg-success",
    AgencyProduct.Status.DELISTED: "text-bg-secondary",
    AgencyProduct.Status.REMOVED: "text-bg-danger",
}
COMMISSION_BADGES = {
    CommissionOrder.Status.UNSETTLED: "text-bg-warning",
    CommissionOrder.Status.SETTLED: "text-bg-success",
    CommissionOrder.Status.CANCELLED: "text-bg-secondary",
}


def _query(params: dict) -> str:
    return urlencode({key: value for key, value in params.items() if value not in (None, "")})


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal on the form: on the field it names when the form has it, else above the form."""
    errors = error.error_dict.items() if hasattr(error, "error_dict") else [(None, error.error_list)]
    for name, field_errors in errors:
        form.add_error(name if name in form.fields else None, field_errors)


# --- signing in, and the agency scope ------------------------------------------------------------------------------


class PartnerLoginView(AreaLoginView):
    template_name = "partner/login.html"
    authentication_form = PartnerAuthenticationForm
    next_page = "partner:home"


class PartnerLogoutView(auth_views.LogoutView):
    next_page = "partner:login"


@method_decorator(login_required(login_url="partner:login"), name="dispatch")
class PartnerMixin:
    """Every portal page works within the signed-in member's agency; a suspended agency's portal is closed."""

    agency: Agency

    def dispatch(self, request, *args, **kwargs):
        agency = selectors.agency_for_user(request.user)
        if agency is None:  # the audience middleware keeps non-members out; this is the view's own guard
            raise PermissionDenied
        if agency.status == Agency.Status.SUSPENDED:
            return render(request, "partner/closed.html", {"agency": agency}, status=403)
        self.agency = agency
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(agency=self.agency, **kwargs)


def _paged(request, rows, *, per_page: int = PER_PAGE):
    """A page of ``rows``: its number from ``?page=`` (not a number: the first; past the end: the last)."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


# --- home, shops and invitations -----------------------------------------------------------------------------------


class PartnerHomeView(PartnerMixin, TemplateView):
    """Pending invitations to answer, the shops the agency cooperates with, and its commission totals."""

    template_name = "partner/home.html"
    HOME_SHOPS = 10

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cooperating = list(
            selectors.cooperations_for_agency(agency=self.agency, status=Cooperation.Status.ACCEPTED)[
                : self.HOME_SHOPS + 1
            ]
        )
        context.update(
            pending=list(selectors.cooperations_for_agency(agency=self.agency, status=Cooperation.Status.INVITING)),
            cooperating=cooperating[: self.HOME_SHOPS],
            more_shops=len(cooperating) > self.HOME_SHOPS,
            totals=selectors.commission_totals_for_agency(agency=self.agency, filters=selectors.CommissionFilters()),
            recorded_only=not cooperation_services.sandbox_only_apis_enabled(),
            agency_backend=cooperation_services.AGENCY_BACKEND,
        )
        return context


class ShopsView(PartnerMixin, TemplateView):
    """Every shop the agency has a cooperation row with, in any status, with the platform's figures."""

    template_name = "partner/shops.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ShopFilterForm(self.request.GET)
        rows = selectors.cooperations_for_agency(agency=self.agency, status=form.value("status"))
        page = _paged(self.request, rows)
        context.update(
            form=form,
            page=page,
            rows=[{"cooperation": c, "badge": COOPERATION_BADGES.get(c.status, "")} for c in page],
            query=_query(form.params()),
            filtered=bool(form.params()),
        )
        return context


class InvitationDecideView(PartnerMixin, TemplateView):
    """Answer a shop's invitation: accept, or decline with a reason (affiliates.services.cooperation)."""

    template_name = "partner/invitation_decide.html"
    form = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cooperation = selectors.cooperation_get_for_agency_or_404(agency=self.agency, pk=self.kwargs["pk"])
        initial = {"decision": self.request.GET.get("decision", InvitationDecideForm.ACCEPT)}
        context.update(
            cooperation=cooperation,
            badge=COOPERATION_BADGES.get(cooperation.status, ""),
            pending=cooperation.status == Cooperation.Status.INVITING,
            form=self.form or InvitationDecideForm(initial=initial),
            recorded_only=not cooperation_services.sandbox_only_apis_enabled(),
            agency_backend=cooperation_services.AGENCY_BACKEND,
        )
        return context

    def post(self, request, *args, **kwargs):
        cooperation = selectors.cooperation_get_for_agency_or_404(agency=self.agency, pk=self.kwargs["pk"])
        form = InvitationDecideForm(request.POST)
        if form.is_valid():
            try:
                cooperation_services.cooperation_decide(
                    agency=self.agency,
                    cooperation=cooperation,
                    accept=form.accept,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                name = cooperation.shop_name or cooperation.shop_appid
                if form.accept:
                    messages.success(request, _("You now cooperate with %(shop)s.") % {"shop": name})
                else:
                    messages.success(request, _("You declined the invitation of %(shop)s.") % {"shop": name})
                return redirect("partner:home")
        self.form = form
        return self.render_to_response(self.get_context_data(**kwargs))


# --- promoted products ---------------------------------------------------------------------------------------------


class ProductsView(PartnerMixin, TemplateView):
    """Products shops promote through the agency: ratios, period, status, the exclusive terms the shops offer the
    agency's bound talents for them (affiliates.selectors.talents), the promotion link and its QR code."""

    template_name = "partner/products.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ProductFilterForm(self.request.GET, shops=selectors.shop_choices_for_agency(agency=self.agency))
        rows = selectors.products_for_agency(
            agency=self.agency, shop_appid=form.value("shop") or "", status=form.value("status")
        )
        page = _paged(self.request, rows)
        products = list(page)
        terms = defaultdict(list)
        for term in talent_selectors.exclusive_terms_for_agency(agency=self.agency).filter(
            product_id__in={p.product_id for p in products}
        ):
            terms[(term.shop.appid, term.product_id)].append(term)
        context.update(
            form=form,
            page=page,
            rows=[
                {
                    "product": p,
                    "badge": PRODUCT_BADGES.get(p.status, ""),
                    "terms": terms.get((p.shop_appid, p.product_id), []),
                }
                for p in products
            ],
            query=_query(form.params()),
            filtered=bool(form.params()),
        )
        return context


class ProductQrView(PartnerMixin, View):
    """The product's promotion link as a QR code (PNG, made here with segno: no outside service sees the link).
    A product without a link has no QR code (404)."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        product = selectors.product_get_for_agency_or_404(agency=self.agency, pk=kwargs["pk"])
        if not product.link:
            raise Http404
        image = BytesIO()
        segno.make(product.link, error="m").save(image, kind="png", scale=6, border=2)
        response = HttpResponse(image.getvalue(), content_type="image/png")
        response["Cache-Control"] = "private, max-age=300"
        return response


# --- commission orders ---------------------------------------------------------------------------------------------


def _commission_form(request, agency: Agency) -> CommissionFilterForm:
    return CommissionFilterForm(request.GET, shops=selectors.shop_choices_for_agency(agency=agency))


def _cut(text: str, length: int) -> str:
    """``text`` cut to ``length`` characters with an ellipsis, like ``truncatechars`` (which costs far more)."""
    return text if len(text) <= length else text[: length - 1] + "…"


def commission_rows(orders) -> list[dict]:
    """The page's commission orders as plain dicts of what each row shows, already formatted (times in Beijing,
    amounts in yuan, labels translated once per page, long names cut): the page renders 50 of them, and the
    template's filters (date, truncatechars, blocktranslate) and attribute lookups on model instances cost more
    than the rest of the page."""
    tz = timezone.get_current_timezone()
    statuses = {value: str(label) for value, label in CommissionOrder.Status.choices}
    kinds = {value: str(label) for value, label in CommissionOrder.Promoter.choices}
    reasons = {value: str(label) for value, label in Reason.choices}
    sku, difference = gettext("SKU %(sku)s"), gettext("difference %(amount)s")
    rows = []
    for o in orders:
        shop = o.shop_name or o.shop_appid
        rows.append(
            {
                "order_id": o.order_id,
                "product_id": o.product_id,
                "full_title": o.title,
                "promoter_nickname": o.promoter_nickname,
                "self_referral": o.self_referral,
                "badge": COMMISSION_BADGES.get(o.status, ""),
                "sku": sku % {"sku": o.sku_id},
                "title": _cut(o.title or o.product_id, 22),
                "shop": shop,
                "shop_cut": _cut(shop, 12),
                "promoter_kind": kinds.get(o.promoter_kind, o.promoter_kind) if o.promoter_kind else "",
                "status": statuses.get(o.status, o.status),
                "created": o.create_time.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                "paid": o.pay_time.astimezone(tz).strftime("%Y-%m-%d %H:%M") if o.pay_time else "",
                "payment": format_yuan(o.actual_payment_fen),
                "service": format_yuan(o.service_amount_fen),
                "service_ratio": format_percent(o.service_ratio_ppm),
                "promoter": format_yuan(o.promoter_amount_fen),
                "promoter_ratio": format_percent(o.promoter_ratio_ppm),
                "difference": difference % {"amount": format_yuan(o.difference_fen)} if o.difference_fen else "",
                "reason": reasons.get(o.reason, o.reason),
            }
        )
    return rows


class CommissionsView(PartnerMixin, TemplateView):
    """The agency's commission orders, filtered, a page at a time, with the totals of the whole filtered set."""

    template_name = "partner/commissions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = _commission_form(self.request, self.agency)
        result = selectors.commission_page_for_agency(
            agency=self.agency,
            filters=form.filters(),
            page=self.request.GET.get("page"),
            per_page=COMMISSIONS_PER_PAGE,
        )
        params = form.params()
        context.update(
            form=form,
            page=result.page,
            totals=result.totals,
            rows=commission_rows(result.page),
            query=_query(params),
            filtered=bool(params),
            advanced_open=bool(set(params) - {"shop", "status"}) or bool(form.errors),
        )
        return context


def commission_orders_table(rows) -> exports.Table:
    """The commission export: one row per commission order (order, SKU), amounts in yuan, ids as text. Headers and
    labels are translated now, in the request's language, before the rows stream."""
    statuses = dict(CommissionOrder.Status.choices)
    promoters = dict(CommissionOrder.Promoter.choices)
    reasons = dict(CommissionOrder._meta.get_field("reason").choices)
    yes, no = str(_("Yes")), str(_("No"))
    columns = [
        exports.Column(str(_("Order id")), exports.Kind.ID, width=22),
        exports.Column(str(_("SKU id")), exports.Kind.ID, width=16),
        exports.Column(str(_("Shop")), width=20),
        exports.Column(str(_("Shop AppID")), exports.Kind.ID, width=20),
        exports.Column(str(_("Product id")), exports.Kind.ID, width=16),
        exports.Column(str(_("Product")), width=36),
        exports.Column(str(_("Status")), width=10),
        exports.Column(str(_("Created")), exports.Kind.DATETIME, width=20),
        exports.Column(str(_("Paid")), exports.Kind.DATETIME, width=20),
        exports.Column(str(_("Settled at")), exports.Kind.DATETIME, width=20),
        exports.Column(str(_("Commissionable (¥)")), exports.Kind.MONEY, width=12),
        exports.Column(str(_("Promoted by")), width=12),
        exports.Column(str(_("Promoter")), width=20),
        exports.Column(str(_("Promoter id")), exports.Kind.ID, width=20),
        exports.Column(str(_("Promoter ratio (ppm)")), exports.Kind.INT, width=12),
        exports.Column(str(_("Promoter commission (¥)")), exports.Kind.MONEY, width=12),
        exports.Column(str(_("Service ratio (ppm)")), exports.Kind.INT, width=12),
        exports.Column(str(_("Service fee (¥)")), exports.Kind.MONEY, width=12),
        exports.Column(str(_("Difference (¥)")), exports.Kind.MONEY, width=12),
        exports.Column(str(_("Reason")), width=20),
        exports.Column(str(_("Self-referral")), width=8),
    ]

    def table_rows():
        for o in rows:
            yield (
                o.order_id,
                o.sku_id,
                o.shop_name,
                o.shop_appid,
                o.product_id,
                o.title,
                str(statuses.get(o.status, o.status)),
                o.create_time,
                o.pay_time,
                o.settled_at,
                o.actual_payment_fen,
                str(promoters.get(o.promoter_kind, o.promoter_kind)),
                o.promoter_nickname,
                o.promoter_id,
                o.promoter_ratio_ppm,
                o.promoter_amount_fen,
                o.service_ratio_ppm,
                o.service_amount_fen,
                o.difference_fen,
                str(reasons.get(o.reason, o.reason)) if o.reason else "",
                yes if o.self_referral else no,
            )

    return exports.Table(columns=columns, rows=table_rows())


class CommissionExportView(PartnerMixin, View):
    """The filtered commission orders as CSV or XLSX: the same filter as the list, so the file holds exactly the rows
    it counts. An invalid filter is refused whole (400) rather than left out of a file that would not say so."""

    http_method_names = ["get"]
    file_format = "csv"

    def get(self, request, *args, **kwargs):
        form = _commission_form(request, self.agency)
        if not form.is_valid():
            errors = [
                labelled(form.fields[name].label, error) if name in form.fields else error
                for name, field_errors in form.errors.items()
                for error in field_errors
            ]
            body = "\n".join([str(_("No file was made: these filters were not understood.")), *errors])
            return HttpResponseBadRequest(body + "\n", content_type="text/plain; charset=utf-8")
        rows = selectors.commission_orders_for_agency(agency=self.agency, filters=form.filters()).defer("raw")
        table = commission_orders_table(rows.iterator(chunk_size=EXPORT_CHUNK))
        parts = (str(_("commissions")), self.agency.name, timezone.localdate().strftime("%Y%m%d"))
        filename = exports.safe_filename(*parts, extension=self.file_format)
        if self.file_format == "xlsx":
            return exports.xlsx_response(table, filename=filename, sheet_name=str(_("Commissions")))
        return exports.csv_response(table, filename=filename)


# --- 推客 ------------------------------------------------------------------------------------------------------------


class SharersView(PartnerMixin, TemplateView):
    """The agency's 推客 with their commission settings and what they sold (commission orders they promoted)."""

    template_name = "partner/sharers.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = _paged(self.request, selectors.sharers_for_agency(agency=self.agency))
        sharers = list(page)
        results = selectors.sharer_results_for_agency(
            agency=self.agency, sharer_appids=[s.sharer_appid for s in sharers]
        )
        empty = selectors.SharerResults()
        context.update(
            page=page,
            rows=[
                {
                    "sharer": s,
                    "ratio_percent": _ratio_percent(s.commission_ratio),
                    "results": results.get(s.sharer_appid, empty),
                }
                for s in sharers
            ],
        )
        return context


def _ratio_percent(ratio: int | None) -> str:
    """A 推客's commission ratio (platform unit) as a percent with up to two decimals: 1550 → "15.5%"."""
    if ratio is None:
        return ""
    whole, part = divmod(ratio, services.SHARER_RATIO_PER_PERCENT)
    return f"{whole}.{part:02d}".rstrip("0").rstrip(".") + "%"


class SharerEditView(PartnerMixin, TemplateView):
    """Change a 推客's commission setting on the platform (affiliates.services.partner.sharer_commission_set)."""

    template_name = "partner/sharer_edit.html"
    form = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sharer = selectors.sharer_get_for_agency_or_404(agency=self.agency, pk=self.kwargs["pk"])
        initial = {"commission_type": sharer.commission_type}
        if sharer.commission_ratio is not None:
            initial["commission_ratio"] = _ratio_percent(sharer.commission_ratio).rstrip("%")
        context.update(sharer=sharer, form=self.form or SharerCommissionForm(initial=initial))
        return context

    def post(self, request, *args, **kwargs):
        sharer = selectors.sharer_get_for_agency_or_404(agency=self.agency, pk=self.kwargs["pk"])
        form = SharerCommissionForm(request.POST)
        if form.is_valid():
            try:
                services.sharer_commission_set(
                    agency=self.agency,
                    sharer=sharer,
                    commission_type=form.cleaned_data["commission_type"],
                    commission_ratio=form.ratio_units(),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The commission of %(sharer)s was changed.") % {"sharer": sharer})
                return redirect("partner:sharers")
        self.form = form
        return self.render_to_response(self.get_context_data(**kwargs))


# --- funds ---------------------------------------------------------------------------------------------------------


class FundsView(PartnerMixin, TemplateView):
    """The agency's balance on the platform (available, pending) and its funds flows."""

    template_name = "partner/funds.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = FundsFilterForm(self.request.GET)
        page = _paged(self.request, selectors.funds_flows_for_agency(agency=self.agency, funds_type=form.value("type")))
        context.update(
            form=form, page=page, flows=list(page), query=_query(form.params()), filtered=bool(form.params())
        )
        return context


# --- API keys ------------------------------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class APIKeysView(PartnerMixin, TemplateView):
    """The agency's API keys; a new key is shown once, on the page its creation answers with (never stored)."""

    template_name = "partner/api_keys.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", APIKeyCreateForm())
        context["keys"] = list(selectors.api_keys_for_agency(agency=self.agency))
        context["max_keys"] = services.MAX_USABLE_KEYS
        return context


class APIKeyCreateView(APIKeysView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = APIKeyCreateForm(request.POST)
        if form.is_valid():
            try:
                api_key, key = services.api_key_create(agency=self.agency, name=form.cleaned_data["name"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return self.render_to_response(self.get_context_data(created=api_key, new_key=key))
        return self.render_to_response(self.get_context_data(form=form))


class APIKeyRevokeView(PartnerMixin, TemplateView):
    """Revoking a key asks first (GET), then revokes (POST)."""

    template_name = "partner/confirm.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        api_key = selectors.api_key_get_for_agency_or_404(agency=self.agency, prefix=self.kwargs["prefix"])
        context.update(
            confirm_title=_("Revoke the key “%(name)s”?") % {"name": api_key.name},
            confirm_text=_(
                "Every request made with it is refused from now on. This cannot be undone: a system that still needs "
                "access gets a new key."
            ),
            confirm_label=_("Revoke"),
            cancel_url=reverse("partner:api_keys"),
            breadcrumb=_("API keys"),
        )
        return context

    def post(self, request, *args, **kwargs):
        api_key = selectors.api_key_get_for_agency_or_404(agency=self.agency, prefix=kwargs["prefix"])
        try:
            services.api_key_revoke(agency=self.agency, api_key=api_key)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The key “%(name)s” was revoked.") % {"name": api_key.name})
        return redirect("partner:api_keys")
