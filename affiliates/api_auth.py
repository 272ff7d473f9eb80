"""Who may call the agency API (``/api/v1/partner/``) and for which agency.

Two kinds of caller, one scope: an agency's API key (``Authorization: Api-Key <prefix>.<secret>``, the header
djangorestframework-api-key documents) or a signed-in member of the agency (session or API token). Either way the
view works within ``view.agency`` and nothing else. Console users and support staff are refused (403): the partner
API is not theirs, even read-only.

A key is checked against its hash before anything about it is told: an unknown prefix and a wrong secret both
answer "Invalid API key"; only the holder of the real secret learns that the key was revoked or has expired (401).
"""

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    TokenAuthentication,
    get_authorization_header,
)
from rest_framework.permissions import BasePermission

from affiliates.models import Agency, AgencyAPIKey
from affiliates.selectors.partner import agency_for_user

KEYWORD = "Api-Key"
# last_used_at is news to the agency's key list, not an access log: one UPDATE a minute per key at most.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class AgencyAPIKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>`` → ``request.auth`` is the agency's ``AgencyAPIKey`` (its agency loaded);
    ``request.user`` stays anonymous: a key acts for the agency, not for a person."""

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].decode("latin-1").lower() != KEYWORD.lower():
            return None  # not ours: the next authenticator (token, session) may know the caller
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the key as “Authorization: Api-Key <key>”, with no spaces in the key."), code="malformed_key"
            )
        try:
            key = words[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid API key."), code="invalid_key") from None
        api_key = self._verified(key)
        if api_key.revoked:
            raise exceptions.AuthenticationFailed(
                _("This API key was revoked. Create a new one on the partner portal's API keys page."),
                code="key_revoked",
            )
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(
                _("This API key expired. Create a new one on the partner portal's API keys page."),
                code="key_expired",
            )
        api_key_touch(api_key=api_key)
        return AnonymousUser(), api_key

    def authenticate_header(self, request):
        return KEYWORD

    @staticmethod
    def _verified(key: str) -> AgencyAPIKey:
        prefix, _dot, _secret = key.partition(".")
        api_key = AgencyAPIKey.objects.select_related("agency").filter(prefix=prefix).first()
        if api_key is None or not AgencyAPIKey.objects.key_generator.verify(key, api_key.hashed_key):
            raise exceptions.AuthenticationFailed(_("Invalid API key."), code="invalid_key")
        return api_key


def api_key_touch(*, api_key: AgencyAPIKey) -> None:
    """Stamp ``last_used_at`` when it is unset or older than a minute: one conditional UPDATE, no read, so
    concurrent requests with one key write it at most once a minute."""
    now = timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
    AgencyAPIKey.objects.filter(stale, pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


class IsAgencyCaller(BasePermission):
    """The caller is an agency (by key) or an agency's member (signed in); sets ``view.agency``. Console users
    and support staff are refused (``not_agency``), as is everyone of a suspended agency (``agency_suspended``)."""

    def has_permission(self, request, view):
        agency = self._agency(request)
        if agency is None:
            self.message, self.code = _("The partner API is for agencies: sign in with an agency's key."), "not_agency"
            return False
        if agency.status != Agency.Status.ACTIVE:
            self.message, self.code = _("This agency is suspended; its API is closed."), "agency_suspended"
            return False
        view.agency = agency
        return True

    @staticmethod
    def _agency(request) -> Agency | None:
        if isinstance(request.auth, AgencyAPIKey):
            return request.auth.agency
        if request.user.is_staff:  # support staff belong to the admin, even were they an agency's member
            return None
        return agency_for_user(request.user)  # None for a console user (and an anonymous one)


PARTNER_AUTHENTICATION = [
    AgencyAPIKeyAuthentication,
    # A member signed in to the portal (or holding an API token) reads the same data as the agency's keys.
    TokenAuthentication,
    SessionAuthentication,
]


class AgencyAPIKeyScheme(OpenApiAuthenticationExtension):
    """The key's security scheme in the OpenAPI schema."""

    target_class = AgencyAPIKeyAuthentication
    name = "agencyApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An agency's API key from the partner portal, sent as `Authorization: Api-Key <key>`.",
        }
