"""Notes printed after an essay, which the archive keeps apart from the body.

Peeled off the end of the text one at a time, in whatever order they come: a publisher's
disclaimer (a known publisher's wording names the source; a generic one, such as "The views
expressed … are the author's own" or "Мнение редакции может не совпадать с мнением автора",
names none), a "first published in/on/by …" or "Впервые опубликовано …" note, a date line,
an "About the authors" / "Об авторе" heading, a separator line, and author biographies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from archive.importing.biographies import Biography, is_heading, read_biography
from archive.importing.dates import PrintedDate, find_date, parse_date_line
from archive.importing.document import Block
from archive.importing.publishers import Publisher, match_disclaimer

_GENERIC_DISCLAIMERS = [
    regex.compile(r"^(?:the\s)?(?:views|opinions)\s(?:and\sopinions\s)?expressed\b", regex.I),
    regex.compile(
        r"^(?:all\s)?(?:views|opinions)\s(?:are|remain)\s(?:the\s)?(?:author|own)", regex.I
    ),
    regex.compile(
        r"^(?:мнени[ея]|точка\sзрения|позиция)\s(?:автора|авторов|редакции)\s"
        r"(?:может|могут)\sне\sсовпадать",
        regex.I,
    ),
    regex.compile(r"^(?:мнения|взгляды),?\sвыраженные\s", regex.I),
    regex.compile(r"^редакция\sне\sнес[её]т\sответственност", regex.I),
]
MAX_GENERIC_DISCLAIMER = 400

_FIRST_PUBLISHED_EN = regex.compile(
    r"(?:^|(?<=[.!?”\"’)]\s))"
    r"(?P<note>(?:(?:(?:This|The)\s|A\sversion\sof\sthis\s)"
    r"(?:piece|article|essay|text|op-ed|commentary|column|analysis)\s"
    r"(?:(?:was|has\sbeen|is)\s)?(?:first\s|originally\s)?|(?:First|Originally)\s)"
    r"(?:published|printed|posted|appeared)\s(?:on|in|by|at)\s"
    r"(?P<name>(?:the\s)?[A-Z“\"][^\n]*?)\.)\s*$",
)
_FIRST_PUBLISHED_RU = regex.compile(
    r"(?:^|(?<=[.!?»”)]\s))"
    r"(?P<note>(?:(?:Эта|Данная)\s)?(?:(?:статья|материал|текст|колонка|публикация)\s)?"
    r"(?:был[аои]?\s)?(?:впервые|первоначально|изначально)\s"
    r"(?:опубликован[аоы]?|вышл[аои]|вышел|напечатан[аоы]?|появил(?:ся|ась|ось|ись))"
    r"(?P<name>[^\n]*?)\.?)\s*$",
    regex.IGNORECASE,
)
_QUOTED = regex.compile(r"[«“\"](?P<name>[^»”\"]+)[»”\"]")
_RU_PLACE = regex.compile(
    r"^\s*:?\s*(?:(?:в|во|на)\s)?(?:(?:журнале|газете|издании|сайте|портале|блоге)\s)?",
    regex.I,
)
_SEPARATOR = regex.compile(r"^[*\-_—–=~·•#\s]{1,20}$")
MAX_PASSES = 12


@dataclass
class ClosingNotes:
    disclaimers: list[str] = field(default_factory=list)  # top to bottom
    publishers: tuple[Publisher, ...] = ()  # whose wording the disclaimer is
    original_note: str = ""
    original_name: str = ""
    original_date: PrintedDate | None = None
    biographies: list[Biography] = field(default_factory=list)  # top to bottom
    date: PrintedDate | None = None


def take_closing_notes(
    blocks: list[Block], known_authors: list[str], publishers: list[Publisher]
) -> ClosingNotes:
    """Remove the notes at the end of `blocks` and return them."""
    notes = ClosingNotes()
    for _ in range(MAX_PASSES):
        if not blocks or not _take_one(blocks, notes, known_authors, publishers):
            break
    return notes


def _take_one(
    blocks: list[Block], notes: ClosingNotes, known: list[str], publishers: list[Publisher]
) -> bool:
    last = blocks[-1]
    text = last.text
    match = match_disclaimer(text, publishers)
    if match:
        notes.disclaimers.insert(0, text[match.start :].strip())
        notes.publishers = notes.publishers or match.publishers
        _keep_before(blocks, text[: match.start])
        return True
    if len(text) < MAX_GENERIC_DISCLAIMER and any(p.match(text) for p in _GENERIC_DISCLAIMERS):
        notes.disclaimers.insert(0, text)
        blocks.pop()
        return True
    if not notes.original_note and _take_first_published(blocks, notes):
        return True
    if notes.date is None and (date := parse_date_line(text)):
        notes.date = date
        blocks.pop()
        return True
    if is_heading(text) or _SEPARATOR.match(text):
        blocks.pop()
        return True
    if len(blocks) > 1 and last.tag in ("p", "blockquote"):
        biography = read_biography(text, known)
        if biography:
            notes.biographies.insert(0, biography)
            blocks.pop()
            return True
    return False


def _take_first_published(blocks: list[Block], notes: ClosingNotes) -> bool:
    text = blocks[-1].text
    match = _FIRST_PUBLISHED_EN.search(text) or _FIRST_PUBLISHED_RU.search(text)
    if not match:
        return False
    note = match.group("note").strip()
    name = match.group("name").strip()
    date = find_date(note)
    quoted = _QUOTED.search(name)
    if quoted:
        name = quoted.group("name")
    elif match.re is _FIRST_PUBLISHED_RU:
        name = _RU_PLACE.sub("", name)
    if date and not quoted and date.printed in name:
        name = name[: name.index(date.printed)]
        name = regex.sub(r"(?:\s(?:on|in))?[\s,]*$", "", name)
    if not name.strip(" .,:"):
        return False
    notes.original_note = note
    notes.original_name = name.strip(" .,:")
    notes.original_date = date
    _keep_before(blocks, text[: match.start()])
    return True


def _keep_before(blocks: list[Block], rest: str) -> None:
    """Replace the last block by the text before its note (or drop it when nothing is left)."""
    rest = rest.strip()
    blocks.pop()
    if rest:
        blocks.append(Block(text=rest))
