"""Read an essay file (plain text, Word or a saved web page) and its sidecar into a ParsedEssay,
without touching the database.

Each format has its reader (text_reader, docx_reader, html_reader), which hands on the text as
blocks with whatever metadata the file carries. The essay's shape is then recognised the same
way for all three: the title, what is printed under it (head.py: byline, date line,
standfirst), and the notes printed after the body (closing.py: disclaimers, "first published"
notes, biographies). Decisions, so the rules are written down once:

- The sidecar (a same-name .json file, or YAML front matter) wins over what the file says.
- Authors, when the sidecar names none: a web page's metadata, else the byline, else the
  closing biographies (in the order they name people), else a Word document's author
  property when it is a person's name. The report says which.
- Date: a web page's metadata, else a date line under the title or in the byline, else one
  at the end, else a Word document's creation date (reported as such, to be checked).
- Source: the publisher whose disclaimer ends the text (publishers are data: Sources with
  their disclaimer wordings, passed in by the caller), else a web page's publisher, matched
  to a known one by name or web address where possible.
- Language: more Cyrillic than Latin letters means "ru", unless the sidecar says otherwise.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

from archive.importing.closing import ClosingNotes, take_closing_notes
from archive.importing.document import SourceDocument
from archive.importing.docx_reader import read_docx
from archive.importing.failure import ImportFailure
from archive.importing.head import Head, fold, take_head
from archive.importing.html_reader import read_html
from archive.importing.names import fold_name
from archive.importing.publishers import Publisher, find_publisher
from archive.importing.records import (
    AuthorData,
    ParsedEssay,
    PublicationData,
    SourceData,
)
from archive.importing.sidecar import Sidecar, load_sidecar_text
from archive.importing.text_reader import read_text

__all__ = [
    "AuthorData",
    "ImportFailure",
    "ParsedEssay",
    "PublicationData",
    "SourceData",
    "detect_language",
    "load_sidecar_text",
    "parse_essay_bytes",
    "parse_essay_file",
]

# Bumped when parsing rules change, so an unchanged file is re-imported with the new rules.
PARSER_VERSION = "2"
READERS = {".docx": read_docx, ".html": read_html, ".htm": read_html}
ESSAY_SUFFIXES = (".txt", ".docx", ".html", ".htm")
REFUSED_SUFFIXES = {
    ".doc": "an old Word .doc file; save it as .docx in Word",
    ".pdf": "a PDF; copy its text into a .txt file, or save the web page as .html",
    ".rtf": "an RTF file; save it as .docx or .txt",
    ".odt": "an OpenDocument file; save it as .docx",
}


def parse_essay_file(path: Path, publishers: Sequence[Publisher] = ()) -> ParsedEssay:
    """Return the essay in the file at `path`, with its `.json` sidecar when there is one."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailure(path, f"cannot read the file ({exc.strerror or exc})") from exc
    sidecar_path = path.with_suffix(".json")
    sidecar = None
    if sidecar_path.exists() and sidecar_path != path:
        try:
            text = sidecar_path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportFailure(path, f"cannot read sidecar {sidecar_path.name}: {exc}") from exc
        sidecar = load_sidecar_text(path, text, label=f"sidecar {sidecar_path.name}")
    return parse_essay_bytes(str(path), data, sidecar, publishers=publishers)


def parse_essay_bytes(
    name: str, data: bytes, sidecar: dict | None, *, publishers: Sequence[Publisher] = ()
) -> ParsedEssay:
    """Return the essay in `data` (the bytes of a file called `name`) and its sidecar."""
    document = read_document(name, data)
    if document.front_matter is not None and sidecar is not None:
        raise ImportFailure(name, "both YAML front matter and a .json sidecar; keep only one")
    meta = Sidecar(
        name, document.front_matter if document.front_matter is not None else sidecar or {}
    )
    essay = ParsedEssay(
        name=name,
        sidecar_id=meta.text("id"),
        checksum=_checksum(data, sidecar),
        title="",
        paragraphs=[],
        format=document.format,
        encoding=document.encoding,
        notes=list(document.notes),
    )
    _take_title(essay, document, meta)
    head = take_head(document.blocks, document.description)
    _take_standfirst(essay, document, head, meta.text("standfirst"))
    sidecar_authors = meta.authors()
    known = [a.name for a in sidecar_authors] or _head_or_page_names(head, document)
    closing = take_closing_notes(document.blocks, known, list(publishers))
    if not document.blocks:
        raise ImportFailure(name, "no body: nothing is left once the notes are set apart")
    essay.paragraphs = [block.text for block in document.blocks]
    essay.body_html = "\n".join(block.body_html() for block in document.blocks)

    essay.authors = _authors(sidecar_authors, head, closing, document)
    _take_notes(essay, closing)
    _take_date(essay, meta, head, closing, document)
    _take_source(essay, meta.source(), closing, document, list(publishers))
    essay.original_publication = _merge_original(
        meta.publication("original_publication"), essay.original_publication
    )
    essay.url = meta.text("url") or (document.url.value if document.url else "")
    if essay.url:
        essay.found["url"] = "sidecar" if meta.text("url") else document.url.where
    essay.topics = meta.names("topics")
    essay.republications = meta.publications("republications")
    _take_language(essay, meta.language(), document.language)
    essay.status = meta.status()
    return essay


