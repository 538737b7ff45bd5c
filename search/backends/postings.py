"""Exact search results from whole posting lists: every match, the count, and the top N.

Whoosh answers a query one document at a time through a tree of matcher objects, several Python
calls per document and per node. At 100,000 essays the search page's slowest queries spent most
of a second there: a phrase checked the positions of every candidate through span objects, a
prefix expanded to many terms moved a tree of union matchers through every document, and the
exact count and the facets' documents needed a second pass over the same postings.

Here a parsed query is evaluated a segment and a posting list at a time: each term's postings are
decoded block by block (positions only for phrases), combined with set and dict operations that
run in C, and each match is given its BM25F score from the same per-term formula as Whoosh's.
A sum of two parts, or of a phrase's words in the order Whoosh adds them, is Whoosh's score to
the bit; a longer sum in another order can differ in the last bits, so then the N best by it, and
every document within rounding of the N-th, are scored again by Whoosh's own matchers. Either way
the top N, their order and their scores are exactly Whoosh's, ties broken by document number as
its collectors do. Sorted searches take their keys from Whoosh's own sort categorizer (a numeric
column's keys read at once).

The answers are Whoosh's with every match scored (tests/test_search.py compares them), with one
exception: Whoosh 2.7's AndNot keeps a segment's first match of its positive part when the
excluded term's first posting in the segment comes before it; "a -b" here never finds a b. `find`
returns None for a query with a part it does not model; the caller then searches with Whoosh's
collectors. Whoosh's internals read here (the postings blocks, the lengths and numeric columns)
are those of Whoosh 2.7, which the project pins.

At 100,000 essays the search page's cold p95 went from 737 to 214 ms (76 benchmark queries).
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass
from itertools import repeat
from operator import add, mul, truediv
from typing import Any

from whoosh import query as wq
from whoosh import scoring, sorting
from whoosh.fields import NUMERIC
from whoosh.matching import ReadTooFar
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from search.backends import whoosh_private as private
from search.backends.facets import segment_id, segment_values
from search.backends.lru import LRU

log = logging.getLogger(__name__)

RELATIVE_TOLERANCE = 1e-9  # how far a sum in another order may be from Whoosh's (it is ~1e-15)
SEGMENT_CACHE = 64  # per (segment, field) tables kept, of each kind: a few fields per segment


_NORMS = LRU(SEGMENT_CACHE)  # K1 * ((1 - B) + B * length / average length) per document
_BY_VALUE = LRU(SEGMENT_CACHE)  # a numeric field's {value: [documents]}
_COLUMNS = LRU(SEGMENT_CACHE)  # a numeric column's values per document (sort keys)


class Unsupported(Exception):
    """A query part not modelled here: the caller searches with Whoosh's collectors instead."""


class Disagreement(Exception):
    """Whoosh's matchers disagree with this evaluation (a bug here): fall back to them."""


@dataclass
class Found:
    """Every matching document (global numbers, ascending) and the best `limit` of them as
    (score, number) pairs, best first (for a sorted search: (sort key, number))."""

    docs: list[int]
    top: list[tuple[Any, int]]


def find(
    searcher: Searcher,
    q: wq.Query,
    *,
    limit: int,
    allow: wq.Query | None = None,
    sortedby: list[str] | None = None,
    reverse: bool = False,
) -> Found | None:
    """Return the matches of `q` (only those also matching `allow`) and the best `limit` of them,
    by score or by the `sortedby` fields; None when `q` or `allow` has a part not modelled here,
    or when Whoosh's private structures cannot be read (search/backends/whoosh_private)."""
    if not private.AVAILABLE or type(searcher.weighting) is not scoring.BM25F:
        return None
    scored = not sortedby
    exact = True
    try:
        per_segment = []
        for subsearcher, offset in searcher.leaf_searchers():
            segment = _Segment(searcher, subsearcher)
            if scored:
                matches, exact_here = segment.scores(q)
                exact = exact and exact_here
            else:
                matches = dict.fromkeys(segment.docs(q))
            if allow is not None:
                allowed = segment.docs(allow)
                matches = {d: s for d, s in matches.items() if d in allowed}
            for d in segment.deleted.intersection(matches):
                del matches[d]
            per_segment.append((subsearcher, offset, matches))
        docs = sorted(offset + d for _, offset, matches in per_segment for d in matches)
        if scored:
            top = _best(searcher, q, per_segment, limit, exact)
        else:
            top = _sorted(searcher, per_segment, sortedby, reverse, limit)
    except Unsupported as exc:
        log.debug("Searching %r with Whoosh's collectors: %s", q, exc)
        return None
    except Disagreement as exc:
        log.warning("Whoosh's matchers disagree with the posting-list search of %r: %s", q, exc)
        return None
    return Found(docs, top)


