"""gunicorn reads this file from the directory it starts in (the README's deploy command and sandbox/server.py both
start it in the repository root).

Access log lines quote the request line, its query string and the referer, so a sandbox served by gunicorn would
log every ``?access_token=…`` the product sends it. Every access-log value goes through the same masking as the
Django logs (shopops/logs.py) before it is formatted.
"""

from gunicorn.glogging import Logger

from shopops.logs import mask_secrets


class MaskedLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask_secrets(value) if isinstance(value, str) else value for key, value in atoms.items()}


logger_class = MaskedLogger
