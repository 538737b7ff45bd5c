"""Sort keys that put names in a reader's alphabetical order, Latin and Cyrillic alike.

The database cannot be trusted to collate: SQLite compares bytes (uppercase before lowercase,
"Ё" before "А") and PostgreSQL follows whatever locale the server was created with. So a name's
Unicode Collation Algorithm key (pyuca, the Default Unicode Collation Element Table) is computed
once, on save, and stored as fixed-width hex, whose byte order is the collation order on any
database; the list pages then order and paginate by that indexed column.
"""

from __future__ import annotations

from functools import cache

import pyuca

# Stored column width. Primary weights come first in a key, so a cut only drops the finer
# (accent and case) levels of very long names.
MAX_KEY_LENGTH = 600


@cache
def _collator() -> pyuca.Collator:
    return pyuca.Collator()  # reads the DUCET table once per process (about a second)


def collation_key(text: str) -> str:
    """Return `text`'s UCA sort key as hex: comparing keys as strings orders the texts."""
    weights = _collator().sort_key(" ".join(text.split()))
    return "".join(f"{weight:04x}" for weight in weights)[:MAX_KEY_LENGTH]
