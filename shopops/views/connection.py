"""The shop's platform connection: credentials, the connection test and the push settings. Owners only."""

from cryptography.fernet import InvalidToken
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from shopops.fields import encrypt, fernet
from shopops.forms.connection import CredentialsForm, PushSettingsForm
from shopops.roles import Perm
from shopops.selectors import sync as selectors
from shopops.services import connection as services
from shopops.views import ShopMixin

PUSH_REVEAL_SESSION_KEY = "push_settings_reveal"
PENDING_CREDENTIALS_SESSION_KEY = "credentials_pending"
PENDING_CREDENTIALS_MAX_AGE_S = 10 * 60


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


CONFIRMATION_EXPIRED = _("The confirmation has expired. Enter the new credentials again.")


def pending_credentials(pending, *, shop) -> tuple[str, str]:
    """The AppID and AppSecret waiting in the session for the owner's confirmation to replace working credentials.

    Refused (``confirmation_expired``) when there are none, they were asked for another shop, they are older than
    ``PENDING_CREDENTIALS_MAX_AGE_S`` (the encrypted AppSecret's own Fernet timestamp decides) or the AppSecret
    cannot be decrypted (e.g. the encryption keys were rotated since): the owner enters them again.
    """
    expired = ValidationError(CONFIRMATION_EXPIRED, code="confirmation_expired")
    if not isinstance(pending, dict) or pending.get("shop") != str(shop.public_id):
        raise expired
    try:
        token = str(pending.get("app_secret", "")).encode()
        return str(pending.get("appid", "")), fernet().decrypt(token, ttl=PENDING_CREDENTIALS_MAX_AGE_S).decode()
    except (InvalidToken, UnicodeDecodeError):
        raise expired from None


# The forms of these views carry the secrets: never in an error report.
_SENSITIVE = sensitive_post_parameters("app_secret", "push_token", "encoding_aes_key")


@method_decorator(never_cache, name="dispatch")
@method_decorator(_SENSITIVE, name="dispatch")
class ConnectionView(ShopMixin, TemplateView):
    """Owners enter the credentials (tested before they are saved), test them, and get the push settings to paste
    into the WeChat Shop backend, or enter the ones already there.

    The push Token and EncodingAESKey are shown in full once: on the first page after they were generated, to the
    owner who generated them (a one-time flag in their session; the secrets themselves stay in the shop row).

    Replacing credentials that still work takes a second step: the page asks, naming the shop each pair connects,
    and the new pair waits in the owner's session (its AppSecret encrypted, for ten minutes at most) until they
    confirm. Every request to a connection view takes it out of the session first; only the confirmation uses it.
    """

    permission = Perm.MANAGE_SHOP
    template_name = "console/connection/connection.html"
    form = None
    push_form = None
    test_result = None
    confirm = None  # the confirm_replace refusal, while the owner is asked
    confirm_appid = ""
    pending = None  # the pair waiting for the confirmation, taken out of the session

    def dispatch(self, request, *args, **kwargs):
        # Whatever this request is, the pending pair does not outlive it: the confirmation uses it, anything
        # else (another credentials POST, push settings, a connection test, a visit) drops it.
        self.pending = request.session.pop(PENDING_CREDENTIALS_SESSION_KEY, None)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        # A visit uses the reveal flag up, so it cannot linger to show the push settings later.
        self.reveal = request.session.pop(PUSH_REVEAL_SESSION_KEY, None) == str(self.shop.public_id)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.reveal = False
        action = request.POST.get("action", "credentials")
        if action == "push":
            return self._post_push(request, **kwargs)
        if action == "confirm_replace":
            return self._post_confirm(request, **kwargs)
        form = CredentialsForm(request.POST)
        if form.is_valid():
            return self._replace(request, form, replace_working=False, **kwargs)
        self.form = form
        return self.render_to_response(self.get_context_data(**kwargs))

    def _replace(self, request, form, *, replace_working: bool, **kwargs):
        appid, app_secret = form.cleaned_data["appid"], form.cleaned_data["app_secret"]
        try:
            result = services.shop_credentials_replace(
                shop=self.shop, appid=appid, app_secret=app_secret, replace_working=replace_working
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "confirm_replace":
                request.session[PENDING_CREDENTIALS_SESSION_KEY] = {
                    "shop": str(self.shop.public_id),
                    "appid": appid,
                    "app_secret": encrypt(app_secret),  # its Fernet timestamp dates it
                }
                self.confirm, self.confirm_appid = exc, appid
            else:
                form.add_error(None, exc)
            self.form = form
            return self.render_to_response(self.get_context_data(**kwargs))
        messages.success(
            request,
            _("WeChat Shop accepted the credentials and they are saved: they connect the shop “%(name)s”.")
            % {"name": result.info.nickname},
        )
        return redirect("console:connection", shop=self.shop.public_id)

    def _post_confirm(self, request, **kwargs):
        try:
            appid, app_secret = pending_credentials(self.pending, shop=self.shop)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("console:connection", shop=self.shop.public_id)
        form = CredentialsForm({"appid": appid, "app_secret": app_secret})
        form.is_valid()  # checked before they were stored in the session
        return self._replace(request, form, replace_working=True, **kwargs)

    def _post_push(self, request, **kwargs):
        form = PushSettingsForm(request.POST)
        if form.is_valid():
            services.shop_push_settings_set(shop=self.shop, **form.cleaned_data)
            messages.success(request, _("Push settings saved. The next push from WeChat Shop proves them."))
            return redirect("console:connection", shop=self.shop.public_id)
        self.push_form = form
        return self.render_to_response(self.get_context_data(**kwargs))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shop = self.shop
        result = self.test_result
        last_event = selectors.inbound_event_latest(shop=shop)
        context.update(
            form=self.form or CredentialsForm(initial={"appid": shop.appid}),
            confirm=self.confirm,
            confirm_appid=self.confirm_appid,
            stored_secret=masked(shop.app_secret),
            push_form=self.push_form or PushSettingsForm(),
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


@method_decorator(_SENSITIVE, name="dispatch")
class PushSettingsGenerateView(ShopMixin, View):
    permission = Perm.MANAGE_SHOP
    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        request.session.pop(PENDING_CREDENTIALS_SESSION_KEY, None)  # as on every connection view
        return super().dispatch(request, *args, **kwargs)

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
