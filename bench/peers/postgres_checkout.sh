#!/bin/sh
# The PostgreSQL peer of the checkout benchmark, the seed's checkout with
# fsync and synchronous commit on, through pgbench:
#   one:  one transaction: the idempotency key, the SKU's row FOR UPDATE
#         and its decrement, the order, its line, the payment, two ledger
#         postings and a status-history row (PostgreSQL's best case: the
#         PSP's charge is not waited for inside the transaction);
#   saga: the three-step saga: reserve with a 10-minute TTL; capture (the
#         payment and its postings); confirm (the hold becomes a sale).
# Starts its own server on loopback, prints orders per second, stops it.
# Usage: postgres_checkout.sh CLIENTS SECONDS one|saga SKUS
set -eu
clients="$1"
seconds="$2"
shape="$3"
skus="$4"
. "$(dirname "$0")/postgres_server.sh"
pg_run "
  create table stock (sku bigint primary key, available bigint not null,
                      reserved bigint not null default 0,
                      sold bigint not null default 0,
                      price_cents bigint not null);
  insert into stock (sku, available, price_cents)
    select n, 1000000000, 1000 from generate_series(1, $skus) n;
  create table idempotency_keys (key bigint primary key, created_at timestamptz);
  create table orders (id bigint primary key, buyer bigint, status text,
                       total_cents bigint);
  create table order_lines (order_id bigint, sku bigint, quantity int,
                            price_cents bigint);
  create table reservations (order_id bigint primary key, sku bigint,
                             quantity int, expires_at timestamptz);
  create table payments (order_id bigint primary key, amount_cents bigint,
                         status text, psp_reference text);
  create table ledger (order_id bigint, account text, amount_cents bigint);
  create table order_status_history (order_id bigint, status text,
                                     at timestamptz);"
pg_run "vacuum analyze"
# The key: unique per run of the script, from the client and a counter.
cat >"$dir/one.sql" <<SQL
\set sku random(1, $skus)
\set key :client_id * 1000000000000 + random(1, 999999999999)
BEGIN;
INSERT INTO idempotency_keys VALUES (:key, now());
SELECT available, price_cents FROM stock WHERE sku = :sku FOR UPDATE;
UPDATE stock SET available = available - 1, sold = sold + 1
  WHERE sku = :sku AND available > 0;
INSERT INTO orders VALUES (:key, :client_id, 'paid', 1000);
INSERT INTO order_lines VALUES (:key, :sku, 1, 1000);
INSERT INTO payments VALUES (:key, 1000, 'captured', 'psp-' || :key);
INSERT INTO ledger VALUES (:key, 'buyer_receivable', -1000),
                          (:key, 'seller_payable', 1000);
INSERT INTO order_status_history VALUES (:key, 'paid', now());
COMMIT;
SQL
cat >"$dir/saga.sql" <<SQL
\set sku random(1, $skus)
\set key :client_id * 1000000000000 + random(1, 999999999999)
BEGIN;
INSERT INTO idempotency_keys VALUES (:key, now());
SELECT available, price_cents FROM stock WHERE sku = :sku FOR UPDATE;
UPDATE stock SET available = available - 1, reserved = reserved + 1
  WHERE sku = :sku AND available > 0;
INSERT INTO reservations VALUES (:key, :sku, 1, now() + interval '10 minutes');
INSERT INTO orders VALUES (:key, :client_id, 'reserved', 1000);
INSERT INTO order_lines VALUES (:key, :sku, 1, 1000);
INSERT INTO order_status_history VALUES (:key, 'reserved', now());
COMMIT;
BEGIN;
INSERT INTO payments VALUES (:key, 1000, 'captured', 'psp-' || :key);
INSERT INTO ledger VALUES (:key, 'buyer_receivable', -1000),
                          (:key, 'seller_payable', 1000);
UPDATE orders SET status = 'paid' WHERE id = :key;
INSERT INTO order_status_history VALUES (:key, 'paid', now());
COMMIT;
BEGIN;
SELECT reserved FROM stock WHERE sku = :sku FOR UPDATE;
UPDATE stock SET reserved = reserved - 1, sold = sold + 1 WHERE sku = :sku;
DELETE FROM reservations WHERE order_id = :key;
UPDATE orders SET status = 'confirmed' WHERE id = :key;
INSERT INTO order_status_history VALUES (:key, 'confirmed', now());
COMMIT;
SQL
pg_bench "$dir/$shape.sql" "$clients" "$seconds"
