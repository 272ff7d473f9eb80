"""Re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old one after it), deploy, run this command,
then remove the old key. Reading decrypts with any listed key; writing always encrypts with the first."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from shopops.fields import EncryptedTextField


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the current primary key."

    @transaction.atomic
    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            fields = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            for row in model._base_manager.values("pk", *fields).iterator():
                model._base_manager.filter(pk=row["pk"]).update(**{f: row[f] for f in fields})
                total += 1
        self.stdout.write(f"Re-encrypted the secrets of {total} rows.")
