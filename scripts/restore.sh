#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a NEW, empty database, unpack its key
# bundle, and check that the restored Aadhaar vault opens with the restored keys.
#
#   scripts/restore.sh --dump DIR/portal-<time>.dump --target-db postgres://.../portal_restored \
#                      --keys KEYSDIR/sects-keys-<time>.tar.gpg --keys-out /etc/sects/keys.restored
#
# --target-db  must exist and have no tables (createdb first): the script never restores
#              over a database that has data, such as the live one.
# --keys       the encrypted key bundle; decrypted with gpg (the custodians' private key in
#              GNUPGHOME, or BACKUP_KEYS_PASSPHRASE_FILE for a passphrase bundle).
# --keys-out   where the key files are unpacked (created, mode 0700). Point VAULT_KEY_FILE,
#              VAULT_INDEX_KEY_FILE, OUTBOX_KEY_FILE and CARD_SIGNING_KEY_FILE there.
# --jobs N     parallel pg_restore jobs (default 2).
# Without --keys only the database is restored and checked for readable tables.
set -euo pipefail
umask 077
die() { echo "restore: $*" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}

dump="" target="" bundle="" keys_out="" jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --dump) dump=$2; shift 2;;
    --target-db) target=$2; shift 2;;
    --keys) bundle=$2; shift 2;;
    --keys-out) keys_out=$2; shift 2;;
    --jobs) jobs=$2; shift 2;;
    *) die "unknown argument $1 (see the top of $0)";;
  esac
done
[ -n "$dump" ] && [ -n "$target" ] || die "--dump and --target-db are required"
[ -r "$dump" ] || die "cannot read $dump"
[ -z "$bundle" ] || [ -n "$keys_out" ] || die "--keys needs --keys-out"

if [ -r "$dump.sha256" ]; then
  (cd "$(dirname "$dump")" && sha256sum --quiet --check "$(basename "$dump").sha256") || die "checksum mismatch: $dump"
  echo "checksum: ok"
fi

tables=$(psql --dbname="$target" --no-psqlrc -At -c \
  "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')") \
  || die "cannot connect to the target database (create it first with createdb)"
[ "$tables" = "0" ] || die "the target database already has $tables tables: restore only into a new, empty database"

pg_restore --dbname="$target" --no-owner --no-privileges --exit-on-error --jobs="$jobs" "$dump"
echo "database: restored $(basename "$dump")"

check_env=(DATABASE_URL="$target" DATABASE_REPLICA_URL= MEDIA_STORAGE=filesystem)
if [ -n "$bundle" ]; then
  mkdir -p "$keys_out" && chmod 700 "$keys_out"
  gpg_args=(--batch --quiet --decrypt)
  if [ -n "${BACKUP_KEYS_PASSPHRASE_FILE:-}" ]; then
    gpg_args=(--pinentry-mode loopback --passphrase-file "$BACKUP_KEYS_PASSPHRASE_FILE" "${gpg_args[@]}")
  fi
  gpg "${gpg_args[@]}" "$bundle" | tar -C "$keys_out" -xf -
  echo "keys: unpacked into $keys_out: $(cd "$keys_out" && ls | tr '\n' ' ')"
  for pair in VAULT_KEY_FILE:vault.keys VAULT_INDEX_KEY_FILE:vault-index.key OUTBOX_KEY_FILE:outbox.keys \
              CARD_SIGNING_KEY_FILE:card-signing.keys; do
    name=${pair%%:*} file=$keys_out/${pair#*:}
    [ -e "$file" ] && check_env+=("$name=$file") || check_env+=("$name=")
  done
  check_env+=(VAULT_KEYS= VAULT_INDEX_KEY= OUTBOX_KEYS= CARD_SIGNING_KEYS=)
else
  check_env+=(VERIFY_WITHOUT_KEYS=1)
fi

# The check runs with the restored keys only (no variable of this shell leaks in).
env -i PATH="$PATH" HOME="${HOME:-/tmp}" "${check_env[@]}" "$PYTHON" "$ROOT/scripts/verify_restore.py"
