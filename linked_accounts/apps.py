from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkedAccountsConfig(AppConfig):
    name = "linked_accounts"
    verbose_name = _("Linked accounts")
