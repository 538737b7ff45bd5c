"""Whether a file is a revision of an essay: asked only of an essay imported before paths were
identities, whose old key (a file stem such as "essay") another file may share by chance."""

from __future__ import annotations

import re

from archive.importing.records import ParsedEssay
from archive.models import Essay

SHINGLE_WORDS = 3
# Share of the shorter text's three-word runs found in the other: a revised essay keeps most of
# its sentences (0.6 and more, in practice), two essays on one subject share almost none (< 0.05).
SAME_TEXT_SHARE = 0.5
_WORD = re.compile(r"\w+")


def same_essay(essay: Essay, parsed: ParsedEssay) -> bool:
    """Return whether `parsed` is `essay` as revised: the same title, or mostly the same text."""
    if _fold(essay.title) == _fold(parsed.title):
        return True
    if parsed.fingerprint and parsed.fingerprint in (
        essay.text_fingerprint,
        essay.import_fingerprint,
    ):
        return True
    ours = _shingles(essay.body_text)
    theirs = _shingles("\n".join(parsed.paragraphs))
    if not ours or not theirs:
        return False
    return len(ours & theirs) / min(len(ours), len(theirs)) >= SAME_TEXT_SHARE


def _fold(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold().replace("ё", "е")))


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.casefold().replace("ё", "е"))
    return {tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}
