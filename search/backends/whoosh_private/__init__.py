"""Every use of Whoosh's private structures, in one package, checked when it is imported.

The archive goes under Whoosh's public API in three places, for speed (issue 7):

* `bulk`: the full rebuild writes segments through the codec directly;
* `pinned`: searchers hold every file of their generation open, so other processes' merges
  cannot pull files away from a search in progress;
* `segments`: searches decode posting blocks, field lengths and numeric columns whole.

None of that is Whoosh's public API. It is used only when the installed Whoosh is the release it
was written against and `check()` finds the structures it relies on, and a segment written by the
bulk writer is read back and merged by Whoosh's own code. Otherwise `AVAILABLE` is False, a
warning says why, and every caller takes Whoosh's public path instead: its SegmentWriter for
rebuilds, its readers for searches, its collectors for results (slower, the same answers).
"""

from __future__ import annotations

import logging
import tempfile

import whoosh

log = logging.getLogger(__name__)

WRITTEN_FOR = (2, 7, 4)


def _structures_missing() -> list[str]:
    from whoosh import columns, index, reading, sorting
    from whoosh.codec import whoosh3

    wanted = {
        whoosh3: ["W3LeafMatcher", "_lenfield", "LENGTHS_COLUMN", "W3Codec"],
        whoosh3.W3LeafMatcher: ["_goto", "_read_values", "_read_data", "value", "_next_block"],
        whoosh3.W3PerDocReader: ["_cached_reader", "deleted_docs", "doc_field_length"],
        index.TOC: ["_latest_generation", "read", "write"],
        index: ["clean_files"],
        reading.SegmentReader: ["__init__", "has_deletions", "doc_count_all"],
        reading: ["MultiReader", "EmptyReader"],
        columns.NumericColumn: ["Reader"],
        sorting: ["ColumnCategorizer"],
    }
    return [
        f"{getattr(owner, '__name__', owner)}.{name}"
        for owner, names in wanted.items()
        for name in names
        if not hasattr(owner, name)
    ]


def _round_trip() -> None:
    """Write three documents with the bulk writer, read them back through Whoosh's own readers
    and the decoder here, and let Whoosh merge them with its own segments.

    In a folder of its own: Whoosh's RamStorage keeps a writer's temporary files in
    `<system temp>/<index name>.tmp`, one folder shared by every process, so gunicorn's workers
    starting together deleted each other's files and fell back to the public paths."""
    with tempfile.TemporaryDirectory(prefix="whoosh-private-check-") as folder:
        _round_trip_in(folder)


def _round_trip_in(folder: str) -> None:
    from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
    from whoosh.filedb.filestore import FileStorage

    from search.backends.analysis import VOCABULARY, archive_analyzer
    from search.backends.whoosh_private import bulk, segments

    schema = Schema(
        id=ID(stored=True, unique=True),
        text=TEXT(analyzer=archive_analyzer(), stored=True),
        vocabulary=VOCABULARY(),
        tags=KEYWORD(commas=True, scorable=False),
        year=NUMERIC(int, bits=32, stored=True, sortable=True),
    )
    storage = FileStorage(folder)
    storage.create_index(schema)
    docs = [
        {"id": "1", "text": "Arms control talks resumed.", "tags": "a,b", "year": 2011},
        {"id": "2", "text": "Переговоры о контроле над вооружениями.", "tags": "b", "year": 2013},
        {"id": "3", "text": "U.S.-Russia arms talks, again.", "tags": "a", "year": 2013},
    ]
    writer = bulk.BulkWriter(storage, "MAIN", schema, timeout=1.0)
    for doc in docs:
        writer.add_document(**{**doc, "vocabulary": doc["text"]})
    writer.commit()
    ix = storage.open_index(schema=schema)
    with ix.reader() as reader:
        for fieldname, btext in reader.all_terms():
            fmt = schema[fieldname].format
            variable = fmt.fixed_value_size() in (None, -1)  # positions, not fixed-size values
            decoded = segments.postings(reader, fieldname, btext, fmt, positions=variable)
            matcher = reader.postings(fieldname, btext)
            public = list(zip(*((m_id, w, v) for m_id, w, v in _walk(matcher)), strict=True))
            ids, weights, values = decoded
            if list(ids) != list(public[0]) or (weights is not None and weights != list(public[1])):
                raise AssertionError(f"postings of {fieldname}:{btext!r} decode differently")
            if variable and list(values) != list(public[2]):
                raise AssertionError(f"values of {fieldname}:{btext!r} decode differently")
            scoring = segments.postings(reader, fieldname, btext, fmt, positions=False)
            if scoring[:2] != decoded[:2]:  # the values skipped, the rest alike
                raise AssertionError(f"postings of {fieldname}:{btext!r} decode differently")
    with ix.writer() as more:  # Whoosh's own writer adds a segment; optimize merges both
        more.add_document(id="4", text="Sanctions.", vocabulary="Sanctions.", tags="c", year=2014)
    ix.optimize()
    if ix.doc_count() != 4:
        raise AssertionError("Whoosh's merge of a bulk-written segment lost documents")


def _walk(matcher):
    while matcher.is_active():
        yield matcher.id(), matcher.weight(), matcher.value()
        matcher.next()


def check() -> str | None:
    """Return why the private paths cannot be used with the installed Whoosh (None: they can)."""
    if tuple(whoosh.__version__) != WRITTEN_FOR:
        found = ".".join(map(str, whoosh.__version__))
        return f"Whoosh {found} is installed; the private paths were written for 2.7.4"
    missing = _structures_missing()
    if missing:
        return "Whoosh lacks " + ", ".join(missing)
    try:
        _round_trip()
    except Exception as exc:  # any failure means: don't trust these paths
        return f"a bulk-written segment did not read back or merge: {exc!r}"
    return None


PROBLEM = check()
AVAILABLE = PROBLEM is None
if AVAILABLE:
    from search.backends.whoosh_private import bulk, pinned, segments
else:  # callers test AVAILABLE before they touch these
    bulk = pinned = segments = None
    log.warning(
        "Search uses Whoosh's public paths only (slower rebuilds and searches): %s", PROBLEM
    )
