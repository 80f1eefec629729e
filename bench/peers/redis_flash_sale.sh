#!/bin/sh
# The Redis peer of the flash sale hold benchmark: appendonly yes with
# appendfsync always, and a Lua script making a sale's checks before it
# holds a unit: the ticket is admitted, its buyer is under the per-user
# limit (100), a unit is left; then it takes the unit, counts it to the
# buyer and records the hold. 100,000 tickets are admitted first. Starts
# its own server on loopback, prints holds per second, stops the server.
# Usage: redis_flash_sale.sh CLIENTS [REQUESTS]
set -eu
clients="$1"
requests="${2:-100000}"
. "$(dirname "$0")/redis_server.sh"
redis-cli -p "$port" set sale:remaining 1000000 >/dev/null
# redis-benchmark's __rand_int__ is 12 digits, zero-padded.
redis-cli -p "$port" eval "for i = 0, 99999 do redis.call('HSET', KEYS[1], string.format('%012d', i), 'buyer-' .. i) end return 1" 1 sale:admitted >/dev/null
sha=$(redis-cli -p "$port" script load "
local buyer = redis.call('HGET', KEYS[2], ARGV[1])
if not buyer then return -1 end
local owned = tonumber(redis.call('HGET', KEYS[3], buyer) or '0')
if owned + 1 > 100 then return -2 end
if tonumber(redis.call('GET', KEYS[1])) < 1 then return 0 end
redis.call('DECR', KEYS[1])
redis.call('HINCRBY', KEYS[3], buyer, 1)
redis.call('HSET', KEYS[4], ARGV[2], buyer)
return 1")
redis-benchmark -p "$port" -c "$clients" -n "$requests" -r 100000 -q \
  EVALSHA "$sha" 4 sale:remaining sale:admitted sale:units sale:holds \
  __rand_int__ order-__rand_int__ \
  | tr '\r' '\n' | grep "requests per second" | tail -1 \
  | sed 's/.*: \([0-9.]*\) requests per second.*/\1/'
