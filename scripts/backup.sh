#!/usr/bin/env bash
# Back up the portal: the PostgreSQL database and, SEPARATELY and encrypted, its keys.
#
#   scripts/backup.sh
#
# Reads the portal's settings from the environment, or from the env files listed in
# PORTAL_ENV_FILES (colon-separated, e.g. /etc/sects/portal.env:/etc/sects/keys/secret.env).
# Writes
#   $BACKUP_DB_DIR/portal-<UTC time>.dump         pg_dump custom format (pg_restore reads it)
#   $BACKUP_DB_DIR/portal-<UTC time>.dump.sha256  its checksum
#   $BACKUP_DB_DIR/portal-<UTC time>.keys-needed  ids of the vault keys the dump's records use
#   $BACKUP_KEYS_DIR/sects-keys-<UTC time>.tar.gpg   vault keys, vault index key, outbox keys,
#                                                  card signing keys and the env files, encrypted
# The vault keys are never written next to the database dump: the two folders must differ
# and neither may be inside the other (a stolen dump without its keys is unreadable; that
# is the point). Put them on different machines or at least different volumes.
#
# Encryption of the key bundle (one of):
#   BACKUP_KEYS_RECIPIENT=<gpg key id>   public-key encryption (recommended): the backup host
#                                        holds only the public key; the private key is kept
#                                        offline by the key custodians (docs/deployment.md).
#   BACKUP_KEYS_PASSPHRASE_FILE=<file>   symmetric AES-256 with the passphrase in that file.
# Optional: BACKUP_KEEP_DAYS (14) — dumps older than that are deleted; key bundles are kept
# (an old dump needs the keys of its time). GNUPGHOME as usual for gpg.
set -euo pipefail
umask 077

die() { echo "backup: $*" >&2; exit 1; }
IFS=: read -r -a env_files <<<"${PORTAL_ENV_FILES:-}"
for file in "${env_files[@]}"; do
  [ -n "$file" ] || continue
  [ -r "$file" ] || die "cannot read env file $file"
  set -a; . "$file"; set +a
done

: "${DATABASE_URL:?DATABASE_URL is not set}"
: "${BACKUP_DB_DIR:?BACKUP_DB_DIR is not set}"
: "${BACKUP_KEYS_DIR:?BACKUP_KEYS_DIR is not set}"
case "$DATABASE_URL" in postgres://*|postgresql://*) ;; *) die "DATABASE_URL is not PostgreSQL";; esac
if [ -z "${BACKUP_KEYS_RECIPIENT:-}" ] && [ -z "${BACKUP_KEYS_PASSPHRASE_FILE:-}" ]; then
  die "set BACKUP_KEYS_RECIPIENT or BACKUP_KEYS_PASSPHRASE_FILE: the key bundle is never written unencrypted"
fi

mkdir -p "$BACKUP_DB_DIR" "$BACKUP_KEYS_DIR"
db_dir=$(realpath "$BACKUP_DB_DIR")
keys_dir=$(realpath "$BACKUP_KEYS_DIR")
case "$keys_dir/" in "$db_dir/"*) die "BACKUP_KEYS_DIR must not be BACKUP_DB_DIR or inside it";; esac
case "$db_dir/" in "$keys_dir/"*) die "BACKUP_DB_DIR must not be inside BACKUP_KEYS_DIR";; esac

stamp=$(date -u +%Y%m%dT%H%M%SZ)
dump="$db_dir/portal-$stamp.dump"

# --- the database -----------------------------------------------------------------------
# Custom format: compressed, restorable table by table and in parallel (pg_restore -j).
pg_dump --dbname="$DATABASE_URL" --format=custom --compress=6 --no-owner --no-privileges \
  --file="$dump.partial"
mv "$dump.partial" "$dump"
(cd "$db_dir" && sha256sum "$(basename "$dump")" >"$(basename "$dump").sha256")
# Which vault keys a restore of this dump will need (ids only, never a key).
psql --dbname="$DATABASE_URL" --no-psqlrc -At \
  -c "SELECT 'vault ' || key_id || ' ' || count(*) FROM vault_aadhaarrecord GROUP BY key_id ORDER BY key_id" \
  >"$dump.keys-needed" 2>/dev/null || echo "vault (table not found)" >"$dump.keys-needed"

# --- the keys, encrypted, elsewhere -------------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/keys"
collect() {  # collect NAME VARIABLE FILE_VARIABLE: the key from the variable, else its file
  local name=$1 value=${!2:-} file=${!3:-}
  if [ -n "$value" ]; then
    printf '%s\n' "$value" | tr ',' '\n' >"$work/keys/$name"
  elif [ -n "$file" ] && [ -r "$file" ]; then
    cp "$file" "$work/keys/$name"
  else
    echo "backup: warning: no $name (neither \$$2 nor a readable \$$3)" >&2
    return 0
  fi
  echo "$name"
}
included=$(
  collect vault.keys VAULT_KEYS VAULT_KEY_FILE
  collect vault-index.key VAULT_INDEX_KEY VAULT_INDEX_KEY_FILE
  collect outbox.keys OUTBOX_KEYS OUTBOX_KEY_FILE
  collect card-signing.keys CARD_SIGNING_KEYS CARD_SIGNING_KEY_FILE
)
[ -s "$work/keys/vault.keys" ] || die "no vault keys found: nothing could ever open the Aadhaar numbers of this dump"
[ -s "$work/keys/vault-index.key" ] || die "no vault index key found"
for file in "${env_files[@]}"; do
  [ -n "$file" ] && cp "$file" "$work/keys/env.$(basename "$file")"
done
printf 'made %s\nfor dump %s\n' "$stamp" "$(basename "$dump")" >"$work/keys/MANIFEST"

bundle="$keys_dir/sects-keys-$stamp.tar.gpg"
gpg_args=(--batch --yes --quiet --output "$bundle.partial")
if [ -n "${BACKUP_KEYS_RECIPIENT:-}" ]; then
  gpg_args+=(--trust-model always --recipient "$BACKUP_KEYS_RECIPIENT" --encrypt)
else
  gpg_args+=(--pinentry-mode loopback --passphrase-file "$BACKUP_KEYS_PASSPHRASE_FILE"
             --symmetric --cipher-algo AES256 --s2k-digest-algo SHA512 --s2k-count 65011712)
fi
tar -C "$work/keys" -cf - . | gpg "${gpg_args[@]}"
mv "$bundle.partial" "$bundle"

# --- retention ----------------------------------------------------------------------------
find "$db_dir" -maxdepth 1 -name 'portal-*.dump*' -mtime +"${BACKUP_KEEP_DAYS:-14}" -delete

echo "database: $dump ($(du -h "$dump" | cut -f1))"
echo "needs:    $(tr '\n' ';' <"$dump.keys-needed")"
echo "keys:     $bundle ($(echo $included | tr '\n' ' '))"
