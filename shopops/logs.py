"""Logging filters that settings.LOGGING installs (and gunicorn.conf.py reuses): no secret reaches a log line, and an
expected refusal is one warning line, not a traceback.

- ``MaskSecretsFilter`` sits on every handler. The platform takes the access token in the query string
  (``?access_token=…``), so any line that quotes a URL of a platform call would carry it: urllib3's debug lines for
  our own calls, and the request lines of the sandbox when runserver (``django.server``) or gunicorn serves it.
  The filter rewrites ``access_token=…`` (also ``component_access_token``, ``secret``, ``app_secret`` …) and the
  same keys in JSON to ``***``, in the message and in a traceback's text.
- ``RefusalWithoutTracebackFilter`` sits on ``django.request``, which logs a ``PermissionDenied`` (a member opening
  a page their role may not use) with the exception's traceback, as if it were a crash. The warning line stays;
  the traceback goes. Other refusals (another area's account, CSRF) are logged by Django without one already.
"""

import logging
import re

from django.core.exceptions import PermissionDenied

MASK = "***"
_SECRET_PARAM = re.compile(r"(?i)\b([a-z_]*(?:access_token|secret)=)[^&\s\"'#]+")
_SECRET_JSON = re.compile(r'(?i)("[a-z_]*(?:access_token|secret)"\s*:\s*")[^"]*(")')


def mask_secrets(text: str) -> str:
    """``text`` with the value of every access token or secret parameter (``key=value`` or ``"key": "value"``)
    replaced by ``***``."""
    return _SECRET_JSON.sub(rf"\g<1>{MASK}\g<2>", _SECRET_PARAM.sub(rf"\g<1>{MASK}", text))


class MaskSecretsFilter(logging.Filter):
    """Masks secrets in a record before any handler formats it (see ``mask_secrets``). Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
            masked = mask_secrets(message)
            if masked != message:
                record.msg, record.args = masked, ()
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = mask_secrets(record.exc_text)
            if record.stack_info:
                record.stack_info = mask_secrets(record.stack_info)
        except Exception:  # a broken record is the logging module's to report, never a reason to raise here
            pass
        return True


class RefusalWithoutTracebackFilter(logging.Filter):
    """Drops the traceback from django.request's "Forbidden (Permission denied)" warning; keeps the line."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if getattr(record, "status_code", None) == 403 and isinstance(exc, PermissionDenied):
            record.exc_info, record.exc_text = None, None
        return True
