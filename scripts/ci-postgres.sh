#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, listening on 127.0.0.1 only.
#
#   eval "$(bash scripts/ci-postgres.sh start)"   # installs Debian's postgresql if missing,
#                                                 # starts a server, exports DATABASE_URL
#   bash scripts/ci-postgres.sh stop              # stops it and removes its data
#
# The role `archive` owns the database `archive` and may create databases, because
# pytest-django creates (and drops) the test database itself. Progress goes to stderr; only the
# `export` lines go to stdout.
set -euo pipefail

STATE_FILE="${TMPDIR:-/tmp}/archive-ci-postgres.env"
log() { echo "ci-postgres: $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# initdb and the server refuse to run as root: run them as the `postgres` user then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_postgresql() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    log "installing Debian's postgresql package"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  install_postgresql
  local bin dir port password
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/archive-ci-postgres.XXXXXX")
  port=$(free_port)
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"

  log "initialising a cluster in $dir"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  log "starting PostgreSQL on 127.0.0.1:$port"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null

  as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 <<SQL
CREATE ROLE archive LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE archive OWNER archive;
SQL
  cat >"$STATE_FILE" <<EOF
CI_POSTGRES_BIN=$bin
CI_POSTGRES_DIR=$dir
EOF
  echo "export DATABASE_URL=postgres://archive:$password@127.0.0.1:$port/archive"
}

stop() {
  [ -f "$STATE_FILE" ] || return 0
  # shellcheck disable=SC1090
  . "$STATE_FILE"
  as_owner "$CI_POSTGRES_BIN/pg_ctl" -D "$CI_POSTGRES_DIR/data" -m fast -w stop >/dev/null || true
  rm -rf "$CI_POSTGRES_DIR" "$STATE_FILE"
  log "stopped and removed"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