def warm(searcher: Searcher, fieldname: str) -> None:
    """Compute the per-segment tables a scored search of `fieldname` reads (its length norms),
    so that the first search of a new searcher does not pay for them."""
    if not private.AVAILABLE or type(searcher.weighting) is not scoring.BM25F:
        return
    for subsearcher, _ in searcher.leaf_searchers():
        reader = subsearcher.reader()
        if fieldname not in reader.indexed_field_names():
            continue
        btext = next(iter(reader.lexicon(fieldname)), None)  # any term of the segment will do
        if btext is None:
            continue
        scorer = searcher.weighting.scorer(subsearcher, fieldname, btext)
        if type(scorer) is scoring.BM25FScorer:
            _Segment(searcher, subsearcher)._norms(fieldname, scorer)


# -- the top N ------------------------------------------------------------------------------------


def _best(searcher: Searcher, q: wq.Query, per_segment: list, limit: int, exact: bool) -> list:
    """Return the top `limit` (score, global number) by Whoosh's own scores, best first, ties
    in document order.

    Exact scores are ranked as they are. Otherwise the candidates are the `limit` best by the
    approximate score and every document within twice the rounding tolerance of the last of
    them: any document of the true top N (ties included) is among them, since the approximation
    is within the tolerance of the exact score. Whoosh's matchers score them again.
    """
    leaders = heapq.nlargest(
        limit, (s for _, _, matches in per_segment for s in heapq.nlargest(limit, matches.values()))
    )
    if not leaders:
        return []
    tolerance = 0.0 if exact else RELATIVE_TOLERANCE * (abs(leaders[0]) + 1.0)
    cut = leaders[-1] - 2 * tolerance
    candidates = {
        offset + d: score
        for _, offset, matches in per_segment
        for d, score in matches.items()
        if score >= cut
    }
    if not exact:
        rescored = _exact_scores(searcher, q, candidates)
        for d, score in rescored.items():
            if abs(score - candidates[d]) > tolerance:
                raise Disagreement(f"document {d} scores {score}, not {candidates[d]}")
        candidates = rescored
    ranked = sorted(candidates.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [(score, d) for d, score in ranked]


def _exact_scores(searcher: Searcher, q: wq.Query, candidates: dict[int, float]) -> dict:
    """Score the candidate documents (global numbers) with Whoosh's matchers for `q`, in the
    context its collectors use."""
    context = searcher.context()
    wanted = sorted(candidates)
    exact: dict[int, float] = {}
    for subsearcher, offset in searcher.leaf_searchers():
        end = offset + subsearcher.doc_count_all()
        local = [d - offset for d in wanted if offset <= d < end]
        if not local:
            continue
        matcher = q.matcher(subsearcher, context)
        for d in local:
            try:
                if matcher.is_active() and matcher.id() < d:
                    matcher.skip_to(d)
            except ReadTooFar:
                pass
            if not matcher.is_active() or matcher.id() != d:
                raise Disagreement(f"document {offset + d} does not match in Whoosh")
            exact[offset + d] = matcher.score()
    return exact


def _sorted(searcher: Searcher, per_segment: list, sortedby, reverse: bool, limit: int) -> list:
    """Return the first `limit` (sort key, global number) in Whoosh's SortingCollector's order."""
    categorizer = sorting.MultiFacet.from_sortedby(sortedby).categorizer(searcher)
    if categorizer.needs_current:
        raise Unsupported("a sort key that needs the matcher")
    items = []
    for subsearcher, offset, matches in per_segment:
        categorizer.set_searcher(subsearcher, offset)
        keys = _column_keys(categorizer, subsearcher.reader())
        key_for = keys.__getitem__ if keys is not None else lambda d: categorizer.key_for(None, d)
        items += [(key_for(d), offset + d) for d in matches]
    return heapq.nlargest(limit, items) if reverse else heapq.nsmallest(limit, items)


def _column_keys(categorizer, reader) -> list | None:
    """Return every document's sort key when they are a numeric column's values (the dates),
    read at once (None otherwise: keys are then asked for one by one, ~1 µs each)."""
    found = private.segments.sort_column(categorizer)
    if found is None:
        return None
    column, fieldname = found
    return _COLUMNS.get(
        (segment_id(reader), fieldname), lambda: private.segments.numeric_column_values(column)
    )


# -- one segment ----------------------------------------------------------------------------------


class _Postings:
    """One term's postings in one segment: document numbers, weights (None: all 1.0) and, when
    asked for, the encoded positions."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self, ids: list[int], weights, values) -> None:
        self.ids, self.weights, self.values = ids, weights, values


class _Segment:
    """Evaluates queries over one segment: `docs` (a set of segment document numbers) and
    `scores` ({segment document number: approximate score}); deleted documents are left to the
    caller to remove."""

    def __init__(self, top: Searcher, subsearcher: Searcher) -> None:
        self.top, self.searcher = top, subsearcher
        self.reader = subsearcher.reader()
        self.schema = self.reader.schema
        self.size = self.reader.doc_count_all()
        self.deleted = private.segments.deleted_docs(self.reader)
        self._postings: dict[tuple, _Postings | None] = {}

    # -- sets of documents ----------------------------------------------------------------------

    def docs(self, q: wq.Query) -> set[int]:
        """Return the segment documents matching `q` (query types by exact class: a subclass
        may match differently)."""
        kind = type(q)
        if kind is wq.Term:
            postings = self.postings(q.fieldname, q.text)
            return set(postings.ids) if postings is not None else set()
        if kind is wq.And:
            return _intersection([self.docs(sub) for sub in q.subqueries])
        if kind is wq.Or:
            self._check_or(q)
            return set().union(*(self.docs(sub) for sub in q.subqueries))
        if kind is wq.AndNot:
            return self.docs(q.a) - self.docs(q.b)
        if kind is wq.Not:
            return set(range(self.size)) - self.docs(q.query)
        if kind is wq.Phrase:
            return self._phrase(q)
        if kind is wq.NumericRange:
            return self._numeric_range(q)
        if kind is wq.Every and not q.fieldname:
            return set(range(self.size))
        if q is wq.NullQuery:
            return set()
        raise Unsupported(f"{kind.__name__} query")

    # -- scores ---------------------------------------------------------------------------------

    def scores(self, q: wq.Query) -> tuple[dict[int, float], bool]:
        """Return ({document: score}, exact): each score is Whoosh's up to the order of its
        additions, and exactly Whoosh's when `exact` (no sum of three or more parts, or a sum
        in the order Whoosh's matcher tree adds them)."""
        kind, boost = type(q), getattr(q, "boost", 1.0)
        if kind is wq.Term:
            found, exact = self._term_scores(q.fieldname, q.text), True
        elif kind is wq.And or kind is wq.Or:
            if kind is wq.Or:
                self._check_or(q)
            parts = [self.scores(sub) for sub in q.subqueries]
            if len(parts) == 1:  # Whoosh uses the only part's matcher as it is, unboosted
                return parts[0]
            combine = _sum_common if kind is wq.And else _sum_any
            found = combine([scores for scores, _ in parts])
            exact = len(parts) == 2 and all(exact for _, exact in parts)
        elif kind is wq.Phrase:
            matched = self._phrase(q)
            parts = [self._term_scores(q.fieldname, w, only=matched) for w in q.words]
            found, exact = (_tree_sum(parts) if matched else {}), True
        else:
            if boost != 1.0:
                raise Unsupported(f"a boosted {type(q).__name__}")
            if kind is wq.AndNot:
                excluded = self.docs(q.b)
                scores, exact = self.scores(q.a)
                return {d: s for d, s in scores.items() if d not in excluded}, exact
            # A Not, a numeric range (one term per document matches it, weight 1), everything.
            if kind is wq.NumericRange and not self._weighs_one(q.fieldname):
                raise Unsupported("a numeric range of weighted terms")
            return dict.fromkeys(self.docs(q), 1.0), True
        if boost != 1.0:
            found = {d: s * boost for d, s in found.items()}
        return found, exact

    def _term_scores(self, fieldname: str, text, only: set[int] | None = None) -> dict:
        """Return {document: Whoosh's score of the term} (BM25F, or the weight where the field is
        not scorable), over `only` if given."""
        postings = self.postings(fieldname, text)
        if postings is None:
            return {}
        btext = self.schema[fieldname].to_bytes(text)
        scorer = self.top.weighting.scorer(self.searcher, fieldname, btext)
        ids, weights = postings.ids, postings.weights
        if only is not None:
            keep = [i for i, d in enumerate(ids) if d in only]
            ids = [ids[i] for i in keep]
            weights = [weights[i] for i in keep] if weights is not None else None
        if type(scorer) is scoring.WeightScorer:
            if weights is None:
                return dict.fromkeys(ids, 1.0)
            return dict(zip(ids, weights, strict=True))
        if type(scorer) is not scoring.BM25FScorer:
            raise Unsupported(f"scorer {type(scorer).__name__}")
        # bm25() of whoosh.scoring, with its length term K1 * ((1 - B) + B * fl / avgfl) looked
        # up per document: the same operations in the same order, so the same float.
        idf, k1 = scorer.idf, scorer.K1
        norms = self._norms(fieldname, scorer)
        # The arithmetic is mapped in C (operator functions over iterators): the same operations
        # on the same floats, a third of the time of a Python expression per posting.
        k1_1 = k1 + 1
        norm_of = map(norms.__getitem__, ids)
        if weights is None:
            tf_k = 1.0 * k1_1
            part = map(truediv, repeat(tf_k), map(add, repeat(1.0), norm_of))
        else:
            part = map(truediv, map(mul, weights, repeat(k1_1)), map(add, weights, norm_of))
        return dict(zip(ids, map(mul, repeat(idf), part), strict=True))

    def _norms(self, fieldname: str, scorer: scoring.BM25FScorer):
        """Return K1 * ((1 - B) + B * length / average length) per document of the segment."""
        k1, b, avgfl = scorer.K1, scorer.B, scorer.avgfl

        def compute() -> list[float]:
            lengths = field_lengths(self.reader, fieldname)
            if lengths is None:  # no lengths column: Whoosh takes every length as 1
                return [k1 * ((1 - b) + b * 1 / avgfl)] * self.size
            table = [k1 * ((1 - b) + b * byte_to_length(n) / avgfl) for n in range(256)]
            return [table[n] for n in lengths]

        return _NORMS.get((segment_id(self.reader), fieldname, k1, b, avgfl), compute)

    # -- query parts ----------------------------------------------------------------------------

    def _check_or(self, q: wq.Or) -> None:
        if q.scale or q.minmatch:
            raise Unsupported("an Or with a coordination scale or a minimum match")

    def _phrase(self, q: wq.Phrase) -> set[int]:
        """Return the documents where the words occur at consecutive positions (Whoosh's phrase
        with slop 1: each word one position after the previous one)."""
        field = self.schema[q.fieldname] if q.fieldname in self.schema else None
        if field is None or q.slop != 1:
            raise Unsupported("a phrase on an unknown field or with slop")
        if not field.format or not field.format.supports("positions"):
            raise Unsupported("a phrase on a field without positions")
        lists = [self.postings(q.fieldname, word, positions=True) for word in q.words]
        if not lists or any(p is None for p in lists):
            return set()
        candidates = _intersection([set(p.ids) for p in lists])
        if not candidates:
            return set()
        columns = [
            {d: v for d, v in zip(p.ids, p.values, strict=True) if d in candidates} for p in lists
        ]
        first, rest = columns[0], columns[1:]
        matched = set()
        for d in candidates:
            ends = set(private.segments.positions(first[d]))
            for column in rest:
                ends = {p for p in private.segments.positions(column[d]) if p - 1 in ends}
                if not ends:
                    break
            else:
                matched.add(d)
        return matched

    def _numeric_range(self, q: wq.NumericRange) -> set[int]:
        """Documents whose value lies in the range, read from the field's per-document values
        (a range is otherwise a union of many tiered terms' postings)."""
        field = self.schema[q.fieldname] if q.fieldname in self.schema else None
        if type(q) is not wq.NumericRange or type(field) is not NUMERIC:
            raise Unsupported("a range on a field without integer values per document")
        if field.numtype is not int or not all(
            bound is None or type(bound) is int for bound in (q.start, q.end)
        ):
            raise Unsupported("a range of other than integers")
        start, end = q.start, q.end

        def compute() -> dict:
            by_value: dict = {}
            for d, v in enumerate(segment_values(self.reader, q.fieldname, field, False)):
                if v is not None:
                    by_value.setdefault(v, []).append(d)
            return by_value

        by_value = _BY_VALUE.get((segment_id(self.reader), q.fieldname), compute)
        return set().union(
            *(
                docs
                for v, docs in by_value.items()
                if (start is None or v > start or (v == start and not q.startexcl))
                and (end is None or v < end or (v == end and not q.endexcl))
            )
        )

    def _weighs_one(self, fieldname: str) -> bool:
        field = self.schema[fieldname] if fieldname in self.schema else None
        return field is not None and not field.scorable and field.format.field_boost == 1.0

    # -- postings -------------------------------------------------------------------------------

    def postings(self, fieldname: str, text, *, positions: bool = False) -> _Postings | None:
        """Return a term's postings in this segment (None if it has none), read once."""
        if fieldname not in self.schema:
            return None
        field = self.schema[fieldname]
        try:
            btext = field.to_bytes(text)
        except ValueError:
            return None
        key = (fieldname, btext)
        if key in self._postings:
            cached = self._postings[key]
            if cached is None or not positions or cached.values is not None:
                return cached
        try:
            decoded = private.segments.postings(
                self.reader, fieldname, btext, field.format, positions=positions
            )
        except private.segments.Unreadable as exc:
            raise Unsupported(str(exc)) from exc
        found = _Postings(*decoded) if decoded is not None else None
        self._postings[key] = found
        return found


def field_lengths(reader, fieldname: str):
    """Return a segment's per-document length bytes of a field (None: no lengths column)."""
    return private.segments.field_lengths(reader, fieldname)


def _intersection(sets: list[set[int]]) -> set[int]:
    if not sets:
        return set()
    sets = sorted(sets, key=len)
    out = set(sets[0])
    for other in sets[1:]:
        out &= other
        if not out:
            break
    return out


def _sum_common(parts: list[dict[int, float]]) -> dict[int, float]:
    """{document: sum of its scores} over the documents in every part."""
    if not parts:
        return {}
    common = list(_intersection([set(p) for p in parts]))
    sums = map(parts[0].__getitem__, common)
    for part in parts[1:]:  # added in the parts' order, as Whoosh's intersection matcher adds
        sums = map(add, sums, map(part.__getitem__, common))
    return dict(zip(common, sums, strict=True))


def _tree_sum(parts: list[dict[int, float]]) -> dict[int, float]:
    """{document: sum of its scores} over the documents in every part, added as Whoosh's phrase
    matcher does (a balanced binary tree of intersections, halves in order)."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    left, right = _tree_sum(parts[:half]), _tree_sum(parts[half:])
    return {d: s + right[d] for d, s in left.items() if d in right}


def _sum_any(parts: list[dict[int, float]]) -> dict[int, float]:
    """{document: sum of its scores} over the documents in any part."""
    if not parts:
        return {}
    parts = sorted(parts, key=len, reverse=True)
    out = dict(parts[0])
    get = out.get
    for part in parts[1:]:
        for d, s in part.items():
            out[d] = get(d, 0.0) + s
    return out


# -- the most words: the fallback of an all-words query that finds little -------------------------


def find_most(
    searcher: Searcher, parts: list[wq.Query], *, limit: int, allow: wq.Query | None = None
) -> Found | None:
    """Return the documents matching any of `parts`, the best `limit` first by how many parts
    they match, then by the sum of the parts' scores (Whoosh's BM25F per part; the sum is in
    our order, so its last bits may differ from Whoosh's). None as for `find`."""
    if not private.AVAILABLE or type(searcher.weighting) is not scoring.BM25F:
        return None
    ranked: list[tuple[int, float, int]] = []
    try:
        for subsearcher, offset in searcher.leaf_searchers():
            segment = _Segment(searcher, subsearcher)
            counts: dict[int, int] = {}
            sums: dict[int, float] = {}
            for part in parts:
                scores, _exact = segment.scores(part)
                for d, s in scores.items():
                    counts[d] = counts.get(d, 0) + 1
                    sums[d] = sums.get(d, 0.0) + s
            allowed = segment.docs(allow) if allow is not None else None
            for d, count in counts.items():
                if d in segment.deleted or (allowed is not None and d not in allowed):
                    continue
                ranked.append((count, sums[d], offset + d))
    except Unsupported as exc:
        log.debug("Searching the parts of %r with Whoosh's collectors: %s", parts, exc)
        return None
    docs = sorted(d for _, _, d in ranked)
    best = heapq.nsmallest(limit, ranked, key=lambda item: (-item[0], -item[1], item[2]))
    return Found(docs, [(score, d) for _, score, d in best])
