from django.utils.functional import SimpleLazyObject

from shopops.access import Audience, audience_of
from shopops.selectors import shops_for_user


def console(request):
    """The shop switcher's list, evaluated only by pages that show it (one query)."""
    user = getattr(request, "user", None)
    if user is None or audience_of(user) != Audience.CONSOLE:
        return {}
    return {"switcher_shops": SimpleLazyObject(lambda: list(shops_for_user(user=user)[:200]))}
