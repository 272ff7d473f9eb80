"""What reaches the logs: no access token or secret in any line (our platform calls' URLs, runserver's and gunicorn's
request lines of the sandbox), and an expected refusal (403) as one warning line without a traceback.

``printed`` is what the handlers configured in settings.LOGGING write, read back from their stream: the text an
operator sees. ``caplog`` holds the records as pytest captured them.
"""

import io
import logging
import re
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from shopops.logs import mask_secrets
from shopops.models import PlatformToken
from shopops.platform import shop_client
from shopops.roles import Role
from tests.factories import MembershipFactory, ShopFactory

APPID, SECRET = "wx10g5afe000000001", "10g5afe5ecre70000000000000000001"
LOG_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"


@pytest.fixture
def printed():
    """The output of the configured handlers (root's console and runserver's), redirected into one buffer."""
    handlers = [
        handler
        for name in ("", "django", "django.server")
        for handler in logging.getLogger(name).handlers
        if type(handler) is logging.StreamHandler  # not pytest's capturing handlers
    ]
    assert handlers
    buffer = io.StringIO()
    previous = [handler.setStream(buffer) for handler in handlers]
    yield buffer
    for handler, stream in zip(handlers, previous, strict=True):
        if stream is not None:
            handler.setStream(stream)


def _lines(buffer: io.StringIO) -> list[str]:
    # axes reports every sign-in at INFO; it is not what these tests are about.
    return [line for line in buffer.getvalue().splitlines() if " axes." not in line]


# --- secrets ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            '"POST /sandbox/api/channels/ec/order/list/get?access_token=80_aB-c.d~e HTTP/1.1" 200 1112',
            '"POST /sandbox/api/channels/ec/order/list/get?access_token=*** HTTP/1.1" 200 1112',
        ),
        ("/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=abc123", None),
        ("?component_access_token=T1&x=1&authorizer_access_token=T2#top", None),
        ('{"access_token": "T1", "expires_in": 7200, "app_secret":"S"}', None),
        ("/channels/ec/order/get", "/channels/ec/order/get"),  # nothing to mask
        ("the access_token expired (42001)", "the access_token expired (42001)"),  # the word alone is no secret
    ],
)
def test_mask_secrets(text, masked):
    expected = {
        "/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=abc123": (
            "/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=***"
        ),
        "?component_access_token=T1&x=1&authorizer_access_token=T2#top": (
            "?component_access_token=***&x=1&authorizer_access_token=***#top"
        ),
        '{"access_token": "T1", "expires_in": 7200, "app_secret":"S"}': (
            '{"access_token": "***", "expires_in": 7200, "app_secret":"***"}'
        ),
    }
    assert mask_secrets(text) == (masked if masked is not None else expected[text])


@pytest.mark.django_db(transaction=True)
def test_a_platform_call_logs_its_url_without_the_access_token(live_sandbox, printed, caplog):
    call_command("sandbox_seed", shop=APPID, secret=SECRET, days=1, orders=1, agencies=0, verbosity=0)
    shop = ShopFactory(appid=APPID, app_secret=SECRET)
    caplog.set_level(logging.DEBUG, logger="urllib3")  # urllib3 logs each request's URL, query string included

    shop_client(shop).basics_info()

    token = PlatformToken.objects.get(appid=APPID).token
    assert len(token) > 20
    port = urlsplit(live_sandbox).port
    call_line = (
        rf'{LOG_TIME} DEBUG urllib3.connectionpool http://localhost:{port} "GET /sandbox/api/channels/ec/basics/info/'
        r'get\?access_token=\*\*\* HTTP/1\.1" 200 \S+'
    )
    assert [line for line in _lines(printed) if re.fullmatch(call_line, line)] != []
    assert token not in printed.getvalue()
    assert token not in caplog.text


