"""Reading a Whoosh 2.7 segment's structures whole: posting blocks, lengths and numeric columns.

Whoosh reads these a posting or a document at a time through matcher and column objects (several
Python calls each). The search (search/backends/postings.py) decodes a term's posting blocks at
once (without the positions when it only scores), loads a field's length bytes once per segment,
and reads a numeric column's values in one slice. Everything here depends on Whoosh 2.7's file
layout, which the package checks at import.
"""

from __future__ import annotations

import sys
import zlib
from array import array
from itertools import accumulate
from pickle import loads

from whoosh import sorting
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import NumericColumn
from whoosh.reading import SegmentReader


class Unreadable(Exception):
    """A posting list stored in a way this module does not decode (the caller falls back)."""


def segment_id(reader) -> str | None:
    """Return an identity of a segment reader's files, the key of what is cached per segment
    (None for a reader not opened by pinned.open_reader: nothing is cached)."""
    if type(reader) is not SegmentReader:
        return None
    return getattr(reader._storage, "identity", None)


def deleted_docs(reader) -> frozenset[int]:
    """Return the deleted document numbers of a segment reader."""
    return frozenset(reader._perdoc.deleted_docs()) if reader.has_deletions() else frozenset()


def field_lengths(reader, fieldname: str):
    """Return a segment's per-document length bytes of a field, the column its scoring reads
    (None: no lengths column)."""
    return reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)


def use_loaded_lengths(reader, fieldname: str, lengths) -> None:
    """Make a segment reader's scoring read `fieldname`'s lengths from `lengths` (loaded once:
    a seek and a read per document otherwise)."""
    reader._perdoc._readers[_lenfield(fieldname)] = lengths


def postings(reader, fieldname: str, btext: bytes, fmt, *, positions: bool):
    """Return (ids, weights or None when every weight is 1.0, encoded values or None) of a term's
    postings in a segment, decoded a block at a time (None: the term has no postings)."""
    if (fieldname, btext) not in reader:
        return None
    matcher = reader._terms.matcher(fieldname, btext, fmt)
    if type(matcher) is not W3LeafMatcher:  # inlined postings (a term in one document)
        ids, weights, values = [], [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            values.append(matcher.value() if positions else None)
            matcher.next()
        return ids, weights, values if positions else None
    if matcher._byteids:
        raise Unreadable("byte-encoded posting ids")
    if positions and matcher._fixedsize is not None and matcher._fixedsize >= 0:
        raise Unreadable("fixed-size posting values")
    ids: list[int] = []
    weights: list[float] = []
    values: list | None = [] if positions else None
    uniform = True  # every weight 1.0 so far
    postfile = matcher._postfile
    skip_values = not positions and fmt.fixed_value_size() in (None, -1)
    while True:
        data = postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
        count = matcher._blocklength
        head = _ids_and_weights(data, matcher._compression, count) if skip_values else None
        if head is not None:
            block_ids, block_weights = head
        else:
            if matcher._compression:
                data = zlib.decompress(data)
            block_ids, block_weights, block_values = loads(data)
        ids += accumulate(block_ids)
        if block_weights is None:
            if not uniform:
                weights += [1.0] * count
        else:
            if uniform:
                weights, uniform = [1.0] * (len(ids) - count), False
            if isinstance(block_weights, float):  # one weight for the block, as a float32
                weights += array("f", [block_weights]).tolist() * count
            else:
                weights += block_weights
        if positions:
            values += block_values
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    return ids, None if uniform else weights, values


# A block's data is Whoosh's pickle (protocol 2) of (id deltas, weights, values). A positions
# field's values are a tuple of one bytes object per posting, which protocol 2 pickles as a call
# of _codecs.encode: unpickling them costs more than the ids and weights together, and a search
# that only scores needs none of them. The tuple starts at the first value's GLOBAL opcode (after
# a MARK when it has more than three items, TUPLE1-3 otherwise), whose bytes cannot occur in the
# opcodes of the ids (K, M, J + 1-4 bytes) and weights (G + 8 bytes) before it.
_FIRST_VALUE = b"c_codecs\nencode\n"
_NO_VALUES = b"N\x87."  # None for the values, TUPLE3, STOP
_HEAD_BOUND = 14  # bytes per posting of ids (at most 5) and weights (at most 9) pickled


def _ids_and_weights(data: bytes, compression: int, count: int) -> tuple | None:
    """Return a positions field's block (id deltas, weights) decoded without its values, reading
    only the head of a compressed block (None: not that shape, decode the whole block)."""
    if compression:
        data = zlib.decompressobj().decompress(data, _HEAD_BOUND * count + 64)
    cut = data.find(_FIRST_VALUE)
    if count > 3:
        cut -= 1
        if cut < 0 or data[cut] != 0x28:  # the MARK of the values tuple
            return None
    elif cut < 0:
        return None
    try:
        block_ids, block_weights, nothing = loads(data[:cut] + _NO_VALUES)
    except Exception:  # not the shape described above
        return None
    if (
        nothing is not None
        or type(block_ids) is not tuple
        or len(block_ids) != count
        or not (
            block_weights is None
            or type(block_weights) is float
            or (type(block_weights) is tuple and len(block_weights) == count)
        )
    ):
        return None
    return block_ids, block_weights


def positions(value: bytes):
    """Decode one posting's positions (whoosh.formats.Positions: a count, then pickled deltas)."""
    if not value.endswith(b"."):
        value += b"."
    return accumulate(loads(value[4:]))


def numeric_column_values(column) -> list | None:
    """Return every document's value of a numeric column reader, read at once (None when the
    column is not Whoosh 2.7's plain fixed-size numeric column)."""
    if type(column) is not NumericColumn.Reader or column._reverse:
        return None
    if array(column._typecode).itemsize != column._fixedlen:
        return None
    values = array(column._typecode)
    values.frombytes(column._dbfile.get(column._basepos, column._count * column._fixedlen))
    if sys.byteorder == "little":
        values.byteswap()
    return values.tolist() + [column._default] * (column._doccount - column._count)


def sort_column(categorizer) -> tuple[object, str] | None:
    """Return (column reader, field name) behind a plain (not reversed) column sort, or None."""
    if type(categorizer) is not sorting.ColumnCategorizer or categorizer._reverse:
        return None
    return categorizer._creader, categorizer._fieldname
