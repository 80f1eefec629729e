#!/bin/sh
# The PostgreSQL peer of the hot-SKU benchmark: fsync and synchronous
# commit on, each reservation `BEGIN; SELECT ... FOR UPDATE; UPDATE ...;
# INSERT reservation; COMMIT` through pgbench. Starts its own server on
# loopback, prints reservations per second, stops the server.
# Usage: postgres_hot_sku.sh CLIENTS [SECONDS]
set -eu
clients="$1"
seconds="${2:-5}"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/tillroll-pg-XXXXXX)
port=$((40000 + $$ % 20000))
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
as_postgres "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir" \
  -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on \
  -c max_connections=300 -c shared_buffers=128MB >"$dir/log" 2>&1 &
pid=$!
# runuser does not pass a signal on to postgres: stop it by its data
# directory, then the wrapper.
stop_server() {
  as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 ||
    kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap stop_server EXIT
tries=0
until "$bin/pg_isready" -h "$dir" -p "$port" >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -gt 200 ] && { echo "postgres did not start" >&2; exit 1; }
  sleep 0.05
done
"$bin/psql" -q -h "$dir" -p "$port" -U postgres -c "
  create table stock (sku text primary key, available bigint not null);
  insert into stock values ('HOT', 1000000000);
  create table reservations (order_id bigint, sku text, quantity int,
                             expires_at timestamptz);" postgres
cat >"$dir/reserve.sql" <<'SQL'
\set order_id random(1, 1000000000)
BEGIN;
SELECT available FROM stock WHERE sku = 'HOT' FOR UPDATE;
UPDATE stock SET available = available - 1 WHERE sku = 'HOT' AND available > 0;
INSERT INTO reservations VALUES (:order_id, 'HOT', 1, now() + interval '10 minutes');
COMMIT;
SQL
"$bin/pgbench" -h "$dir" -p "$port" -U postgres -n -c "$clients" -j 2 \
  -T "$seconds" -f "$dir/reserve.sql" postgres 2>/dev/null \
  | grep '^tps' | sed 's/tps = \([0-9.]*\).*/\1/'
