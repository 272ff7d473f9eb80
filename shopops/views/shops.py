"""Shop switching, creating a shop and its settings (the shop's home page is ``dashboard``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from shopops import selectors
from shopops.forms.shops import ShopForm
from shopops.roles import Perm
from shopops.services import shops as services
from shopops.views import ShopMixin


def index(request):
    """Send the user to the shop they used last, or their first shop, or the create-a-shop page."""
    shops = list(selectors.shops_for_user(user=request.user).values_list("public_id", flat=True)[:500])
    current = request.session.get("current_shop")
    for public_id in shops:
        if str(public_id) == current:
            return redirect("console:shop_home", shop=public_id)
    if shops:
        return redirect("console:shop_home", shop=shops[0])
    return render(request, "console/no_shops.html")


class ShopCreateView(FormView):
    """A new shop has a name only; its creator, now its owner, goes on to the connection page."""

    template_name = "console/shop_form.html"
    form_class = ShopForm

    def form_valid(self, form):
        try:
            shop = services.shop_create(user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Shop “%(name)s” created. You are its owner. Now connect it to WeChat Shop: enter its AppID and "
                "AppSecret."
            )
            % {"name": shop.name},
        )
        return redirect("console:connection", shop=shop.public_id)


class ShopSettingsView(ShopMixin, FormView):
    """The shop's name and status. The credentials are on the connection page."""

    permission = Perm.MANAGE_SHOP
    template_name = "console/shop_form.html"
    form_class = ShopForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["shop"] = self.shop
        return kwargs

    def get_initial(self):
        return {"name": self.shop.name, "status": self.shop.status}

    def form_valid(self, form):
        try:
            services.shop_update(shop=self.shop, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Shop settings saved."))
        return redirect("console:shop_settings", shop=self.shop.public_id)
