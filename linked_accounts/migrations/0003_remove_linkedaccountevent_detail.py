"""The free-text detail of linked-account events is gone: its content is in ``params`` since 0002."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("linked_accounts", "0002_event_params_and_recorded_accounts"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="linkedaccountevent",
            name="detail",
        ),
    ]
