"""The index follows the database durably: every change queued with it, applied after commit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from django.core.management import call_command
from haystack import connections
from haystack.inputs import Raw
from haystack.query import SearchQuerySet

from archive.models import Authorship, Essay
from search.indexing import compare_index, rebuild
from search.models import PendingIndexChange
from tests.factories import make_author, make_essay, make_topic

pytestmark = pytest.mark.django_db


def found(query: str) -> set[str]:
    return {r.pk for r in SearchQuerySet().filter(content=Raw(query))[:50]}


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what the block saves as a committed transaction would (on_commit callbacks run)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_index_follows_publish_edit_unpublish_and_delete(search_index, commit):
    with commit():
        essay = make_essay("Zanzibar cloves", status=Essay.Status.DRAFT)
    assert found("zanzibar") == set()
    with commit():
        essay.status = Essay.Status.PUBLISHED
        essay.save()
    assert found("zanzibar") == {str(essay.pk)}
    with commit():
        essay.title = "Madagascar vanilla"
        essay.save()
    assert found("zanzibar") == set() and found("madagascar") == {str(essay.pk)}
    with commit():
        essay.status = Essay.Status.DRAFT
        essay.save()
    assert found("madagascar") == set()
    with commit():
        essay.status = Essay.Status.PUBLISHED
        essay.save()
        essay.delete()
    assert found("madagascar") == set()
    assert PendingIndexChange.objects.count() == 0


def test_index_follows_author_and_topic_links_and_renames(search_index, commit):
    with commit():
        essay = make_essay("Quiet diplomacy")
        author = make_author("Olga Petrova")
        topic = make_topic("Fisheries")
    assert found("author_names:petrova") == set()
    with commit():
        Authorship.objects.create(essay=essay, author=author, position=0)
    assert found("author_names:petrova") == {str(essay.pk)}
    with commit():
        author.name = "Olga Sidorova"
        author.save()
    assert found("author_names:sidorova") == {str(essay.pk)}
    with commit():
        essay.topics.add(topic)
    assert found("topic_names:fisheries") == {str(essay.pk)}
    with commit():
        topic.essays.clear()  # from the other side of the relation
    assert found("topic_names:fisheries") == set()
    with commit():
        Authorship.objects.filter(essay=essay).delete()
    assert found("author_names:sidorova") == set()
    assert compare_index() == {"missing": set(), "stale": set(), "orphaned": set()}


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from whoosh.filedb.filestore import FileStorage
    lock = FileStorage(sys.argv[1]).lock("MAIN_WRITELOCK")
    assert lock.acquire(blocking=False)
    print("locked", flush=True)
    time.sleep(60)
    """
)


@pytest.fixture
def locked_index(search_index):
    """Hold the index's write lock from another process, as a second writer would."""
    connections["default"].get_backend().setup()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(search_index)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"
    backend = connections["default"].get_backend()
    backend.lock_timeout = 0.2
    yield holder
    holder.kill()
    holder.wait()


def test_a_locked_index_loses_nothing_and_heals(search_index, commit, locked_index):
    with commit():
        essay = make_essay("Kerguelen penguins")  # the save succeeds although the index is locked
    assert Essay.objects.filter(pk=essay.pk).exists()
    assert PendingIndexChange.objects.filter(essay_id=essay.pk).exists()
    assert found("kerguelen") == set()
    locked_index.kill()
    locked_index.wait()
    call_command("process_index_queue")
    assert found("kerguelen") == {str(essay.pk)}
    assert PendingIndexChange.objects.count() == 0


def test_pending_changes_are_applied_by_the_next_write(search_index, commit, locked_index):
    with commit():
        first = make_essay("Svalbard seeds")
    locked_index.kill()
    locked_index.wait()
    with commit():
        second = make_essay("Tristan lobsters")
    assert found("svalbard") == {str(first.pk)} and found("tristan") == {str(second.pk)}


def test_check_index_finds_and_repairs_missing_stale_and_orphaned(search_index):
    kept, stale = make_essay("Azores whales"), make_essay("Faroe sheep")
    rebuild()
    missing = make_essay("Canary volcanoes")  # saved without the index hearing of it
    Essay.objects.filter(pk=stale.pk).update(title="Faroe puffins")
    Essay.objects.filter(pk=kept.pk).update(status=Essay.Status.DRAFT)
    report = compare_index()
    assert report == {"missing": {missing.pk}, "stale": {stale.pk}, "orphaned": {kept.pk}}
    with pytest.raises(Exception, match="--repair"):
        call_command("check_index")
    call_command("check_index", "--repair")
    assert compare_index() == {"missing": set(), "stale": set(), "orphaned": set()}
    assert found("puffins") == {str(stale.pk)} and found("azores") == set()


def test_rebuild_counts_against_the_database_and_keeps_later_changes(search_index):
    for i in range(12):
        make_essay(f"Island essay {i}")
    make_essay("Draft island", status=Essay.Status.DRAFT)
    call_command("rebuild_index", "--noinput")
    assert len(found("island")) == 12


KILLED_WRITER = textwrap.dedent(
    """
    import django, os, sys
    django.setup()
    from haystack import connections
    backend = connections["default"].get_backend()
    backend.setup()
    writer = backend._writer()
    for i in range(10**6):
        writer.add_document(id=f"archive.essay.{900000 + i}", django_ct="archive.essay",
                            django_id=str(900000 + i), text="filler island words " * 40)
        if i == 300:
            print("writing", flush=True)
    """
)


def test_a_build_killed_half_way_leaves_the_old_index_serving(search_index):
    essays = [make_essay(f"Island essay {i}") for i in range(3)]
    rebuild()
    env = {**os.environ, "SEARCH_URL": f"whoosh://{search_index}", "DEBUG": "true"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER], stdout=subprocess.PIPE, text=True, env=env
    )
    assert writer.stdout.readline().strip() == "writing"
    writer.kill()  # SIGKILL, half-way through writing new segments
    writer.wait()
    assert found("island") == {str(e.pk) for e in essays}
    rebuild()  # the lock died with the writer; the next build lands and cleans up
    assert found("island") == {str(e.pk) for e in essays}
