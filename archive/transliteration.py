"""Cyrillic written in Latin letters, for slugs, name matching and (later) search.

One romanization everywhere: the one English-language Wikipedia uses for Russian names
("Фёдор Лукьянов" → "Fyodor Lukyanov", "Дмитрий Тренин" → "Dmitry Trenin"), as implemented by
the `iuliia` package. It is the spelling think tanks and newspapers print most often, so a
slug made from a Russian name usually reads like the name's English spelling.
"""

from __future__ import annotations

import re

import iuliia

_CYRILLIC = re.compile("[\u0400-\u04ff]")


def has_cyrillic(text: str) -> bool:
    """Return whether `text` holds any Cyrillic letter."""
    return bool(_CYRILLIC.search(text))


def romanize(text: str) -> str:
    """Return `text` with its Cyrillic letters in Latin ones; other characters are kept."""
    if not has_cyrillic(text):
        return text
    return iuliia.WIKIPEDIA.translate(text)
