"""Shared pytest fixtures: an isolated search index for every test session (never var/)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Haystack's `connections` captures HAYSTACK_CONNECTIONS at import, so changing settings
# alone would not move the index. Point the live connection info (the same dict object as
# settings.HAYSTACK_CONNECTIONS) at a temporary directory as soon as this module is imported,
# before any test or fixture can write, and export SEARCH_URL so subprocesses started by tests
# (manage.py, gunicorn) use the same temporary index.
_SESSION_INDEX_ROOT = Path(tempfile.mkdtemp(prefix="archive-test-index-"))
_SESSION_INDEX = _SESSION_INDEX_ROOT / "whoosh_index"
os.environ["SEARCH_URL"] = f"whoosh://{_SESSION_INDEX}"


def _point_search_index_at(path: Path) -> None:
    """Make Haystack's default connection use the Whoosh index at `path` (in this process)."""
    from haystack import connections

    connections.connections_info["default"]["PATH"] = str(path)
    # Connections are cached per thread; drop every cached backend so the new path is used.
    connections.reload("default")


def pytest_configure(config: pytest.Config) -> None:
    """Isolate the index once Django is set up (pytest-django configures Django first)."""
    _point_search_index_at(_SESSION_INDEX)


@pytest.fixture(scope="session", autouse=True)
def isolated_search_index() -> Iterator[Path]:
    """Keep every test's index writes in a temporary directory, removed after the session."""
    from haystack import connections

    _point_search_index_at(_SESSION_INDEX)
    assert not str(connections.connections_info["default"]["PATH"]).startswith(
        str(Path(__file__).resolve().parent.parent / "var")
    ), "tests must never write to var/"
    yield _SESSION_INDEX
    shutil.rmtree(_SESSION_INDEX_ROOT, ignore_errors=True)


@pytest.fixture
def search_index(tmp_path: Path) -> Iterator[Path]:
    """Give the test a fresh, empty Whoosh index of its own; restore the session index after."""
    path = tmp_path / "whoosh_index"
    _point_search_index_at(path)
    try:
        yield path
    finally:
        _point_search_index_at(_SESSION_INDEX)


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Start every test with an empty cache: derived caches are keyed on the archive's version
    (archive/caching.py), which a rolled-back test leaves where it was."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fixed_site_url(settings) -> None:
    """Give every test production's rule, a fixed SITE_URL (so URLs made in the test and in a
    request agree); tests of the development rule (links follow the request) clear it."""
    settings.SITE_URL = "http://127.0.0.1:8000"


@pytest.fixture(scope="session")
def zotero_server() -> Iterator[str]:
    """Zotero's translation-server, started once for the session (tests/clients.py)."""
    from tests.clients import translation_server

    with translation_server() as url:
        yield url


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Start every test from an empty catalogue, without the publishers the migrations seed.

    Tests build their own data (tests/factories.py), often with real publishers' names; and
    pytest-django empties every table after a transactional test, so seeded rows would be
    there for some tests and not others. Tests that need the seeded publishers ask for the
    `seeded_publishers` fixture.
    """
    from archive.models import Source

    with django_db_blocker.unblock():
        Source.objects.all().delete()


@pytest.fixture
def seeded_publishers(db) -> list:
    """Add the publishers (sources and disclaimers) the archive's data migration seeds."""
    import importlib

    from django.apps import apps

    from archive.models import Source

    migration = importlib.import_module("archive.migrations.0006_source_disclaimer_variants")
    migration.seed_publishers(apps, None)
    return list(Source.objects.order_by("name"))
