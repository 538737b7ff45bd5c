"""A bulk writer for full index builds: one lock, segments written straight, one atomic commit.

Whoosh's SegmentWriter puts every posting of every document into a sorting pool (pickled runs on
disk beyond `limitmb`), then merge-sorts the pool and, for each posting, looks up the document's
field length on disk again (a `file_exists` per posting for fields without lengths, such as the
spelling field). The spelling field's words go through the pool once per document that uses them.
Profiled at 2,000 essays, the pool and the commit were two thirds of the build.

Here documents arrive in document-number order, so each term's postings are already sorted: they
are kept in memory per field and term, with the field length known when the document is added,
and written term by term in sorted order when a segment is full. Spelling words are collected
once per segment. A segment holds at most `segment_docs` documents (bounding memory: about
600 MB per 10,000 essays); a larger build writes several segments. Nothing is visible to
searchers until `commit()` writes the new table of contents, which replaces every old segment at
once; `cancel()` (or a crash) leaves the old index serving, and the orphaned files are removed by
the next commit.
"""

from __future__ import annotations

from array import array
from collections import defaultdict

from whoosh.codec import default_codec
from whoosh.formats import Positions
from whoosh.index import TOC, LockError, clean_files
from whoosh.util.filelock import try_for

from search.backends.analysis import WORD, ArchiveTokenizer, positions_of, spelling_word

SEGMENT_DOCS = 10_000


class BulkWriter:
    """Write documents into fresh segments and swap them in as the whole index on commit."""

    def __init__(self, index, schema, *, timeout: float, segment_docs: int | None = None):
        self.index = index
        self.storage = index.storage
        self.schema = schema
        self.segment_docs = segment_docs or SEGMENT_DOCS
        self.codec = default_codec()
        self.lock = index.lock("WRITELOCK")
        if not try_for(self.lock.acquire, timeout=timeout, delay=0.1):
            raise LockError("The index is locked by another writer")
        self.generation = index._read_toc().generation + 1
        self.segments = []
        self._segment = None

    # -- documents ------------------------------------------------------------------------------

    def _start_segment(self) -> None:
        self._segment = self.codec.new_segment(self.storage, self.index.indexname)
        self._perdoc = self.codec.per_document_writer(self.storage, self._segment)
        # field → term → postings as parallel compact arrays (about 60 bytes a posting, against
        # some 270 for Whoosh's pool tuples).
        self._postings: dict[str, dict[bytes, _Postings]] = defaultdict(dict)
        self._spelling: dict[str, set] = defaultdict(set)
        self._docnum = 0

    def add_document(self, **fields) -> None:
        """Add one document (field name → value, as for Whoosh's `add_document`)."""
        if self._segment is None:
            self._start_segment()
        schema, perdoc, docnum = self.schema, self._perdoc, self._docnum
        perdoc.start_doc(docnum)
        for name in sorted(fields):
            value = fields[name]
            if value is None or name.startswith("_"):
                continue
            field = schema[name]
            length = 0
            words = None
            if field.indexed:
                if analyzed_fast(field) and isinstance(value, str):
                    words = WORD.findall(value)
                    fb, encode = field.format.field_boost, field.format.encode
                    items = [
                        (text.encode("utf-8"), len(poses), len(poses) * fb, encode(poses))
                        for text, poses in positions_of(words).items()
                    ]
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
            if field.separate_spelling():
                spelled = self._spelling[field.spelling_fieldname(name)]
                if words is not None:
                    spelled.update(words)  # raw words: normalized once per segment
                else:
                    spelled.update(field.spellable_words(value))
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._docnum += 1
        if self._docnum >= self.segment_docs:
            self._finish_segment()

    def _finish_segment(self) -> None:
        segment = self._segment
        if segment is None:
            return
        self._perdoc.close()
        fieldwriter = self.codec.field_writer(self.storage, segment)
        postings = dict(self._postings)
        for name, words in self._spelling.items():
            # The spelling field's words are postings of document 0 (Whoosh's convention).
            spell = {w.encode("utf-8") for w in _spellable(self.schema, name, words)}
            postings[name] = {w: _Postings.single(0, 1.0, b"", 0) for w in spell}
        for name in sorted(postings):
            fieldwriter.start_field(name, self.schema[name])
            terms = postings[name]
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
        self._postings = self._spelling = None

    # -- ending -----------------------------------------------------------------------------------

    def commit(self) -> None:
        """Write the last segment and make the new segments the whole index, atomically."""
        try:
            self._finish_segment()
            TOC(self.schema, self.segments, self.generation).write(
                self.storage, self.index.indexname
            )
            clean_files(self.storage, self.index.indexname, self.generation, self.segments)
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

    @classmethod
    def single(cls, docnum: int, weight: float, vbytes: bytes, length: int) -> _Postings:
        postings = cls()
        postings.add(docnum, weight, vbytes, length)
        return postings


def analyzed_fast(field) -> bool:
    """Whether a field is indexed by our analyzer into Whoosh's Positions format exactly."""
    return isinstance(field.analyzer, ArchiveTokenizer) and type(field.format) is Positions


def _spellable(schema, spell_name: str, words: set[str]) -> set[str]:
    source = next(
        (f for n, f in schema.items() if f.spelling_fieldname(n) == spell_name != n),
        None,
    )
    if source is not None and isinstance(source.analyzer, ArchiveTokenizer):
        return {w for w in map(spelling_word, words) if w}
    return words
