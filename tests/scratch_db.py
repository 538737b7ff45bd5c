"""A database of its own for an installation that tests start in subprocesses (manage.py, gunicorn).

On SQLite that is a file in the installation's DATA_DIR. When the suite runs on PostgreSQL
(DATABASE_URL set), it is a new database on the same server, dropped afterwards, so that such
tests exercise PostgreSQL too and never touch the database DATABASE_URL names.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "psql")


@contextmanager
def scratch_database(data_dir: Path) -> Iterator[str]:
    """Yield a DATABASE_URL for an empty database that belongs to `data_dir`'s installation."""
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in POSTGRES_SCHEMES:
        yield f"sqlite:///{data_dir / 'archive.sqlite3'}"
        return

    import psycopg

    name = f"archive_scratch_{secrets.token_hex(6)}"
    parts = urlsplit(url)
    libpq_url = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(libpq_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(libpq_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
