from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo behind ``make run``. It composes every app through its services; no app imports it."""

    name = "demo"
    verbose_name = _("Demo")
