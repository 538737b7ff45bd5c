"""One script-aware Whoosh analyzer for English and Russian text, used at index and query time.

Whoosh's StemmingAnalyzer is English-only, splits "U.S." and "post-Soviet" into pieces and leaves
typographic apostrophes alone. This tokenizer does the whole pipeline in one pass (fast, and it
keeps the positions of compound parts right, which a chain of filters would renumber):

* words may contain inner dots, hyphens and apostrophes: "U.S.-Russia" is indexed whole AND as
  its parts ("u.s", "russia", "u", "s"), all at the same position, so the whole and each part are
  findable and phrases around the compound still match; at query time only the whole is emitted;
* typographic quotes and apostrophes become ASCII (Russia’s ≡ Russia's) and English possessives
  drop their "'s";
* Latin letters are lowercased and accent-folded; Cyrillic is only lowercased and ё → е (never
  transliterated or stripped of its й);
* English and Russian stop words are dropped (positions are kept, so phrases stay phrases);
* Latin-script words are stemmed with Snowball English (Porter2) under their American spelling
  (search/backends/variants.py: "defence" and "defense" are one term), Cyrillic words with the
  Russian Snowball stemmer;
* a capitalized word (a name, mostly) is also indexed, at the same position, under its matching
  key across scripts and romanizations (search/backends/romanization.py), marked by the script
  it was written in: "~lavrov" for Лавров and Лаврову, "^lavrov" for Lavrov. Queries add the
  keys as weaker alternatives (search/backends/parsing.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Token, Tokenizer
from whoosh.fields import FieldType
from whoosh.formats import Existence, Positions
from whoosh.lang import stemmer_for_language
from whoosh.lang.stopwords import stoplists

from search.backends.romanization import name_key
from search.backends.variants import american

# A word: letters/digits, optionally joined by single dots, hyphens or apostrophes ("U.S.-Russia",
# "SM3-IIB", "Russia's", "post-Soviet"); a dotted abbreviation keeps its final dot ("U.S.").
WORD = re.compile(r"\w+(?:(?:\.-|[.\-'’‘])\w+)*(?:(?<=\.\w)\.)?")
JOINERS = re.compile(r"[.\-]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")

STOP_WORDS = frozenset(stoplists["en"]) | frozenset(stoplists["ru"])
# Name-key terms begin with one of these (no word the tokenizer yields does): the key of a word
# written in Cyrillic, and of one written in Latin letters.
CYRILLIC_KEY, LATIN_KEY = "~", "^"
# Part of the schema's description (search/backends/writing.py), so an index analysed by an
# older version is rebuilt: 2 = American spellings and name keys (issue 14).
ANALYSIS_VERSION = 2


def _latin_fold_table() -> dict[int, str]:
    """Map accented Latin letters (and typographic quotes) to ASCII; leave every other script."""
    table: dict[int, str] = {}
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        if base != char and base.isascii():
            table[code] = base.lower()
    table.update({ord("ß"): "ss", ord("æ"): "ae", ord("œ"): "oe", ord("ø"): "o", ord("ł"): "l"})
    table.update({ord("ё"): "е", ord("Ё"): "е"})
    for quote in "’‘ʼ′":
        table[ord(quote)] = "'"
    return table


FOLD = _latin_fold_table()
_russian_stem = stemmer_for_language("ru")
# Snowball English (Porter2): unlike the original Porter it maps negotiating → negoti.
_english_stem = stemmer_for_language("en")


def normalize_word(word: str) -> str:
    """Return `word` lowercased, accent-folded (Latin only), with ASCII apostrophes."""
    word = word.lower().translate(FOLD)
    if word.endswith("'s"):
        word = word[:-2]
    return word.replace("'", "")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Return the stem of a normalized word, choosing the stemmer by its script."""
    if not word.isalpha():
        return word
    if CYRILLIC.search(word):
        return _russian_stem(word)
    return _english_stem(american(word))


def is_name_key(term: str) -> bool:
    """Whether an index term is a name key (not a word: key terms and prefixes skip them)."""
    return term[:1] in (CYRILLIC_KEY, LATIN_KEY)


def key_term(word: str) -> str:
    """Return the name-key term of a normalized word as the index holds it ('' for none)."""
    key = _key(word)
    if not key:
        return ""
    return (CYRILLIC_KEY if CYRILLIC.search(word) else LATIN_KEY) + key


def key_terms_for_query(word: str) -> tuple[str, str] | tuple[()]:
    """Return the name-key terms a query word also matches: (its key as Cyrillic words have it,
    as Latin words have it), or () for none."""
    key = _key(word)
    return (CYRILLIC_KEY + key, LATIN_KEY + key) if key else ()


def _key(word: str) -> str:
    if len(word) < 3 or not word.isalpha():
        return ""
    return name_key(word)


def word_parts(word: str) -> list[str]:
    """Return the parts of a compound word: hyphen parts, then the dotted parts inside them."""
    parts: list[str] = []
    for piece in word.split("-"):
        piece = piece.strip(".")
        if piece and piece != word:
            parts.append(piece)
        if "." in piece:
            parts.extend(p for p in piece.split(".") if p)
    return [p for p in dict.fromkeys(parts) if p != word]


