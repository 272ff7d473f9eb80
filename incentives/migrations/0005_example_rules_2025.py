"""The 2025 私域激励计划 example rule set (version 1 of programme ``private_domain``) for every existing shop.

The values are frozen here as they were when this migration was written (a migration must not change when the
code does); ``incentives.services.rules.EXAMPLE_2025`` holds the same values for shops created later. EXAMPLE rates:
the platform does not publish them; they equal the emulator's constants (sandbox/lifecycle.py).
"""

from datetime import UTC, datetime

from django.db import migrations

VALID_FROM = datetime(2024, 12, 31, 16, 0, tzinfo=UTC)  # 2025-01-01 00:00 Asia/Shanghai, unix 1735660800
SOURCES = ((0, 2), (0, 4), (0, 6), (1, 3))  # (sale_channel, account_type): 关联 公众号/企业微信/服务号, 合作 小程序


def install(apps, schema_editor):
    Shop = apps.get_model("shopops", "Shop")
    RuleSet = apps.get_model("incentives", "RuleSet")
    RuleSource = apps.get_model("incentives", "RuleSource")
    for shop in Shop.objects.all().iterator():
        if RuleSet.objects.filter(shop=shop, code="private_domain").exists():
            continue
        ruleset = RuleSet.objects.create(
            shop=shop, code="private_domain", version=1, name="2025 私域激励计划 (example rates)", is_example=True,
            valid_from=VALID_FROM, after_sale_days=0, min_order_basis_fen=0, rate_ppm=10_000, cap_per_order_fen=300,
            cap_per_month_fen=None, cap_at_order_fee=True, reward_form="fee_reduction",
        )  # fmt: skip
        RuleSource.objects.bulk_create(
            [RuleSource(ruleset=ruleset, sale_channel=s, account_type=a) for s, a in SOURCES]
        )


class Migration(migrations.Migration):
    dependencies = [("incentives", "0004_rules")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
