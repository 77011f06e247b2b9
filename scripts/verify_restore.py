"""Check a restored database with its restored keys (run by scripts/restore.sh; also on its own:
DATABASE_URL=... VAULT_KEY_FILE=... VAULT_INDEX_KEY_FILE=... python scripts/verify_restore.py).

* every table can be read, with row counts of the main ones;
* vault: a sample of Aadhaar records from every key id opens with the vault keys, and each
  number's last four digits and blind index match the record (which proves the index key);
* outbox: messages still waiting open with the outbox keys;
* card signing keys parse.
Prints counts and ids only, never a number or a key. Exit status 1 when anything fails.

Runs with production settings (no demo key file is ever created here) and a throw-away
SECRET_KEY; nothing is written to the database.
"""

import os
import secrets
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PORTAL_ENV", "production")
os.environ.setdefault("DEMO_MODE", "false")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="sects-verify-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402

SAMPLE = int(os.environ.get("VERIFY_SAMPLE", "1000"))  # records per vault key id
problems: list[str] = []


def say(line: str) -> None:
    print(line, flush=True)


def check_tables() -> None:
    counts = {}
    for model in apps.get_models():
        try:
            counts[model._meta.label] = model._default_manager.count()
        except Exception as exc:
            problems.append(f"table of {model._meta.label} cannot be read ({exc.__class__.__name__})")
    main = ["directory.Office", "ddo.Application", "enrolment.Family", "enrolment.Member", "vault.AadhaarRecord",
            "cards.Card", "audit.Event", "notify.Message", "accounts.User"]
    shown = ", ".join(f"{label.split('.')[1]} {counts[label]}" for label in main if label in counts)
    say(f"database: {len(counts)} tables read; {shown}")


def check_vault() -> None:
    from portal.crypto import SealError
    from portal.vault import services as vault
    from portal.vault.models import AadhaarRecord

    try:
        ring = vault.keyring()
        vault.blind_index("0")  # loads the index key
    except Exception as exc:
        problems.append(f"vault keys cannot be loaded ({exc.__class__.__name__}: {exc})")
        return
    ids = list(AadhaarRecord.objects.values_list("key_id", flat=True).distinct().order_by("key_id"))
    missing = [key_id for key_id in ids if key_id not in ring.keys]
    if missing:
        problems.append(f"vault: records sealed with key(s) {', '.join(missing)}, which the restored keys lack")
    checked = opened = 0
    for key_id in ids:
        for record in AadhaarRecord.objects.filter(key_id=key_id).order_by("?")[:SAMPLE]:
            checked += 1
            try:
                # The vault's own purpose label (portal/vault/services.py), so only vault records open.
                number = ring.open(record.sealed, purpose=vault._PURPOSE).decode()
            except SealError:
                continue
            if number[-4:] == record.last4 and vault.blind_index(number) == record.blind_index:
                opened += 1
            else:
                problems.append("vault: a record opened but its last digits or blind index do not match "
                                "(wrong VAULT_INDEX_KEY?)")
                break
    total = AadhaarRecord.objects.count()
    if opened != checked:
        problems.append(f"vault: only {opened} of {checked} sampled records open with the restored keys")
    say(f"vault: {opened} of {checked} sampled records open and match (of {total}; keys {', '.join(ids) or 'none'})")


def check_outbox() -> None:
    from portal.notify.models import Message
    from portal.notify.outbox import keyring

    waiting = Message.objects.exclude(sealed_body=None)
    count = waiting.count()
    if not count:
        say("outbox: no message waiting")
        return
    try:
        ring = keyring()
    except Exception as exc:
        problems.append(f"outbox: {count} messages wait but the outbox keys cannot be loaded ({exc.__class__.__name__})")
        return
    sample = list(waiting[:100])
    bad = 0
    for message in sample:
        try:
            ring.open(message.sealed_body, purpose="outbox")
        except Exception:
            bad += 1
    if bad:
        problems.append(f"outbox: {bad} of {len(sample)} sampled waiting messages do not open")
    say(f"outbox: {len(sample) - bad} of {len(sample)} sampled waiting messages open (of {count})")


def check_card_keys() -> None:
    from portal.crypto import parse_keys

    text = settings.CARD_SIGNING_KEYS
    if not text and settings.CARD_SIGNING_KEY_FILE and Path(settings.CARD_SIGNING_KEY_FILE).exists():
        text = Path(settings.CARD_SIGNING_KEY_FILE).read_text()
    if not text:
        say("cards: no card signing keys in this backup")
        return
    try:
        say(f"cards: signing keys {', '.join(parse_keys(text))}")
    except Exception as exc:
        problems.append(f"cards: signing keys do not parse ({exc.__class__.__name__})")


def main() -> int:
    with transaction.atomic():
        check_tables()
        if not os.environ.get("VERIFY_WITHOUT_KEYS"):
            check_vault()
            check_outbox()
            check_card_keys()
        transaction.set_rollback(True)
    for problem in problems:
        say(f"PROBLEM: {problem}")
    say("restore check: " + ("FAILED" if problems else "ok"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
