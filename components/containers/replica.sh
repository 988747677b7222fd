#!/usr/bin/env bash
# A streaming replica of $PRIMARY_HOST (port $PRIMARY_PORT, 5432 by default),
# copied as $PRIMARY_USER (postgres by default; a role with REPLICATION).
# The first start waits for the primary and copies it with pg_basebackup (-R
# writes the standby settings); later starts resume streaming from where the
# copy left off. The replica listens on PGPORT (5432 by default).
set -euo pipefail
: "${PRIMARY_HOST:?set PRIMARY_HOST to the primary host name}"
: "${PGDATA:?set PGDATA to the data directory}"
PRIMARY_PORT=${PRIMARY_PORT:-5432}
PRIMARY_USER=${PRIMARY_USER:-postgres}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PRIMARY_USER"; do
    echo "waiting for the primary at $PRIMARY_HOST" >&2
    sleep 1
  done
  rm -rf "$PGDATA"
  pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PRIMARY_USER" -D "$PGDATA" -R -X stream -c fast
  chmod 0700 "$PGDATA"
  # A primary that keeps its config outside its data directory (Debian's
  # layout) leaves none in the copy: the replica gets its own.
  [ -f "$PGDATA/postgresql.conf" ] || echo "listen_addresses = '*'" >"$PGDATA/postgresql.conf"
  [ -f "$PGDATA/pg_hba.conf" ] || printf 'local all all trust\nhost all all all trust\n' >"$PGDATA/pg_hba.conf"
fi
exec postgres -D "$PGDATA" -c hot_standby=on
