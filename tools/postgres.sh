#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for tests, benchmarks and trying the vault on PostgreSQL: its own
# data directory, a free loopback port, TLS with a certificate made for it, a database regvault owned
# by the role regvault_owner (which cannot log in: the schema is applied as it, with SET ROLE), and
# the application role regvault, which owns nothing. Never touches a system cluster.
#
#   tools/postgres.sh start DIR   installs postgresql-15 if missing, creates the cluster in DIR if it
#                                 is not there yet, starts it if it is not running, and prints its URL
#                                 (also kept in DIR/url); safe to run any number of times
#   tools/postgres.sh url DIR     prints the URL of the running cluster in DIR
#   tools/postgres.sh stop DIR    stops it (the data stays; start runs it again)
#   tools/postgres.sh database DIR NAME
#                                 creates the database NAME owned by regvault_owner, runs the SQL on
#                                 standard input in it as regvault_owner (one transaction; the vault's
#                                 schema: regvault postgres schema --role regvault), and prints the
#                                 URL for the regvault role; refuses a NAME that exists
#   tools/postgres.sh owner DIR NAME
#                                 runs the SQL on standard input in the database NAME as
#                                 regvault_owner (one transaction; for regvault postgres upgrade)
#
# The URL asks for TLS (sslmode=verify-full, root certificate DIR/root.crt, host 127.0.0.1).
# Started as root, the server runs as the postgres user, which owns DIR (mode 0700).
set -euo pipefail

usage() { echo "usage: tools/postgres.sh start|url|stop DIR, or tools/postgres.sh database|owner DIR NAME < file.sql" >&2; exit 2; }
[ $# -eq 2 ] || { [ $# -eq 3 ] && { [ "$1" = database ] || [ "$1" = owner ]; }; } || usage
command="$1"
mkdir -p "$2"
dir="$(cd "$2" && pwd)"
bin=/usr/lib/postgresql/15/bin

# Runs a PostgreSQL program as the cluster's owner: the postgres user when started as root (the
# server refuses to run as root), this user otherwise.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Closes every descriptor above 2 this shell inherited (but its own script, 255), so that the server
# it starts keeps none of its caller's pipes or sockets open: a caller that waits for those to close
# (Foundation's Process does, for its child's exit) would otherwise wait for as long as the server runs.
close_inherited_descriptors() {
  local fd
  for fd in /proc/$$/fd/*; do
    fd="${fd##*/}"
    if [ "$fd" -gt 2 ] && [ "$fd" != 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

running() { [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" status -D "$dir/data" >/dev/null 2>&1; }

# Runs the SQL on standard input in database $1 as regvault_owner, in one transaction.
sql_as_tables_owner() {
  { echo "SET ROLE regvault_owner;"; cat; } | as_owner "$bin/psql" -h "$dir" -p "$(cat "$dir/port")" -U postgres -d "$1" -X -q \
    -v ON_ERROR_STOP=1 --single-transaction -f - >/dev/null
}

# Refuses a database name the cluster's commands do not take, and a cluster that is not running.
check_database_command() {
  [[ "$1" =~ ^[a-z][a-z0-9_]{0,62}$ ]] || { echo "postgres: a database name is lower-case letters, digits and _ ($1)" >&2; exit 2; }
  running || { echo "postgres: no cluster is running in $dir (tools/postgres.sh start $dir)" >&2; exit 1; }
}

case "$command" in
  start)
    INSTALL_LABEL=postgres "$(dirname "$0")/install-debian-packages.sh" postgresql-15 openssl
    chmod 700 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      echo "postgres: creating a cluster in $dir/data" >&2
      password="$(openssl rand -hex 16)"
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
      # A root certificate and a server certificate for 127.0.0.1 and localhost, made here.
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj "/CN=regvault test root" \
        -keyout "$dir/root.key" -out "$dir/root.crt" 2>/dev/null
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$dir/data/server.key" -out "$dir/server.csr" 2>/dev/null
      openssl x509 -req -in "$dir/server.csr" -CA "$dir/root.crt" -CAkey "$dir/root.key" -CAcreateserial -days 3650 \
        -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost') -out "$dir/data/server.crt" 2>/dev/null
      rm -f "$dir/server.csr" "$dir/root.key" "$dir/root.srl"
      chmod 600 "$dir/data/server.key"
      [ "$(id -u)" = 0 ] && chown postgres: "$dir/data/server.key" "$dir/data/server.crt" "$dir/root.crt"
      # Over TCP only with TLS and a password; the socket in DIR for the owner only.
      printf 'local all postgres trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n' > "$dir/data/pg_hba.conf"
      printf 'ssl = on\nssl_cert_file = %s\nssl_key_file = %s\nunix_socket_directories = %s\nlisten_addresses = %s\n' \
        "'server.crt'" "'server.key'" "'$dir'" "'127.0.0.1'" >> "$dir/data/postgresql.conf"
      echo "$password" > "$dir/password"
      chmod 600 "$dir/password"
    fi
    if ! running; then
      # The port it had before, when that is still free (so its URL stays the same); else a free one.
      port="$(python3 - "$(cat "$dir/port" 2>/dev/null || echo 0)" <<'PY'
import socket, sys
for candidate in (int(sys.argv[1]), 0):
    try:
        s = socket.socket()
        s.bind(("127.0.0.1", candidate))
        print(s.getsockname()[1])
        break
    except OSError:
        continue
PY
)"
      (close_inherited_descriptors; as_owner "$bin/pg_ctl" start -D "$dir/data" -l "$dir/server.log" -w -o "-p $port" >/dev/null)
      echo "$port" > "$dir/port"
      password="$(cat "$dir/password")"
      # The role and database (again, harmlessly, after a restart).
      as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
SELECT 'CREATE ROLE regvault_owner NOLOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regvault_owner') \gexec
SELECT 'CREATE ROLE regvault LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regvault') \gexec
ALTER ROLE regvault PASSWORD '$password';
ALTER ROLE regvault SET idle_in_transaction_session_timeout = '5s';
SELECT 'CREATE DATABASE regvault OWNER regvault_owner' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'regvault') \gexec
SQL
      echo "postgres://regvault:$password@127.0.0.1:$port/regvault?sslmode=verify-full&sslrootcert=$dir/root.crt" > "$dir/url"
    fi
    cat "$dir/url"
    ;;
  url)
    running || { echo "postgres: no cluster is running in $dir (tools/postgres.sh start $dir)" >&2; exit 1; }
    cat "$dir/url"
    ;;
  database)
    name="$3"
    check_database_command "$name"
    as_owner "$bin/psql" -h "$dir" -p "$(cat "$dir/port")" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 \
      -c "CREATE DATABASE $name OWNER regvault_owner" >/dev/null
    sql_as_tables_owner "$name"
    sed "s#/regvault?#/$name?#" "$dir/url"
    ;;
  owner)
    check_database_command "$3"
    sql_as_tables_owner "$3"
    ;;
  stop)
    if running; then as_owner "$bin/pg_ctl" stop -D "$dir/data" -m fast -w >/dev/null; fi
    ;;
  *)
    usage
    ;;
esac
