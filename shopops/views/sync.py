"""Sync health (where each stream stands, why it stopped, the platform call log; sync now and backfill) and the
shop's platform connection (credentials, connection test, push settings)."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from shopops import selectors as shop_selectors
from shopops import services_connection as services
from shopops.forms import appid_validator
from shopops.roles import Perm
from shopops.selectors import sync as selectors
from shopops.views import ShopMixin

CALLS_PER_PAGE = 50
PUSH_REVEAL_SESSION_KEY = "push_settings_reveal"


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


class BackfillForm(forms.Form):
    since = forms.DateField(
        label=_("Backfill from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Orders and after-sales updated since 00:00 (Beijing time) of this day are read again."),
    )


class ApiCallFilterForm(forms.Form):
    endpoint = forms.ChoiceField(label=_("Endpoint"), required=False)
    errors_only = forms.BooleanField(label=_("Errors only"), required=False)
    day = forms.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, endpoints: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].choices = [("", _("All endpoints")), *((e, e) for e in endpoints)]


class StreamsContextMixin:
    """The stream cards, shared by the page and the partial that htmx polls while a stream is running."""

    def streams_context(self) -> dict:
        now = timezone.now()
        state = selectors.sync_state_for_shop(shop=self.shop)
        streams = selectors.sync_streams_for_shop(shop=self.shop, now=now, state=state)
        for stream in streams:
            stream.lag_text = duration_text(stream.lag)
        return {
            "now": now,
            "sync_state": state,
            "paused_until": state.paused_until if state and state.paused_until and state.paused_until > now else None,
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
        # No COUNT over the call log: it only grows. One more row than a page says whether there is a next one.
        try:
            page = max(1, int(self.request.GET.get("page", "1")))
        except ValueError:
            page = 1
        offset = (page - 1) * CALLS_PER_PAGE
        rows = list(calls[offset : offset + CALLS_PER_PAGE + 1])
        query = self.request.GET.copy()
        query.pop("page", None)
        today = timezone.localdate()
        context.update(
            alerts=shop_selectors.alerts_open_for_shop(shop=self.shop),
            calls=rows[:CALLS_PER_PAGE],
            calls_page=page,
            calls_has_next=len(rows) > CALLS_PER_PAGE,
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


# --- the shop's platform connection ----------------------------------------------------------------------------


class CredentialsForm(forms.Form):
    appid = forms.CharField(label=_("AppID"), max_length=32, validators=[appid_validator])
    app_secret = forms.CharField(
        label=_("AppSecret"),
        required=False,
        strip=True,
        validators=[RegexValidator(r"^[0-9a-zA-Z]{32}$", _("The AppSecret is 32 letters or digits."))],
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to keep the stored AppSecret."),
    )

    def __init__(self, *args, shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["app_secret"].widget.attrs["placeholder"] = _("Stored") if shop.app_secret else _("Not set")


SHOP_STATUS_LABELS = {
    "opening": _("Opening"),  # 开店中
    "open_finished": _("Open"),  # 开店完成
    "closing": _("Closing"),  # 关店中
    "close_finished": _("Closed"),  # 关店完成
}


# What the engine writes in InboundEvent.outcome (shopops.sync.engine.events), in the merchant's words.
EVENT_OUTCOMES = {
    "refreshed": _("the order or after-sale was refreshed"),
    "stored (no action for this event)": _("stored; this event needs no action"),
}


def masked(secret: str) -> str:
    """Enough of a stored secret to recognise it (its last four characters), never the secret itself."""
    return "•" * 8 + secret[-4:] if secret else ""


@method_decorator(never_cache, name="dispatch")
class ConnectionView(ShopMixin, TemplateView):
    """Owners enter the credentials, test them, and get the push settings to paste into the WeChat Shop backend.

    The push Token and EncodingAESKey are shown in full once: on the first page after they were generated, to the
    owner who generated them (a one-time flag in their session; the secrets themselves stay in the shop row).
    """

    permission = Perm.MANAGE_SHOP
    template_name = "console/connection/connection.html"
    form = None
    test_result = None

    def get(self, request, *args, **kwargs):
        # Any visit to a connection page uses the flag up, so it cannot linger to reveal them later.
        self.reveal = request.session.pop(PUSH_REVEAL_SESSION_KEY, None) == str(self.shop.public_id)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.reveal = False
        form = CredentialsForm(request.POST, shop=self.shop)
        if form.is_valid():
            try:
                services.shop_credentials_update(shop=self.shop, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Credentials saved. Test the connection to check them."))
                return redirect("console:connection", shop=self.shop.public_id)
        self.form = form
        return self.render_to_response(self.get_context_data(**kwargs))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shop = self.shop
        result = self.test_result
        last_event = selectors.inbound_event_latest(shop=shop)
        context.update(
            form=self.form or CredentialsForm(initial={"appid": shop.appid}, shop=shop),
            test_result=result,
            shop_status_text=SHOP_STATUS_LABELS.get(result.info.status, result.info.status)
            if result and result.ok
            else "",
            callback_url=self.request.build_absolute_uri(reverse("wechat_callback", kwargs={"shop": shop.public_id})),
            push_configured=bool(shop.push_token and shop.encoding_aes_key),
            reveal=self.reveal and bool(shop.push_token),
            push_token=shop.push_token if self.reveal else masked(shop.push_token),
            encoding_aes_key=shop.encoding_aes_key if self.reveal else masked(shop.encoding_aes_key),
            last_event=last_event,
            last_event_outcome=str(EVENT_OUTCOMES.get(last_event.outcome, last_event.outcome)) if last_event else "",
            pending_events=selectors.inbound_events_pending_count(shop=shop),
        )
        return context


class ConnectionTestView(ConnectionView):
    """POST only: calls basics/info/get now and shows what the platform answered on the connection page."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.reveal = False
        try:
            self.test_result = services.shop_connection_test(shop=self.shop)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("console:connection", shop=self.shop.public_id)
        return self.render_to_response(self.get_context_data(**kwargs))


class PushSettingsGenerateView(ShopMixin, View):
    permission = Perm.MANAGE_SHOP
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        replaced = bool(self.shop.push_token)
        services.shop_push_settings_generate(shop=self.shop)
        request.session[PUSH_REVEAL_SESSION_KEY] = str(self.shop.public_id)
        if replaced:
            messages.warning(
                request,
                _(
                    "New push settings generated. The old ones no longer work: enter these in the WeChat Shop "
                    "backend now."
                ),
            )
        else:
            messages.success(request, _("Push settings generated. Enter them in the WeChat Shop backend now."))
        return redirect("console:connection", shop=self.shop.public_id)
