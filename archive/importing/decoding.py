"""Bytes to text: the encoding detected (and named for the report), the text made uniform.

Curators receive files saved by Word on Windows (Windows-1252 or Windows-1251), old Russian
files in KOI8-R, UTF-16 from some editors, and UTF-8 with or without a byte-order mark. A
byte-order mark decides; valid UTF-8 is UTF-8; anything else is put to `charset-normalizer`,
limited to the encodings the archive expects (a free choice among dozens of encodings lets
short texts come out as Greek or Turkish). When two encodings read the file equally well but
differently, or none reads it as text, the file is refused whole with that reason.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from archive.importing.failure import ImportFailure

# The encodings charset-normalizer may choose among, with the names the report uses.
SINGLE_BYTE = {
    "cp1251": "Windows-1251",
    "cp1252": "Windows-1252",
    "koi8_r": "KOI8-R",
    "latin_1": "ISO-8859-1",
}
UTF16_WITHOUT_BOM = {"utf_16_le": "UTF-16LE", "utf_16_be": "UTF-16BE"}
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 with byte-order mark"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 with byte-order mark"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with byte-order mark"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 with byte-order mark"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 with byte-order mark"),
]
# Two readings this close in charset-normalizer's measures ("chaos": how garbled the text
# looks; "coherence": how well its letters fit a language) cannot be told apart.
SAME_CHAOS, SAME_COHERENCE = 0.01, 0.1
GARBLED = 0.1  # chaos above this in the best reading: not text in any expected encoding
_C1_RANGE = re.compile(rb"[\x80-\x9f]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # as the report names it: "UTF-8", "Windows-1251" …


def decode_bytes(name: str, data: bytes) -> DecodedText:
    """Return the text in `data` and its encoding's name, or fail saying why it is not text."""
    if not data.strip(b" \t\r\n\x00"):
        raise ImportFailure(name, "empty file")
    decoded = _decode(name, data)
    if any(ord(c) < 32 and c not in "\n\r\t\f\v" for c in decoded.text):
        raise ImportFailure(name, "binary file (contains control characters), not plain text")
    return decoded


def _decode(name: str, data: bytes) -> DecodedText:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data[len(bom) :].decode(codec), label)
            except UnicodeDecodeError as exc:
                raise ImportFailure(
                    name,
                    f"starts with a {label.split(' with')[0]} byte-order mark but is not "
                    f"valid {label.split(' with')[0]} (byte {exc.start + len(bom)})",
                ) from exc
    if b"\x00" in data:
        return _utf16_without_bom(name, data)
    try:
        return DecodedText(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        return _detect(name, data, SINGLE_BYTE)


def _utf16_without_bom(name: str, data: bytes) -> DecodedText:
    """Return UTF-16 text that lacks a byte-order mark; any other NUL byte means binary."""
    try:
        return _detect(name, data, UTF16_WITHOUT_BOM)
    except ImportFailure:
        raise ImportFailure(name, "binary file (contains NUL bytes), not plain text") from None


def _detect(name: str, data: bytes, encodings: dict[str, str]) -> DecodedText:
    from charset_normalizer import from_bytes  # imported when needed: most files are UTF-8

    matches = [m for m in from_bytes(data, cp_isolation=list(encodings)) if m.encoding]
    matches = [m for m in matches if m.encoding in encodings]
    if not matches or matches[0].chaos > GARBLED:
        raise ImportFailure(
            name,
            "cannot tell the text's encoding: it is not UTF-8 and reads as garbled text in "
            f"{', '.join(encodings.values())}; save it as UTF-8",
        )
    best = matches[0]
    text = str(best)
    for rival in matches[1:]:
        close = (
            abs(rival.chaos - best.chaos) <= SAME_CHAOS
            and abs(rival.coherence - best.coherence) <= SAME_COHERENCE
        )
        if close and str(rival) != text:
            raise ImportFailure(
                name,
                "cannot tell the text's encoding with confidence: it reads as "
                f"{_label(best.encoding, data)} (“{_sample(text)}”) and as "
                f"{_label(rival.encoding, data)} (“{_sample(str(rival))}”) equally well; "
                "save it as UTF-8",
            )
    return DecodedText(text, _label(_named_for_script(best, matches, text), data))


def _named_for_script(best, matches: list, text: str) -> str:
    """Return the encoding to name when several read the file identically.

    Windows-1251 and Windows-1252 share their punctuation (curly quotes, dashes), so an
    English file using only those reads the same in both; name the one made for its letters.
    """
    alike = [
        encoding
        for match in matches
        if match is best or str(match) == text
        for encoding in [match.encoding, *match.could_be_from_charset]
    ]
    cyrillic = _CYRILLIC.search(text) is not None
    preferred = ("cp1251", "koi8_r") if cyrillic else ("cp1252", "latin_1")
    return next((encoding for encoding in alike if encoding in preferred), best.encoding)


def _label(encoding: str, data: bytes) -> str:
    # Windows-1252 and ISO-8859-1 read every byte outside 0x80-0x9F alike; name the standard
    # one unless the file uses Windows-1252's own characters there (curly quotes, dashes).
    if encoding in ("cp1252", "latin_1"):
        return "Windows-1252" if _C1_RANGE.search(data) else "ISO-8859-1"
    return {**SINGLE_BYTE, **UTF16_WITHOUT_BOM}[encoding]


def _sample(text: str) -> str:
    """Return the first non-ASCII word of `text`, to show how an encoding reads it."""
    for word in text.split():
        if not word.isascii():
            return word.strip(".,;:!?\"'()«»“”")[:30]
    return text[:30]


# --- text made uniform ------------------------------------------------------------------

_SPACES = re.compile("[\u00a0\u2007\u202f\u2009\u200a]")  # no-break and thin spaces
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")  # soft hyphen, zero-width, word joiner


def normalize_text(text: str) -> str:
    """Return `text` with LF line endings, plain spaces, and no soft hyphens or invisible marks.

    Windows (CRLF) and old Mac (CR) line endings become LF; no-break and thin spaces become
    spaces (so "17\u00a0июня" reads as a date and "Иванов\u00a0—" as a biography); soft hyphens
    and zero-width characters, which Word and web pages leave inside words, are removed so the
    words can be searched.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _INVISIBLE.sub("", _SPACES.sub(" ", text))
