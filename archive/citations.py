"""Cite an essay: Essay -> CSL-JSON, rendered as HTML by citeproc-py in five styles.

Everything downstream consumes the dict `essay_to_csl` returns: the citation page, the page's
metadata tags (templatetags/citation_tags.py) and the BibTeX, RIS, CSL-JSON and Zotero exports
(citation_exports.py).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from functools import cache as cache_once
from pathlib import Path

import bleach
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    Locator,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from django.conf import settings
from django.utils import timezone
from django.utils.html import escape

from archive import citeproc_patches
from archive.caching import derived
from archive.models import DatePrecision, Essay

citeproc_patches.apply()

log = logging.getLogger(__name__)
CSL_DIR = Path(__file__).resolve().parent / "csl"


@dataclass(frozen=True)
class Style:
    key: str  # the CSL file's name, also used in URLs and element ids
    label: str
    locale: str  # Cite Them Right is a British manual: en-GB dates and quotation rules
    is_note: bool = False


STYLES = [
    Style(
        "chicago-notes-bibliography", "Chicago (notes and bibliography, 18th ed.)", "en-US", True
    ),
    Style("chicago-author-date", "Chicago (author-date, 18th ed.)", "en-US"),
    Style("apa", "APA (7th ed.)", "en-US"),
    Style("modern-language-association", "MLA (9th ed.)", "en-US"),
    Style("harvard-cite-them-right", "Harvard (Cite Them Right)", "en-GB"),
]

# What a reference manager is told where no field of its own can say it.
CIRCA_STATEMENT = "The date of publication is approximate."
ORIGINAL_CIRCA_STATEMENT = "The date of original publication is approximate."


# --- Essay -> CSL-JSON ------------------------------------------------------------------


def csl_date(value: datetime.date | None, precision: str) -> dict | None:
    """Return a CSL date with as many parts as are known; circa dates say so."""
    if value is None:
        return None
    precision = DatePrecision(precision)
    parts = {
        DatePrecision.DAY: [value.year, value.month, value.day],
        DatePrecision.MONTH: [value.year, value.month],
    }.get(precision, [value.year])
    date = {"date-parts": [parts]}
    if precision is DatePrecision.CIRCA:
        date["circa"] = True
    return date


def csl_name(author) -> dict:
    """Return a CSL name; a one-word name (or an organisation) stays a literal."""
    if author.given_name:
        return {"family": author.family_name, "given": author.given_name}
    return {"literal": author.name}


def essay_to_csl(
    essay: Essay, *, accessed: datetime.date | None = None, paragraph: int | None = None
) -> dict:
    """Return the essay as a CSL-JSON web page: the archive's copy, with its original publication.

    The archive's permanent URL is the URL cited (with `#p-N` when citing one paragraph), and
    the essay's source the website it belongs to (the archive itself for an essay without a
    source). The original publication is kept whole in `custom` (CSL-JSON 1.0.2's place for
    data without a variable: CSL has none for its URL), and goes in CSL's `original-*`
    variables only for a republication in a later year, the case styles print well ("(2011/
    2014)", "Originally published by ..., 2011"); for a same-year copy they would print
    "2014/2014", or "(Original work published Foreign Policy)" without a date. Whatever the
    variables cannot say is in `note`, with them, as Zotero's Extra field reads it.
    """
    url = essay.get_full_permanent_url() + (f"#p-{paragraph}" if paragraph else "")
    item = {
        "id": f"essay-{essay.pk}",
        "type": "webpage",
        "title": essay.title,
        "container-title": essay.source.name if essay.source else settings.SITE_NAME,
        "URL": url,
        "accessed": csl_date(accessed or timezone.localdate(), DatePrecision.DAY),
        "language": essay.language,
    }
    if (short := short_title(essay.title)) and short != essay.title:
        item["title-short"] = short
    if authors := essay.ordered_authors:
        item["author"] = [csl_name(author) for author in authors]
    if issued := csl_date(essay.published_on, essay.date_precision):
        item["issued"] = issued
    if essay.standfirst:
        item["abstract"] = essay.standfirst
    if original := _original_publication(essay):
        item["custom"] = original
        date = original.get("original-date")
        if issued and date and date["date-parts"][0][0] != issued["date-parts"][0][0]:
            item["original-publisher"] = original["original-publisher"]
            item["original-date"] = date
    elif essay.original_note:
        item["custom"] = {"original-note": essay.original_note}
    if note := "\n".join(extra_lines(item)):
        item["note"] = note
    return item


def _original_publication(essay: Essay) -> dict:
    if not essay.original_publication:
        return {}
    original = {"original-publisher": essay.original_publication}
    if date := csl_date(essay.original_date, essay.original_date_precision):
        original["original-date"] = date
    if essay.original_url:
        original["original-URL"] = essay.original_url
    return original


def short_title(title: str) -> str:
    """Return the title without its subtitle: up to the first colon, or the first question
    that does not end it (the rule Zotero applies to every item it saves from a page)."""
    short = title.split(":", 1)[0]
    if "?" in short[:-1]:
        short = short[: short.index("?") + 1]
    return short.strip()


def extra_lines(csl: dict) -> list[str]:
    """Return Zotero's "Extra" for `csl`: the `original-*` variables, as the lines Zotero
    passes to its styles ("Citing Fields from Extra"), then `statements(csl)`."""
    lines = []
    if publisher := csl.get("original-publisher"):
        lines.append(f"original-publisher: {publisher}")
    if date := csl.get("original-date"):
        lines.append(f"original-date: {csl_iso(date)}")
    return lines + statements(csl)


def statements(csl: dict) -> list[str]:
    """Return sentences for what the item's fields do not say (or not in every format): an
    approximate date, and the original publication beyond the `original-*` variables."""
    lines = [CIRCA_STATEMENT] if csl.get("issued", {}).get("circa") else []
    custom = csl.get("custom", {})
    if "original-publisher" not in csl:
        lines += [sentence] if (sentence := original_sentence(csl)) else []
    else:
        if csl["original-date"].get("circa"):
            lines.append(ORIGINAL_CIRCA_STATEMENT)
        if url := custom.get("original-URL"):
            lines.append(f"Originally published at {url}")
    if note := custom.get("original-note"):
        lines.append(note)
    return lines


def original_sentence(csl: dict) -> str:
    """Return "Originally published in Foreign Policy, June 2013, URL." or "" (the date left
    out when it is the essay's own)."""
    custom = csl.get("custom", {})
    if not (publisher := custom.get("original-publisher")):
        return ""
    parts = [f"Originally published in {publisher}"]
    if (date := custom.get("original-date")) and date != csl.get("issued"):
        parts.append(display_date(date))
    if url := custom.get("original-URL"):
        parts.append(url)
    return ", ".join(parts) + "."


def display_date(date: dict) -> str:
    """Return a CSL date as the archive writes one: "17 June 2013", "June 2013", "c. 2011"."""
    year, month, day = [*date["date-parts"][0], None, None][:3]
    if date.get("circa"):
        return f"c. {year}"
    month_name = datetime.date(2000, month, 1).strftime("%B") if month else ""
    return " ".join(str(part) for part in (day, month_name, year) if part)


def original_publication_note(essay: Essay) -> str:
    """Return "Originally published in Foreign Policy, June 2013, URL." or ""."""
    if not essay.original_publication:
        return essay.original_note
    parts = [f"Originally published in {essay.original_publication}"]
    if essay.original_date:
        parts.append(essay.original_date_display)
    if essay.original_url:
        parts.append(essay.original_url)
    return ", ".join(parts) + "."


def csl_year(date: dict | None) -> str:
    return str(date["date-parts"][0][0]) if date else ""


def csl_iso(date: dict | None) -> str:
    """Return a CSL date as ISO 8601 to its precision ("2013-06", "2011")."""
    if not date:
        return ""
    parts = date["date-parts"][0]
    return "-".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:])])


