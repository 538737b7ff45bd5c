#!/usr/bin/env bash
# `make restore FILE=…`: load a backup made by `make backup` into an empty installation (the
# database named by DATABASE_URL or DATA_DIR), then rebuild the search index from it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"

file="${1:-}"
if [ -z "$file" ] || [ ! -f "$file" ]; then
  echo "usage: make restore FILE=path/to/backup.json.gz  (no such file: '${file}')" >&2
  exit 2
fi

"$PY" manage.py migrate --noinput --verbosity 0
# Loading over existing rows would mix two archives under the same ids: refuse instead. The
# publishers the migrations seed (archive 0004) are not data of their own: in an otherwise empty
# archive they are removed, and the backup brings its own copy of them.
"$PY" manage.py shell -c '
import sys
from django.apps import apps
from django.contrib.auth import get_user_model
from archive.models import ArchiveVersion, Source
models = [*apps.get_app_config("archive").get_models(), get_user_model()]
models = [m for m in models if m is not ArchiveVersion]  # a cache marker, not data
others = [m for m in models if m is not Source]
if not any(m._default_manager.exists() for m in others):
    Source.objects.all().delete()
full = [m._meta.label for m in models if m._default_manager.exists()]
if full:
    sys.exit("Refusing to restore over existing data (" + ", ".join(full) + "). "
             "Restore into an empty database: a new DATA_DIR or DATABASE_URL.")
'
"$PY" manage.py loaddata "$file"
"$PY" manage.py rebuild_index --noinput
echo "Restored $file and rebuilt the search index"
