"""British and American spellings as one word (issue 14): "defence" finds "defense".

Every English word is indexed and searched under its American spelling, so either spelling finds
both, in every field, phrases included. The pairs come from breame's word list (about 1,700
British spellings: -our/-or, -tre/-ter, -ce/-se, -ise/-ize, programme, grey, aluminium …). Two
rules of ours extend it where the list stops:

* the forms derived from a listed -ise verb take -ize too ("militarise" is listed, so
  "militarisation", "militariser" and "militarisable" follow it);
* any "-isation" noun is an "-ization" noun ("weaponisation"), except where the -is- belongs to
  the root "vis" ("improvisation", "revisation"), whose verbs never take -ize.
"""

from __future__ import annotations

from functools import lru_cache

from breame.data.spelling_constants import AMERICAN_ENGLISH_SPELLINGS, BRITISH_ENGLISH_SPELLINGS

# (British ending, American ending) of the forms an -ise verb derives.
DERIVED_ENDINGS = (
    ("isations", "izations"),
    ("isation", "ization"),
    ("isables", "izables"),
    ("isable", "izable"),
    ("isers", "izers"),
    ("iser", "izer"),
    ("ising", "izing"),
    ("ised", "ized"),
    ("ises", "izes"),
    ("ise", "ize"),
)


@lru_cache(maxsize=100_000)
def american(word: str) -> str:
    """Return the American spelling of a lowercased English word (the word itself when it has
    no other spelling)."""
    listed = BRITISH_ENGLISH_SPELLINGS.get(word)
    if listed:
        return listed
    for british, us in DERIVED_ENDINGS:
        if not word.endswith(british):
            continue
        root = word[: -len(british)]
        if BRITISH_ENGLISH_SPELLINGS.get(root + "ise") == root + "ize":
            return root + us
        if british.startswith("isation") and len(root) > 2 and not root.endswith("v"):
            return root + us
        break
    return word


def spellings(word: str) -> tuple[str, ...]:
    """Return the spellings of a lowercased word: itself, then its American and British ones
    where they differ ("did you mean" takes a word as known if the essays use any of them)."""
    found = [word, american(word), AMERICAN_ENGLISH_SPELLINGS.get(word, word)]
    for us, british in (("izations", "isations"), ("ization", "isation")):
        if word.endswith(us):
            found.append(word[: -len(us)] + british)
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=1)
def _british_openings() -> dict[str, frozenset[str]]:
    openings: dict[str, set[str]] = {}
    for british, us in BRITISH_ENGLISH_SPELLINGS.items():
        if british[:2] != us[:2]:
            openings.setdefault(us[:2], set()).add(british[:2])
    return {us: frozenset(british) for us, british in openings.items()}


def openings(opening: str) -> frozenset[str]:
    """Return the first two letters of the spellings of a word whose American spelling begins
    with `opening`: itself, and the British ones that begin otherwise (tire/tyre, fetus/foetus)."""
    return frozenset({opening}) | _british_openings().get(opening, frozenset())