# --- Rendering ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedCitation:
    """A citation in one style, as the HTML the page shows (its copy buttons copy the text)."""

    style: Style
    citation_html: str  # the note (Chicago NB) or the in-text citation
    bibliography_html: str  # the bibliography / reference-list entry


@cache_once
def load_style(key: str, locale: str) -> CitationStylesStyle:
    """Parse a style (and its locales) once per process; with the fast path installed its
    lookups are memoized from then on (`freeze`), which makes a render about three times
    faster. A correction that no longer applies to the style file is logged and left out."""
    path = CSL_DIR / f"{key}.csl"
    try:
        source = citeproc_patches.corrected_style(path)
    except LookupError:
        log.exception("Style %s loaded without our corrections", key)
        source = str(path)
    style = CitationStylesStyle(source, locale=locale, validate=False)
    if citeproc_patches.installed()["fast-path"]:
        roots = {style.root, *(locale.getroottree().getroot() for locale in style.root.locales)}
        style.frozen_elements = [el for root in roots for el in citeproc_patches.freeze(root)]
    return style


# A loaded style is shared by every render in the process, and citeproc-py keeps a render's
# state on it (the formatter, the names a substitute has used): one render at a time.
_render_lock = threading.Lock()


# What citeproc must not see. None of the five styles can say where a web page first
# appeared: for `webpage` (and `article`) they print `original-publisher` as if it were this
# page's publisher (Chicago: "Valdai Discussion Club, Foreign Policy, June 17, 2013"), APA
# "(Original work published Foreign Policy)", Harvard nothing, and none has a variable for
# the original URL. So the original publication is added by `republication_sentence`.
_NOT_FOR_CITEPROC = {"note", "original-publisher", "original-date", "abstract", "custom"}


