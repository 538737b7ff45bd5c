"""Backup and restore for real: two installations (their own DATA_DIR, database and search index),
`scripts/backup.sh` in one and `scripts/restore.sh` into the other, both in subprocesses, then
the same archive: the same essays under the same ids and URLs, the same pages, the same searches.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scratch_db import scratch_database

BASE_DIR = Path(__file__).resolve().parent.parent
QUERIES = ["arms control", "missile defense", "Russia", "nuclear weapons", "cooperation"]

# Runs inside each installation (`manage.py shell -c`): everything a reader or curator sees.
SNAPSHOT = """
import hashlib, json
from django.contrib.auth import get_user_model
from django.test import Client
from haystack.query import SearchQuerySet
from archive.models import Author, Essay, Source, Topic

User = get_user_model()
client = Client()
def page(url):
    response = client.get(url, HTTP_HOST="127.0.0.1")
    return [response.status_code, hashlib.sha256(response.content).hexdigest()]

essays = [
    {
        "id": e.pk, "title": e.title, "slug": e.slug, "status": e.status,
        "url": e.get_absolute_url(), "permalink": e.get_permanent_url(),
        "created": e.created.isoformat(), "updated": e.updated.isoformat(),
        "body": hashlib.sha256(e.body.encode()).hexdigest(),
        "authors": [a.name for a in e.ordered_authors],
        "topics": sorted(e.topics.values_list("slug", flat=True)),
        "source": e.source and e.source.slug,
        "page": page(e.get_absolute_url()) if e.is_published else None,
    }
    for e in Essay.objects.for_listing().order_by("pk")
]
print(json.dumps({
    "essays": essays,
    "authors": list(Author.objects.order_by("pk").values_list("pk", "slug")),
    "sources": list(Source.objects.order_by("pk").values_list("pk", "slug")),
    "topics": list(Topic.objects.order_by("pk").values_list("pk", "slug")),
    "users": list(User.objects.order_by("pk").values_list("pk", "username", "is_staff")),
    "pages": {u: page(u) for u in ["/", "/essays/", "/authors/", "/topics/"]},
    "search": {q: [r.pk for r in SearchQuerySet().auto_query(q)[:20]] for q in QUERIES},
}))
"""

# Extra data beyond the seeds: a draft, a curator, and a deleted essay so ids have a gap.
EXTRA = """
from django.contrib.auth import get_user_model
from tests.factories import make_essay, make_topic
topic = make_topic("Backups")
make_essay("A draft about arms control", status="draft", topics=[topic])
make_essay("Deleted soon").delete()
make_essay("Restored cooperation essay", topics=[topic])
get_user_model().objects.create_superuser("curator", "c@example.org", "a long passphrase here")
"""


def installation_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        DEBUG="true",
        DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        SEARCH_URL=f"whoosh://{data_dir / 'whoosh_index'}",
        PY=sys.executable,
    )
    return env


def run(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600
    )


def manage(env: dict[str, str], *args: str) -> str:
    result = run(env, sys.executable, "manage.py", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def snapshot(env: dict[str, str]) -> dict:
    script = f"QUERIES = {QUERIES!r}\n{SNAPSHOT}"
    return json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])


@pytest.fixture(scope="module")
def installations(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict, dict, Path]]:
    """An archive with data and a backup of it, and a second, empty installation."""
    source_dir = tmp_path_factory.mktemp("source")
    target_dir = tmp_path_factory.mktemp("target")
    with scratch_database(source_dir) as source_db, scratch_database(target_dir) as target_db:
        source = installation_env(source_dir, source_db)
        target = installation_env(target_dir, target_db)
        manage(source, "migrate", "--noinput")
        manage(source, "import_essays", "fixtures/seeds")
        manage(source, "shell", "-c", EXTRA)
        manage(source, "rebuild_index", "--noinput")
        backup = source_dir / "backup.yaml.gz"
        result = run(source, "bash", "scripts/backup.sh", str(backup))
        assert result.returncode == 0, result.stdout + result.stderr
        yield source, target, backup


@pytest.fixture(scope="module")
def restored(installations) -> tuple[dict, dict]:
    source, target, backup = installations
    result = run(target, "bash", "scripts/restore.sh", str(backup))
    assert result.returncode == 0, result.stdout + result.stderr
    return snapshot(source), snapshot(target)


def test_the_source_archive_is_worth_restoring(restored) -> None:
    before, _ = restored
    assert len(before["essays"]) >= 4  # two seeds, a draft and one made here
    ids = [e["id"] for e in before["essays"]]
    assert ids != list(range(1, len(ids) + 1)), "a deleted essay should leave a gap in the ids"
    assert any(before["search"].values()), "the searches should find something"


def test_same_essays_under_the_same_ids_and_urls(restored) -> None:
    before, after = restored
    assert after["essays"] == before["essays"]
    for key in ("authors", "sources", "topics", "users"):
        assert after[key] == before[key], key


def test_same_pages(restored) -> None:
    before, after = restored
    assert after["pages"] == before["pages"]
    assert all(status == 200 for status, _ in after["pages"].values())


def test_same_search_results_after_the_index_is_rebuilt(restored) -> None:
    before, after = restored
    assert after["search"] == before["search"]


def test_the_restored_curator_can_log_in(installations, restored) -> None:
    _, target, _ = installations
    script = (
        "from django.contrib.auth import authenticate; "
        "print(authenticate(username='curator', password='a long passphrase here'))"
    )
    assert manage(target, "shell", "-c", script).strip().endswith("curator")


def test_new_essays_after_a_restore_get_fresh_ids(installations, restored) -> None:
    _, target, _ = installations
    _, after = restored
    script = "from tests.factories import make_essay; print(make_essay('After the restore').pk)"
    new_id = int(manage(target, "shell", "-c", script).strip().splitlines()[-1])
    assert new_id > max(e["id"] for e in after["essays"])


def test_restore_refuses_to_load_over_an_archive(installations, restored) -> None:
    _, target, backup = installations
    result = run(target, "bash", "scripts/restore.sh", str(backup))
    assert result.returncode != 0
    assert "Refusing to restore over existing data" in result.stderr


def test_restore_without_a_file_says_how_to_use_it(installations) -> None:
    _, target, _ = installations
    result = run(target, "bash", "scripts/restore.sh", "no-such-backup.yaml.gz")
    assert result.returncode == 2
    assert "usage: make restore FILE=" in result.stderr
