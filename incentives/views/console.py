"""The 私域激励 pages of the merchant console: 激励对账 (reconciliation), 激励台账 (ledger, statements and their
downloads) and 本月预估 (this month's forecast). Figures come from the selectors (definitions there); each page runs
a fixed number of queries whatever the number of orders or entries."""

from datetime import date, timedelta

from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.http import urlencode
from django.views.generic import TemplateView, View

from incentives.exports import statement_csv_response, statement_xlsx_response
from incentives.models.ledger import LedgerAccount
from incentives.selectors.ledger import month_start, next_month, statement, statement_page
from incentives.selectors.reconciliation import Reason, reconciliation_differences, reconciliation_months
from incentives.selectors.rules import incentive_forecast
from shopops.views import ShopMixin

DIFFERENCES_PER_PAGE = 50


def _month_param(value: str | None) -> date | None:
    """``YYYY-MM`` → the month's first day; None when absent or not a month."""
    try:
        return date.fromisoformat(f"{value}-01") if value else None
    except ValueError:
        return None


class ReconciliationView(ShopMixin, TemplateView):
    template_name = "incentives/reconciliation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reason = self.request.GET.get("reason", "")
        reason = reason if reason in Reason.LABELS else ""
        month = _month_param(self.request.GET.get("month"))
        differences = reconciliation_differences(self.shop, reason=reason, month=month)
        page = Paginator(differences, DIFFERENCES_PER_PAGE).get_page(self.request.GET.get("page"))
        query = {"reason": reason, "month": month.strftime("%Y-%m") if month else ""}
        query = {key: value for key, value in query.items() if value}
        context.update(
            months=reconciliation_months(self.shop),
            page=page,
            reason=reason,
            month=month,
            reasons=Reason.CHOICES,
            query=urlencode(query),
        )
        return context


class LedgerView(ShopMixin, TemplateView):
    """Every account's balance, and the chosen month (default this month) per account: opening, debits, credits,
    closing, with links to the account's statement and its downloads. One query for the accounts."""

    template_name = "incentives/ledger.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        month = _month_param(self.request.GET.get("month")) or month_start(timezone.localdate())
        first, after = month_start(month), next_month(month)
        amount = "entries__amount_fen"
        before = Q(entries__journal__booked_on__lt=first)
        within = Q(entries__journal__booked_on__gte=first, entries__journal__booked_on__lt=after)
        accounts = (
            LedgerAccount.objects.for_shop(self.shop)
            .annotate(
                balance_fen=Coalesce(Sum(amount), 0),
                opening_fen=Coalesce(Sum(amount, filter=before), 0),
                debit_fen=Coalesce(Sum(amount, filter=within & Q(entries__amount_fen__gt=0)), 0),
                credit_fen=Coalesce(Sum(amount, filter=within & Q(entries__amount_fen__lt=0)), 0),
                closing_fen=Coalesce(Sum(amount, filter=Q(entries__journal__booked_on__lt=after)), 0),
            )
            .order_by("code")
        )  # fmt: skip
        rows = [{"account": a, "month_query": urlencode({"month": first.strftime("%Y-%m")})} for a in accounts]
        context.update(
            rows=rows,
            month=first,
            previous=month_start(first - timedelta(days=1)),
            following=after,
        )
        return context


class _StatementMixin(ShopMixin):
    """The downloads: every line of the month."""

    def statement(self):
        month = _month_param(self.request.GET.get("month")) or month_start(timezone.localdate())
        found = statement(self.shop, self.kwargs["code"], month)
        if found is None:  # no such account in this shop (another shop's code included)
            raise Http404
        return found


class StatementView(ShopMixin, TemplateView):
    """The month's statement a page of lines at a time (the downloads hold every line)."""

    template_name = "incentives/statement.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        month = _month_param(self.request.GET.get("month")) or month_start(timezone.localdate())
        found = statement_page(self.shop, self.kwargs["code"], month, self.request.GET.get("page"))
        if found is None:  # no such account in this shop (another shop's code included)
            raise Http404
        statement, page = found
        context.update(statement=statement, page=page, query=urlencode({"month": statement.month.strftime("%Y-%m")}))
        return context


class StatementCsvView(_StatementMixin, View):
    def get(self, request, *args, **kwargs):
        return statement_csv_response(self.statement())


class StatementXlsxView(_StatementMixin, View):
    def get(self, request, *args, **kwargs):
        return statement_xlsx_response(self.statement())


class ForecastView(ShopMixin, TemplateView):
    template_name = "incentives/forecast.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(forecast=incentive_forecast(self.shop))
        return context
