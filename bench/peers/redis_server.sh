# Sourced by the Redis peers: starts redis-server on loopback with
# appendonly yes and appendfsync always in a temporary directory, sets
# $port, and stops the server and removes the directory on exit.
dir=$(mktemp -d /tmp/tillroll-redis-XXXXXX)
port=$((20000 + $$ % 20000))
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --appendonly yes \
  --appendfsync always --save "" --maxclients 1000 --logfile "$dir/log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
tries=0
until redis-cli -p "$port" ping >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -gt 200 ] && { echo "redis did not start" >&2; exit 1; }
  sleep 0.05
done