def read_document(name: str, data: bytes) -> SourceDocument:
    """Return the file `data` read by the reader its name's suffix calls for."""
    suffix = Path(name).suffix.lower()
    if suffix in REFUSED_SUFFIXES:
        raise ImportFailure(name, f"not importable: {REFUSED_SUFFIXES[suffix]}")
    return READERS.get(suffix, read_text)(name, data)


def detect_language(text: str) -> str:
    """Return "ru" when most letters are Cyrillic, else "en"."""
    cyrillic = len(re.findall(r"[\u0400-\u04ff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "ru" if cyrillic > latin else "en"


def _take_language(essay: ParsedEssay, from_sidecar: str, from_file: str) -> None:
    """Take the sidecar's language, else the text's letters, which a page's or document's
    language property only confirms: sites and Word templates often state one language for
    everything they hold."""
    if from_sidecar:
        essay.language, essay.found["language"] = from_sidecar, "sidecar"
        return
    essay.language = detect_language(" ".join(essay.paragraphs))
    essay.found["language"] = "the text's letters"
    if from_file == essay.language:
        essay.found["language"] += f" and the {essay.format}'s metadata"
    elif from_file:
        essay.notes.append(
            f"the {essay.format} says its language is “{from_file}”, but its letters are "
            f"{'Cyrillic' if essay.language == 'ru' else 'Latin'}"
        )


def _take_title(essay: ParsedEssay, document: SourceDocument, meta: Sidecar) -> None:
    printed = document.title.value if document.title else ""
    essay.text_title = printed if document.format == "plain text" else ""
    essay.title = meta.text("title") or printed
    if not essay.title:
        if not document.blocks:
            raise ImportFailure(essay.name, "no body: the file holds no essay text")
        what = (
            "the text has no title line"
            if document.format == "plain text"
            else (f"the {document.format} has no title")
        )
        raise ImportFailure(essay.name, f'no title: {what}; add a sidecar with "title"')
    if not document.blocks:
        raise ImportFailure(essay.name, "no body: the file holds only a title line")
    essay.found["title"] = "sidecar" if meta.text("title") else document.title.where


def _take_standfirst(
    essay: ParsedEssay, document: SourceDocument, head: Head, from_sidecar: str
) -> None:
    essay.standfirst = head.standfirst
    if head.standfirst:
        essay.found["standfirst"] = head.standfirst_where
    blocks = document.blocks
    if from_sidecar:
        essay.standfirst = from_sidecar
        essay.found["standfirst"] = "sidecar"
        if len(blocks) > 1 and fold(blocks[0].text) == fold(from_sidecar):
            del blocks[0]


def _head_or_page_names(head: Head, document: SourceDocument) -> list[str]:
    if document.format == "web page" and document.authors:
        return [found.value for found in document.authors]
    return list(head.byline.names) if head.byline else []


def _authors(
    sidecar: list[AuthorData], head: Head, closing: ClosingNotes, document: SourceDocument
) -> list[AuthorData]:
    for author in sidecar:
        author.found_in = "sidecar"
    if sidecar:
        return sidecar
    page = [AuthorData(name=f.value, found_in=f.where) for f in document.authors]
    if document.format == "web page" and page:
        return page
    if head.byline:
        return [AuthorData(name=name, found_in="byline") for name in head.byline.names]
    described: dict[str, str] = {}  # the first spelling of each person, in order
    for name in (name for bio in closing.biographies for name in bio.names):
        described.setdefault(fold_name(name), name)
    if described:
        return [AuthorData(name=name, found_in="biography") for name in described.values()]
    return page  # a Word document's author property, when it names a person


def _take_notes(essay: ParsedEssay, closing: ClosingNotes) -> None:
    essay.author_notes = "\n\n".join(bio.text for bio in closing.biographies)
    essay.biography_count = len(closing.biographies)
    essay.disclaimer = "\n\n".join(closing.disclaimers)
    if closing.publishers:
        names = " or ".join(publisher.name for publisher in closing.publishers)
        essay.found["disclaimer"] = f"the wording of {names}"
    elif closing.disclaimers:
        essay.found["disclaimer"] = "no known publisher's wording"
    if closing.original_note:
        essay.original_note = closing.original_note
        essay.original_publication = PublicationData(
            name=closing.original_name,
            note=closing.original_note,
            date=closing.original_date.date if closing.original_date else None,
            date_precision=closing.original_date.precision if closing.original_date else "day",
        )


def _take_date(
    essay: ParsedEssay, meta: Sidecar, head: Head, closing: ClosingNotes, document: SourceDocument
) -> None:
    published_on, precision = meta.date("date", "date_precision")
    if published_on or meta.text("date_precision"):
        essay.published_on, essay.date_precision = published_on, precision
        essay.found["date"] = "sidecar"
        return
    page = document.date if document.format == "web page" else None
    printed = head.date or closing.date
    if page:
        essay.published_on, essay.date_precision = page.date, page.precision
        essay.found["date"] = page.where
    elif printed:
        essay.published_on, essay.date_precision = printed.date, printed.precision
        where = head.date_where if head.date else "date line at the end"
        essay.found["date"] = f"{where} “{printed.printed}”"
    elif document.date:
        essay.published_on, essay.date_precision = document.date.date, document.date.precision
        essay.found["date"] = f"{document.date.where}: check it"


def _take_source(
    essay: ParsedEssay,
    from_sidecar: SourceData | None,
    closing: ClosingNotes,
    document: SourceDocument,
    publishers: list[Publisher],
) -> None:
    by_disclaimer = None
    if len(closing.publishers) == 1:
        publisher = closing.publishers[0]
        by_disclaimer = SourceData(publisher.name, publisher.url, publisher.disclaimer)
    elif len(closing.publishers) > 1:
        names = ", ".join(p.name for p in closing.publishers)
        essay.notes.append(f"the disclaimer is the wording of several sources ({names})")
    if from_sidecar:
        essay.source = _merge_source(from_sidecar, by_disclaimer)
        essay.found["source"] = "sidecar"
    elif by_disclaimer:
        essay.source = by_disclaimer
        essay.found["source"] = "its disclaimer"
    elif document.publisher or document.url:
        essay.source = _page_source(essay, document, publishers)


def _page_source(
    essay: ParsedEssay, document: SourceDocument, publishers: list[Publisher]
) -> SourceData | None:
    name = document.publisher.value if document.publisher else ""
    url = document.url.value if document.url else ""
    known = find_publisher(publishers, name=name, url=url)
    if known:
        how = "the publisher's name" if fold(known.name) == fold(name) else "the web address"
        essay.found["source"] = f"a known source, matched by {how} in the page"
        return SourceData(known.name, known.url, known.disclaimer)
    if name:
        essay.found["source"] = document.publisher.where
        return SourceData(name)
    return None


def _merge_source(sidecar: SourceData, known: SourceData | None) -> SourceData:
    """Return the sidecar's source, completed from a known disclaimer naming the same source."""
    if known is not None and sidecar.name == known.name:
        sidecar.url = sidecar.url or known.url
        sidecar.disclaimer = sidecar.disclaimer or known.disclaimer
    return sidecar


def _merge_original(
    sidecar: PublicationData | None, from_text: PublicationData | None
) -> PublicationData | None:
    """Return the original publication: what the sidecar says, completed by the text's note."""
    if sidecar is None:
        return from_text
    if from_text is not None:
        sidecar.name = sidecar.name or from_text.name
        sidecar.note = sidecar.note or from_text.note
    return sidecar


def _checksum(data: bytes, sidecar: dict | None) -> str:
    digest = hashlib.sha256(PARSER_VERSION.encode() + b"\0" + data)
    if sidecar is not None:
        digest.update(json.dumps(sidecar, sort_keys=True, default=str).encode())
    return digest.hexdigest()
