from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shopops", "0007_move_linked_accounts"),
    ]

    operations = [
        migrations.AddField(
            model_name="aftersale",
            name="reason_text",
            field=models.CharField(blank=True, max_length=200, verbose_name="reason text"),
        ),
        migrations.AlterField(
            model_name="order",
            name="live_id",
            field=models.CharField(blank=True, max_length=255, verbose_name="live id"),
        ),
    ]
