"""An essay text's fingerprint: the same words give the same fingerprint, however they were typed.

The importer tells by it that a file holds an essay the archive already has under another name
(issue 12). Only what a reader would call the text counts: letters and digits, in any case and
Unicode form, with ё read as е. Spacing, punctuation, quotation marks, dashes and paragraph
breaks do not (an essay's fingerprint is taken of its body's text, without markup), so the same
essay as plain text, a Word document or a saved web page, or with curly quotes straightened,
has one fingerprint.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Shorter texts (a sentence or two) are too likely to be shared by different essays, say a
# standard note, to call one a copy of the other.
MIN_FINGERPRINT_LETTERS = 200
_NOT_A_WORD_CHARACTER = re.compile(r"[\W_]+")


def text_fingerprint(text: str) -> str:
    """Return the fingerprint of `text` (32 hex digits), or "" for a text too short to tell."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    letters = _NOT_A_WORD_CHARACTER.sub("", folded)
    if len(letters) < MIN_FINGERPRINT_LETTERS:
        return ""
    return hashlib.blake2b(letters.encode(), digest_size=16).hexdigest()
