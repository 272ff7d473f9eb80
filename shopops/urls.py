from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from shopops.callbacks import push_callback
from shopops.views import set_language_view

admin.site.site_header = _("ShopOps support")
admin.site.site_title = _("ShopOps support")
admin.site.index_title = _("Support administration")


@login_not_required
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language_view, name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("shopops.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("wechat/callback/<uuid:shop>/", push_callback, name="wechat_callback"),
    path("partner/", include("affiliates.urls.partner")),
    path("", include("shopops.console_urls")),
]
if settings.SANDBOX_ENABLED:  # the WeChat platform emulator (sandbox/); off in production
    urlpatterns.insert(-1, path("sandbox/", include("sandbox.urls")))
