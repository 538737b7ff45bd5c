#!/usr/bin/env bash
# `make serve`: the archive as production runs it (gunicorn, DEBUG off, WhiteNoise serving hashed,
# compressed static files), on HOST:PORT over plain HTTP for a trial on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"

export DEBUG=false

# Real production sets SECRET_KEY in its environment. A local trial gets one generated once
# into the data folder (var/ by default, git-ignored), so sessions survive restarts.
if [ -z "${SECRET_KEY:-}" ] && ! grep -qE '^SECRET_KEY=.+' .env 2>/dev/null; then
  key_file="${DATA_DIR:-var}/secret_key"
  if [ ! -s "$key_file" ]; then
    mkdir -p "$(dirname "$key_file")"
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$key_file")
    echo "SECRET_KEY was not set: generated one for local trials into $key_file"
    echo "(real production sets SECRET_KEY in its environment; see docs/production.md)"
  fi
  SECRET_KEY=$(cat "$key_file")
  export SECRET_KEY
fi

# Plain HTTP on this machine: no redirect to https, and cookies that travel over http, so the
# admin login works. Production behind TLS keeps the secure defaults (docs/production.md).
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
export SESSION_COOKIE_SECURE="${SESSION_COOKIE_SECURE:-false}"
export CSRF_COOKIE_SECURE="${CSRF_COOKIE_SECURE:-false}"

"$PY" manage.py collectstatic --noinput --verbosity 0
echo
echo "The archive is being served as in production on http://${HOST:-127.0.0.1}:${PORT:-8000}/  (Ctrl-C stops it)"
echo
exec "$PY" -m gunicorn --config config/gunicorn.conf.py config.wsgi
