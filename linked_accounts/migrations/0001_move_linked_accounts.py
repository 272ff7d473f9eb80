import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ["linkedaccount", "linkedaccountevent", "linkingstate", "wecomstaff", "cooperationaccount"]


def _relabel(apps, old: str, new: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects
    content_types.filter(app_label=new, model__in=MODELS).delete()
    content_types.filter(app_label=old, model__in=MODELS).update(app_label=new)


def move_content_types(apps, schema_editor):
    _relabel(apps, "shopops", "linked_accounts")


def move_content_types_back(apps, schema_editor):
    _relabel(apps, "linked_accounts", "shopops")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("shopops", "0007_move_linked_accounts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # The tables already exist (they were shopops's, and keep their names): create the models in Django's state
    # only, then hand the content types over so permissions and audit-log history stay attached to the rows.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LinkedAccount",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("channels", "Channels account"),
                                    ("mp", "Official account"),
                                    ("service", "Service account"),
                                    ("wecom", "WeCom"),
                                ],
                                max_length=16,
                                verbose_name="kind",
                            ),
                        ),
                        ("account_id", models.CharField(max_length=64, verbose_name="account id")),
                        ("nickname", models.CharField(blank=True, max_length=100, verbose_name="nickname")),
                        ("original_id", models.CharField(blank=True, max_length=32, verbose_name="original id")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Invitation pending"),
                                    ("accepted", "Linked"),
                                    ("rejected", "Invitation rejected"),
                                    ("expired", "Invitation expired"),
                                    ("cancelled", "Invitation cancelled"),
                                    ("unlinked", "Unlinked"),
                                ],
                                default="pending",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        (
                            "selling_identity",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("self_operated", "Shop's own products"),
                                    ("creator", "Creator for other shops"),
                                ],
                                max_length=16,
                                verbose_name="selling identity",
                            ),
                        ),
                        ("super_admin_id", models.CharField(blank=True, max_length=64, verbose_name="super admin")),
                        ("is_display", models.BooleanField(default=False, verbose_name="display account")),
                        ("invitation_id", models.CharField(blank=True, max_length=32, verbose_name="invitation id")),
                        ("invited_at", models.DateTimeField(blank=True, null=True, verbose_name="invited at")),
                        ("linked_at", models.DateTimeField(blank=True, null=True, verbose_name="linked at")),
                        (
                            "ended_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="invitation or link ended at"),
                        ),
                        (
                            "bound_finder_id",
                            models.CharField(blank=True, max_length=64, verbose_name="bound channels id"),
                        ),
                        (
                            "bound_finder_nickname",
                            models.CharField(blank=True, max_length=100, verbose_name="bound channels nickname"),
                        ),
                        ("bound_at", models.DateTimeField(blank=True, null=True, verbose_name="bound at")),
                        (
                            "wecom_corp_id",
                            models.CharField(blank=True, max_length=64, verbose_name="shop-side WeCom corp id"),
                        ),
                        ("sidebar_configured", models.BooleanField(default=False, verbose_name="sidebar app set up")),
                        (
                            "synced_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="last confirmed by the platform"),
                        ),
                        (
                            "invited_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="invited by",
                            ),
                        ),
                        (
                            "shop",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="linked_accounts",
                                to="shopops.shop",
                                verbose_name="shop",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "linked account",
                        "verbose_name_plural": "linked accounts",
                        "db_table": "shopops_linkedaccount",
                        "ordering": ["shop", "kind", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="LinkedAccountEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "action",
                            models.CharField(
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
                                ],
                                max_length=20,
                                verbose_name="action",
                            ),
                        ),
                        (
                            "from_status",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("pending", "Invitation pending"),
                                    ("accepted", "Linked"),
                                    ("rejected", "Invitation rejected"),
                                    ("expired", "Invitation expired"),
                                    ("cancelled", "Invitation cancelled"),
                                    ("unlinked", "Unlinked"),
                                ],
                                max_length=16,
                                verbose_name="from",
                            ),
                        ),
                        (
                            "to_status",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("pending", "Invitation pending"),
                                    ("accepted", "Linked"),
                                    ("rejected", "Invitation rejected"),
                                    ("expired", "Invitation expired"),
                                    ("cancelled", "Invitation cancelled"),
                                    ("unlinked", "Unlinked"),
                                ],
                                max_length=16,
                                verbose_name="to",
                            ),
                        ),
                        ("detail", models.CharField(blank=True, max_length=200, verbose_name="detail")),
                        ("by_platform", models.BooleanField(default=False, verbose_name="reported by the platform")),
                        ("occurred_at", models.DateTimeField(verbose_name="when")),
                        ("recorded_at", models.DateTimeField(auto_now_add=True, verbose_name="recorded at")),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="by",
                            ),
                        ),
                        (
                            "linked_account",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="events",
                                to="linked_accounts.linkedaccount",
                                verbose_name="linked account",
                            ),
                        ),
                        (
                            "shop",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="shopops.shop",
                                verbose_name="shop",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "linked account event",
                        "verbose_name_plural": "linked account events",
                        "db_table": "shopops_linkedaccountevent",
                        "ordering": ["linked_account", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="LinkingState",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "shop_super_admin_id",
                            models.CharField(blank=True, max_length=64, verbose_name="shop super admin"),
                        ),
                        (
                            "linked_refreshed_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="linked accounts refreshed at"),
                        ),
                        (
                            "cooperation_refreshed_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="cooperation accounts refreshed at"
                            ),
                        ),
                        (
                            "shop",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="linking_state",
                                to="shopops.shop",
                                verbose_name="shop",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "linking state",
                        "verbose_name_plural": "linking states",
                        "db_table": "shopops_linkingstate",
                    },
                ),
                migrations.CreateModel(
                    name="WecomStaff",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                        ("user_id", models.CharField(max_length=64, verbose_name="WeCom member id")),
                        ("corp_id", models.CharField(blank=True, max_length=64, verbose_name="WeCom corp id")),
                        (
                            "wecom_user_id",
                            models.CharField(blank=True, max_length=64, verbose_name="shop-side member id"),
                        ),
                        (
                            "display_name",
                            models.CharField(blank=True, max_length=64, verbose_name="name in the console"),
                        ),
                        (
                            "shop",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="wecom_staff",
                                to="shopops.shop",
                                verbose_name="shop",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "WeCom staff member",
                        "verbose_name_plural": "WeCom staff",
                        "db_table": "shopops_wecomstaff",
                        "ordering": ["shop", "display_name", "user_id"],
                    },
                ),
                migrations.CreateModel(
                    name="CooperationAccount",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                        (
                            "sharer_type",
                            models.PositiveSmallIntegerField(
                                choices=[(2, "Official account"), (3, "Mini program")], verbose_name="type"
                            ),
                        ),
                        ("sharer_id", models.CharField(max_length=64, verbose_name="account id")),
                        ("sharer_name", models.CharField(blank=True, max_length=100, verbose_name="name")),
                        (
                            "status",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (1, "Bound"),
                                    (2, "Unbound"),
                                    (3, "Invitation rejected"),
                                    (4, "Invitation pending"),
                                    (5, "Invitation timed out"),
                                    (6, "Invitation failed"),
                                    (7, "Invitation cancelled"),
                                ],
                                verbose_name="status",
                            ),
                        ),
                        ("bind_time", models.DateTimeField(blank=True, null=True, verbose_name="bound at")),
                        ("unbind_time", models.DateTimeField(blank=True, null=True, verbose_name="unbound at")),
                        ("reject_time", models.DateTimeField(blank=True, null=True, verbose_name="rejected at")),
                        ("cancel_time", models.DateTimeField(blank=True, null=True, verbose_name="cancelled at")),
                        ("raw", models.JSONField(blank=True, default=dict, verbose_name="platform payload")),
                        ("synced_at", models.DateTimeField(blank=True, null=True, verbose_name="synced at")),
                        (
                            "shop",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="cooperation_accounts",
                                to="shopops.shop",
                                verbose_name="shop",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "cooperation account",
                        "verbose_name_plural": "cooperation accounts",
                        "db_table": "shopops_cooperationaccount",
                        "ordering": ["shop", "sharer_type", "id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("shop", "sharer_type", "sharer_id"), name="cooperationaccount_unique_per_shop"
                            )
                        ],
                    },
                ),
                migrations.AddConstraint(
                    model_name="linkedaccount",
                    constraint=models.UniqueConstraint(
                        fields=("shop", "kind", "account_id"), name="linkedaccount_unique_per_shop"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="linkedaccount",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("is_display", True)),
                        fields=("shop", "kind"),
                        name="linkedaccount_one_display_per_kind",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="linkedaccount",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("is_display", False),
                            models.Q(("status", "accepted"), ("kind__in", ["channels", "mp", "service"])),
                            _connector="OR",
                        ),
                        name="linkedaccount_display_only_when_linked",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="linkedaccount",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("selling_identity", ""), ("kind", "channels"), _connector="OR"),
                        name="linkedaccount_selling_identity_channels_only",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="wecomstaff",
                    constraint=models.UniqueConstraint(fields=("shop", "user_id"), name="wecomstaff_unique_per_shop"),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
