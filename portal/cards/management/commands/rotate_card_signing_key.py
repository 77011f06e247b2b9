"""A new Ed25519 key for signing State Health Card QR codes; the old keys stay, so every card
already printed keeps verifying (docs/cards.md#signing-keys).

    python manage.py rotate_card_signing_key            # new key first in CARD_SIGNING_KEY_FILE
    python manage.py rotate_card_signing_key --list     # the keys, which one signs, cards per key

With CARD_SIGNING_KEYS (keys in the environment) the command cannot change the variable: it
prints the new value to set, then the web and worker processes are restarted.
"""

import base64
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from portal.cards.keys import key_file, keyring, new_key_line, parse_keys, raw_public
from portal.cards.models import Card


class Command(BaseCommand):
    help = "Add a new key for signing card QR codes (it signs new cards; old keys keep verifying)."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="only list the keys")
        parser.add_argument("--id", help="id of the new key (default: K<n+1>)")

    def handle(self, *args, **options):
        ring = keyring()
        if options["list"]:
            counts = dict(Card.objects.values_list("key_id").annotate(n=Count("id")))
            for key_id, key in ring.keys.items():
                mark = "signs new cards" if key_id == ring.current else "verifies only"
                public = base64.b64encode(raw_public(key)).decode()
                self.stdout.write(f"{key_id:<6} {public}  {mark}; {counts.get(key_id, 0)} card(s)")
            return
        new_id = (options["id"] or self._next_id(ring.keys)).upper()
        if new_id in ring.keys:
            raise CommandError(f"key {new_id} already exists")
        line = new_key_line(new_id)
        parse_keys(line)  # the id is valid
        if settings.CARD_SIGNING_KEYS:
            value = ",".join([line, *[item.strip() for item in settings.CARD_SIGNING_KEYS.replace("\n", ",").split(",")
                                      if item.strip()]])
            self.stdout.write("CARD_SIGNING_KEYS comes from the environment. Set it to this value (new key first) "
                              "and restart the web and worker processes:")
            self.stdout.write(value)
            return
        path = key_file()
        if path is None:
            raise CommandError("no CARD_SIGNING_KEY_FILE configured")
        old = path.read_text() if path.exists() else ""
        temporary = path.with_suffix(".new")
        temporary.write_text(line + "\n" + old)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)  # never a half-written key file
        ring = keyring()
        self.stdout.write(f"new key {new_id} signs new cards from now on; "
                          f"{len(ring.keys) - 1} older key(s) still verify. Public key: "
                          f"{base64.b64encode(raw_public(ring.keys[new_id])).decode()}")

    @staticmethod
    def _next_id(keys) -> str:
        numbers = [int(k[1:]) for k in keys if k.startswith("K") and k[1:].isdigit()]
        return f"K{max(numbers, default=0) + 1}"
