"""Calendar days as the platform counts them: in the project's time zone (``settings.TIME_ZONE``, Asia/Shanghai),
whatever zone a request activated. Roll-ups, the home page and the campaign pages all cut days here."""

import zoneinfo
from datetime import date, datetime

from django.conf import settings


def project_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def pay_day(moment: datetime) -> date:
    """The Beijing calendar day of an aware datetime."""
    return moment.astimezone(project_tz()).date()
