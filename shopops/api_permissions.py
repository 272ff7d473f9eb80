"""Permission classes for shop- and agency-scoped API views.

Shop-scoped views take the shop's public id as the ``shop`` URL kwarg. A shop the user is not a member of
answers 404; a member whose role lacks the view's permission gets 403. Reads need ``Perm.VIEW``; writes need
the view's ``write_permission`` (``Perm.OPERATE`` unless it says otherwise).
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from shopops.access import Audience, audience_of
from shopops.roles import Perm, role_allows
from shopops.selectors import membership_get_for_user_or_404


class IsShopMember(BasePermission):
    def has_permission(self, request, view):
        if audience_of(request.user) != Audience.CONSOLE:
            return False
        membership = membership_get_for_user_or_404(user=request.user, shop_public_id=view.kwargs["shop"])
        view.shop, view.membership = membership.shop, membership
        needed = Perm.VIEW if request.method in SAFE_METHODS else getattr(view, "write_permission", Perm.OPERATE)
        return role_allows(membership.role, needed)


class IsAgencyMember(BasePermission):
    """Partner API: the caller must be an agency member; views scope every query to ``view.agency``."""

    def has_permission(self, request, view):
        if audience_of(request.user) != Audience.PARTNER:
            return False
        view.agency = request.user.agency_membership.agency
        return True
