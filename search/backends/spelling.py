""" "Did you mean …": correct the words of a query that the essays do not use, as a whole.

Candidates come from the vocabulary field (every essay's words as written, unstemmed, see
analysis.VOCABULARY), so a misspelling whose stem happens to exist ("deterence" stems like
"deter") is still seen as one. A query is corrected when one of its words (not a prefix, not a
field's name) is used by no essay as written, or by one essay when the query finds fewer than
FEW essays; such a word's candidates are the vocabulary's words within one edit (two for words
of five letters or more) that begin with the same letter, measured by rapidfuzz's
Damerau-Levenshtein distance over the words of that letter (read once per index generation).
A multi-word query is corrected as a whole: the words of a suggestion must occur together in
some essay (their vocabulary postings intersect), so "secondry sanctions" becomes "secondary
sanctions", not "second sanctions". Among the combinations that co-occur, the fewest edits win,
then the most essays using all the words.

The suggestion is offered only when it finds more essays than the query as typed (never when
it finds none); `suggest_query` returns it with that count, for the page to show.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from whoosh.reading import TermNotFound

from search.backends.analysis import STOP_WORDS, normalize_word
from search.backends.facets import segment_id
from search.backends.lru import LRU
from search.backends.variants import spellings
from search.backends.writing import VOCABULARY_FIELD

OPERATORS = {"AND", "OR", "NOT", "TO"}
WORDS = re.compile(r"(?<![\w'’])\w[\w'’]*\b(?![:*])")  # not a field's name, not a prefix
MAX_WORDS = 8
RARE = 2  # a word in fewer essays than this (as written) looks misspelled
CANDIDATES = 6  # per misspelled word, the nearest and most used first
BEAM = 24  # partial combinations kept while correcting word after word
FEW = 3  # a word one essay uses is corrected only when the query finds fewer essays than this
_BUCKETS = LRU(64)  # (segments, first letter) -> the vocabulary's words


def max_edits(word: str) -> int:
    return 2 if len(word) >= 5 else 1


def _words_beginning(reader, letter: str) -> list[str]:
    """Return the vocabulary's words beginning with `letter`, read once per index generation
    (a misspelling rarely changes its first letter; reading the words is most of the cost)."""
    segments = tuple(segment_id(leaf) for leaf, _ in reader.leaf_readers())

    def read() -> list[str]:
        words = (
            w.decode("utf-8") if isinstance(w, bytes) else w
            for w in reader.expand_prefix(VOCABULARY_FIELD, letter)
        )
        return [w for w in words if w.isalpha()]

    if None in segments:  # no stable identity: read them afresh
        return read()
    return _BUCKETS.get((segments, letter), read)


def corrections(reader, word: str, *, maxdist: int | None = None) -> list[str]:
    """Return the vocabulary's words near `word` (Damerau-Levenshtein, rapidfuzz), the nearest
    and most used first."""
    if VOCABULARY_FIELD not in reader.indexed_field_names() or not word:
        return []
    maxdist = max_edits(word) if maxdist is None else maxdist
    near = process.extract(
        word,
        _words_beginning(reader, word[0]),
        scorer=DamerauLevenshtein.distance,
        score_cutoff=maxdist,
        limit=None,
    )
    found = [
        (distance, -reader.doc_frequency(VOCABULARY_FIELD, candidate), candidate)
        for candidate, distance, _ in near
        if candidate != word
    ]
    return [candidate for _, _, candidate in sorted(found)]


def known(reader, word: str) -> int:
    """Return how many essays use the word as written, in its British or American spelling
    too ("defence" is no misspelling where the essays write "defense")."""
    return max(reader.doc_frequency(VOCABULARY_FIELD, w) for w in spellings(word))


class _Postings:
    """The essays (document numbers) using each word as written in either spelling, read once
    per suggestion."""

    def __init__(self, reader) -> None:
        self.reader, self._sets = reader, {}

    def __call__(self, word: str) -> frozenset[int]:
        if word not in self._sets:
            ids: set[int] = set()
            for spelling in spellings(word):
                try:
                    ids.update(self.reader.postings(VOCABULARY_FIELD, spelling).all_ids())
                except TermNotFound:
                    pass
            self._sets[word] = frozenset(ids)
        return self._sets[word]


def _options(reader, word: str) -> list[tuple[str, int]]:
    """Return (word, edits) the reader may have meant: the word itself when the essays use it,
    and, when it is rare as written, its nearest vocabulary words."""
    df = known(reader, word)
    options = [(word, 0)] if df else []
    if df < RARE:
        options += [
            (candidate, DamerauLevenshtein.distance(word, candidate))
            for candidate in corrections(reader, word)[:CANDIDATES]
        ]
    return options


def correct_words(reader, words: list[str]) -> list[str] | None:
    """Return the words corrected as a whole (see module), or None when no combination with a
    correction occurs together in some essay."""
    postings = _Postings(reader)
    # (edits, -essays, chosen words, the essays where all of them occur); None: any essay
    beam: list[tuple[int, int, list[str], frozenset[int] | None]] = [(0, 0, [], None)]
    for word in words:
        options = _options(reader, word) or [(word, 0)]
        grown = []
        for edits, _, chosen, essays in beam:
            for option, distance in options:
                found = postings(option)
                if not found:  # unknown and uncorrectable: kept as typed, checked against none
                    together = essays
                else:
                    together = found if essays is None else essays & found
                    if not together:
                        continue
                size = len(together) if together is not None else 0
                grown.append((edits + distance, -size, [*chosen, option], together))
        grown.sort(key=lambda item: (item[0], item[1]))
        beam = grown[:BEAM]
        if not beam:
            return None
    for edits, negative_essays, chosen, _ in beam:
        if edits and negative_essays:
            return chosen
    return None


def suggest_query(searcher, query_string: str, count: Callable[[str], int], typed_hits: int):
    """Return (the query with its misspelled words corrected, how many essays it finds), or
    None when nothing is corrected or the correction finds no more essays than `typed_hits`.
    `count(query)` searches a query with the page's filters."""
    reader = searcher.reader()
    if VOCABULARY_FIELD not in reader.indexed_field_names():
        return None
    matches = []
    for match in list(WORDS.finditer(query_string))[:MAX_WORDS]:
        raw = match.group()
        word = normalize_word(raw)
        if raw in OPERATORS or word in STOP_WORDS or not word.isalpha() or len(word) < 3:
            continue
        matches.append((match, word))
    # A word no essay uses as written; or one essay, when the words as typed find little.
    rare = RARE if typed_hits < FEW else 1
    if not any(known(reader, w) < rare for _, w in matches):
        return None
    corrected = correct_words(reader, [w for _, w in matches])
    if corrected is None:
        return None
    out, cursor = [], 0
    for (match, word), new in zip(matches, corrected, strict=True):
        if new == word:
            continue
        raw = match.group()
        out += [query_string[cursor : match.start()], new.capitalize() if raw[0].isupper() else new]
        cursor = match.end()
    suggestion = "".join(out) + query_string[cursor:]
    hits = count(suggestion)
    return (suggestion, hits) if hits > typed_hits else None
