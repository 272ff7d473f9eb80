"""Linked-account history stores an action code and parameters, never text: whoever recorded an event, in whatever
language, each viewer reads it in their own (the console's history table, the admin inline). The migration that
introduced the parameters turns the old free texts (English or Chinese) into parameters, and back."""

import html
import re

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from linked_accounts.models import LinkedAccountEvent
from tests.factories import LinkedAccountFactory
from tests.helpers import console_url

DETAIL_CELL = re.compile(r'<td class="event-detail">(.*?)</td>', re.S)


def detail_column(client, shop, account, language: str) -> list[str]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(console_url("linked_account_detail", shop, pk=account.pk)).content.decode()
    return [html.unescape(cell.strip()) for cell in DETAIL_CELL.findall(page)]


@pytest.mark.django_db
def test_history_recorded_in_one_language_reads_in_the_viewers(owner_client, shop, staff_user, client):
    finder = LinkedAccountFactory(shop=shop, account_id="sphBound000001", nickname="官方视频号")
    mp = LinkedAccountFactory(shop=shop, kind="mp", account_id="wx0000000000000f01", nickname="生活号")
    binding = console_url("linked_account_binding", shop, pk=mp.pk)
    # A Chinese-speaking operator records the binding, an English-speaking one removes it.
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert owner_client.post(binding, {"finder": finder.pk}).status_code == 302
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert owner_client.post(binding, {"finder": ""}).status_code == 302

    assert [e.params for e in mp.events.order_by("id")] == [
        {"finder_id": "sphBound000001", "finder_nickname": "官方视频号"},
        {"finder_id": "", "finder_nickname": ""},
    ]
    # Latest first, each in the viewer's language.
    assert detail_column(owner_client, shop, mp, "en") == [
        "bound to no Channels account",
        "bound to 官方视频号 (sphBound000001)",
    ]
    assert detail_column(owner_client, shop, mp, "zh-hans") == ["未绑定视频号", "已绑定 官方视频号（sphBound000001）"]

    # Support staff read the same history in the admin, in theirs.
    client.force_login(staff_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    admin_page = client.get(reverse("admin:linked_accounts_linkedaccount_change", args=[mp.pk])).content.decode()
    assert "已绑定 官方视频号（sphBound000001）" in admin_page
    assert "未绑定视频号" in admin_page


@pytest.mark.django_db
def test_every_action_with_parameters_is_described_in_both_languages(shop):
    account = LinkedAccountFactory(shop=shop)

    def event(action, **params):
        return LinkedAccountEvent(shop=shop, linked_account=account, action=action, params=params)

    events = [
        event("invited", selling_identity="creator"),
        event("recorded", selling_identity="self_operated"),
        event("recorded"),
        event("selling_identity", **{"from": "self_operated", "to": "creator"}),
        event("selling_identity", **{"from": "", "to": "self_operated"}),
        event("display_off", reason="unlinked"),
        event("display_off", reason="replaced", by="新视频号"),
        event("display_off"),
        event("binding", finder_id="", finder_nickname=""),
        event("binding", finder_id="sph0001", finder_nickname=""),
        event("sidebar", configured=True),
        event("sidebar", configured=False),
        event("binding", legacy_text="从前的说明"),
        event("display_on"),
    ]
    with translation.override("en"):
        english = [e.describe() for e in events]
    with translation.override("zh-hans"):
        chinese = [e.describe() for e in events]

    assert english == [
        "Creator for other shops",
        "Shop's own products",
        "",
        "Shop's own products → Creator for other shops",
        "— → Shop's own products",
        "no longer linked",
        "replaced by 新视频号",
        "",
        "bound to no Channels account",
        "bound to sph0001 (sph0001)",
        "sidebar app set up",
        "sidebar app not set up",
        "从前的说明",
        "",
    ]
    assert chinese == [
        "达人带货",
        "店铺自营",
        "",
        "店铺自营 → 达人带货",
        "— → 店铺自营",
        "已不再关联",
        "已由 新视频号 替换",
        "",
        "未绑定视频号",
        "已绑定 sph0001（sph0001）",
        "侧边栏应用已配置",
        "侧边栏应用未配置",
        "从前的说明",
        "",
    ]


# --- the migration -----------------------------------------------------------------------------------------------


PARAMS_MIGRATION = ("linked_accounts", "0002_event_params_and_recorded_accounts")
BEFORE_PARAMS = ("linked_accounts", "0001_move_linked_accounts")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target if isinstance(target, list) else [target])


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_the_old_texts_into_parameters_and_back(shop):
    account = LinkedAccountFactory(shop=shop, invited_at=None)
    invited = LinkedAccountFactory(shop=shop, kind="mp", account_id="wx0000000000000f02", origin="invited")
    texts = [
        ("invited", "Shop's own products", {"selling_identity": "self_operated"}),
        ("invited", "达人带货", {"selling_identity": "creator"}),
        ("selling_identity", "店铺自营 → 达人带货", {"from": "self_operated", "to": "creator"}),
        ("selling_identity", "— → Shop's own products", {"from": "", "to": "self_operated"}),
        ("display_off", "已不再关联", {"reason": "unlinked"}),
        ("display_off", "replaced by 直播间 (二号)", {"reason": "replaced", "by": "直播间 (二号)"}),
        ("display_off", "已由 新号 替换", {"reason": "replaced", "by": "新号"}),
        ("binding", "bound to 官方 (号) (sph0002)", {"finder_id": "sph0002", "finder_nickname": "官方 (号)"}),
        ("binding", "已绑定 官方视频号（sph0003）", {"finder_id": "sph0003", "finder_nickname": "官方视频号"}),
        ("binding", "未绑定视频号", {"finder_id": "", "finder_nickname": ""}),
        ("sidebar", "侧边栏应用已配置", {"configured": True}),
        ("sidebar", "sidebar app not set up", {"configured": False}),
        ("sidebar", "something else entirely", {"legacy_text": "something else entirely"}),
        ("display_on", "", {}),
    ]
    events = [
        LinkedAccountEvent.objects.create(
            shop=shop, linked_account=account, action=action, occurred_at=account.linked_at, params=params
        )
        for action, _text, params in texts
    ]
    invited.invited_at = account.linked_at
    invited.save()

    try:
        migrate(BEFORE_PARAMS)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, detail FROM shopops_linkedaccountevent ORDER BY id")
            written_back = [detail for _pk, detail in cursor.fetchall()]
            # Reversed, every event reads as English text; now put back the texts as they were stored originally.
            for event, (_action, text, _params) in zip(events, texts, strict=True):
                cursor.execute("UPDATE shopops_linkedaccountevent SET detail = %s WHERE id = %s", [text, event.pk])
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert written_back == [
        "Shop's own products",
        "Creator for other shops",
        "Shop's own products → Creator for other shops",
        "— → Shop's own products",
        "no longer linked",
        "replaced by 直播间 (二号)",
        "replaced by 新号",
        "bound to 官方 (号) (sph0002)",
        "bound to 官方视频号 (sph0003)",
        "bound to no Channels account",
        "sidebar app set up",
        "sidebar app not set up",
        "something else entirely",
        "",
    ]
    assert [e.params for e in LinkedAccountEvent.objects.order_by("id")] == [params for *_, params in texts]
    # Where each account came from: invited when ShopOps invited it, else found on the platform.
    account.refresh_from_db()
    invited.refresh_from_db()
    assert (account.origin, invited.origin) == ("found", "invited")
