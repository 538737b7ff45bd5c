"""What a reader (plain text, Word, web page) hands on: the text as blocks, and its metadata.

A block is one paragraph, heading, quotation or list, with its words as plain text (what the
shape rules read) and, for Word and web pages, its HTML (what the body keeps: emphasis, links,
lists and quotations survive, then the body is sanitized like every other).
"""

from __future__ import annotations

import datetime
import html
from dataclasses import dataclass, field

from archive.models import DatePrecision


@dataclass
class Block:
    text: str  # the block's words, whitespace collapsed
    tag: str = "p"  # p, h2, h3, h4, blockquote, ul, ol; "h1" for a title, "standfirst"
    html: str = ""  # the block as HTML; empty for plain text (the text is escaped instead)

    def body_html(self) -> str:
        if self.html:
            return self.html
        return f"<p>{html.escape(self.text, quote=False)}</p>"


@dataclass
class Found:
    """A value the document gave, with where it was found, for the import report."""

    value: str
    where: str


@dataclass
class FoundDate:
    date: datetime.date
    precision: DatePrecision
    where: str


@dataclass
class SourceDocument:
    """A file as its reader understood it, before the essay's shape is recognised."""

    format: str  # "plain text", "Word document", "web page"
    encoding: str  # as the report names it; "" when the format has none (Word)
    blocks: list[Block]
    title: Found | None = None
    authors: list[Found] = field(default_factory=list)  # from the file's metadata
    date: FoundDate | None = None  # from the file's metadata
    publisher: Found | None = None
    url: Found | None = None
    language: str = ""
    description: str = ""  # a web page's summary; becomes the standfirst if printed first
    front_matter: dict | None = None  # YAML front matter of a text file
    notes: list[str] = field(default_factory=list)  # what the reader wants the curator to know
