from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

from shopops.access import Audience, audience_of, session_expired

# URL namespace -> the audience allowed there. Namespaces not listed (admin, api, i18n) decide for themselves.
NAMESPACE_AUDIENCE = {"console": Audience.CONSOLE, "partner": Audience.PARTNER}


class SessionLifetimeMiddleware:
    """Signs out a session past its absolute lifetime or idle timeout (see shopops.access)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            session_expired(request)
        return self.get_response(request)


class AudienceMiddleware:
    """Refuses a signed-in user in an area that is not theirs: portal users never see the console and back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        wanted = NAMESPACE_AUDIENCE.get(match.namespaces[0] if match and match.namespaces else "")
        if wanted is None or not request.user.is_authenticated:
            return None
        if getattr(view_func, "audience_exempt", False):
            return None
        actual = audience_of(request.user)
        if actual == wanted:
            return None
        return render(request, "wrong_audience.html", {"audience": actual}, status=403)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user picked another language with the switcher (a cookie).

    The browser's Accept-Language is not consulted: merchants' shared office machines often run English
    systems, and the product is Chinese first.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
