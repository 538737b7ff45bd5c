""" "Did you mean …": correct the words of a query that find little, from the index's own words.

Candidates come from the vocabulary field (every essay's words as written, see
analysis.VOCABULARY): within two edits of the typed word, the nearest first, then the word used by
the most essays.
"""

from __future__ import annotations

import re

from search.backends.analysis import STOP_WORDS, normalize_word, stem

OPERATORS = {"and", "or", "not", "to"}
WORDS = re.compile(r"(?<![\w:])\w[\w'’]*\b(?!:)")
MAX_WORDS = 8
RARE = 2  # a word in fewer documents than this looks misspelled
VOCABULARY_FIELD = "vocabulary"


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


def corrections(reader, word: str, *, maxdist: int = 2) -> list[str]:
    """Return the vocabulary's words near `word`, the nearest and most used first."""
    if VOCABULARY_FIELD not in reader.indexed_field_names():
        return []
    found = []
    for candidate in reader.terms_within(VOCABULARY_FIELD, word, maxdist, prefix=1):
        if candidate == word or not candidate.isalpha():
            continue
        distance = edit_distance(word, candidate, maxdist + 1)
        if distance <= maxdist:
            df = reader.doc_frequency(VOCABULARY_FIELD, candidate)
            found.append((distance, -df, candidate))
    return [candidate for _, _, candidate in sorted(found)]


def suggest_query(searcher, fieldname: str, query_string: str) -> str | None:
    """Return the query with its rare words replaced by frequent near spellings, or None."""
    reader = searcher.reader()
    changed, out = False, query_string
    for match in list(WORDS.finditer(query_string))[:MAX_WORDS]:
        raw = match.group()
        word = normalize_word(raw)
        if word in OPERATORS or word in STOP_WORDS or not word.isalpha() or len(word) < 3:
            continue
        frequency = reader.doc_frequency(fieldname, stem(word))
        if frequency >= RARE:
            continue
        for candidate in corrections(reader, word)[:3]:
            if reader.doc_frequency(fieldname, stem(candidate)) > frequency:
                out = out.replace(raw, candidate, 1)
                changed = True
                break
    return out if changed else None
