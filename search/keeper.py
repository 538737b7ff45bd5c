"""The index keeper: applies queued changes within seconds and heals a damaged index, on its own.

A change that could not reach the index (another writer held it, it could not be written) stays
queued in the database. The keeper applies the queue every `SEARCH_KEEPER_POLL` seconds (one
cheap query when it is empty), without waiting for a lock, so a queued change lands within
seconds of the index becoming writable, with no curator, cron job or further save. When a write
failed for any reason but a held lock, or the index cannot be read or was built with another
schema, it rebuilds the index aside and swaps it in (logged at error level), retrying with a
growing pause if the rebuild itself fails.

It runs as a daemon thread in every process that serves the site: config/wsgi.py starts it, so
`make run`, `make serve` and any WSGI server have it with nothing else to start or forget (a
separate worker or a task queue would be one more process that a small installation can leave
out). With several web workers every one has a keeper; they share Whoosh's locks, so one writes
while the others find the queue taken or the lock held and try again a second later.
`manage.py keep_index` runs the same loop in the foreground, for deployments that prefer it apart.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)

CHECK_EVERY = 600.0  # seconds between routine checks of the index's structure
DEEP_CHECK_GAP = 60.0  # at least this long between checks asked for by failed searches
FIRST_RETRY, LAST_RETRY = 30.0, 3600.0  # pause after a failed rebuild, doubling up to this

_requests = threading.Lock()
_healing: str | None = None  # a write failed: rebuild (the reason)
_check_wanted = False  # a search failed: look at the index closely


def request_healing(reason: str) -> None:
    """A write to the index failed for another reason than a held lock: rebuild it aside."""
    global _healing
    with _requests:
        _healing = reason


def request_check() -> None:
    """A search failed: look closely at the index, and rebuild it if it is damaged."""
    global _check_wanted
    with _requests:
        _check_wanted = True


class Keeper:
    """One process's keeper; `tick()` is one round, `run()` repeats it."""

    def __init__(self, poll: float | None = None) -> None:
        self.poll = settings.SEARCH_KEEPER_POLL if poll is None else poll
        self.next_check = 0.0  # a look at the index when the process starts
        self.last_deep_check = -DEEP_CHECK_GAP
        self.retry_after = 0.0
        self.pause = FIRST_RETRY
        self.out_of_step = False  # the last routine check found another number of documents

    def tick(self) -> None:
        """Heal the index if it needs it, then apply whatever waits in the queue."""
        from search.indexing import apply_pending_changes

        close_old_connections()
        try:
            self._heal_if_needed()
            apply_pending_changes(wait=0)
        finally:
            close_old_connections()

    def _heal_if_needed(self) -> None:
        global _healing, _check_wanted
        now = time.monotonic()
        with _requests:
            reason, wanted = _healing, _check_wanted
            deep = wanted and now - self.last_deep_check >= DEEP_CHECK_GAP
            if deep:
                _check_wanted = False
        if reason is None and not deep and now < self.next_check:
            return
        from search.backends.base import archive_backend

        health = archive_backend().health(deep=deep)
        self.next_check = now + CHECK_EVERY
        if deep:
            self.last_deep_check = now
        if health.rebuilding:
            return  # another process is rebuilding; its result is checked next time
        requested = reason
        if health.needs_rebuild:
            reason = health.problem
        elif reason is None:
            reason = self._out_of_step(health.documents)
        if reason is not None and now >= self.retry_after:
            self._rebuild(reason, requested)

    def _out_of_step(self, documents: int | None) -> str | None:
        """Return why the index holds other essays than are published (changes made around the
        queue: a restore, a bulk SQL edit), once two checks in a row with nothing queued agree."""
        from search.indexing import essay_index
        from search.models import PendingIndexChange

        if documents is None or PendingIndexChange.objects.exists():
            self.out_of_step = False
            return None
        published = essay_index().index_queryset().count()
        seen_before, self.out_of_step = self.out_of_step, documents != published
        if self.out_of_step and seen_before:
            return f"it holds {documents} essays where {published} are published"
        if self.out_of_step:  # look again soon, before rebuilding on a passing difference
            self.next_check = time.monotonic() + self.poll * 5
        return None

    def _rebuild(self, reason: str, requested: str | None) -> None:
        global _healing
        from search.backends.base import IndexLocked
        from search.indexing import rebuild
        from search.models import IndexTrouble

        log.error("The search index needs rebuilding (%s); rebuilding it aside", reason)
        started = time.monotonic()
        try:
            written, _ = rebuild()
        except IndexLocked:
            return  # someone else holds it (a rebuild of their own): look again later
        except Exception:
            log.error(
                "Rebuilding the search index failed; retrying in %.0f s", self.pause, exc_info=True
            )
            self.retry_after = time.monotonic() + self.pause
            self.pause = min(self.pause * 2, LAST_RETRY)
            return
        with _requests:
            if _healing is requested:  # no newer failure since this rebuild began
                _healing = None
        self.pause = FIRST_RETRY
        seconds = time.monotonic() - started
        message = f"{reason}; rebuilt with {written} essays in {seconds:.1f} s"
        log.error("The search index was rebuilt on its own: %s", message)
        IndexTrouble.record(IndexTrouble.REBUILT, message, resolved=True)

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.poll):
            try:
                self.tick()
            except Exception:  # the keeper must outlive any one round's trouble
                log.exception("The search index keeper's round failed")


_started_in: int | None = None
_stop = threading.Event()


def warm_up() -> None:
    """Prepare this process before it serves: the searcher opened and its tables loaded, and one
    search page rendered (templates compiled, their tags and the views imported), so that the
    first reader's search is as fast as the next. A failure only leaves that to the first
    search (or the 503 page, until the keeper has repaired the index)."""
    from search.backends.base import archive_backend

    started = time.monotonic()
    try:
        archive_backend().warm_up()
        _render_a_search()
    except Exception:
        log.warning("Search warm-up failed; the first search will do it", exc_info=True)
        return
    log.info("Search warmed up in %.2f s", time.monotonic() - started)


def _render_a_search() -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from archive.models import Essay
    from search.views import search

    title = Essay.objects.published().values_list("title", flat=True).first() or ""
    word = next((w for w in title.split() if len(w) > 3 and w.isalpha()), "archive")
    hosts = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")]
    request = RequestFactory(HTTP_HOST=(hosts or ["localhost"])[0]).get("/search/", {"q": word})
    request.user = AnonymousUser()
    search(request)


def start_keeper() -> None:
    """Start this process's keeper thread (once per process; not when SEARCH_KEEPER is off)."""
    global _started_in
    if not settings.SEARCH_KEEPER or _started_in == os.getpid():
        return
    _started_in = os.getpid()
    thread = threading.Thread(
        target=Keeper().run, args=(_stop,), name="search-index-keeper", daemon=True
    )
    thread.start()
