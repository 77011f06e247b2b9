"""Re-encrypt every Aadhaar record with the current (first) vault key, in small batches,
while the portal keeps running. See docs/operations.md, "Vault keys"."""

from django.core.management.base import BaseCommand

from portal.vault.models import AadhaarRecord
from portal.vault.services import keyring, reseal_batch


class Command(BaseCommand):
    help = "Re-seal Aadhaar records sealed with an older key under the current key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        current = keyring().current
        total = 0
        while True:
            done = reseal_batch(batch_size=batch_size)
            total += done
            if not done:
                break
            self.stdout.write(f"re-sealed {total}")
        left = AadhaarRecord.objects.exclude(key_id=current).count()
        self.stdout.write(f"done: {total} record(s) re-sealed with key {current}; {left} left on other keys")
