"""Writing the Whoosh index: batched changes, the rebuild aside, and the index's health.

Writers are serialized by Whoosh's write lock with a bounded wait: a change that cannot take it
stays queued in the database (IndexLocked). A rebuild writes a whole new generation beside the
serving one and swaps it in with one table of contents; it never reads the old index, so it also
replaces one that is damaged (a truncated file, an unmergeable segment). `health()` tells whether
the index can be read and was built with the current schema, which the index keeper
(search/keeper.py) uses to rebuild on its own.
"""

from __future__ import annotations

import logging
import os
import struct
import time
from collections.abc import Callable, Iterable

from haystack.constants import ID
from haystack.exceptions import SkipDocument
from haystack.utils import get_identifier
from whoosh import writing
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, EmptyIndexError, FileIndex, LockError
from whoosh.util.filelock import try_for

from search.backends import whoosh_private as private
from search.backends.base import Health, IndexLocked, IndexUnavailable

log = logging.getLogger(__name__)

VOCABULARY_FIELD = "vocabulary"  # every document's words as written (analysis.VOCABULARY)
NOTES_FIELD = "notes"  # biographies and publication history (search/search_indexes.py)


class IndexWriting:
    """Mixed into the Whoosh backend: apply, build, merge, optimize, health.

    Needs `path`, `storage`, `index_name`, `schema`, `lock_timeout` and the searcher pool.
    """

    # -- opening --------------------------------------------------------------------------------

    @property
    def storage(self) -> FileStorage:
        """The index folder's storage (IndexUnavailable while PATH is not a folder)."""
        if self._storage is None or not os.path.isdir(self.path):
            self._storage = None
            if os.path.lexists(self.path) and not os.path.isdir(self.path):
                raise IndexUnavailable("the index path is not a folder")
            os.makedirs(self.path, exist_ok=True)
            self._storage = FileStorage(self.path)
            if self.latest_generation() < 0:  # a new installation: an empty index to search
                self._storage.create_index(self.schema, indexname=self.index_name)
        return self._storage

    def _clear_path(self) -> None:
        """Move aside whatever stands at PATH if it is not a folder (a rebuild's first step)."""
        if os.path.lexists(self.path) and not os.path.isdir(self.path):
            aside = f"{self.path}.damaged-{int(time.time())}"
            log.error("The search index path %s is not a folder; moved it to %s", self.path, aside)
            os.replace(self.path, aside)

    def open_index(self) -> FileIndex:
        """Return the index (reading its table of contents); IndexUnavailable if unreadable."""
        try:
            return FileIndex(self.storage, schema=self.schema, indexname=self.index_name)
        except Exception as exc:
            raise IndexUnavailable(f"the index cannot be opened: {exc!r}") from exc

    # -- documents ------------------------------------------------------------------------------

    def _documents(self, index, objects: Iterable) -> Iterable[dict]:
        names = set(self.schema.names())
        for obj in objects:
            try:
                doc = index.full_prepare(obj)
            except SkipDocument:
                continue
            doc = {
                key: self._from_python(value)
                for key, value in doc.items()
                if key in names and value is not None and key != "boost"
            }
            # The vocabulary holds the words of the whole document and its notes as written.
            text = doc.get(self.content_field_name, "")
            notes = doc.get(NOTES_FIELD, "")
            doc[VOCABULARY_FIELD] = f"{text}\n\n{notes}" if notes else text
            yield doc

    # -- incremental writes -----------------------------------------------------------------------

    def _writer(self, timeout: float | None = None) -> writing.SegmentWriter:
        if self.rebuilding():  # it holds the write lock for minutes: don't wait for it
            raise IndexLocked("a rebuild is running; the change is applied when it has landed")
        index = self.open_index()
        wait = self.lock_timeout if timeout is None else timeout
        try:
            return index.writer(timeout=wait, compound=False)
        except LockError as exc:
            raise IndexLocked(str(exc)) from exc

    def apply(self, index, changes: Callable[[], tuple[Iterable, Iterable[str]]], *, wait=None):
        """Take the write lock, then call `changes()` for (objects to update, ids to remove) and
        write them in one commit.

        Reading the changes under the lock serializes readers of the database with writers of the
        index, so two processes can never write an older state over a newer one. Raises
        IndexLocked when another writer holds the lock for longer than the bounded wait (or
        `wait` seconds), IndexUnavailable when the index cannot be written.
        """
        if not self.setup_complete:
            self.setup()
        writer = self._writer(wait)
        try:
            update, remove_ids = changes()
            docs = list(self._documents(index, update)) if index is not None else []
            drop = {doc[ID] for doc in docs} | set(remove_ids)
            if drop:
                with writer.searcher() as searcher:
                    for doc_id in drop:
                        writer.delete_by_term(ID, doc_id, searcher=searcher)
                for doc in docs:
                    writer.add_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        if drop:
            self._commit(writer)
        else:
            writer.cancel()

    def _commit(self, writer, **options) -> None:
        """Commit (merging small segments as Whoosh does); a failure is the index's trouble."""
        try:
            writer.commit(**options)
        except Exception as exc:
            # Whoosh's commit cancels its own work on failure; what it wrote is in no table of
            # contents and is deleted by the next commit.
            raise IndexUnavailable(f"the index could not take the change: {exc!r}") from exc

    def update(self, index, iterable, commit: bool = True) -> None:
        self.apply(index, lambda: (iterable, ()))

    def remove(self, obj_or_string, commit: bool = True) -> None:
        self.apply(None, lambda: ((), [get_identifier(obj_or_string)]))

    def clear(self, models=None, commit: bool = True) -> None:
        """Empty the index in one commit (readers keep serving until it lands)."""
        if not self.setup_complete:
            self.setup()
        self._commit(self._writer(), mergetype=writing.CLEAR)

    def merge(self, mergetype=writing.MERGE_SMALL) -> None:
        """Commit nothing but a merge of segments by `mergetype` (Whoosh's own merge)."""
        self._commit(self._writer(), mergetype=mergetype)

    def optimize(self) -> None:
        """Merge every segment into one (Whoosh's own optimize)."""
        self._commit(self._writer(), optimize=True)

    # -- the rebuild ------------------------------------------------------------------------------

    def build(
        self,
        index,
        objects: Callable[[], Iterable],
        *,
        timeout: float = 60.0,
        progress: Callable[[int], None] | None = None,
        progress_every: int = 10_000,
    ) -> int:
        """Replace the whole index by the documents of `objects()` (called once the write lock is
        held); return how many were written. `progress(count)` is called every `progress_every`
        documents.

        One writer and one commit: the new segments are written beside the serving ones and the
        new table of contents replaces every old segment at once, so search keeps answering from
        the old index while this runs, and a build killed half-way leaves the old index serving
        (its partial files are deleted by the next commit). The old index is not read.

        The write lock is held for the whole build (minutes at 100,000 essays). A second lock
        says a rebuild holds it, so curators' saves meanwhile don't wait for the lock: they
        queue their change at once, and the rebuild applies the queue when it has landed.
        """
        if not self.setup_complete:
            self.setup()
        self._clear_path()
        rebuilding = self._rebuild_lock()
        if not try_for(rebuilding.acquire, timeout=timeout, delay=0.1):
            raise IndexLocked("another rebuild is running")
        try:
            writer = self._build_writer(timeout)
            count = 0
            try:
                for doc in self._documents(index, objects()):
                    writer.add_document(**doc)
                    count += 1
                    if progress is not None and count % progress_every == 0:
                        progress(count)
            except BaseException:
                writer.cancel()
                raise
            if isinstance(writer, writing.SegmentWriter):
                writer.commit(mergetype=writing.CLEAR)
            else:
                writer.commit()
        finally:
            rebuilding.release()
        self.close_searchers()
        return count

    def _build_writer(self, timeout: float):
        """The bulk writer where Whoosh's internals are known; Whoosh's own writer otherwise."""
        try:
            if private.AVAILABLE and private.bulk.supports(self.schema):
                return private.bulk.BulkWriter(
                    self.storage, self.index_name, self.schema, timeout=timeout
                )
            try:
                index = self.open_index()
            except IndexUnavailable:  # Whoosh's writer needs a readable index: start afresh
                self._start_afresh()
                index = self.open_index()
            return index.writer(timeout=timeout, compound=False)
        except LockError as exc:
            raise IndexLocked(str(exc)) from exc

    def _start_afresh(self) -> None:
        """Replace an unreadable index by an empty one (Whoosh's public path has no other way)."""
        log.error("Replacing the unreadable search index at %s with an empty one", self.path)
        for name in self.storage.list():
            if name.startswith(f"_{self.index_name}_") or name.startswith(f"{self.index_name}_"):
                if not name.endswith("LOCK"):
                    self.storage.delete_file(name)
        self.storage.create_index(self.schema, indexname=self.index_name)

    def _rebuild_lock(self):
        return self.storage.lock(f"{self.index_name}_REBUILDING")

    def rebuilding(self) -> bool:
        """Return whether a rebuild (in any process) holds the index right now."""
        if not self.setup_complete:
            self.setup()
        try:
            lock = self._rebuild_lock()
        except IndexUnavailable:
            return False
        if lock.acquire(blocking=False):
            lock.release()
            return False
        return True

    # -- what the index holds ---------------------------------------------------------------------

    def documents(self) -> dict[str, str]:
        """Return {document id: stored fingerprint} for every document in the index."""
        return self.searching(
            lambda searcher: {
                fields[ID]: fields.get("fingerprint", "")
                for _, fields in searcher.reader().iter_docs()
            }
        )

    def health(self, *, deep: bool = False) -> Health:
        """Read the index's structure: its table of contents and schema, and in every segment
        the stored fields and lengths of its last document; `deep` also reads the postings of the
        last term of each field (a truncated file fails there; it walks every term, about a
        second at 100,000 essays). Never raises."""
        if not self.setup_complete:
            self.setup()
        rebuilding = self.rebuilding()
        try:
            toc = TOC.read(self.storage, self.index_name)
        except IndexUnavailable as exc:
            return Health(False, False, rebuilding, None, str(exc))
        except EmptyIndexError:
            return Health(False, False, rebuilding, 0, "the index has not been built")
        except Exception as exc:
            return Health(False, False, rebuilding, None, f"unreadable table of contents: {exc!r}")
        current = _same_schema(toc.schema, self.schema)
        try:
            count = self.searching(lambda searcher: _check_every_segment(searcher, deep))
        except Exception as exc:
            return Health(False, current, rebuilding, None, f"unreadable segment: {exc!r}")
        problem = "" if current else "built with another schema"
        return Health(True, current, rebuilding, count, problem)


