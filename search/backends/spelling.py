""" "Did you mean …": correct the words of a query that find little, from the index's own words."""

from __future__ import annotations

import re

from search.backends.analysis import STOP_WORDS, normalize_word, stem

OPERATORS = {"and", "or", "not", "to"}
WORDS = re.compile(r"(?<![\w:])\w[\w'’]*\b(?!:)")
MAX_WORDS = 8
RARE = 2  # a word in fewer documents than this looks misspelled


def suggest_query(searcher, fieldname: str, query_string: str) -> str | None:
    """Return the query with its rare words replaced by frequent near spellings, or None."""
    reader = searcher.reader()
    corrector = searcher.corrector(fieldname)
    changed, out = False, query_string
    for match in list(WORDS.finditer(query_string))[:MAX_WORDS]:
        raw = match.group()
        word = normalize_word(raw)
        if word in OPERATORS or word in STOP_WORDS or not word.isalpha() or len(word) < 3:
            continue
        frequency = reader.doc_frequency(fieldname, stem(word))
        if frequency >= RARE:
            continue
        for candidate in corrector.suggest(word, limit=3, maxdist=2, prefix=1):
            if reader.doc_frequency(fieldname, stem(candidate)) > frequency:
                out = out.replace(raw, candidate, 1)
                changed = True
                break
    return out if changed else None
