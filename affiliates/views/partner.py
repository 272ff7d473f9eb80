"""The agency (带货机构) partner portal shell."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from shopops.forms.auth import PartnerAuthenticationForm
from shopops.views.auth import AreaLoginView


class PartnerLoginView(AreaLoginView):
    template_name = "partner/login.html"
    authentication_form = PartnerAuthenticationForm
    next_page = "partner:home"


class PartnerLogoutView(auth_views.LogoutView):
    next_page = "partner:login"


@method_decorator(login_required(login_url="partner:login"), name="dispatch")
class PartnerMixin:
    """Every portal page works within the signed-in member's agency."""

    def dispatch(self, request, *args, **kwargs):
        self.agency = request.user.agency_membership.agency
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(agency=self.agency, **kwargs)


class PartnerHomeView(PartnerMixin, TemplateView):
    """The shops this agency cooperates with. Cooperations arrive with the alliance (优选联盟) features."""

    template_name = "partner/home.html"
