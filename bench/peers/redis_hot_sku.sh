#!/bin/sh
# The Redis peer of the hot-SKU benchmark: appendonly yes with appendfsync
# always, a Lua script that decrements the stock if positive and records
# the reservation. Starts its own server on loopback, prints reservations
# per second, stops the server. Usage: redis_hot_sku.sh CLIENTS [REQUESTS]
set -eu
clients="$1"
requests="${2:-100000}"
. "$(dirname "$0")/redis_server.sh"
redis-cli -p "$port" set stock:hot 1000000000 >/dev/null
sha=$(redis-cli -p "$port" script load "local s = tonumber(redis.call('GET', KEYS[1])) if s > 0 then redis.call('DECR', KEYS[1]) redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) return 1 end return 0")
redis-benchmark -p "$port" -c "$clients" -n "$requests" -r 1000000000 -q \
  EVALSHA "$sha" 2 stock:hot reservations:hot __rand_int__ 1 \
  | tr '\r' '\n' | grep "requests per second" | tail -1 \
  | sed 's/.*: \([0-9.]*\) requests per second.*/\1/'
