"""Plain-text files: decoded, made uniform, split into a title line and paragraphs.

- Title line: the first line is the title when it is short (at most 200 characters and 30
  words), does not end like a sentence (a full stop, comma, colon or semicolon) and is not
  the first line of a wrapped paragraph (the next line does not continue it in lower case).
  A blank line after it is usual but not needed: text copied from a web page or an e-mail
  often runs straight on.
- Paragraphs: blocks are separated by blank lines; inside a block each line is a paragraph,
  unless the block is hard-wrapped (every line at most 80 characters, some ending
  mid-sentence), in which case lines are joined, and a new paragraph starts after a line
  that ends a sentence well short of the wrapping width.
"""

from __future__ import annotations

import re

from archive.importing.dates import parse_date_line
from archive.importing.decoding import decode_bytes, normalize_text
from archive.importing.document import Block, Found, SourceDocument
from archive.importing.failure import ImportFailure
from archive.importing.sidecar import load_sidecar_text

MAX_TITLE_LINE = 200
MAX_TITLE_WORDS = 30
WRAPPED_LINE = 80
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_SENTENCE_END = re.compile(r"[.!?…][\"”»’)\]]*$")


def read_text(name: str, data: bytes) -> SourceDocument:
    """Return the text file `data` as blocks, its title line and any YAML front matter."""
    decoded = decode_bytes(name, data)
    text = normalize_text(decoded.text)
    if not text.strip():
        raise ImportFailure(name, "empty file")
    text, front_matter = split_front_matter(name, text)
    title, lines = _split_title(text.strip("\n").split("\n"))
    blocks = [Block(text=paragraph) for paragraph in paragraphs("\n".join(lines))]
    return SourceDocument(
        format="plain text",
        encoding=decoded.encoding,
        blocks=blocks,
        title=Found(title, "title line") if title else None,
        front_matter=front_matter,
    )


def split_front_matter(name: str, text: str) -> tuple[str, dict | None]:
    """Return the text after YAML front matter (between --- lines) and the front matter."""
    if not text.startswith("---"):
        return text, None
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ImportFailure(name, "front matter opened with --- but never closed with ---")
    meta = load_sidecar_text(name, match.group(1), label="front matter")
    return text[match.end() :], meta


def _split_title(lines: list[str]) -> tuple[str, list[str]]:
    # A date printed above the title ("17.06.2013" then the headline) stays for head.py.
    if len(lines) > 2 and parse_date_line(lines[0]):
        rest = lines[1:]
        while rest and not rest[0].strip():
            rest.pop(0)
        title, body = _split_title(rest) if rest else ("", [])
        return title, [lines[0], "", *body] if title else lines
    first = " ".join(lines[0].split())
    following = lines[1].strip() if len(lines) > 1 else ""
    if looks_like_title(first) and not (following and _continues(first, following)):
        return first, lines[1:]
    return "", lines


def looks_like_title(line: str) -> bool:
    """Return whether `line` could be a title: short, and not ending like a sentence."""
    bare = line.rstrip("”’\"')]»")
    ends_like_sentence = bare.endswith((",", ";", ":")) or (
        bare.endswith(".") and not bare.endswith("...")
    )
    return (
        0 < len(line) <= MAX_TITLE_LINE
        and len(line.split()) <= MAX_TITLE_WORDS
        and not ends_like_sentence
    )


def _continues(line: str, following: str) -> bool:
    """Return whether `following` carries on the sentence `line` started (a wrapped line)."""
    return following[:1].islower() or line.endswith(("-", "—", "–"))


def paragraphs(text: str) -> list[str]:
    """Return the paragraphs of `text` (see the module docstring)."""
    found: list[str] = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [" ".join(line.split()) for line in block.split("\n")]
        found.extend(_block_paragraphs([line for line in lines if line]))
    return found


def _block_paragraphs(lines: list[str]) -> list[str]:
    hard_wrapped = (
        len(lines) > 1
        and all(len(line) <= WRAPPED_LINE for line in lines)
        and any(not _SENTENCE_END.search(line) for line in lines[:-1])
    )
    if not hard_wrapped:
        return lines
    width = max(len(line) for line in lines)
    result, current = [], []
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        current.append(line)
        if following and not _joins(line, following, width):
            result.append(" ".join(current))
            current = []
    result.append(" ".join(current))
    return result


def _joins(line: str, following: str, width: int) -> bool:
    if _SENTENCE_END.search(line):
        return len(line) >= 0.8 * width  # wrapped right after a full stop
    return _continues(line, following) or len(line) >= 0.6 * width  # else: a heading line
