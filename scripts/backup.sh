#!/usr/bin/env bash
# `make backup [FILE=…]`: dump the whole archive (essays, people, curators, admin history) to one
# compressed YAML file that `make restore` loads into an empty installation on any database.
# YAML, not JSON: Django's JSON encoder cuts timestamps to milliseconds; YAML keeps them exact.
# The format follows the file name (.yaml.gz, .json.gz, .xml …), as dumpdata and loaddata do.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"

file="${1:-}"
if [ -z "$file" ]; then
  mkdir -p var/backups
  file="var/backups/archive-$(date -u +%Y%m%dT%H%M%SZ).yaml.gz"
fi

format_of() {  # archive.yaml.gz -> yaml
  local name="${1%.gz}"; name="${name%.bz2}"; name="${name%.xz}"; name="${name%.lzma}"
  echo "${name##*.}"
}

# Kept out, because a fresh `migrate` recreates them or they are derived or short-lived:
# content types and permissions (referenced by natural key instead), sessions, login-throttle
# records (axes), the archive's cache marker (ArchiveVersion) and the search app's tables (the index
# is rebuilt from the essays on restore).
"$PY" manage.py dumpdata \
  --natural-foreign \
  --exclude contenttypes --exclude auth.permission --exclude sessions \
  --exclude axes --exclude search --exclude archive.archiveversion \
  --format "$(format_of "$file")" --output "$file" --verbosity 0
echo "Backup written to $file"
