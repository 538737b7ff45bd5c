"""Each document's most distinctive words, read from a Whoosh index (for "related essays").

Related essays used to be a live "more like this" search: pick the essay's key words (its stored
text analysed again, a document frequency looked up per word), then score every essay holding any
of them. At 100,000 essays that was about 60 ms on every first visit of an essay page, most of it
scoring a few thousand postings in Python. Key terms are computed once instead: for a whole
index by one pass over the postings of the mid-frequency words (a word in one essay relates
nothing, a word in many says little), and for a single document when the index takes its change.
search/related.py stores them and finds the related essays with one database query.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterator

from haystack.constants import DJANGO_ID
from whoosh.reading import IndexReader

from search.backends.analysis import WORD, analyzed_fast, is_name_key, positions_of

KEY_TERMS = 10  # kept per document
MAX_DF = 0.02  # a word in more than 2% of the documents is not distinctive ...
MIN_DF_CAP = 50  # ... but a small archive keeps words in up to 50 documents
MAX_TERM_LENGTH = 100  # what the database column holds; longer tokens are noise anyway


def eligible_df(reader: IndexReader) -> tuple[int, float]:
    """Return (live documents, the highest document frequency of a distinctive word)."""
    total = reader.doc_count()
    return total, max(MIN_DF_CAP, MAX_DF * total)


def term_weight(tf: float, df: int, total: int) -> float:
    """Return a word's weight in a document: sublinear term frequency × inverse document
    frequency (so a word said twenty times does not drown three rarer ones)."""
    return (1.0 + math.log(tf)) * math.log(total / df)


def all_key_terms(
    reader: IndexReader, fieldname: str, top: int = KEY_TERMS
) -> Iterator[tuple[int, list[tuple[str, float]]]]:
    """Yield (Django id, [(term, weight), ...] best first) for every live document.

    One pass over the postings of the eligible words, keeping each document's `top` heaviest in a
    small heap: about 20 s at 100,000 essays, against a live search per essay.
    """
    total, cap = eligible_df(reader)
    heaps: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for term in reader.field_terms(fieldname):
        if len(term) > MAX_TERM_LENGTH or is_name_key(term):
            continue
        df = reader.doc_frequency(fieldname, term)
        if not 2 <= df <= cap:
            continue
        idf = math.log(total / df)
        for docnum, tf in reader.postings(fieldname, term).items_as("weight"):
            weight = (1.0 + math.log(tf)) * idf  # term_weight(), inlined: 7 million calls at 100k
            heap = heaps[docnum]
            if len(heap) < top:
                heapq.heappush(heap, (weight, term))
            elif (weight, term) > heap[0]:  # ties broken as heapq.nlargest breaks them
                heapq.heapreplace(heap, (weight, term))
    for docnum, fields in reader.iter_docs():  # live documents only
        heap = heaps.get(docnum, [])
        yield int(fields[DJANGO_ID]), [(term, w) for w, term in sorted(heap, reverse=True)]


def key_terms_of(
    reader: IndexReader, field, fieldname: str, text: str, top: int = KEY_TERMS
) -> list[tuple[str, float]]:
    """Return the key terms of one document whose indexed `text` is given, weighted against the
    index `reader` (which already holds the document): the same terms and weights as
    `all_key_terms` gives it, because the text is analysed as indexing analyses it."""
    total, cap = eligible_df(reader)
    weights = []
    for term, tf in indexed_weights(field, text).items():
        if len(term) > MAX_TERM_LENGTH or is_name_key(term):
            continue
        df = reader.doc_frequency(fieldname, term)
        if 2 <= df <= cap:
            weights.append((term_weight(tf, df, total), term))
    return [(term, w) for w, term in heapq.nlargest(top, weights)]


def indexed_weights(field, text: str) -> dict[str, float]:
    """Return {term: weight in its postings} for `text` indexed into `field` (the bulk build's
    fast path where it applies: a fifth of the time of Whoosh's token pipeline)."""
    if analyzed_fast(field):
        boost = field.format.field_boost
        return {
            term: len(poses) * boost for term, poses in positions_of(WORD.findall(text)).items()
        }
    return {field.from_bytes(btext): weight for btext, _freq, weight, _v in field.index(text)}
