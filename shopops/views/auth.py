"""Signing in and out of the console, and changing one's password."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shopops.access import session_start
from shopops.forms.auth import ConsoleAuthenticationForm


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
