"""The shared searcher stays whole while commits (here or in other processes) replace segments.

Under concurrent curators the reused searcher used to fail: a merge deleted segment files it had
not opened yet ("'NoneType' object is not subscriptable" in stored_fields), and Whoosh's
refresh() closed readers still in use, after which every search of the process raised
ReaderClosed (tests/test_concurrency.py shows it with real processes; these show each cause
deterministically).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from haystack import connections
from haystack.inputs import Raw
from haystack.query import SearchQuerySet
from whoosh import query as wq

from archive.models import Essay
from tests.factories import make_essay

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def backend():
    return connections["default"].get_backend()


def segment_files(index: Path) -> set[str]:
    return {name for name in os.listdir(index) if name.endswith((".trm", ".pst", ".seg"))} | {
        name for name in os.listdir(index) if "_stored" in name
    }


def found(query: str) -> set[str]:
    return {r.pk for r in SearchQuerySet().filter(content=Raw(query))[:50]}


def essays(commit, n: int, word: str) -> list[Essay]:
    made = []
    for i in range(n):  # one commit each: several segments
        with commit():
            made.append(make_essay(f"{word} essay {i}", paragraphs=[f"{word} text number {i}."]))
    return made


def test_a_searcher_in_use_survives_a_merge_deleting_its_files(search_index, commit):
    made = essays(commit, 4, "quokka")

    def during_merge(searcher) -> list[str]:
        before = segment_files(search_index)
        backend().optimize()  # merges every segment into one and deletes the old files
        assert before - segment_files(search_index), "the merge deleted no file of this searcher"
        # This searcher opened no stored-fields file yet; it must still read the old segments.
        titles = [searcher.stored_fields(n)["title"] for n in range(searcher.doc_count_all())]
        hits = searcher.search(wq.Term(backend().content_field_name, "quokka"), limit=10)
        assert len(hits) == 4 and all(hit.fields()["title"] for hit in hits)
        return titles

    titles = backend().searching(during_merge)
    assert sorted(titles) == sorted(e.title for e in made)
    assert found("quokka") == {str(e.pk) for e in made}  # and the merged index answers


def test_a_newer_generation_does_not_close_a_searcher_still_in_use(search_index, commit):
    made = essays(commit, 2, "wombat")
    seen = {}

    def while_others_search(searcher) -> None:
        with commit():
            newer = make_essay("Wombat burrows", paragraphs=["Wombat burrows again."])
        # Another search of this process opens the newer generation...
        assert found("wombat") == {str(e.pk) for e in [*made, newer]}
        # ...and this one, still running, keeps its own.
        hits = searcher.search(wq.Term(backend().content_field_name, "wombat"), limit=10)
        assert {hit["django_id"] for hit in hits} == {str(e.pk) for e in made}
        seen["searcher"] = searcher

    backend().searching(while_others_search)
    assert seen["searcher"].is_closed, "a superseded searcher is closed once its last user ends"


def test_a_broken_searcher_is_replaced_not_kept(search_index, commit):
    made = essays(commit, 1, "numbat")
    assert found("numbat") == {str(made[0].pk)}
    # The state the old refresh() left behind: the shared searcher's readers closed.
    backend().searching(lambda searcher: searcher.close())
    for _ in range(3):
        assert found("numbat") == {str(made[0].pk)}


def test_searchers_hold_their_files_open_only_while_needed(search_index, commit):
    essays(commit, 1, "bilby")
    found("bilby")
    open_before = len(os.listdir("/proc/self/fd"))
    for i in range(15):
        with commit():
            make_essay(f"Bilby {i}")
        assert found("bilby")
    assert len(os.listdir("/proc/self/fd")) <= open_before + 40  # one generation's files, not 15


def test_a_new_generation_reuses_the_field_lengths_of_unchanged_segments(search_index, commit):
    with commit():
        first = make_essay("Glaciers", paragraphs=["Glaciers retreat."])
    search = backend()
    search.searching(lambda s: None)
    loaded = dict(search._lengths)
    assert loaded  # the text field's lengths of the first segment
    with commit():
        make_essay("Moraines", paragraphs=["Moraines remain where glaciers were."])
    assert {r.pk for r in SearchQuerySet().filter(content=Raw("glaciers"))} == {
        str(first.pk),
        str(Essay.objects.get(title="Moraines").pk),
    }
    kept = {key: value for key, value in search._lengths.items() if key in loaded}
    assert kept and all(value is loaded[key] for key, value in kept.items())
    assert len(search._lengths) > len(kept)  # the new segment's were loaded