@lru_cache(maxsize=500_000)
def terms_for(word: str, *, with_parts: bool) -> tuple[str, ...]:
    """Return the index terms of one raw word: the stemmed word, then (optionally: at index
    time) its parts, or a capitalized word's name key.

    Cached: a corpus repeats its words, and this is the whole per-token pipeline.
    """
    raw = word
    word = normalize_word(word).strip(".")
    if not word:
        return ()
    if not JOINERS.search(word):
        if word in STOP_WORDS:
            return ()
        if with_parts and raw[0].isupper():
            key = key_term(word)
            if key:
                return (stem(word), key)
        return (stem(word),)
    terms = [word]
    if with_parts:
        terms += [stem(p) for p in word_parts(word) if p not in STOP_WORDS]
    return tuple(terms)


@lru_cache(maxsize=200_000)
def spelling_word(word: str) -> str:
    """Return the unstemmed form of a raw word kept for "did you mean" ('' for none)."""
    word = normalize_word(word)
    return word if word.isalpha() and word not in STOP_WORDS else ""


@lru_cache(maxsize=200_000)
def vocabulary_words(word: str) -> tuple[str, ...]:
    """Return the entries of one raw word in the index's vocabulary: the word as written
    (normalized, not stemmed), then the parts of a compound; no stop words.

    The vocabulary is what "did you mean" suggests from and what a prefix query expands over,
    so that `negotiat*` finds "negotiating" whatever the stemmer made of it.
    """
    word = normalize_word(word).strip(".")
    if not word or word in STOP_WORDS:
        return ()
    if not JOINERS.search(word):
        return (word,)
    return (word, *(p for p in word_parts(word) if p not in STOP_WORDS))


def positions_of(words: list[str]) -> dict[str, list[int]]:
    """Return {index term: [positions]} for raw words (WORD matches) at index time.

    Exactly what ArchiveTokenizer yields in "index" mode, without a Token per word: the bulk
    build's fast path for Whoosh's Positions format.
    """
    poses: dict[str, list[int]] = {}
    pos = 0
    for word in words:
        terms = terms_for(word, with_parts=True)
        if terms:
            for text in terms:
                if text in poses:
                    poses[text].append(pos)
                else:
                    poses[text] = [pos]
            pos += 1
    return poses


class ArchiveTokenizer(Tokenizer):
    """Tokenize, normalize, stop and stem English and Russian text in one pass (see module)."""

    # Tells Whoosh that it stems, so a `spelling=True` field also keeps the unstemmed words
    # (called with no_morph=True) for "did you mean" suggestions.
    is_morph = True

    def __init__(self) -> None:
        self.version = ANALYSIS_VERSION  # compared with the index's own (see ANALYSIS_VERSION)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        no_morph: bool = False,
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        with_parts = mode != "query"
        if not tokenize:
            # Self-parsing queries (wildcards) hand over one word: normalize it, no stemming.
            token.text = normalize_word(value)
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        pos = start_pos
        for match in WORD.finditer(value):
            if no_morph:
                word = spelling_word(match.group())
                terms = (word,) if word else ()
            else:
                terms = terms_for(match.group(), with_parts=with_parts)
            if not terms and removestops:
                continue
            # A word's terms (a compound's whole and parts) share its position and characters.
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            if not terms:  # a stop word, kept and marked stopped
                token.text, token.stopped, token.boost = match.group().lower(), True, 1.0
                yield token
                continue
            if keeporiginal:
                token.original = match.group()
            for text in terms:
                token.text, token.stopped, token.boost = text, False, 1.0
                yield token
            pos += 1


def archive_analyzer() -> ArchiveTokenizer:
    """Return the analyzer for text fields (one instance is enough: it is stateless)."""
    return ArchiveTokenizer()


class VocabularyTokenizer(Tokenizer):
    """Yield the vocabulary entries of a text (see `vocabulary_words`), one token per entry."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost, token.stopped = 1.0, False
        if not tokenize:
            token.text = normalize_word(value)
            yield token
            return
        for match in WORD.finditer(value):
            for text in vocabulary_words(match.group()):
                token.text = text
                yield token


class VOCABULARY(FieldType):
    """The words of the document as written: unstemmed, unscored, without positions.

    It replaces Whoosh's `spelling=True` sub-field, whose postings all belong to document 0
    (one per document using the word, with another field's value bytes): Whoosh's own merge drops
    them when a segment's first document is deleted, and they cannot tell in how many essays a
    word occurs. Here a word's postings are the documents that use it, like any field's.
    """

    def __init__(self) -> None:
        self.format = Existence()
        self.analyzer = VocabularyTokenizer()
        self.scorable = False
        self.stored = False
        self.unique = False
        self.indexed = True
        self.column_type = None
        self.vector = None
        self.spelling = False


def vocabulary_of(words: list[str]) -> set[str]:
    """Return the vocabulary entries of raw words (WORD matches): what the VOCABULARY field
    indexes for them (the bulk build's fast path)."""
    return {text for word in words for text in vocabulary_words(word)}


def analyzed_fast(field) -> bool:
    """Whether a field is indexed by the archive's analyzer into Whoosh's Positions format
    exactly, so `positions_of` gives its postings."""
    return isinstance(field.analyzer, ArchiveTokenizer) and type(field.format) is Positions
