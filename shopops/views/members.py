"""A shop's members and their roles. Owners manage; everyone else may look."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from shopops import selectors
from shopops.forms.members import MemberInviteForm, MemberRoleForm
from shopops.roles import ROLE_PERMISSIONS, Perm, Role, role_allows
from shopops.services import members as services
from shopops.views import ShopMixin


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
