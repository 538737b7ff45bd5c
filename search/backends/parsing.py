"""From the search box's query to a Whoosh query: fields, notes, names, years and prefixes.

Whoosh's parser reads the syntax (phrases, AND/OR/NOT, -term, fields, prefix*); on top of it:

* a word without a field is searched in the document (title, standfirst, authors, source,
  topics, body) and, weighted below it, in the notes (biographies, publication history);
* a word also matches, weighted below the word itself, the other spellings of the same name
  across scripts and romanizations (its name key: search/backends/romanization.py), so an
  exact-script match ranks above a transliterated one;
* a year typed as a word also matches the essays dated that year;
* a prefix (`negotiat*`) expands over the words as written (the vocabulary field), then each
  word found becomes the term its field indexes: whatever the stemmer made of "negotiating",
  `negotiat*` finds it. Expansions are bounded to the MAX_PREFIX_TERMS most frequent words,
  and `Expansion.cut` tells which prefixes the bound cut short, for the page to say so;
* alternatives that the index does not hold (a notes term no essay has, a name key nobody
  shares) are dropped before searching, so they cost nothing; so is, for a word typed in Latin
  letters, a Latin key shared by more than 1% of the essays (a common word capitalized at the
  start of sentences: "Security"), while its Cyrillic key, what finds the other script, stays.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.qparser import MultifieldPlugin, PlusMinusPlugin, QueryParser

from search.backends.analysis import (
    CYRILLIC,
    LATIN_KEY,
    ArchiveTokenizer,
    is_name_key,
    key_terms_for_query,
    normalize_word,
    terms_for,
)
from search.backends.writing import NOTES_FIELD, VOCABULARY_FIELD

log = logging.getLogger(__name__)

NOTES_BOOST = 0.4  # a word in the notes counts less than in the document itself
NAME_BOOST = 0.5  # a name written in another script or romanization counts less than as typed
COMMON_SPELLING = 0.01  # a Latin key shared by more than this share of the essays ...
COMMON_SPELLING_MIN = 50  # ... and by more than this many is a common word's (see _dropped)
YEAR_FIELD = "year"
YEAR_BOOST = 1.0  # the weight of "dated that year" (a word's BM25 score is typically 2-8)
YEAR = re.compile(r"(1[89]|20)\d\d")
MAX_PREFIX_TERMS = 64  # a prefix expands to at most this many (most frequent) words
MAX_PREFIX_SCAN = 5000  # vocabulary words read per prefix


class ArchiveQueryParser(QueryParser):
    """Whoosh's parser that adds to each word its name key and, in the document, its year."""

    def __init__(self, fieldname: str, schema, **kwargs) -> None:
        super().__init__(fieldname, schema=schema, **kwargs)
        self.content_field = fieldname

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):
        q = super().term_query(fieldname, text, termclass, boost, tokenize, removestops)
        if q is None or termclass is not wq.Term or not isinstance(q, wq.Term):
            return q
        field = self.schema[fieldname] if fieldname in self.schema else None
        alternatives = [q]
        if field is not None and isinstance(field.analyzer, ArchiveTokenizer):
            for key in key_terms_for_query(normalize_word(text)):
                alternatives.append(wq.Term(fieldname, key, boost=boost * NAME_BOOST))
        if fieldname == self.content_field and YEAR.fullmatch(text) and YEAR_FIELD in self.schema:
            alternatives.append(wq.Term(YEAR_FIELD, int(text), boost=YEAR_BOOST))
        return wq.Or(alternatives) if len(alternatives) > 1 else q


