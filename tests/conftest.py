import pytest
from axes.models import AccessAttempt
from django.core.servers.basehttp import WSGIRequestHandler
from django.db import connections
from django_q.brokers import get_broker
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from shopops.platform import DbTokenStore
from tests.factories import AgencyMemberFactory, MembershipFactory, UserFactory


@pytest.fixture
def live_sandbox(live_server, settings):
    """The product talks to the sandbox that ``live_server`` serves, over real HTTP, with no token cached
    from another test (before or after)."""
    settings.WECHAT_API_BASE = live_server.url + "/sandbox/api"
    DbTokenStore._local.clear()
    yield settings.WECHAT_API_BASE
    DbTokenStore._local.clear()


@pytest.fixture
def queue(db):
    """The tasks waiting in the configured broker (ORM by default, Redis when REDIS_URL is set, as in CI), in the
    order they were queued: ``queue()`` lists them as django-q2 task dicts (func, args, group…)."""
    broker = get_broker()
    broker.purge_queue()

    def queued() -> list[dict]:
        if type(broker).__name__ == "ORM":
            payloads = list(OrmQ.objects.order_by("pk").values_list("payload", flat=True))
        else:
            payloads = broker.connection.lrange(broker.list_key, 0, -1)
        return [SignedPackage.loads(payload) for payload in payloads]

    yield queued
    broker.purge_queue()


@pytest.fixture
def owner(db):
    return MembershipFactory(role="owner")


@pytest.fixture
def shop(owner):
    return owner.shop


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner.user)
    return client


@pytest.fixture
def agency_member(db):
    return AgencyMemberFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def no_lockouts(db):
    yield
    AccessAttempt.objects.all().delete()


# The live server writes a response's status line and headers in separate small sends; with Nagle's algorithm on,
# the second waits for the client's delayed ACK (40 ms on Linux) on every request. Production servers set
# TCP_NODELAY; so does the test server now.
WSGIRequestHandler.disable_nagle_algorithm = True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _no_persistent_connections():
    # Live-server request threads would otherwise keep PostgreSQL connections open past the run, and the test
    # database could not be dropped.
    for alias in connections.settings:
        if connections.settings[alias]["ENGINE"] == "django.db.backends.postgresql":
            connections.settings[alias]["CONN_MAX_AGE"] = 0
