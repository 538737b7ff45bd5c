"""Bring the search index up to date with the database: the queue of changes and full rebuilds.

Every change that affects search is queued as a PendingIndexChange row in the same transaction
(search/signals.py). `apply_pending_changes()` applies the whole queue after commit, from the next
write, the rebuild command or `manage.py process_index_queue`; a row is deleted only once the
index has taken its change, so a locked or failing index delays changes but never loses one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from haystack import connections
from haystack.utils import get_identifier

from archive.models import Essay
from search.models import PendingIndexChange
from search.related import rebuild_key_terms, refresh_key_terms

log = logging.getLogger(__name__)
BATCH = 500


def essay_index():
    """Return the EssayIndex registered with Haystack's default connection."""
    return connections["default"].get_unified_index().get_index(Essay)


def queue_essays(essay_ids: Iterable[int]) -> None:
    """Record (in the current transaction) that these essays' documents must be refreshed."""
    rows = [PendingIndexChange(essay_id=pk) for pk in dict.fromkeys(essay_ids) if pk]
    if rows:
        PendingIndexChange.objects.bulk_create(rows)


def _apply_batch(backend, index) -> int:
    """Apply the oldest batch of queued changes; return how many rows it cleared (0: empty)."""
    taken: list[int] = []
    applied: dict[str, list] = {}

    def changes() -> tuple[Iterable, list[str]]:
        # Called with the index's write lock held: the state read here is what gets written.
        rows = list(PendingIndexChange.objects.order_by("id").values_list("id", "essay_id")[:BATCH])
        taken.extend(row_id for row_id, _ in rows)
        wanted = {essay_id for _, essay_id in rows}
        published = list(index.index_queryset().filter(pk__in=wanted))
        gone = wanted - {essay.pk for essay in published}
        applied.update(published=published, gone=list(gone))
        return published, [get_identifier_for(pk) for pk in gone]

    if hasattr(backend, "apply"):
        backend.apply(index, changes)
    else:  # a backend without batched writes (Elasticsearch, Solr): same steps, its own calls
        update, remove_ids = changes()
        if update:
            backend.update(index, update)
        for doc_id in remove_ids:
            backend.remove(doc_id)
    PendingIndexChange.objects.filter(id__in=taken).delete()
    published, gone = applied.get("published", []), applied.get("gone", [])
    try:
        refresh_key_terms(published, gone)
    except Exception:  # related essays may lag; the index change itself has landed
        ids = sorted([e.pk for e in published] + gone)
        log.warning("Key terms of essays %s not refreshed", ids, exc_info=True)
    return len(taken)


def get_identifier_for(essay_id: int) -> str:
    """Return the search document id of an essay (also for one that no longer exists)."""
    return get_identifier(f"archive.essay.{essay_id}")


def apply_pending_changes() -> int:
    """Apply every queued change to the index; return how many rows were applied.

    Errors (index locked past the bounded wait, disk unwritable, backend down) are logged and
    leave the rows queued for the next attempt; they never reach the curator's request.
    """
    if not PendingIndexChange.objects.exists():
        return 0
    backend = connections["default"].get_backend()
    index = essay_index()
    applied = 0
    try:
        while n := _apply_batch(backend, index):
            applied += n
            if n < BATCH:
                break
    except Exception:
        log.warning(
            "Search index not updated; changes stay queued for the next attempt", exc_info=True
        )
    return applied


def schedule_apply() -> None:
    """Apply the queue once the current transaction commits (at once outside a transaction).

    Several changes in one transaction register several callbacks: the first takes the whole
    queue, the others find it empty with one cheap query and take no lock.
    """
    transaction.on_commit(apply_pending_changes)


def rebuild(progress=None, every: int = 10_000) -> tuple[int, int]:
    """Rebuild the whole index aside and swap it in; return (documents written, published essays).

    Queued changes the build has read are cleared once it has landed; the others (changes
    committed while it ran) stay queued and are applied at the end. The cleared rows are those
    visible when the build started, by id, not "every id up to the largest": on PostgreSQL a
    transaction can commit a smaller id after a larger one is visible. `progress(count)` is
    called every `every` documents by backends that report progress.
    """
    backend = connections["default"].get_backend()
    index = essay_index()
    seen: set[int] = set()

    def essays() -> Iterable[Essay]:
        seen.update(PendingIndexChange.objects.values_list("id", flat=True))
        return index.index_queryset().iterator(chunk_size=1000)

    if hasattr(backend, "bulk_build"):
        written = backend.bulk_build(index, essays, progress=progress, progress_every=every)
    else:
        backend.clear()
        written = 0
        for essay in essays():
            backend.update(index, [essay])
            written += 1
    ids = sorted(seen)
    for start in range(0, len(ids), BATCH):
        PendingIndexChange.objects.filter(id__in=ids[start : start + BATCH]).delete()
    rebuild_key_terms()
    apply_pending_changes()
    return written, index.index_queryset().count()


def compare_index() -> dict[str, set[int]]:
    """Return essay ids that are missing from, stale in, or orphaned in the index."""
    index = essay_index()
    backend = connections["default"].get_backend()
    indexed = {
        int(doc_id.rsplit(".", 1)[1]): fingerprint
        for doc_id, fingerprint in backend.stored_documents().items()
    }
    expected = {
        essay.pk: index.full_prepare(essay)["fingerprint"]
        for essay in index.index_queryset().iterator(chunk_size=1000)
    }
    return {
        "missing": set(expected) - set(indexed),
        "stale": {pk for pk in set(expected) & set(indexed) if expected[pk] != indexed[pk]},
        "orphaned": set(indexed) - set(expected),
    }


def repair_index(report: dict[str, set[int]]) -> None:
    """Queue every differing essay and apply the queue (the normal, durable path)."""
    with transaction.atomic():
        queue_essays(set().union(*report.values()))
    apply_pending_changes()
