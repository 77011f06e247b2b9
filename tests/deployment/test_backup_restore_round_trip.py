"""Backup and restore drill: scripts/backup.sh dumps a PostgreSQL database (with vault
records and a waiting SMS) and writes its keys, encrypted with gpg, to another folder;
scripts/restore.sh restores both into a new database and the Aadhaar numbers open with the
restored keys. Needs a PostgreSQL DATABASE_URL (bash .ci/run), pg_dump and gpg."""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from portal.crypto import new_key_line

ROOT = Path(__file__).resolve().parents[2]
NUMBERS = ["234123412346", "999999990019"]  # published test values (enrolment tests), no one's number


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def psql(url: str, statement: str) -> str:
    result = subprocess.run(["psql", "--dbname", url, "--no-psqlrc", "-At", "-c", statement],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def run(command, env, check=True):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def drill(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("needs a PostgreSQL DATABASE_URL (bash .ci/run starts one)")
    for tool in ("pg_dump", "pg_restore", "psql", "gpg"):
        if not shutil.which(tool):
            pytest.skip(f"needs {tool}")
    suffix = uuid.uuid4().hex[:8]
    admin = with_database(url, "postgres")
    source, target = with_database(url, f"bk_src_{suffix}"), with_database(url, f"bk_dst_{suffix}")
    psql(admin, f"CREATE DATABASE bk_src_{suffix}")
    psql(admin, f"CREATE DATABASE bk_dst_{suffix}")

    keys = tmp_path / "etc-keys"
    keys.mkdir()
    (keys / "vault.keys").write_text(new_key_line("k1") + "\n")
    (keys / "vault-index.key").write_text(new_key_line("i1") + "\n")
    (keys / "outbox.keys").write_text(new_key_line("o1") + "\n")
    (keys / "card-signing.keys").write_text(new_key_line("c1") + "\n")
    portal_env = tmp_path / "portal.env"
    portal_env.write_text(
        f"DATABASE_URL={source}\nVAULT_KEY_FILE={keys / 'vault.keys'}\nVAULT_INDEX_KEY_FILE={keys / 'vault-index.key'}\n"
        f"OUTBOX_KEY_FILE={keys / 'outbox.keys'}\nCARD_SIGNING_KEY_FILE={keys / 'card-signing.keys'}\n"
        'STATE_CELL_ADDRESS="State Cell, Lucknow 226001"\n'
    )
    secret_env = tmp_path / "secret.env"
    secret_env.write_text("SECRET_KEY=not-a-real-secret-only-for-this-drill-000000000000000000\n")

    gnupg = tmp_path / "gnupg"
    gnupg.mkdir(mode=0o700)
    base = {k: v for k, v in os.environ.items()
            if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    base.update(GNUPGHOME=str(gnupg), PORTAL_VAR_DIR=str(tmp_path / "var"))
    # The custodians' key pair; the backup host would have only the public half.
    run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "SECTS key custodians <keys@sects.test>",
         "ed25519", "cert", "never"], base)
    fingerprint = next(line.split(":")[9] for line in run(["gpg", "--with-colons", "--list-keys"], base).stdout.splitlines()
                       if line.startswith("fpr:"))
    run(["gpg", "--batch", "--passphrase", "", "--quick-add-key", fingerprint, "cv25519", "encr", "never"], base)

    yield {"source": source, "target": target, "keys": keys, "env_files": f"{portal_env}:{secret_env}", "base": base,
           "fingerprint": fingerprint, "tmp": tmp_path, "admin": admin}
    run(["gpgconf", "--kill", "gpg-agent"], base, check=False)  # gpg started one for this GNUPGHOME
    for name in (f"bk_src_{suffix}", f"bk_dst_{suffix}"):
        psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


SEED = f"""
from django.db import transaction
from portal.vault import services as vault
from portal.notify.outbox import queue_sms
for number in {NUMBERS!r}:
    vault.store(number)
with transaction.atomic():
    queue_sms(to="9876512345", template="ddo_submitted", language="hi", context={{"number": "DR260000018"}})
"""

READ_BACK = f"""
from portal.vault import services as vault
from portal.vault.models import AadhaarRecord
for number in {NUMBERS!r}:
    record = vault.find(number)  # the blind index (index key) finds it
    assert record is not None, "not found"
    assert vault.keyring().open(record.sealed, purpose=vault._PURPOSE).decode() == number  # the vault key opens it
print("opened", AadhaarRecord.objects.count())
"""


def portal(drill, database, keys, code):
    env = {**drill["base"], "DATABASE_URL": database, "VAULT_KEY_FILE": str(keys / "vault.keys"),
           "VAULT_INDEX_KEY_FILE": str(keys / "vault-index.key"), "OUTBOX_KEY_FILE": str(keys / "outbox.keys"),
           # No worker: the queued SMS waits in the outbox, sealed, as it would at backup time.
           "CELERY_EAGER": "false", "CELERY_BROKER_URL": "memory://", "SMS_BACKEND": "locmem",
           "EMAIL_CHANNEL_BACKEND": "locmem"}
    if code == "migrate":
        return run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    return run([sys.executable, "manage.py", "shell", "-c", code], env)


def test_backup_and_restore_round_trip_opens_the_aadhaar_with_the_restored_keys(drill):
    portal(drill, drill["source"], drill["keys"], "migrate")
    portal(drill, drill["source"], drill["keys"], SEED)
    db_dir, keys_dir = drill["tmp"] / "backup-db", drill["tmp"] / "backup-keys"
    env = {**drill["base"], "PORTAL_ENV_FILES": drill["env_files"], "BACKUP_DB_DIR": str(db_dir),
           "BACKUP_KEYS_DIR": str(keys_dir), "BACKUP_KEYS_RECIPIENT": drill["fingerprint"]}
    out = run(["scripts/backup.sh"], env).stdout
    [dump] = db_dir.glob("portal-*.dump")
    [bundle] = keys_dir.glob("sects-keys-*.tar.gpg")
    assert "vault k1 2" in (dump.with_name(dump.name + ".keys-needed")).read_text()
    assert str(dump) in out and str(bundle) in out

    # No key, in any form, is stored next to the dump, and the bundle is not readable as is.
    secrets = [line.split(":", 1)[1].strip().encode() for f in drill["keys"].iterdir() for line in f.read_text().splitlines()]
    for path in db_dir.iterdir():
        content = path.read_bytes()
        assert not any(secret in content for secret in secrets), f"a key is in {path.name}"
    assert not any(secret in bundle.read_bytes() for secret in secrets)
    assert b"not-a-real-secret" not in bundle.read_bytes()

    # The live keys are lost; the drill restores into a new database with the bundle's keys.
    restored_keys = drill["tmp"] / "restored-keys"
    result = run(["scripts/restore.sh", "--dump", str(dump), "--target-db", drill["target"], "--keys", str(bundle),
                  "--keys-out", str(restored_keys)], {**drill["base"], "PYTHON": sys.executable})
    assert "checksum: ok" in result.stdout
    assert "vault: 2 of 2 sampled records open and match (of 2; keys k1)" in result.stdout
    assert "outbox: 1 of 1 sampled waiting messages open" in result.stdout
    assert "cards: signing keys c1" in result.stdout
    assert result.stdout.strip().endswith("restore check: ok")
    assert (restored_keys / "vault.keys").read_text() == (drill["keys"] / "vault.keys").read_text()
    assert (restored_keys / "env.secret.env").exists()  # the env files travel with the keys, not the dump
    assert oct(restored_keys.stat().st_mode & 0o777) == "0o700"

    assert "opened 2" in portal(drill, drill["target"], restored_keys, READ_BACK).stdout
    # The restored audit log is still append-only (its trigger came back with the schema).
    assert psql(drill["target"], "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass "
                                 "AND NOT tgisinternal") != "0"


def test_restore_check_fails_with_the_wrong_vault_key(drill):
    portal(drill, drill["source"], drill["keys"], "migrate")
    portal(drill, drill["source"], drill["keys"], SEED)
    passphrase = drill["tmp"] / "passphrase"
    passphrase.write_text("correct horse battery staple for the drill\n")
    db_dir, keys_dir = drill["tmp"] / "db", drill["tmp"] / "keys-elsewhere"
    env = {**drill["base"], "PORTAL_ENV_FILES": drill["env_files"], "BACKUP_DB_DIR": str(db_dir),
           "BACKUP_KEYS_DIR": str(keys_dir), "BACKUP_KEYS_PASSPHRASE_FILE": str(passphrase)}
    run(["scripts/backup.sh"], env)  # symmetric mode this time
    [dump], [bundle] = list(db_dir.glob("*.dump")), list(keys_dir.glob("*.gpg"))
    restored = drill["tmp"] / "restored"
    restore_env = {**drill["base"], "PYTHON": sys.executable, "BACKUP_KEYS_PASSPHRASE_FILE": str(passphrase)}
    run(["scripts/restore.sh", "--dump", str(dump), "--target-db", drill["target"], "--keys", str(bundle),
         "--keys-out", str(restored)], restore_env)
    # Someone "fixes" a lost key by making a new one: the check says the records do not open.
    (restored / "vault.keys").write_text(new_key_line("k1") + "\n")
    check = run([sys.executable, "scripts/verify_restore.py"],
                {**drill["base"], "DATABASE_URL": drill["target"], "VAULT_KEY_FILE": str(restored / "vault.keys"),
                 "VAULT_INDEX_KEY_FILE": str(restored / "vault-index.key"), "OUTBOX_KEY_FILE": str(restored / "outbox.keys")},
                check=False)
    assert check.returncode == 1
    assert "only 0 of 2 sampled records open" in check.stdout and "restore check: FAILED" in check.stdout
    # And restoring over a database that has tables is refused.
    again = run(["scripts/restore.sh", "--dump", str(dump), "--target-db", drill["target"]], restore_env, check=False)
    assert again.returncode != 0 and "already has" in again.stderr


def test_backup_refuses_to_put_keys_next_to_the_dump_or_unencrypted(drill):
    env = {**drill["base"], "PORTAL_ENV_FILES": drill["env_files"], "BACKUP_DB_DIR": str(drill["tmp"] / "b"),
           "BACKUP_KEYS_DIR": str(drill["tmp"] / "b" / "keys"), "BACKUP_KEYS_RECIPIENT": drill["fingerprint"]}
    result = run(["scripts/backup.sh"], env, check=False)
    assert result.returncode != 0 and "must not be BACKUP_DB_DIR or inside it" in result.stderr
    env.update(BACKUP_KEYS_DIR=str(drill["tmp"] / "k"))
    del env["BACKUP_KEYS_RECIPIENT"]
    result = run(["scripts/backup.sh"], env, check=False)
    assert result.returncode != 0 and "never written unencrypted" in result.stderr
    assert not list((drill["tmp"] / "b").glob("*.dump"))
