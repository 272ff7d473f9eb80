"""Commissions in the console: every commission line beside the amount ShopOps expects, the lines with a
difference and why, and the report of commission and GMV by agency, talent, product or month, each with CSV and
XLSX downloads of exactly what the page shows.

Nothing here writes (the lines are refreshed by the order sync): viewing needs ``Perm.VIEW``, downloading
``Perm.EXPORT``. Each page runs a fixed number of queries whatever the number of lines: the totals (which also
count the rows for the pager), one page of rows, and the filter suggestions.
"""

from urllib.parse import quote, urlencode

from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from affiliates import exports
from affiliates.forms.commissions import CommissionFilterForm, ReportForm
from affiliates.models import CommissionLine, Reason
from affiliates.selectors import commissions as selectors
from affiliates.selectors.commissions import ReportBy
from shopops import exports as file_exports
from shopops.forms.orders import labelled
from shopops.money import format_percent, format_yuan
from shopops.roles import Perm
from shopops.views import ShopMixin

LINES_PER_PAGE = 50
REPORT_ROWS_PER_PAGE = 25
EXPORT_CHUNK = 2000
REASON_BADGES = {
    Reason.REFUND_CLAWBACK: "text-bg-info",
    Reason.PLAN_CHANGED: "text-bg-warning",
    Reason.NO_PLAN: "text-bg-secondary",
    Reason.PLATFORM_MISCOMPUTED: "text-bg-danger",
}
# Where each reason is looked into: the platform's own pages, since ShopOps cannot change a platform amount.
REASON_HINTS = {
    Reason.REFUND_CLAWBACK: _(
        "The platform and ShopOps do not yet agree on the refunds of this line; it usually settles with the next sync."
    ),
    Reason.PLAN_CHANGED: _("The platform used other terms of the same plan than the ones in force at payment."),
    Reason.NO_PLAN: _("No listed plan covered this product and promoter when the order was paid."),
    Reason.PLATFORM_MISCOMPUTED: _(
        "No plan terms explain the platform's amount. Raise it with WeChat Shop customer service (微信小店 → 客服中心) "
        "with the order id."
    ),
}


def _query(params: dict) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _refused(form) -> HttpResponseBadRequest:
    """An export whose filter was not understood is refused whole: a file without part of the filter would hold
    lines nobody asked for, and nothing in it would say so (like the order export)."""
    errors = [
        labelled(form.fields[name].label, error) if name in form.fields else error
        for name, messages in form.errors.items()
        for error in messages
    ]
    body = "\n".join([str(_("No file was made: these filters were not understood.")), *errors])
    return HttpResponseBadRequest(body + "\n", content_type="text/plain; charset=utf-8")


def _download(table, *, shop, name: str, file_format: str):
    filename = file_exports.safe_filename(
        name, shop.name, timezone.localdate().strftime("%Y%m%d"), extension=file_format
    )
    if file_format == "xlsx":
        return file_exports.xlsx_response(table, filename=filename, sheet_name=name)
    return file_exports.csv_response(table, filename=filename)


# --- the lists ------------------------------------------------------------------------------------------------------


def line_rows(lines, *, shop) -> list[dict]:
    """The page's lines with what each row shows already formatted (pay time in Beijing, amounts in yuan, labels
    translated once per page, the order's link): the page shows 50 of them, and per-row template filters, ``{% url
    %}`` and model attribute lookups cost more than the rest of the page."""
    tz = timezone.get_current_timezone()
    parties = {value: str(label) for value, label in CommissionLine.Party.choices}
    reasons = {value: str(label) for value, label in Reason.choices}
    placeholder = "0"  # an order id the URL pattern accepts, replaced by each row's own
    order_url = reverse("console:order_detail", kwargs={"shop": shop.public_id, "order_id": placeholder})
    url_head = order_url[: order_url.rindex(placeholder)]
    url_tail = order_url[order_url.rindex(placeholder) + len(placeholder) :]
    rows = []
    for line in lines:
        paid = line.pay_time.astimezone(tz) if line.pay_time else None
        rows.append(
            {
                "line": line,
                "order_url": url_head + quote(line.order_id) + url_tail,
                "paid_day": paid.strftime("%Y-%m-%d") if paid else "",
                "paid_time": paid.strftime("%H:%M") if paid else "",
                "party": parties.get(line.party, line.party),
                "paid": format_yuan(line.paid_fen),
                "refunded": format_yuan(line.refunded_fen) if line.refunded_fen else "",
                "platform": format_yuan(line.platform_amount_fen),
                "expected": format_yuan(line.expected_amount_fen),
                "ratio": format_percent(line.expected_ratio_ppm) if line.expected_ratio_ppm is not None else "",
                "difference": format_yuan(line.difference_fen) if line.difference_fen else "",
                "reason": reasons.get(line.reason, line.reason) if line.reason else "",
                "badge": REASON_BADGES.get(line.reason, ""),
                "hint": REASON_HINTS.get(line.reason, ""),
            }
        )
    return rows


