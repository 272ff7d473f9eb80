"""The merchant console's views, one module per feature (``auth``, ``shops``, ``members``, ``dashboard``,
``orders``, ``catalog``, ``sync``, ``connection``), and the shop scope they all start from."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from shopops import selectors
from shopops.roles import Perm, role_allows

# The language switcher must work on the login pages too.
set_language_view = login_not_required(set_language)


class ShopMixin:
    """Resolves the shop in the URL within the user's own shops (404 otherwise) and checks the role."""

    permission: Perm = Perm.VIEW

    def dispatch(self, request, *args, **kwargs):
        self.membership = selectors.membership_get_for_user_or_404(user=request.user, shop_public_id=kwargs["shop"])
        self.shop = self.membership.shop
        if not role_allows(self.membership.role, self.permission):
            raise PermissionDenied(_("Your role in this shop does not allow this."))
        if request.session.get("current_shop") != str(self.shop.public_id):
            request.session["current_shop"] = str(self.shop.public_id)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            shop=self.shop,
            membership=self.membership,
            can={perm.value: role_allows(self.membership.role, perm) for perm in Perm},
        )
        return context
