"""Names across scripts (issue 14): one matching key for a word written in Cyrillic or in any
of the common romanizations, so Лавров, Lavrov and Лаврову meet, and so do Щербаков,
Shcherbakov and Scherbakov, or Юрий, Yuri, Yury, Yuriy and Iurii.

A Cyrillic word is romanized by iuliia's Wikipedia scheme; then any Latin spelling is folded
so that the schemes English-language texts use agree: Wikipedia, BGN/PCGN, ICAO Doc 9303 (the
passports' Iurii), GOST 52535, MVD 310, BS 2979, ALA-LC and the Moscow Metro's and Yandex's
(Scherbakov, Yury). iuliia supplies the schemes; the folding is ours, because no library maps
one romanization onto another (tests/test_search_names.py measures that the schemes agree on
the keys of 20,000 Russian words). Schemes with háčeks (ISO 9, UNGEGN, the scientific one) are
left out: folding their š, č and ž would merge sh, ch and zh with s, c and z.

Russian declines names: Лаврова, Лаврову, Лавровым, Фёдоровой. The key drops a final vowel run
and a case ending (-om, -em, -im, -ami, -akh, -ikh), so every case of a name shares its key with
the name as an English text writes it. The key is only a way to find a word: exact matches keep
their own terms and rank above (search/backends/whoosh.py).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import iuliia

SCHEME = iuliia.WIKIPEDIA
CYRILLIC_RANGE = range(0x0400, 0x0500)
# Applied in order to the lowercase ASCII spelling: one spelling for what the schemes write
# differently (щ shch/sch/shh, х kh/h, ц ts/tc, й/ы/ь y/i/j/', ё yo/io/e, е ye/ie/e, x = ks).
FOLDS = (
    ("x", "ks"),
    ("shch", "sh"),
    ("sch", "sh"),
    ("shh", "sh"),
    ("kh", "h"),
    ("tch", "ch"),
    ("tc", "ts"),
    ("tz", "ts"),
    ("j", "i"),
    ("y", "i"),
    ("ii", "i"),
    ("io", "e"),
    ("ie", "e"),
)
CASE_ENDINGS = ("ami", "ah", "ih", "om", "em", "im")
VOWELS = "aeiou"
MIN_KEY = 3  # shorter keys would join unrelated words


def is_cyrillic(word: str) -> bool:
    return any(ord(c) in CYRILLIC_RANGE for c in word)


def _ascii_letters(text: str) -> str:
    """Return the ASCII letters of `text`, lowercased, accents and marks dropped (ALA-LC's
    i͡u, BGN's apostrophes, a leftover ё)."""
    text = text.replace("ё", "e").replace("Ё", "e")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalpha()).lower()


def fold(latin: str) -> str:
    """Return the matching key of a Latin-script spelling ('' when it would be too short)."""
    key = _ascii_letters(latin)
    for written, folded in FOLDS:
        key = key.replace(written, folded)
    for ending in CASE_ENDINGS:
        if key.endswith(ending) and len(key) - len(ending) >= MIN_KEY:
            key = key[: -len(ending)]
            break
    stripped = key.rstrip(VOWELS)
    key = stripped if len(stripped) >= MIN_KEY else key
    return key if len(key) >= MIN_KEY else ""


@lru_cache(maxsize=200_000)
def name_key(word: str) -> str:
    """Return the matching key of one word in either script ('' for none)."""
    if is_cyrillic(word):
        word = SCHEME.translate(word)
    return fold(word)
