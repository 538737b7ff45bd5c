"""The long-lived searcher of a process: one per index generation, shared by every search.

Opening a searcher reads the table of contents and opens every segment; at 100,000 essays the
first search of a fresh searcher also loads each segment's field lengths (about a second). So a
process keeps one searcher per generation, shared by all its threads until a commit makes a newer
one, and closes it only when no search uses it any more. Its files are held open (see
whoosh_private/pinned.py) so other processes' merges cannot pull them away; if it breaks anyway,
it is dropped and the search runs once more on a fresh one, so one failure never sticks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from whoosh.reading import ReaderClosed
from whoosh.searching import Searcher

from search.backends import whoosh_private as private
from search.backends.facets import segment_id

log = logging.getLogger(__name__)
T = TypeVar("T")


class _View:
    """One generation's searcher and how many searches are using it right now."""

    __slots__ = ("searcher", "generation", "users", "retired")

    def __init__(self, searcher: Searcher, generation: int) -> None:
        self.searcher, self.generation = searcher, generation
        self.users, self.retired = 0, False

    def close(self) -> None:
        """Close the searcher's readers and files (already closed ones are left as they are)."""
        try:
            self.searcher.close()
        except ReaderClosed:
            pass


class SearcherPool:
    """Mixed into the Whoosh backend: `searching(work)` over the newest generation.

    Needs `storage`, `index_name`, `schema` and `open_index()` from the backend.
    """

    def _init_searchers(self) -> None:
        self._view: _View | None = None
        self._searcher_lock = threading.Lock()
        self._lengths: dict[tuple[str, str], object] = {}  # (segment id, field) -> loaded

    def searching(self, work: Callable[[Searcher], T]) -> T:
        """Return `work(searcher)` over the latest generation of the index (see the module)."""
        retry = (ReaderClosed, OSError)
        if private.AVAILABLE:
            retry += (private.pinned.GenerationMoved,)
        for attempt in (1, 2):
            view = self._acquire()
            try:
                return work(view.searcher)
            except retry:
                if attempt == 2:
                    raise
                log.warning("Search index reader failed; reopening it", exc_info=True)
                self._drop(view)
            finally:
                self._release(view)
        raise AssertionError("unreachable")

    def latest_generation(self) -> int:
        """Return the newest generation number of the index (-1: none): from the file names
        alone where Whoosh's internals are known, else through Whoosh's public index."""
        if private.AVAILABLE:
            return private.bulk.latest_generation(self.storage, self.index_name)
        if not self.storage.index_exists(self.index_name):
            return -1
        return self.open_index().latest_generation()

    def _acquire(self) -> _View:
        if not self.setup_complete:
            self.setup()
        latest = self.latest_generation()
        with self._searcher_lock:
            view = self._view
            if view is None or view.generation != latest:
                fresh = self._open_view()
                if view is not None:
                    self._retire(view)
                self._view = view = fresh
            view.users += 1
            return view

    def _open_view(self) -> _View:
        if private.AVAILABLE:
            reader = private.pinned.open_reader(self.storage, self.index_name, self.schema)
        else:
            reader = self.open_index().reader()
        searcher = Searcher(reader)
        return _View(self._warm(searcher), reader.generation())

    def _drop(self, view: _View) -> None:
        with self._searcher_lock:
            if self._view is view:
                self._view = None
                self._retire(view)

    def _release(self, view: _View) -> None:
        with self._searcher_lock:
            view.users -= 1
            if view.retired and not view.users:
                view.close()

    @staticmethod
    def _retire(view: _View) -> None:
        """Mark a superseded view; close it now if no search uses it (else its last user does)."""
        view.retired = True
        if not view.users:
            view.close()

    def close_searchers(self) -> None:
        """Let go of the shared searcher (closed once no search uses it)."""
        with self._searcher_lock:
            if self._view is not None:
                self._retire(self._view)
                self._view = None

    def _warm(self, searcher: Searcher) -> Searcher:
        """Load each segment's field lengths into memory (a byte per document and field).

        Scoring asks for a document's field length for every match; read from the column file
        that is a seek and a read each, a tenth of a common word's search at 10,000 essays.
        Segments never change, so what the previous generation loaded is reused for the segments
        it shares with this one: loading all of them again took 1.1 s at 100,000 essays, paid by
        the first search (or curator's save) after every commit.
        """
        if not private.AVAILABLE:
            return searcher
        loaded: dict[tuple[str, str], object] = {}
        for subsearcher, _ in searcher.leaf_searchers():
            reader = subsearcher.reader()
            segment = segment_id(reader)
            if segment is None:  # not a segment's reader
                continue
            for name in self.schema.scorable_names():
                key = (segment, name)
                lengths = self._lengths.get(key)
                if lengths is None:
                    column = private.segments.field_lengths(reader, name)
                    if column is None:
                        continue
                    lengths = column.load()
                private.segments.use_loaded_lengths(reader, name, lengths)
                loaded[key] = lengths
        self._lengths = loaded  # the segments of the newest generation only
        return searcher

    def generation(self) -> tuple:
        """Return a token that changes with every commit (part of result cache keys): the index
        path, its generation and its segments' ids, so a re-created index never shares a token
        with an earlier one."""

        def token(searcher: Searcher) -> tuple:
            reader = searcher.ixreader
            segments = tuple(segment_id(leaf) for leaf, _ in reader.leaf_readers())
            return (self.path, reader.generation(), segments)

        return self.searching(token)
