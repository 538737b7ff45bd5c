""" "Did you mean …": correct the words of a query that the essays do not use, as a whole.

Candidates come from the vocabulary field (every essay's words as written, unstemmed, see
analysis.VOCABULARY), so a misspelling whose stem happens to exist ("deterence" stems like
"deter") is still seen as one. A word is corrected when fewer than RARE essays use it as
written; its candidates are the words within one edit (two for words of five letters or more).
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

from search.backends.analysis import STOP_WORDS, normalize_word
from search.backends.writing import VOCABULARY_FIELD

OPERATORS = {"AND", "OR", "NOT", "TO"}
WORDS = re.compile(r"(?<![\w'’])\w[\w'’]*\b(?!:)")  # not a field's name
MAX_WORDS = 8
RARE = 2  # a word in fewer essays than this (as written) looks misspelled
CANDIDATES = 6  # per misspelled word, the nearest and most used first
BEAM = 24  # partial combinations kept while correcting word after word


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Return the Damerau-Levenshtein distance of `a` and `b` (transpositions count once),
    or `limit` when it is at least that."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
        if min(previous) >= limit:
            return limit
    return min(previous[-1], limit)


def max_edits(word: str) -> int:
    return 2 if len(word) >= 5 else 1


def corrections(reader, word: str, *, maxdist: int | None = None) -> list[str]:
    """Return the vocabulary's words near `word`, the nearest and most used first."""
    if VOCABULARY_FIELD not in reader.indexed_field_names():
        return []
    maxdist = max_edits(word) if maxdist is None else maxdist
    found = []
    for candidate in reader.terms_within(VOCABULARY_FIELD, word, maxdist, prefix=1):
        if candidate == word or not candidate.isalpha():
            continue
        distance = edit_distance(word, candidate, maxdist + 1)
        if distance <= maxdist:
            df = reader.doc_frequency(VOCABULARY_FIELD, candidate)
            found.append((distance, -df, candidate))
    return [candidate for _, _, candidate in sorted(found)]


class _Postings:
    """The essays (document numbers) using each word as written, read once per suggestion."""

    def __init__(self, reader) -> None:
        self.reader, self._sets = reader, {}

    def __call__(self, word: str) -> frozenset[int]:
        if word not in self._sets:
            try:
                ids = self.reader.postings(VOCABULARY_FIELD, word).all_ids()
                self._sets[word] = frozenset(ids)
            except Exception:  # not in the vocabulary
                self._sets[word] = frozenset()
        return self._sets[word]


def _options(reader, word: str) -> list[tuple[str, int]]:
    """Return (word, edits) the reader may have meant: the word itself when the essays use it,
    and, when it is rare as written, its nearest vocabulary words."""
    df = reader.doc_frequency(VOCABULARY_FIELD, word)
    options = [(word, 0)] if df else []
    if df < RARE:
        options += [
            (candidate, edit_distance(word, candidate, 3))
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
    if not any(reader.doc_frequency(VOCABULARY_FIELD, w) < RARE for _, w in matches):
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
