"""Writes for agencies (带货机构) and their partner-portal members. Each service checks its rule, runs atomically and
refuses with a ``ValidationError`` carrying a stable code, changing nothing: ``credentials_incomplete``,
``unknown_user``, ``console_user``, ``already_member``.

Row changes are recorded by django-auditlog (shopops.audit) with the acting user taken from the request; the
agency's AppSecret is encrypted at rest and left out of the log.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from affiliates.models import Agency, AgencyMember


@transaction.atomic
def agency_create(*, name: str, appid: str = "", app_secret: str = "") -> Agency:
    """Create an agency, with the appid and AppSecret of its platform account when it has one (both or neither:
    ``credentials_incomplete``, an error of ``appid``)."""
    agency = Agency(name=name.strip())
    _credentials_set(agency, appid=appid, app_secret=app_secret)
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def agency_credentials_set(*, agency: Agency, appid: str, app_secret: str) -> Agency:
    """Give the agency the appid and AppSecret of its platform account (both or neither: ``credentials_incomplete``)."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    _credentials_set(agency, appid=appid, app_secret=app_secret)
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def agency_update(*, agency: Agency, name: str, status: str) -> Agency:
    """Rename the agency or change its status (a suspended agency's portal stays closed)."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    agency.name, agency.status = name.strip(), status
    agency.full_clean()
    agency.save(update_fields=["name", "status", "updated_at"])
    return agency


def agency_credentials_check(*, appid: str, app_secret: str) -> None:
    """Refused (``credentials_incomplete``, an error of ``appid``) unless both or neither are given."""
    if bool(appid.strip()) != bool(app_secret.strip()):
        raise ValidationError(
            {
                "appid": ValidationError(
                    _("Enter both the agency's AppID and its AppSecret, or neither."), code="credentials_incomplete"
                )
            }
        )


def _credentials_set(agency: Agency, *, appid: str, app_secret: str) -> None:
    agency_credentials_check(appid=appid, app_secret=app_secret)
    agency.appid, agency.app_secret = appid.strip(), app_secret.strip()


def agency_member_add_check(*, user, username: str = "") -> None:
    """A portal account belongs to one agency and is never a console account. Refused (``unknown_user``) for a
    missing (None: ``username`` names who was asked for) or inactive user, (``console_user``) for support staff
    and shop members, (``already_member``) for a member of an agency."""
    if user is None or not user.is_active:
        name = user.username if user is not None else username
        raise ValidationError(_("No user is called “%(name)s”."), code="unknown_user", params={"name": name})
    if user.is_staff or user.memberships.exists():
        raise ValidationError(
            _("%(name)s signs in to the console; a partner portal account must be a separate one."),
            code="console_user",
            params={"name": user.username},
        )
    if AgencyMember.objects.filter(user=user).exists():
        raise ValidationError(
            _("%(name)s is already a member of an agency."), code="already_member", params={"name": user.username}
        )


@transaction.atomic
def agency_member_add(*, agency: Agency, username: str) -> AgencyMember:
    """Give an existing user, by username, the agency's partner portal. Refusals are errors of ``username``."""
    user = get_user_model().objects.filter(username=username).first()
    try:
        agency_member_add_check(user=user, username=username)
    except ValidationError as exc:
        raise ValidationError({"username": exc}) from None
    return AgencyMember.objects.create(agency=agency, user=user)