class CommissionListView(ShopMixin, TemplateView):
    """The shop's commission lines, filtered, with totals over the whole filtered set and a page of rows."""

    permission = Perm.VIEW
    template_name = "affiliates/commissions/list.html"
    differences = False
    url_name = "console:affiliate_commissions"
    heading = _("优选联盟 commissions")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = CommissionFilterForm(self.request.GET, differences=self.differences)
        filters = form.filters()
        lines = selectors.commission_lines_for_shop(shop=self.shop, filters=filters)
        totals = selectors.commission_totals(shop=self.shop, filters=filters)
        paginator = Paginator(lines, LINES_PER_PAGE)
        paginator.count = totals.lines  # counted by the totals' query already
        page = paginator.get_page(self.request.GET.get("page"))
        params = form.params()
        context.update(
            form=form,
            differences=self.differences,
            url_name=self.url_name,
            heading=self.heading,
            rows=line_rows(page.object_list, shop=self.shop),
            page=page,
            totals=totals,
            by_reason=selectors.difference_totals_by_reason(shop=self.shop, filters=filters)
            if self.differences
            else [],
            hints=selectors.commission_filter_hints(shop=self.shop),
            filtered=bool(set(params) - {"differences"}),
            query=_query({k: v for k, v in params.items() if k != "differences"}),
            export_query=_query(params),
            reason_hints=REASON_HINTS,
        )
        return context


class DifferenceListView(CommissionListView):
    """The lines whose platform amount differs from the expected one, with totals per reason."""

    template_name = "affiliates/commissions/differences.html"
    differences = True
    url_name = "console:affiliate_differences"
    heading = _("Commission differences")


class CommissionExportView(ShopMixin, View):
    """The filtered commission lines as a file (``differences=1``: the difference list's lines)."""

    permission = Perm.EXPORT
    http_method_names = ["get"]
    file_format = "csv"

    def get(self, request, *args, **kwargs):
        form = CommissionFilterForm(request.GET, differences=request.GET.get("differences") == "1")
        if not form.is_valid():
            return _refused(form)
        lines = selectors.commission_lines_for_shop(shop=self.shop, filters=form.filters())
        table = exports.commission_lines_table(lines.iterator(chunk_size=EXPORT_CHUNK))
        name = str(_("Commission differences") if form.differences else _("Commissions"))
        return _download(table, shop=self.shop, name=name, file_format=self.file_format)


# --- the report -----------------------------------------------------------------------------------------------------

KEYS = {ReportBy.AGENCY: "agency_appid", ReportBy.TALENT: "party_id", ReportBy.PRODUCT: "product_id"}


def report_rows(rows, *, by: str, titles: dict[str, str]) -> list[dict]:
    """The report's groups as the page shows them: a key, a name, the sums, and the query string of the
    commission list filtered to the group."""
    out = []
    for row in rows:
        value = row[KEYS.get(by, "month")]
        if by == ReportBy.MONTH:
            key, name = value.strftime("%Y-%m"), ""
        else:
            key = value
            name = titles.get(value, "") if by == ReportBy.PRODUCT else row["name"] or ""
        party = {"party": CommissionLine.Party.TALENT} if by == ReportBy.TALENT else {}
        out.append({**row, "key": key, "name": name, "list_query": _query({by: key, **party})})
    return out


def report_chart(rows: list[dict], *, by: str) -> dict:
    """The chart's data (json_script): a label per group, GMV and commission in fen, the series' names."""
    if by == ReportBy.MONTH:
        labels = [row["key"] for row in rows]
    else:
        labels = [row["name"] or row["key"] or str(_("(no id)")) for row in rows]
    return {
        "labels": labels,
        "series": [
            {"label": str(_("GMV")), "fen": [row["gmv_fen"] for row in rows], "color": "#0d6efd"},
            {"label": str(_("Platform commission")), "fen": [row["platform_fen"] for row in rows], "color": "#fd7e14"},
        ],
        "line": by == ReportBy.MONTH,
    }


class CommissionReportView(ShopMixin, TemplateView):
    """Commission and GMV grouped by agency, talent, product or month, with a chart of the page's groups."""

    permission = Perm.VIEW
    template_name = "affiliates/commissions/reports.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ReportForm(self.request.GET)
        values = form.values()
        rows = selectors.commission_report_for_shop(shop=self.shop, **values)
        page = Paginator(rows, REPORT_ROWS_PER_PAGE).get_page(self.request.GET.get("page"))
        by = values["by"]
        titles = {}
        if by == ReportBy.PRODUCT:
            titles = selectors.product_titles(shop=self.shop, product_ids=[r["product_id"] for r in page.object_list])
        shown = report_rows(page.object_list, by=by, titles=titles)
        params = {
            "by": by,
            "month_from": values["month_from"].strftime("%Y-%m") if values["month_from"] else "",
            "month_to": values["month_to"].strftime("%Y-%m") if values["month_to"] else "",
        }
        context.update(
            form=form,
            by=by,
            rows=shown,
            page=page,
            totals=selectors.report_totals(rows),
            chart=report_chart(shown, by=by),
            query=_query(params),
        )
        return context


class ReportExportView(ShopMixin, View):
    """Every group of the report (not only the page's) as a file."""

    permission = Perm.EXPORT
    http_method_names = ["get"]
    file_format = "csv"

    def get(self, request, *args, **kwargs):
        form = ReportForm(request.GET)
        if not form.is_valid():
            return _refused(form)
        values = form.values()
        rows = selectors.commission_report_for_shop(shop=self.shop, **values)
        titles = selectors.product_titles(shop=self.shop) if values["by"] == ReportBy.PRODUCT else {}
        table = exports.commission_report_table(rows, by=values["by"], titles=titles)
        return _download(table, shop=self.shop, name=str(_("Commission report")), file_format=self.file_format)
