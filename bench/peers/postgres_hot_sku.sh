#!/bin/sh
# The PostgreSQL peer of the hot-SKU benchmark: fsync and synchronous
# commit on, each reservation `BEGIN; SELECT ... FOR UPDATE; UPDATE ...;
# INSERT reservation; COMMIT` through pgbench. Starts its own server on
# loopback, prints reservations per second, stops the server.
# Usage: postgres_hot_sku.sh CLIENTS [SECONDS]
set -eu
clients="$1"
seconds="${2:-5}"
. "$(dirname "$0")/postgres_server.sh"
pg_run "
  create table stock (sku text primary key, available bigint not null);
  insert into stock values ('HOT', 1000000000);
  create table reservations (order_id bigint, sku text, quantity int,
                             expires_at timestamptz);"
cat >"$dir/reserve.sql" <<'SQL'
\set order_id random(1, 1000000000)
BEGIN;
SELECT available FROM stock WHERE sku = 'HOT' FOR UPDATE;
UPDATE stock SET available = available - 1 WHERE sku = 'HOT' AND available > 0;
INSERT INTO reservations VALUES (:order_id, 'HOT', 1, now() + interval '10 minutes');
COMMIT;
SQL
pg_bench "$dir/reserve.sql" "$clients" "$seconds"
