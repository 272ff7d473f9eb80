from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("shopops", "0006_sync_drop_redundant_indexes"),
    ]

    # The linked-account models moved to the linked_accounts app with their tables (db_table keeps the old names):
    # only Django's idea of which app owns them changes, so nothing is done to the database here.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="linkedaccount",
                    name="invited_by",
                ),
                migrations.RemoveField(
                    model_name="linkedaccount",
                    name="shop",
                ),
                migrations.RemoveField(
                    model_name="linkedaccountevent",
                    name="linked_account",
                ),
                migrations.RemoveField(
                    model_name="linkedaccountevent",
                    name="actor",
                ),
                migrations.RemoveField(
                    model_name="linkedaccountevent",
                    name="shop",
                ),
                migrations.RemoveField(
                    model_name="linkingstate",
                    name="shop",
                ),
                migrations.RemoveField(
                    model_name="wecomstaff",
                    name="shop",
                ),
                migrations.DeleteModel(
                    name="CooperationAccount",
                ),
                migrations.DeleteModel(
                    name="LinkedAccount",
                ),
                migrations.DeleteModel(
                    name="LinkedAccountEvent",
                ),
                migrations.DeleteModel(
                    name="LinkingState",
                ),
                migrations.DeleteModel(
                    name="WecomStaff",
                ),
            ],
            database_operations=[],
        ),
    ]
