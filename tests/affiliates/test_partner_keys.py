"""API keys in the partner portal: a new key is shown once and works, only its hash is stored, names are checked,
revoking asks first and cannot be undone; every change leaves an audit entry with the member who made it."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from affiliates.models import AgencyAPIKey
from affiliates.services.partner import MAX_USABLE_KEYS
from tests.affiliates.test_partner import portal_data
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return portal_data()


@pytest.fixture
def a_client(client, data):
    client.force_login(data[0].user)
    return client


def _codes(form) -> dict[str, list[str]]:
    return {name: [error.code for error in errors.as_data()] for name, errors in form.errors.items()}


def test_a_new_key_is_shown_once_and_only_its_hash_is_kept(a_client, data):
    a, _b = data
    response = a_client.post(reverse("partner:api_key_create"), {"name": " 报表脚本 "})
    assert response.status_code == 200
    key = response.context["new_key"]
    created = AgencyAPIKey.objects.get(agency=a.agency, name="报表脚本")
    assert (response.context["created"], key.startswith(created.prefix + ".")) == (created, True)
    assert key not in (created.id, created.hashed_key)
    assert AgencyAPIKey.objects.get_from_key(key) == created
    assert f'value="{key}"' in response.content.decode()
    assert "no-cache" in response["Cache-Control"]
    # The list shows it by name and prefix, never the key again.
    listed = a_client.get(reverse("partner:api_keys"))
    assert key not in listed.content.decode()
    assert [k.name for k in listed.context["keys"]] == ["报表脚本", "甲的ERP"]


def test_creating_and_revoking_a_key_is_audited_with_the_member(a_client, data):
    a, _b = data
    a_client.post(reverse("partner:api_key_create"), {"name": "对账"})
    created = AgencyAPIKey.objects.get(agency=a.agency, name="对账")
    a_client.post(reverse("partner:api_key_revoke", kwargs={"prefix": created.prefix}))
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(AgencyAPIKey), object_pk=created.pk
    ).order_by("pk")
    assert [(e.action, e.actor_id) for e in entries] == [
        (LogEntry.Action.CREATE, a.user.pk),
        (LogEntry.Action.UPDATE, a.user.pk),
    ]
    assert entries[1].changes_dict["revoked"] == ["False", "True"]


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("", {"name": ["required"]}),
        ("   ", {"name": ["required"]}),
        ("甲的ERP", {"name": ["name_taken"]}),
        ("x" * 51, {"name": ["max_length"]}),
    ],
)
def test_a_bad_name_gets_a_field_error_and_no_key(a_client, name, codes):
    before = snapshot()
    response = a_client.post(reverse("partner:api_key_create"), {"name": name})
    assert response.status_code == 200
    assert _codes(response.context["form"]) == codes
    assert "new_key" not in response.context
    assert changes(before, snapshot()) == {}


def test_a_revoked_keys_name_may_be_used_again(a_client, data):
    a, _b = data
    AgencyAPIKey.objects.filter(pk=a.key.pk).update(revoked=True)
    response = a_client.post(reverse("partner:api_key_create"), {"name": "甲的ERP"})
    assert response.context["form"].errors == {}
    assert AgencyAPIKey.objects.filter(agency=a.agency, name="甲的ERP").count() == 2


def test_an_agency_has_at_most_so_many_usable_keys(a_client, data):
    a, _b = data
    for i in range(MAX_USABLE_KEYS - 1):
        AgencyAPIKey.objects.create_key(agency=a.agency, name=f"key{i}")
    before = snapshot()
    response = a_client.post(reverse("partner:api_key_create"), {"name": "one too many"})
    assert _codes(response.context["form"]) == {"name": ["too_many_keys"]}
    assert changes(before, snapshot()) == {}


def test_revoking_asks_first_then_the_key_no_longer_works(a_client, data):
    a, _b = data
    _row, key = AgencyAPIKey.objects.create_key(agency=a.agency, name="临时")
    row = AgencyAPIKey.objects.get(name="临时")
    url = reverse("partner:api_key_revoke", kwargs={"prefix": row.prefix})
    keys_page = a_client.get(reverse("partner:api_keys")).content.decode()
    assert f'href="{url}"' in keys_page
    confirm = a_client.get(url)
    assert (confirm.status_code, confirm.templates[0].name) == (200, "partner/confirm.html")
    assert AgencyAPIKey.objects.get(pk=row.pk).revoked is False
    response = a_client.post(url)
    assert (response.status_code, response.url) == (302, reverse("partner:api_keys"))
    assert AgencyAPIKey.objects.get(pk=row.pk).revoked is True
    assert AgencyAPIKey.objects.is_valid(key) is False


def test_revoking_a_revoked_key_is_refused(a_client, data):
    a, _b = data
    AgencyAPIKey.objects.filter(pk=a.key.pk).update(revoked=True)
    before = snapshot()
    response = a_client.post(reverse("partner:api_key_revoke", kwargs={"prefix": a.key.prefix}), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert changes(before, snapshot()) == {}
