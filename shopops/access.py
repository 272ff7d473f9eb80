"""Who may enter which part of the site.

Accounts have one audience each: support staff use the admin, agency members the partner portal, everyone else
the merchant console. A signed-in user outside the audience of an area is refused there.
"""

import time

from django.conf import settings
from django.contrib.auth import logout


class Audience:
    CONSOLE = "console"
    PARTNER = "partner"
    STAFF = "staff"


def is_partner_user(user) -> bool:
    # The reverse one-to-one from affiliates.AgencyMember; shopops must not import the affiliates app.
    return user.is_authenticated and hasattr(user, "agency_membership")


def audience_of(user) -> str | None:
    if not user.is_authenticated:
        return None
    if user.is_staff:
        return Audience.STAFF
    if is_partner_user(user):
        return Audience.PARTNER
    return Audience.CONSOLE


def session_start(request) -> None:
    """Stamp a fresh login; the absolute session lifetime counts from here."""
    now = int(time.time())
    request.session["auth_started"] = now
    request.session["last_seen"] = now


def session_expired(request) -> bool:
    """Enforce the absolute lifetime and the idle timeout; refresh the idle clock at most once a minute."""
    now = int(time.time())
    started = request.session.setdefault("auth_started", now)
    last_seen = request.session.setdefault("last_seen", now)
    if now - started > settings.SESSION_COOKIE_AGE or now - last_seen > settings.SESSION_IDLE_TIMEOUT:
        logout(request)
        return True
    if now - last_seen >= 60:
        request.session["last_seen"] = now
    return False