def test_runserver_request_lines_of_the_sandbox_mask_the_token(printed):
    # As django.core.servers.basehttp.WSGIRequestHandler.log_message logs each request runserver serves.
    logging.getLogger("django.server").info(
        '"%s" %s %s',
        "POST /sandbox/api/channels/ec/order/list/get?access_token=sme5BJc146M5ZCoJWDAcPCUE HTTP/1.1",
        "200",
        "1112",
        extra={"request": None, "server_time": "03/Dec/2026 05:08:32", "status_code": 200},
    )
    assert printed.getvalue() == (
        '[03/Dec/2026 05:08:32] "POST /sandbox/api/channels/ec/order/list/get?access_token=*** HTTP/1.1" 200 1112\n'
    )


def test_an_exception_text_is_masked_too(printed):
    try:
        raise ValueError("GET https://api.weixin.qq.com/channels/ec/order/get?access_token=T0KEN failed")
    except ValueError:
        logging.getLogger("shopops.tests").exception("call failed")
    output = printed.getvalue()
    assert "T0KEN" not in output
    assert "ValueError: GET https://api.weixin.qq.com/channels/ec/order/get?access_token=*** failed\n" in output


def test_gunicorn_access_lines_mask_the_token():
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    logger = config["logger_class"].__new__(config["logger_class"])  # atoms() needs no set-up
    logger.cfg = SimpleNamespace()
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/sandbox/api/channels/ec/order/get?access_token=T0KEN",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/sandbox/api/channels/ec/order/get",
        "QUERY_STRING": "access_token=T0KEN",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=215, headers=[])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=5))
    assert (atoms["r"], atoms["q"]) == (
        "POST /sandbox/api/channels/ec/order/get?access_token=*** HTTP/1.1",
        "access_token=***",
    )
    assert "T0KEN" not in repr(atoms)


# --- expected refusals -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_role_refusal_is_one_warning_line_without_a_traceback(client, printed, caplog):
    analyst = MembershipFactory(role=Role.ANALYST)
    client.force_login(analyst.user)
    url = reverse("console:sync_now", kwargs={"shop": analyst.shop.public_id})

    assert client.post(url).status_code == 403

    refusals = [record for record in caplog.records if record.name == "django.request"]
    assert [(r.levelname, r.getMessage(), r.exc_info, r.exc_text) for r in refusals] == [
        ("WARNING", f"Forbidden (Permission denied): {url}", None, None)
    ]
    (line,) = _lines(printed)
    assert re.fullmatch(rf"{LOG_TIME} WARNING django\.request Forbidden \(Permission denied\): {url}", line)
    assert "Traceback" not in printed.getvalue()


@pytest.mark.django_db
def test_an_account_of_another_area_is_one_warning_line(client, agency_member, shop, printed, caplog):
    client.force_login(agency_member.user)
    url = reverse("console:shop_home", kwargs={"shop": shop.public_id})
    assert client.get(url).status_code == 403
    assert [(r.levelname, r.getMessage(), r.exc_info) for r in caplog.records if r.name == "django.request"] == [
        ("WARNING", f"Forbidden: {url}", None)
    ]
    (line,) = _lines(printed)
    assert re.fullmatch(rf"{LOG_TIME} WARNING django\.request Forbidden: {url}", line)


@pytest.mark.django_db
def test_a_csrf_refusal_is_one_warning_line(owner, printed, caplog):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)
    url = reverse("console:sync_now", kwargs={"shop": owner.shop.public_id})
    assert client.post(url).status_code == 403
    assert [(r.levelname, r.getMessage(), r.exc_info) for r in caplog.records if r.name.startswith("django.")] == [
        ("WARNING", f"Forbidden (CSRF cookie not set.): {url}", None)
    ]
    (line,) = _lines(printed)
    assert re.fullmatch(rf"{LOG_TIME} WARNING django\.security\.csrf Forbidden \(CSRF cookie not set\.\): {url}", line)


def test_other_errors_keep_their_traceback(printed):
    # Only the expected refusal loses it: a 500 is still logged with everything needed to fix it.
    try:
        raise PermissionDenied("not a refusal of a request")
    except PermissionDenied:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x", exc_info=True, extra={"status_code": 500}
        )
    assert "Traceback (most recent call last):" in printed.getvalue()
