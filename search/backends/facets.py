"""Facet counts for Whoosh from cached per-document value lists, counted at C speed.

Whoosh counts a facet by asking a categorizer for every matching document's key, through column
and posting reads in Python: profiled at 10,000 essays it was half of every search (a common word
matches most documents, times five facets). Segments never change once written, so each facet
field's document → value(s) list is built once per segment from the field's terms, joined into one
list per set of segments (the searcher's view), and a search counts its matching documents with
`collections.Counter` over that list.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from itertools import chain
from threading import Lock

_SEGMENTS: OrderedDict[tuple[str, str], list] = OrderedDict()
_VIEWS: OrderedDict[tuple, list] = OrderedDict()
_SEGMENT_CACHE = 128
_VIEW_CACHE = 16
_lock = Lock()


def _remember(cache: OrderedDict, key, value, size: int) -> None:
    with _lock:
        cache[key] = value
        while len(cache) > size:
            cache.popitem(last=False)


def _segment_id(reader) -> str | None:
    segment = getattr(reader, "_segment", None)
    return segment.segment_id() if segment is not None else None


def _segment_values(reader, fieldname: str, field, multi: bool) -> list:
    """Return [value or None] (single-valued) or [tuple of values] (multi) per document."""
    segment_id = _segment_id(reader)
    key = (segment_id, fieldname) if segment_id is not None else None
    if key is not None and key in _SEGMENTS:
        return _SEGMENTS[key]
    doc_count = reader.doc_count_all()
    values: list = [() if multi else None] * doc_count
    if fieldname in reader.indexed_field_names():
        for btext in field.sortable_terms(reader, fieldname):
            text = field.from_bytes(btext)
            for docid in reader.postings(fieldname, btext).all_ids():
                values[docid] = (*values[docid], text) if multi else text
    if key is not None:
        _remember(_SEGMENTS, key, values, _SEGMENT_CACHE)
    return values


def view_values(searcher, fieldname: str, field, multi: bool) -> list:
    """Return the value list of `fieldname` over all of `searcher`'s documents (global numbers)."""
    leaves = searcher.leaf_searchers()
    key = (tuple(_segment_id(s.reader()) for s, _ in leaves), fieldname)
    if None in key[0]:
        return [v for s, _ in leaves for v in _segment_values(s.reader(), fieldname, field, multi)]
    if key in _VIEWS:
        return _VIEWS[key]
    values: list = []
    for subsearcher, _offset in leaves:
        values.extend(_segment_values(subsearcher.reader(), fieldname, field, multi))
    _remember(_VIEWS, key, values, _VIEW_CACHE)
    return values


def count(searcher, fieldname: str, field, multi: bool, docs) -> dict:
    """Return {value: number of `docs` having it} (documents without a value are not counted)."""
    values = view_values(searcher, fieldname, field, multi)
    picked = map(values.__getitem__, docs)
    counts = Counter(chain.from_iterable(picked) if multi else picked)
    counts.pop(None, None)
    return counts