def build_parser(schema, content_field: str) -> QueryParser:
    """Return the query parser: Whoosh's defaults (phrases, groups, AND/OR/NOT, fields,
    prefix*) plus -term/+term; words are ANDed, as researchers expect from a search box."""
    parser = ArchiveQueryParser(content_field, schema)
    # A sign only counts at the start of a word: "SM3-IIB" and "post-Soviet" are words.
    parser.add_plugin(PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    if NOTES_FIELD in schema:
        boosts = {content_field: 1.0, NOTES_FIELD: NOTES_BOOST}
        parser.add_plugin(MultifieldPlugin([content_field, NOTES_FIELD], fieldboosts=boosts))
    return parser


@dataclass
class Expansion:
    """What preparing a parsed query for the index did: the prefixes whose expansion the bound
    cut short (as typed, without the star)."""

    cut: list[str] = field(default_factory=list)


def prepare(parsed: wq.Query, searcher, schema, expansion: Expansion) -> wq.Query:
    """Return `parsed` with prefixes expanded and absent alternatives dropped (see module)."""
    reader = searcher.reader()
    words_of: dict[str, list[str]] = {}
    common = max(COMMON_SPELLING_MIN, COMMON_SPELLING * reader.doc_count())

    def visit(q: wq.Query) -> wq.Query:
        if isinstance(q, wq.Prefix):
            return _expand(q, reader, schema, words_of, expansion)
        if isinstance(q, wq.Wildcard):
            return wq.NullQuery  # the query language writes no inner wildcards
        if type(q) is wq.Or:
            latin = _latin_word(q.subqueries[0])
            kept = [sub for sub in q.subqueries if not _dropped(sub, reader, latin, common)]
            if len(kept) < len(q.subqueries):
                return wq.Or(kept, boost=q.boost) if kept else wq.NullQuery
        return q

    return parsed.accept(visit).normalize()


def _latin_word(q: wq.Query) -> bool:
    """Whether `q` is the term of a word typed in Latin letters (a word's own alternative)."""
    return (
        type(q) is wq.Term
        and isinstance(q.text, str)
        and not is_name_key(q.text)
        and not CYRILLIC.search(q.text)
    )


def _dropped(q: wq.Query, reader, latin: bool, common: float) -> bool:
    """Whether to leave out an alternative: a notes term or name key that no document has, or,
    for a word typed in Latin letters, the Latin-script key that more than `common` documents
    share (the spelling of a common word at the start of sentences, not a name written in
    another romanization: it would only cost time; the Cyrillic key is always kept)."""
    if type(q) is not wq.Term or not isinstance(q.text, str):
        return False
    if q.fieldname != NOTES_FIELD and not is_name_key(q.text):
        return False
    frequency = reader.doc_frequency(q.fieldname, q.text)
    if frequency == 0:
        return True
    return latin and q.text.startswith(LATIN_KEY) and frequency > common


def vocabulary_words(reader, prefix: str) -> tuple[list[str], bool]:
    """Return the MAX_PREFIX_TERMS most frequent words as written that begin with `prefix`,
    and whether there were more."""
    if not prefix or VOCABULARY_FIELD not in reader.indexed_field_names():
        return [], False
    found = []
    for n, word in enumerate(reader.expand_prefix(VOCABULARY_FIELD, prefix)):
        if n >= MAX_PREFIX_SCAN:
            break
        word = word.decode("utf-8") if isinstance(word, bytes) else word
        found.append((-reader.doc_frequency(VOCABULARY_FIELD, word), word))
    found.sort()
    return [word for _, word in found[:MAX_PREFIX_TERMS]], len(found) > MAX_PREFIX_TERMS


def _expand(q: wq.Prefix, reader, schema, words_of: dict, expansion: Expansion) -> wq.Query:
    if q.fieldname not in schema:
        return wq.NullQuery
    prefix = normalize_word(q.text)
    if prefix not in words_of:
        words, cut = vocabulary_words(reader, prefix)
        words_of[prefix] = words
        if cut:
            expansion.cut.append(q.text)
    field = schema[q.fieldname]
    if isinstance(field.analyzer, ArchiveTokenizer):
        terms = dict.fromkeys(t for w in words_of[prefix] for t in terms_for(w, with_parts=False))
    else:  # a keyword field: its terms are the words themselves
        terms = dict.fromkeys(words_of[prefix])
    present = [t for t in terms if reader.doc_frequency(q.fieldname, t)]
    words = [wq.Term(q.fieldname, t, boost=q.boost) for t in present]
    return wq.Or(words) if words else wq.NullQuery


FEW_MATCHES = 1  # an all-words query finding fewer lists the essays with most of the words instead
EXPLICIT = re.compile(r"\b(?:AND|OR|NOT)\b|(?:^|[\s(])[-+]")


def words_of(parsed: wq.Query, query_string: str) -> list[wq.Query] | None:
    """Return the words (each with its alternatives) of a query that asks for all of its words
    without operators, or None for any other query (operators say what the reader wants)."""
    if EXPLICIT.search(query_string) or type(parsed) is not wq.And:
        return None
    return list(parsed.subqueries) if len(parsed.subqueries) > 1 else None
