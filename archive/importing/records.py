"""The importer's records: an essay as parsed from a file, ready to be saved, and its parts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from archive.models import DatePrecision


@dataclass
class AuthorData:
    name: str
    sort_name: str = ""
    affiliation: str = ""
    url: str = ""
    biography: str = ""
    found_in: str = ""  # for the report: "sidecar", "byline", "biography", "page metadata" …


@dataclass
class SourceData:
    name: str
    url: str = ""
    disclaimer: str = ""
    found_in: str = ""


@dataclass
class PublicationData:
    """Where the essay appeared: its original publication, or a republication."""

    name: str
    url: str = ""
    date: datetime.date | None = None
    date_precision: str = DatePrecision.DAY
    note: str = ""


@dataclass
class ParsedEssay:
    """Everything one essay file says, ready to be saved (see save.save_parsed_essay)."""

    name: str
    checksum: str
    title: str
    paragraphs: list[str]  # the body's blocks as plain text
    body_html: str = ""  # the body's blocks as HTML, sanitized again on save
    standfirst: str = ""
    author_notes: str = ""
    disclaimer: str = ""
    original_note: str = ""
    original_publication: PublicationData | None = None
    republications: list[PublicationData] = field(default_factory=list)
    authors: list[AuthorData] = field(default_factory=list)
    source: SourceData | None = None
    published_on: datetime.date | None = None
    date_precision: str = DatePrecision.DAY
    url: str = ""
    topics: list[str] = field(default_factory=list)
    language: str = "en"
    status: str | None = None  # None: published when created, left alone on update
    # Which essay this is (identity.py): set by whoever reads the file, from the sidecar's id,
    # the file's path, or nothing for an upload. `legacy_key`: its key before paths counted.
    sidecar_id: str = ""
    import_key: str | None = None
    legacy_key: str = ""
    fingerprint: str = ""  # of the body's text (archive/fingerprints.py), set when saved
    text_title: str = ""  # the title line as printed, when the text has one
    # What the report tells the curator: the file's format and encoding, and where each
    # value was found ("title line", "sidecar", "page metadata (citation_title)" …).
    format: str = "plain text"
    encoding: str = ""
    found: dict[str, str] = field(default_factory=dict)
    biography_count: int = 0
    notes: list[str] = field(default_factory=list)
