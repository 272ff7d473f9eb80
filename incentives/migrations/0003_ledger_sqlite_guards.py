"""On SQLite, the append-only rule of the ledger as plain triggers (PostgreSQL has pgtrigger's, made in 0002).

Keep this migration when 0002 is regenerated: it only depends on the ledger tables existing.
"""

from django.db import migrations

TABLES = ("incentives_journal", "incentives_entry")


def create_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        for operation in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: {operation} on {table} refused'); END"
            )


def drop_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        for operation in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")


class Migration(migrations.Migration):
    dependencies = [("incentives", "0002_ledger")]

    operations = [migrations.RunPython(create_guards, drop_guards)]