def render(csl: dict, style: Style, *, paragraph: int | None = None) -> RenderedCitation:
    """Return the citation and bibliography entry for `csl` in `style`, as HTML.

    A pinpoint (`paragraph`) goes in the note or in-text citation only; the bibliography
    entry cites the whole essay, at its URL without the paragraph anchor.
    """
    item = _escaped({k: v for k, v in csl.items() if k not in _NOT_FOR_CITEPROC})
    whole = {**item, "URL": item["URL"].split("#", 1)[0]}
    pinpoint = {"locator": Locator("paragraph", str(paragraph))} if paragraph else {}
    with _render_lock:
        out = _cite(style, item, whole, pinpoint)
    out = {key: citeproc_patches.finish(value) for key, value in out.items()}
    if sentence := republication_sentence(csl, style):
        out["bibliography"] += " " + sentence
    return RenderedCitation(
        style=style,
        citation_html=_allow_formatting_only(out["citation"]),
        bibliography_html=_allow_formatting_only(out["bibliography"]),
    )


def _cite(style: Style, item: dict, whole: dict, pinpoint: dict) -> dict[str, str]:
    """Return citeproc's citation of `item` and bibliography entry for `whole`, in HTML."""
    cited = _processor(style, item)
    citation = Citation([cite := CitationItem(item["id"], **pinpoint)])
    cited.register(citation)
    citeproc_patches.pin_reference(cite)
    note = str(cited.cite(citation, lambda _: None))
    listed = _processor(style, whole)
    listed.register(Citation([entry := CitationItem(item["id"])]))
    citeproc_patches.pin_reference(entry)
    entries = listed.bibliography()
    return {"citation": note, "bibliography": str(entries[0]) if entries else ""}


def _processor(style: Style, item: dict) -> CitationStylesBibliography:
    return CitationStylesBibliography(
        load_style(style.key, style.locale), CiteProcJSON([item]), formatter.html
    )


def _escaped(item: dict) -> dict:
    """Return `item` with its text HTML-escaped: citeproc-py's HTML formatter escapes
    nothing it reads from CSL-JSON, so a title like "</script>" would come out as markup
    (an upstream bug: tests/test_citeproc_fixes.py checks that it is still there)."""
    return {k: escape(v) if isinstance(v, str) else v for k, v in item.items()}


def _allow_formatting_only(html: str) -> str:
    """Keep the style's italics and small caps, escape anything else (defence in depth).

    What citeproc's HTML formatter writes from escaped input (balanced formatting tags,
    escaped text) is answered without bleach, which would return it unchanged but for the
    small caps' style attribute (bleach takes 0.2 ms a call, 10 calls a page); anything
    else goes through bleach."""
    if _already_clean(html):
        return html.replace(_SMALL_CAPS, "<span>")
    return bleach.clean(html, tags={"i", "b", "span", "sup", "sub"}, attributes={}, strip=False)


_SMALL_CAPS = '<span style="font-variant:small-caps;">'
_FORMATTING_TAG = re.compile(rf"</?(i|b|sup|sub)>|{re.escape(_SMALL_CAPS)}|</span>")
# Outside the tags: no markup, only the entities `escape` writes, no character an HTML
# parser would replace or normalise (controls, CR, noncharacters, lone surrogates).
_CLEAN_TEXT = re.compile(
    r"(?:[^<>&\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]"
    r"|&(?:amp|lt|gt|quot|#x27);)*"
)