def _same_schema(stored, current) -> bool:
    try:
        return _describe(stored) == _describe(current)
    except Exception:  # a field class that no longer describes itself (or unpickled badly)
        return False


def _describe(value, depth: int = 0):
    """Return a comparable description of a schema (Whoosh's column and struct objects compare by
    identity, so two equal schemas are never == once one has been pickled)."""
    if depth > 8 or value is None or isinstance(value, str | bytes | int | float | bool):
        return value
    if isinstance(value, type):
        return value.__qualname__
    if isinstance(value, list | tuple):
        return tuple(_describe(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _describe(v, depth + 1)) for k, v in value.items()))
    if hasattr(value, "items") and callable(value.items):  # a Schema
        return tuple((name, _describe(field, depth + 1)) for name, field in value.items())
    if isinstance(value, struct.Struct):
        return ("Struct", value.format)
    state = getattr(value, "__dict__", {})
    return (type(value).__qualname__, _describe(state, depth + 1))


def _check_every_segment(searcher, deep: bool) -> int:
    """Read the end of every file of every segment (see `health`); return the live documents."""
    for leaf, _ in searcher.leaf_searchers():
        reader = leaf.reader()
        last_doc = reader.doc_count_all() - 1
        if last_doc >= 0:
            reader.stored_fields(last_doc)
            for name in reader.schema.scorable_names():
                reader.doc_field_length(last_doc, name)
        if not deep:
            continue
        last: dict[str, bytes] = {}
        for fieldname, btext in reader.all_terms():
            last[fieldname] = btext
        for fieldname, btext in last.items():
            list(reader.postings(fieldname, btext).all_ids())
    return searcher.doc_count()
