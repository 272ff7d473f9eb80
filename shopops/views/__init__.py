"""The merchant console shell: sign-in, shop switching, shop settings and members (the home page: ``dashboard``)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django.views.i18n import set_language

from shopops import selectors, services
from shopops.access import session_start
from shopops.forms import ConsoleAuthenticationForm, MemberInviteForm, MemberRoleForm, ShopForm
from shopops.roles import ROLE_PERMISSIONS, Perm, Role, role_allows

# The language switcher must work on the login pages too.
set_language_view = login_not_required(set_language)


class AreaLoginView(auth_views.LoginView):
    """Login for one area (console or partner portal); stamps the session for its absolute lifetime."""

    redirect_authenticated_user = False

    def form_valid(self, form):
        response = super().form_valid(form)
        session_start(self.request)
        return response


class ConsoleLoginView(AreaLoginView):
    template_name = "console/login.html"
    authentication_form = ConsoleAuthenticationForm


class ConsoleLogoutView(auth_views.LogoutView):
    next_page = "console:login"


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password keeps this session and signs every other session of the user out."""

    template_name = "console/password_change.html"

    def get_success_url(self):
        return reverse("console:index")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed. Other sessions have been signed out."))
        return response


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
    template_name = "console/shop_form.html"
    form_class = ShopForm

    def form_valid(self, form):
        try:
            shop = services.shop_create(user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Shop “%(name)s” created. You are its owner.") % {"name": shop.name})
        return redirect("console:shop_home", shop=shop.public_id)


class ShopSettingsView(ShopMixin, FormView):
    permission = Perm.MANAGE_SHOP
    template_name = "console/shop_form.html"
    form_class = ShopForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["shop"] = self.shop
        return kwargs

    def get_initial(self):
        return {"name": self.shop.name, "appid": self.shop.appid, "status": self.shop.status}

    def form_valid(self, form):
        try:
            services.shop_update(shop=self.shop, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Shop settings saved."))
        return redirect("console:shop_settings", shop=self.shop.public_id)


class MemberListView(ShopMixin, FormView):
    """Members and their roles, with the invite form. Owners manage; everyone else may look."""

    template_name = "console/members.html"
    form_class = MemberInviteForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = selectors.memberships_for_shop(shop=self.shop)
        context["roles"] = Role.choices
        context["role_permissions"] = [(label, sorted(ROLE_PERMISSIONS[value])) for value, label in Role.choices]
        return context

    def post(self, request, *args, **kwargs):
        if not role_allows(self.membership.role, Perm.MANAGE_SHOP):
            raise PermissionDenied(_("Only owners can manage members."))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            membership = services.membership_invite(shop=self.shop, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(name)s joined as %(role)s.")
            % {"name": membership.user.username, "role": membership.get_role_display()},
        )
        return redirect("console:members", shop=self.shop.public_id)


class MemberRoleView(ShopMixin, View):
    permission = Perm.MANAGE_SHOP
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        member = selectors.member_get_or_404(shop=self.shop, membership_id=kwargs["pk"])
        form = MemberRoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a valid role."))
            return redirect("console:members", shop=self.shop.public_id)
        try:
            services.membership_change_role(membership=member, role=form.cleaned_data["role"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(name)s is now %(role)s.") % {"name": member.user.username, "role": member.get_role_display()},
            )
        return redirect("console:members", shop=self.shop.public_id)


class MemberRemoveView(ShopMixin, TemplateView):
    """GET asks for confirmation; POST removes."""

    permission = Perm.MANAGE_SHOP
    template_name = "console/member_remove.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["member"] = selectors.member_get_or_404(shop=self.shop, membership_id=self.kwargs["pk"])
        return context

    def post(self, request, *args, **kwargs):
        member = selectors.member_get_or_404(shop=self.shop, membership_id=kwargs["pk"])
        try:
            services.membership_remove(membership=member)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("console:members", shop=self.shop.public_id)
        messages.success(request, _("%(name)s was removed from the shop.") % {"name": member.user.username})
        if member.user_id == request.user.pk:
            return redirect("console:index")
        return redirect("console:members", shop=self.shop.public_id)
