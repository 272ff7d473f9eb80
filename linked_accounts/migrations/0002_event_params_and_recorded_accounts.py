"""Linked-account events carry a code and parameters instead of a text made in the actor's language; linked
accounts say where they came from (invited, recorded by an operator, found on the platform).

The old ``detail`` texts were written in the language of the request that made them (English or Chinese). Those of
a known shape become parameters; any other text is kept as ``params["legacy_text"]`` and shown as it was.
``detail`` itself is dropped by the next migration, so that on PostgreSQL this data step and the column change do
not share a transaction.
"""

import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

IDENTITIES = {
    "Shop's own products": "self_operated",
    "店铺自营": "self_operated",
    "Creator for other shops": "creator",
    "达人带货": "creator",
}
UNLINKED = {"no longer linked", "已不再关联"}
REPLACED = (re.compile(r"^replaced by (?P<name>.+)$"), re.compile(r"^已由 (?P<name>.+) 替换$"))
UNBOUND = {"bound to no Channels account", "未绑定视频号"}
BOUND = (
    re.compile(r"^bound to (?P<name>.*) \((?P<id>[^()]+)\)$"),
    re.compile(r"^已绑定 (?P<name>.*)（(?P<id>[^（）]+)）$"),
)
SIDEBAR = {
    "sidebar app set up": True,
    "侧边栏应用已配置": True,
    "sidebar app not set up": False,
    "侧边栏应用未配置": False,
}


def legacy_params(action: str, detail: str) -> dict:
    """The parameters an event of ``action`` with the old free-text ``detail`` stands for; the text itself as
    ``legacy_text`` when its shape is not known."""
    if not detail:
        return {}
    if action == "invited" and detail in IDENTITIES:
        return {"selling_identity": IDENTITIES[detail]}
    if action == "selling_identity" and " → " in detail:
        before, after = detail.split(" → ", 1)
        if (before == "—" or before in IDENTITIES) and after in IDENTITIES:
            return {"from": IDENTITIES.get(before, ""), "to": IDENTITIES[after]}
    if action == "display_off":
        if detail in UNLINKED:
            return {"reason": "unlinked"}
        for pattern in REPLACED:
            if match := pattern.match(detail):
                return {"reason": "replaced", "by": match["name"]}
    if action == "binding":
        if detail in UNBOUND:
            return {"finder_id": "", "finder_nickname": ""}
        for pattern in BOUND:
            if match := pattern.match(detail):
                return {"finder_id": match["id"], "finder_nickname": match["name"]}
    if action == "sidebar" and detail in SIDEBAR:
        return {"configured": SIDEBAR[detail]}
    return {"legacy_text": detail}


ENGLISH_IDENTITIES = {"self_operated": "Shop's own products", "creator": "Creator for other shops"}


def english_detail(action: str, params: dict) -> str:
    """Back to a free text (in English) when the migration is reversed."""
    if params.get("legacy_text"):
        return params["legacy_text"][:200]
    if action in ("invited", "recorded"):
        return ENGLISH_IDENTITIES.get(params.get("selling_identity", ""), "")
    if action == "selling_identity" and "to" in params:
        before = ENGLISH_IDENTITIES.get(params.get("from", ""), "—")
        return f"{before} → {ENGLISH_IDENTITIES.get(params['to'], params['to'])}"
    if action == "display_off" and params.get("reason") == "unlinked":
        return "no longer linked"
    if action == "display_off" and params.get("reason") == "replaced":
        return f"replaced by {params.get('by', '')}"[:200]
    if action == "binding" and "finder_id" in params:
        if not params["finder_id"]:
            return "bound to no Channels account"
        return f"bound to {params['finder_nickname'] or params['finder_id']} ({params['finder_id']})"[:200]
    if action == "sidebar" and "configured" in params:
        return "sidebar app set up" if params["configured"] else "sidebar app not set up"
    return ""


def forwards(apps, schema_editor):
    LinkedAccount = apps.get_model("linked_accounts", "LinkedAccount")
    LinkedAccountEvent = apps.get_model("linked_accounts", "LinkedAccountEvent")
    LinkedAccount.objects.filter(models.Q(invited_at__isnull=False) | ~models.Q(invitation_id="")).update(
        origin="invited"
    )
    events = LinkedAccountEvent.objects.exclude(detail="").only("pk", "action", "detail").order_by("pk")
    for event in events.iterator(chunk_size=1000):
        event.params = legacy_params(event.action, event.detail)
        event.save(update_fields=["params"])


def backwards(apps, schema_editor):
    LinkedAccountEvent = apps.get_model("linked_accounts", "LinkedAccountEvent")
    events = LinkedAccountEvent.objects.exclude(params={}).only("pk", "action", "params").order_by("pk")
    for event in events.iterator(chunk_size=1000):
        event.detail = english_detail(event.action, event.params)
        event.save(update_fields=["detail"])


class Migration(migrations.Migration):
    dependencies = [
        ("linked_accounts", "0001_move_linked_accounts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="linkedaccount",
            name="origin",
            field=models.CharField(
                choices=[
                    ("invited", "Invited from ShopOps"),
                    ("recorded", "Recorded by an operator"),
                    ("found", "Found linked on the platform"),
                ],
                default="found",
                max_length=16,
                verbose_name="origin",
            ),
        ),
        migrations.AddField(
            model_name="linkedaccount",
            name="recorded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="recorded at"),
        ),
        migrations.AddField(
            model_name="linkedaccount",
            name="recorded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="recorded by",
            ),
        ),
        migrations.AddField(
            model_name="linkedaccountevent",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="parameters"),
        ),
        migrations.AlterField(
            model_name="linkedaccountevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("invited", "Invited"),
                    ("accepted", "Accepted the invitation"),
                    ("rejected", "Rejected the invitation"),
                    ("expired", "Invitation expired"),
                    ("cancelled", "Invitation cancelled"),
                    ("unlinked", "Unlinked"),
                    ("found", "Found linked on the platform"),
                    ("selling_identity", "Selling identity changed"),
                    ("display_on", "Made the display account"),
                    ("display_off", "No longer the display account"),
                    ("binding", "Channels binding changed"),
                    ("sidebar", "WeCom sidebar setup changed"),
                    ("recorded", "Recorded as linked in the WeChat Shop backend"),
                ],
                max_length=20,
                verbose_name="action",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
