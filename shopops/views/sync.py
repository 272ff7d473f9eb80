"""Sync health: where each stream stands, why it stopped, the platform call log; sync now and backfill. The shop's
platform connection is in ``shopops.views.connection``."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from shopops import selectors as shop_selectors
from shopops.forms.sync import ApiCallFilterForm, BackfillForm
from shopops.roles import Perm
from shopops.selectors import sync as selectors
from shopops.services import sync as services
from shopops.views import ShopMixin

CALLS_PER_PAGE = 50


def duration_text(delta: timedelta | None) -> str:
    """A lag in the largest two units that matter: "45 s", "12 min", "2 h 5 min", "3 d 4 h"."""
    if delta is None:
        return "—"
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return str(_("%(days)d d %(hours)d h") % {"days": days, "hours": hours})
    if hours:
        return str(_("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes})
    if minutes:
        return str(_("%(minutes)d min") % {"minutes": minutes})
    return str(_("%(seconds)d s") % {"seconds": secs})


# --- sync health -------------------------------------------------------------------------------------------------


class StreamsContextMixin:
    """The stream cards, shared by the page and the partial that htmx polls while a stream is running."""

    def streams_context(self) -> dict:
        now = timezone.now()
        state = selectors.sync_state_for_shop(shop=self.shop)
        streams = selectors.sync_streams_for_shop(shop=self.shop, now=now, state=state)
        for stream in streams:
            stream.lag_text = duration_text(stream.lag)
        paused_until = state.paused_until if state and state.paused_until and state.paused_until > now else None
        return {
            "now": now,
            "sync_state": state,
            "paused_until": paused_until,
            "pause_summary": selectors.error_summary(selectors.error_class_of(state.pause_reason))
            if paused_until and state.pause_reason
            else "",
            "streams": streams,
            "any_running": any(stream.running for stream in streams),
        }


class SyncHealthView(StreamsContextMixin, ShopMixin, TemplateView):
    template_name = "console/sync/health.html"
    backfill_form = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.streams_context())
        endpoints = selectors.api_call_endpoints(shop=self.shop, now=context["now"])
        filters_form = ApiCallFilterForm(self.request.GET or None, endpoints=endpoints)
        filters = filters_form.cleaned_data if filters_form.is_valid() else {}
        calls = selectors.api_calls_for_shop(
            shop=self.shop,
            endpoint=filters.get("endpoint") or "",
            errors_only=bool(filters.get("errors_only")),
            day=filters.get("day"),
        )
        rows, page, has_next = selectors.api_calls_page(
            calls, page=self.request.GET.get("page"), per_page=CALLS_PER_PAGE
        )
        for call in rows:
            # The error column leads with what happened in plain words; the class name stays as the detail.
            call.error_summary = selectors.error_summary(call.error)
            call.endpoint_parts = call.endpoint.split("/")  # the template offers a line break after each slash
        query = self.request.GET.copy()
        query.pop("page", None)
        today = timezone.localdate()
        context.update(
            alerts=shop_selectors.alerts_open_for_shop(shop=self.shop),
            calls=rows,
            calls_page=page,
            calls_has_next=has_next,
            calls_query=query.urlencode(),
            calls_filtered=bool(filters.get("endpoint") or filters.get("errors_only") or filters.get("day")),
            filters_form=filters_form,
            backfill_form=self.backfill_form or BackfillForm(),
            backfill_min=services.backfill_earliest(today=today).isoformat(),
            backfill_max=today.isoformat(),
        )
        return context


class SyncProgressView(StreamsContextMixin, ShopMixin, TemplateView):
    """The stream cards alone, for htmx to poll every 2 s; the fragment stops the polling once nothing runs."""

    template_name = "console/sync/_streams.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.streams_context())
        return context


class SyncNowView(ShopMixin, View):
    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.sync_now_request(shop=self.shop)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Sync queued: orders, after-sales and products are read in the background within a minute.")
            )
        return redirect("console:sync_health", shop=self.shop.public_id)


class SyncBackfillView(SyncHealthView):
    """POST only: a valid date queues the backfill; an invalid one shows the sync page with the form's errors."""

    permission = Perm.OPERATE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = BackfillForm(request.POST)
        if form.is_valid():
            try:
                start = services.sync_backfill_request(shop=self.shop, since=form.cleaned_data["since"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Backfill queued: everything updated since %(since)s is read again in the background.")
                    % {"since": timezone.localtime(start).strftime("%Y-%m-%d %H:%M")},
                )
                return redirect("console:sync_health", shop=self.shop.public_id)
        self.backfill_form = form
        return self.render_to_response(self.get_context_data(**kwargs))
