#!/usr/bin/env bash
# Start a PostgreSQL hot standby that streams from a running primary on this machine:
#   scripts/pg-standby.sh PRIMARY_PORT STANDBY_PORT DATA_DIR [SOCKET_DIR]
# Used by .ci/run (the read-replica integration test) and for trying the replica set-up
# by hand. The primary must accept replication connections from 127.0.0.1 (initdb's
# default pg_hba.conf does, with trust) and have wal_level replica (the default).
# Stop it with: pg_ctl -D DATA_DIR -m fast stop
set -euo pipefail
PRIMARY_PORT=$1
STANDBY_PORT=$2
DATA=$3
SOCKETS=${4:-$(dirname "$DATA")}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

mkdir -p "$DATA" && chmod 700 "$DATA"
[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$DATA"
# -R writes primary_conninfo and standby.signal: the copy starts as a streaming standby.
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DATA" -R -X stream -c fast
as_pg "$PGBIN/pg_ctl" -D "$DATA" -w -l "$DATA.log" \
  -o "-p $STANDBY_PORT -k $SOCKETS -c listen_addresses=127.0.0.1 -c hot_standby=on" start >/dev/null
# A standby answers pg_is_in_recovery() = true; anything else is not a replica.
for _ in $(seq 50); do
  if [ "$(as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$STANDBY_PORT" -U postgres -d postgres -Atc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = "t" ]; then
    echo "standby on port $STANDBY_PORT streams from port $PRIMARY_PORT"
    exit 0
  fi
  sleep 0.2
done
echo "the standby on port $STANDBY_PORT did not come up; see $DATA.log" >&2
tail -n 20 "$DATA.log" >&2 || true
exit 1
