"""What is printed between an essay's title and its first paragraph.

A byline ("By Jane Doe and John Roe", "Автор: …"), a date line ("June 17, 2013", "17 июня
2013 г."), both in one line ("By Jane Doe | June 17, 2013"), and the standfirst: a lead
paragraph printed twice (once as the standfirst, once as the first paragraph), a Word
"Subtitle", or a web page's description printed as the first paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.importing.dates import PrintedDate, parse_date_line
from archive.importing.document import Block
from archive.importing.names import Byline, parse_byline

HEAD_LINES = 3  # a byline and a date come within the first lines, or not at all
MAX_HEAD_LINE = 250


@dataclass
class Head:
    byline: Byline | None = None
    date: PrintedDate | None = None
    date_where: str = ""
    standfirst: str = ""
    standfirst_where: str = ""


def take_head(blocks: list[Block], description: str = "") -> Head:
    """Remove the byline, date line and standfirst from the start of `blocks`; return them."""
    head = Head()
    for _ in range(HEAD_LINES + 1):
        if len(blocks) < 2:
            break
        if blocks[0].tag == "standfirst" and not head.standfirst:
            head.standfirst, head.standfirst_where = blocks.pop(0).text, "Word “Subtitle” style"
        elif blocks[0].tag not in ("p", "h4") or not _take_line(blocks, head):
            break
    if not head.standfirst:
        _take_standfirst(blocks, head, description)
    return head


def _take_line(blocks: list[Block], head: Head) -> bool:
    text = blocks[0].text
    if len(text) > MAX_HEAD_LINE:
        return False
    if head.date is None and (date := parse_date_line(text)):
        head.date, head.date_where = date, "date line"
    elif head.byline is None and (byline := parse_byline(text)):
        head.byline = byline
        if byline.date and head.date is None:
            head.date, head.date_where = byline.date, "byline"
    else:
        return False
    blocks.pop(0)
    return True


def fold(text: str) -> str:
    """Return `text` with typographic quotes made ASCII and whitespace collapsed, for matching."""
    table = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "«": '"', "»": '"'})
    return " ".join(text.translate(table).split()).casefold()


def _take_standfirst(blocks: list[Block], head: Head, description: str) -> None:
    if len(blocks) > 2 and fold(blocks[0].text) == fold(blocks[1].text):
        head.standfirst, head.standfirst_where = blocks[0].text, "printed twice"
        del blocks[:2]
    elif description and len(blocks) > 1 and _same(blocks[0].text, description):
        head.standfirst, head.standfirst_where = blocks.pop(0).text, "the page's description"


def _same(paragraph: str, description: str) -> bool:
    ends = re.compile(r"[\s.…]+$")
    return ends.sub("", fold(paragraph)) == ends.sub("", fold(description))
