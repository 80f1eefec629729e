# Sourced by the PostgreSQL peers: starts PostgreSQL (the newest installed)
# on loopback with fsync and synchronous commit on, in a temporary
# directory, and sets $bin, $dir and $port; `pg_run SQL` runs SQL; the
# server is stopped and the directory removed on exit.
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
  -c max_connections=300 -c shared_buffers=256MB >"$dir/log" 2>&1 &
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
pg_run() {
  "$bin/psql" -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -c "$1" postgres
}
# Transactions per second of pgbench running script $1 with $2 clients
# for $3 seconds (each run of a script counts once, however many
# transactions it has).
pg_bench() {
  "$bin/pgbench" -h "$dir" -p "$port" -U postgres -n -c "$2" -j 2 \
    -T "$3" -f "$1" postgres 2>/dev/null |
    grep '^tps' | sed 's/tps = \([0-9.]*\).*/\1/'
}
