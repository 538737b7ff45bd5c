"""A bulk writer for full index builds: one lock, segments written straight, one atomic commit.

Whoosh's SegmentWriter puts every posting of every document into a sorting pool (pickled runs on
disk beyond `limitmb`), then merge-sorts the pool and, for each posting, looks up the document's
field length on disk again. Profiled at 2,000 essays, the pool and the commit were two thirds of
the build.

Here documents arrive in document-number order, so each term's postings are already sorted: they
are kept in memory per field and term, with the field length known when the document is added,
and written term by term in sorted order when a segment is full. The postings, lengths, stored
fields and columns are exactly those Whoosh's own writer writes for the same documents
(tests/test_search_segments.py compares them field by field, before and after Whoosh merges and
optimizes both). A segment holds at most `segment_docs` documents (bounding memory: about 600 MB
per 10,000 essays); a larger build writes several segments.

Nothing is visible to searchers until `commit()` writes the new table of contents, which replaces
every old segment at once; `cancel()` (or a crash) leaves the old index serving, and the orphaned
files are removed by the next commit. The old index is never read: its generation number comes
from the file names, so a build also replaces an index whose files are damaged.
"""

from __future__ import annotations

from array import array
from collections import defaultdict

from whoosh.codec import default_codec
from whoosh.index import TOC, LockError, clean_files
from whoosh.util.filelock import try_for

from search.backends.analysis import VOCABULARY, WORD, analyzed_fast, positions_of, vocabulary_of

SEGMENT_DOCS = 10_000


def latest_generation(storage, indexname: str) -> int:
    """Return the newest generation number among the index's files (-1: none), without reading
    any of them."""
    return TOC._latest_generation(storage, indexname)


def supports(schema) -> bool:
    """Whether this writer writes every field of `schema` as Whoosh would (no spelling sub-fields
    or term vectors, which it does not write)."""
    return not any(field.separate_spelling() or field.vector for _, field in schema.items())


class BulkWriter:
    """Write documents into fresh segments and swap them in as the whole index on commit."""

    def __init__(
        self, storage, indexname: str, schema, *, timeout: float, segment_docs: int | None = None
    ):
        if not supports(schema):
            raise ValueError("the bulk writer does not write spelling sub-fields or vectors")
        self.storage = storage
        self.indexname = indexname
        self.schema = schema
        self.segment_docs = segment_docs or SEGMENT_DOCS
        self.codec = default_codec()
        self.lock = storage.lock(f"{indexname}_WRITELOCK")
        if not try_for(self.lock.acquire, timeout=timeout, delay=0.1):
            raise LockError("The index is locked by another writer")
        self.generation = latest_generation(storage, indexname) + 1
        self.segments = []
        self._segment = None

    # -- documents ------------------------------------------------------------------------------

    def _start_segment(self) -> None:
        self._segment = self.codec.new_segment(self.storage, self.indexname)
        self._perdoc = self.codec.per_document_writer(self.storage, self._segment)
        # field → term → postings as parallel compact arrays (about 60 bytes a posting, against
        # some 270 for Whoosh's pool tuples).
        self._postings: dict[str, dict[bytes, _Postings]] = defaultdict(dict)
        self._docnum = 0

    def add_document(self, **fields) -> None:
        """Add one document (field name → value, as for Whoosh's `add_document`)."""
        if self._segment is None:
            self._start_segment()
        schema, perdoc, docnum = self.schema, self._perdoc, self._docnum
        perdoc.start_doc(docnum)
        split: tuple[str, list[str]] | None = None  # the last text split into words, reused
        for name in sorted(fields):
            value = fields[name]
            if value is None or name.startswith("_"):
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                fast = isinstance(value, str) and (
                    analyzed_fast(field) or type(field) is VOCABULARY
                )
                if fast:
                    if split is None or split[0] is not value:
                        split = (value, WORD.findall(value))
                    items = self._fast_items(field, split[1])
                else:
                    items = list(field.index(value))
                if field.scorable:
                    length = sum(item[1] for item in items)
                terms = self._postings[name]
                for btext, _freq, weight, vbytes in items:
                    postings = terms.get(btext)
                    if postings is None:
                        postings = terms[btext] = _Postings()
                    postings.add(docnum, weight, vbytes, length)
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._docnum += 1
        if self._docnum >= self.segment_docs:
            self._finish_segment()

    @staticmethod
    def _fast_items(field, words: list[str]) -> list[tuple[bytes, int, float, bytes]]:
        """Return what `field.index()` gives for the text of `words`, without a Token per word."""
        fb = field.format.field_boost
        if type(field) is VOCABULARY:
            return [(text.encode("utf-8"), 1, fb, b"") for text in vocabulary_of(words)]
        encode = field.format.encode
        return [
            (text.encode("utf-8"), len(poses), len(poses) * fb, encode(poses))
            for text, poses in positions_of(words).items()
        ]

    def _finish_segment(self) -> None:
        segment = self._segment
        if segment is None:
            return
        self._perdoc.close()
        fieldwriter = self.codec.field_writer(self.storage, segment)
        for name in sorted(self._postings):
            fieldwriter.start_field(name, self.schema[name])
            terms = self._postings[name]
            for btext in sorted(terms):
                fieldwriter.start_term(btext)
                p = terms[btext]
                for args in zip(p.docs, p.weights, p.values, p.lengths, strict=True):
                    fieldwriter.add(*args)
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        fieldwriter.close()
        segment.set_doc_count(self._docnum)
        self.segments.append(segment)
        self._segment = None
        self._postings = None

    # -- ending -----------------------------------------------------------------------------------

    def commit(self) -> None:
        """Write the last segment and make the new segments the whole index, atomically."""
        try:
            self._finish_segment()
            TOC(self.schema, self.segments, self.generation).write(self.storage, self.indexname)
            clean_files(self.storage, self.indexname, self.generation, self.segments)
        finally:
            self.lock.release()

    def cancel(self) -> None:
        """Give up: the old index keeps serving; files written so far are removed by the next
        commit (they are in no table of contents)."""
        if self._segment is not None and not self._perdoc.is_closed:
            self._perdoc.close()
        self.lock.release()


class _Postings:
    """One term's postings in a segment, in document order."""

    __slots__ = ("docs", "weights", "values", "lengths")

    def __init__(self) -> None:
        self.docs = array("i")
        self.weights = array("f")
        self.values: list[bytes] = []
        self.lengths = array("i")

    def add(self, docnum: int, weight: float, vbytes: bytes | None, length: int) -> None:
        self.docs.append(docnum)
        self.weights.append(weight)
        self.values.append(vbytes or b"")
        self.lengths.append(length)