def _already_clean(html: str) -> bool:
    """Return whether `html` is escaped text with balanced formatting tags only."""
    open_tags: list[str] = []
    position = 0
    for tag in _FORMATTING_TAG.finditer(html):
        if not _CLEAN_TEXT.fullmatch(html, position, tag.start()):
            return False
        name = tag.group(1) or "span"
        if not tag.group().startswith("</"):
            open_tags.append(name)
        elif not open_tags or open_tags.pop() != name:
            return False
        position = tag.end()
    return not open_tags and _CLEAN_TEXT.fullmatch(html, position) is not None


def render_all(csl: dict, *, paragraph: int | None = None) -> list[RenderedCitation]:
    """Return `csl` rendered in every style the archive offers, in display order; an empty
    list (logged) if citeproc fails, so the page still offers the downloads.

    The ten citeproc-py renders (5 styles x citation/bibliography) cost more than the rest of
    the page, so they are cached under a digest of everything they are made from: the CSL
    item (essay, authors, source, URL, access date), the pinpoint, and the style files and
    code that render it. Any change to those inputs is a new key, so nothing needs clearing.
    """
    item = json.dumps([csl, paragraph], sort_keys=True, ensure_ascii=False, default=str)
    try:
        return derived(
            "citations",
            (item,),
            lambda: [render(csl, style, paragraph=paragraph) for style in STYLES],
            marker=_renderer_version(),
        )
    except Exception:
        log.exception("Citations of %s could not be rendered", csl.get("id"))
        return []


@cache_once
def _renderer_version() -> str:
    """Return a digest of what turns CSL-JSON into HTML: a deploy that changes a style file or
    the rendering code must not serve citations rendered by the old one (shared caches)."""
    patches = Path(citeproc_patches.__file__).parent
    sources = [*sorted(CSL_DIR.glob("*.csl")), *sorted(patches.glob("*.py")), Path(__file__)]
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.read_bytes())
    digest.update(repr(STYLES).encode())
    digest.update(repr(sorted(citeproc_patches.installed().items())).encode())
    return digest.hexdigest()[:16]


# --- The original publication, added to each bibliography entry ------------------------
# A post-step, because no style renders it (see `_NOT_FOR_CITEPROC`). One sentence in every
# style, with the publication's name in italics as each style sets a periodical or site
# title, and the date as each style writes dates: Chicago and APA "June 17, 2013", MLA
# "17 Sept. 2013" (months of five letters or more abbreviated, MLA 9), Cite Them Right
# "17 June 2013". APA closes its reference with the URL and adds such notes in parentheses
# without a period, as in "(Original work published 1950)"; the others end with a period.

_MLA_MONTHS = {1: "Jan.", 2: "Feb.", 3: "Mar.", 4: "Apr.", 8: "Aug.", 9: "Sept.", 10: "Oct.",
               11: "Nov.", 12: "Dec."}  # fmt: skip
_CIRCA = {
    "chicago-notes-bibliography": "[{}?]",
    "chicago-author-date": "[{}?]",
    "apa": "ca. {}",
    "modern-language-association": "c. {}",
    "harvard-cite-them-right": "c. {}",
}


def style_date(date: dict, style: Style) -> str:
    """Return a CSL date written as `style` writes a publication date."""
    year, month, day = [*date["date-parts"][0], None, None][:3]
    if date.get("circa"):
        return _CIRCA[style.key].format(year)
    month_name = datetime.date(2000, month, 1).strftime("%B") if month else ""
    if style.key == "modern-language-association" and month:
        month_name = _MLA_MONTHS.get(month, month_name)
    if not month:
        return str(year)
    if not day:
        return f"{month_name} {year}"
    if style.locale == "en-GB" or style.key == "modern-language-association":
        return f"{day} {month_name} {year}"
    return f"{month_name} {day}, {year}"


def republication_sentence(csl: dict, style: Style) -> str:
    """Return "Originally published in <i>Foreign Policy</i>, June 2013, URL." for `style`,
    as HTML, or "" (the date left out when it is the essay's own)."""
    custom = csl.get("custom", {})
    if not (publication := custom.get("original-publisher")):
        return ""
    parts = [f"Originally published in <i>{escape(publication)}</i>"]
    if (date := custom.get("original-date")) and date != csl.get("issued"):
        parts.append(style_date(date, style))
    if url := custom.get("original-URL"):
        parts.append(escape(url))
    sentence = ", ".join(parts)
    return f"({sentence})" if style.key == "apa" else f"{sentence}."
