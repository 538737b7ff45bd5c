"""Bring the search index up to date with the database: the queue of changes and full rebuilds.

Every change that affects search is queued as a PendingIndexChange row in the same transaction
(search/signals.py). `apply_pending_changes()` applies the whole queue after commit, from the next
write, the index keeper (search/keeper.py), the rebuild command or `manage.py
process_index_queue`; a row is deleted only once the index has taken its change, so a locked or
failing index delays changes but never loses one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.utils import timezone
from haystack import connections
from haystack.utils import get_identifier

from archive.models import Essay
from search.backends.base import IndexLocked, archive_backend
from search.models import IndexTrouble, PendingIndexChange
from search.related import rebuild_key_terms, refresh_key_terms

log = logging.getLogger(__name__)
BATCH = 500

# What the last attempt of this thread to apply the queue came to (the admin tells the curator).
outcome = threading.local()


def essay_index():
    """Return the EssayIndex registered with Haystack's default connection."""
    return connections["default"].get_unified_index().get_index(Essay)


def queue_essays(essay_ids: Iterable[int]) -> None:
    """Record (in the current transaction) that these essays' documents must be refreshed."""
    rows = [PendingIndexChange(essay_id=pk) for pk in dict.fromkeys(essay_ids) if pk]
    if rows:
        PendingIndexChange.objects.bulk_create(rows)


def _apply_batch(backend, index, wait: float | None) -> int:
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

    backend.apply(index, changes, wait=wait)
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


def apply_pending_changes(*, wait: float | None = None) -> int:
    """Apply every queued change to the index; return how many rows were applied.

    `wait`: how long to wait for another writer's lock (None: the backend's bounded wait).
    Nothing raises: a held lock leaves the rows queued (the keeper retries within seconds); an
    index that cannot be written is recorded, logged as an error, and healed by the keeper (a
    rebuild aside); a database error leaves the rows for the next attempt.
    """
    outcome.state, outcome.message = "applied", ""
    if not PendingIndexChange.objects.exists():
        return 0
    backend, index = archive_backend(), essay_index()
    applied = 0
    try:
        while n := _apply_batch(backend, index, wait):
            applied += n
            if n < BATCH:
                break
    except IndexLocked as exc:
        _trouble("locked", str(exc), IndexTrouble.LOCKED)
        log.info("Search index busy; changes stay queued: %s", exc)
    except DatabaseError as exc:
        _trouble("failed", f"the database could not be read: {exc}", None)
        log.warning("Search queue not applied (database); it stays queued", exc_info=True)
    except Exception as exc:
        _trouble("failed", str(exc) or repr(exc), IndexTrouble.FAILED)
        log.error("The search index could not take changes; it will be rebuilt", exc_info=True)
        from search import keeper

        keeper.request_healing(str(exc) or repr(exc))
    else:
        IndexTrouble.mark_resolved()
    return applied


def _trouble(state: str, message: str, kind: str | None) -> None:
    outcome.state, outcome.message = state, message
    if kind is not None:
        try:
            IndexTrouble.record(kind, message)
        except DatabaseError:
            log.warning("Could not record the search index's trouble", exc_info=True)


def schedule_apply() -> None:
    """Apply the queue once the current transaction commits (at once outside a transaction).

    Several changes in one transaction register several callbacks: the first takes the whole
    queue, the others find it empty with one cheap query and take no lock.
    """
    transaction.on_commit(apply_pending_changes)


@dataclass(frozen=True)
class Lag:
    """The changes the index has not taken yet."""

    pending: int  # essays waiting (LAG_LIMIT + 1: at least that many)
    oldest_seconds: float | None  # age of the oldest waiting change
    withdrawn: frozenset[int] = frozenset()  # of those, essays no longer published

    def __bool__(self) -> bool:
        return self.pending > 0


LAG_LIMIT = 1000


def index_lag() -> Lag:
    """Return what waits for the index: one query when nothing does, two otherwise.

    Lists drawn from the index leave out `withdrawn` (the index may still hold them); past
    LAG_LIMIT waiting essays only the pages' own check of each essay applies.
    """
    rows = list(
        PendingIndexChange.objects.order_by("id").values_list("essay_id", "created")[
            : LAG_LIMIT + 1
        ]
    )
    if not rows:
        return Lag(0, None)
    ids = {essay_id for essay_id, _ in rows}
    published = Essay.objects.published().filter(pk__in=ids).values_list("pk", flat=True)
    oldest = (timezone.now() - rows[0][1]).total_seconds()
    return Lag(len(ids), oldest, frozenset(ids - set(published)))


def rebuild(progress=None, every: int = 10_000) -> tuple[int, int]:
    """Rebuild the whole index aside and swap it in; return (documents written, published essays).

    Queued changes the build has read are cleared once it has landed; the others (changes
    committed while it ran) stay queued and are applied at the end. The cleared rows are those
    visible when the build started, by id, not "every id up to the largest": on PostgreSQL a
    transaction can commit a smaller id after a larger one is visible. `progress(count)` is
    called every `every` documents.
    """
    backend, index = archive_backend(), essay_index()
    seen: set[int] = set()

    def essays() -> Iterable[Essay]:
        seen.update(PendingIndexChange.objects.values_list("id", flat=True))
        return index.index_queryset().iterator(chunk_size=1000)

    written = backend.build(index, essays, progress=progress, progress_every=every)
    ids = sorted(seen)
    for start in range(0, len(ids), BATCH):
        PendingIndexChange.objects.filter(id__in=ids[start : start + BATCH]).delete()
    rebuild_key_terms()
    IndexTrouble.mark_resolved()
    apply_pending_changes()
    return written, index.index_queryset().count()


class NotComparable(Exception):
    """The search engine cannot list the documents it holds."""


def compare_index() -> dict[str, set[int]]:
    """Return essay ids that are missing from, stale in, or orphaned in the index."""
    index = essay_index()
    stored = archive_backend().documents()
    if stored is None:
        raise NotComparable("this search engine cannot list the documents it holds")
    indexed = {int(doc_id.rsplit(".", 1)[1]): fingerprint for doc_id, fingerprint in stored.items()}
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
