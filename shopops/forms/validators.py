"""The formats of the platform's identifiers and secrets, shared by every form that takes one."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

appid_validator = RegexValidator(r"^wx[0-9a-zA-Z]{16}$", _("An AppID is “wx” followed by 16 letters or digits."))
token_validator = RegexValidator(r"^[0-9a-zA-Z]{3,32}$", _("The Token is 3 to 32 letters or digits."))
aes_key_validator = RegexValidator(r"^[0-9a-zA-Z]{43}$", _("The EncodingAESKey is exactly 43 letters or digits."))
