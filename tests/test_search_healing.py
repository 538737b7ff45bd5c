"""The index heals itself: a damaged index answers 503 (never 500) and is rebuilt by the keeper;
a change queued behind a held lock lands within seconds of its release, with no command run
(issue 11).

These tests use committed transactions (`transactional_db`): the keeper works through its own
database connection, as it does in a web process.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from haystack import connections

from archive.models import Essay
from search.backends.base import archive_backend
from search.indexing import compare_index, rebuild
from search.keeper import Keeper
from search.models import IndexTrouble, PendingIndexChange
from tests.factories import make_essay
from tests.test_search_indexing import HOLD_LOCK

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def archive(search_index):
    essays = [
        make_essay(f"Essay {n} on quokka diplomacy", paragraphs=[f"Quokka paragraph {n}."])
        for n in range(6)
    ]
    rebuild()
    return essays


def fresh_worker() -> None:
    """Forget this process's backend, open searcher and cached pages, as a new worker."""
    connections.reload("default")
    cache.clear()


def search(client, q: str = "quokka"):
    return client.get(reverse("search:search"), {"q": q})


def latest_toc(index: Path) -> Path:
    return max(index.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))


def segment_file(index: Path, suffix: str) -> Path:
    return next(p for p in index.iterdir() if p.name.startswith("MAIN_") and p.suffix == suffix)


def truncate(path: Path) -> None:
    path.write_bytes(b"")


def assert_found(client, count: int) -> None:
    response = search(client)
    assert response.status_code == 200
    assert response.context["total"] == count


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda index: truncate(latest_toc(index)), id="table-of-contents"),
        pytest.param(lambda index: truncate(segment_file(index, ".pst")), id="postings"),
        pytest.param(lambda index: truncate(segment_file(index, ".trm")), id="terms"),
    ],
)
def test_a_truncated_index_file_answers_503_then_heals_by_itself(
    client, archive, search_index, damage, caplog
):
    assert_found(client, 6)
    damage(search_index)
    fresh_worker()
    response = search(client)
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert b"try again" in response.content
    assert client.get(archive[0].get_absolute_url()).status_code == 200  # the rest works
    assert client.get(reverse("search:feed_atom"), {"q": "quokka"}).status_code == 503

    with caplog.at_level(logging.ERROR, logger="search.keeper"):
        Keeper(poll=0).tick()  # what the web process's keeper thread does every second
    assert any("rebuilt on its own" in r.getMessage() for r in caplog.records)
    assert_found(client, 6)
    trouble = IndexTrouble.latest()
    assert trouble.kind == IndexTrouble.REBUILT and trouble.resolved is not None
    assert compare_index() == {"missing": set(), "stale": set(), "orphaned": set()}


def test_rebuild_index_does_not_need_the_old_index(client, archive, search_index):
    truncate(latest_toc(search_index))
    fresh_worker()
    call_command("rebuild_index", "--noinput")
    assert_found(client, 6)


def test_check_index_repairs_an_unreadable_index_or_says_why(archive, search_index, capsys):
    truncate(latest_toc(search_index))
    fresh_worker()
    with pytest.raises(Exception, match="cannot be read"):
        call_command("check_index")
    call_command("check_index", "--repair")
    assert "The index matches the database" in capsys.readouterr().out
    assert compare_index() == {"missing": set(), "stale": set(), "orphaned": set()}


def test_a_failed_write_is_healed_by_a_rebuild(client, archive, search_index, caplog):
    """A write that fails for another reason than a held lock (here a segment file that cannot
    be read back when the commit merges it) is recorded, and the keeper rebuilds."""
    truncate(segment_file(search_index, ".pst"))
    fresh_worker()
    archive[0].title = "Renamed quokka essay"
    archive[0].save()  # the save itself succeeds; its change waits in the queue
    assert Essay.objects.get(pk=archive[0].pk).title == "Renamed quokka essay"
    trouble = IndexTrouble.latest()
    assert trouble.kind == IndexTrouble.FAILED and trouble.resolved is None
    assert PendingIndexChange.objects.filter(essay_id=archive[0].pk).exists()
    keeper = Keeper(poll=0)
    with caplog.at_level(logging.ERROR, logger="search.keeper"):
        keeper.tick()
        keeper.tick()  # healed: nothing more to do
    assert sum("rebuilt on its own" in r.getMessage() for r in caplog.records) == 1
    assert not PendingIndexChange.objects.exists()
    assert compare_index() == {"missing": set(), "stale": set(), "orphaned": set()}
    assert search(client, "renamed").context["total"] == 1


def test_a_change_queued_behind_a_held_lock_lands_within_seconds_of_its_release(
    client, archive, search_index
):
    archive_backend().lock_timeout = 0.2
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(search_index)], stdout=subprocess.PIPE, text=True
    )
    stop = threading.Event()
    keeper = threading.Thread(target=Keeper(poll=0.2).run, args=(stop,), daemon=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        keeper.start()
        essay = archive[1]
        essay.title = "Wallaby summit"
        essay.save()
        time.sleep(1.0)  # the keeper tries meanwhile, and finds the lock held
        assert PendingIndexChange.objects.filter(essay_id=essay.pk).exists()
        assert search(client, "wallaby").context["total"] == 0
        assert IndexTrouble.latest().kind == IndexTrouble.LOCKED
        holder.kill()
        holder.wait()
        released = time.monotonic()
        while PendingIndexChange.objects.exists() and time.monotonic() - released < 20:
            time.sleep(0.1)
        waited = time.monotonic() - released
    finally:
        stop.set()
        holder.kill()
        keeper.join(timeout=10)
    assert waited < 20, "the queued change never reached the index"
    assert search(client, "wallaby").context["total"] == 1
    assert IndexTrouble.latest().resolved is not None


def test_a_worker_starts_on_a_damaged_index_and_its_searcher_is_warmed_on_a_sound_one(
    client, archive, search_index, caplog
):
    """config/wsgi.py warms the searcher before a worker serves: never an error that would stop
    the worker, whatever the index's state."""
    from search.keeper import warm_up

    with caplog.at_level(logging.INFO, logger="search.keeper"):
        warm_up()
    assert any("warmed up" in r.getMessage() for r in caplog.records)
    truncate(latest_toc(search_index))
    fresh_worker()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="search.keeper"):
        warm_up()  # does not raise
    assert any("warm-up failed" in r.getMessage() for r in caplog.records)
    assert search(client).status_code == 503


def test_an_index_out_of_step_with_the_database_is_rebuilt(client, archive, search_index, caplog):
    """Changes made around the queue (a restore, a bulk SQL edit) leave the index holding other
    essays than are published: two routine checks agreeing on it rebuild the index."""
    Essay.objects.filter(pk=archive[0].pk).update(status=Essay.Status.DRAFT)  # no signals
    keeper = Keeper(poll=0)
    caplog.set_level(logging.ERROR, logger="search.keeper")
    keeper.tick()  # the first look notices, and looks again before acting
    page = search(client)  # meanwhile the page never shows the draft, and says it is behind
    assert archive[0].title not in page.content.decode() and len(page.context["hits"]) == 5
    assert "catching up" in page.content.decode()
    keeper.tick()
    assert IndexTrouble.latest().kind == IndexTrouble.REBUILT
    assert "5 are published" in IndexTrouble.latest().message
    assert compare_index() == {"missing": set(), "stale": set(), "orphaned": set()}
    keeper.next_check = 0  # the next routine check, now
    keeper.tick()
    assert sum("rebuilt on its own" in r.getMessage() for r in caplog.records) == 1  # once
