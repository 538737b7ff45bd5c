"""Cite an essay: Essay -> CSL-JSON, rendered by citeproc-py in five styles, and exported as
BibTeX, RIS and CSL-JSON. Everything downstream consumes the dict `essay_to_csl` returns."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import cache as cache_once
from functools import cached_property
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
from django.core.cache import cache
from django.utils import timezone
from django.utils.html import escape

from archive import citeproc_patches
from archive.models import DatePrecision, Essay

citeproc_patches.apply()

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
    """Return the essay as a CSL-JSON item: the archive's copy, with its original publication.

    The archive's permanent URL is the URL cited (with `#p-N` when citing one paragraph);
    the original publication goes in CSL's `original-*` variables and in `note`; its URL,
    for which CSL has no variable, also goes in `custom` (CSL-JSON 1.0.2's place for data
    without a variable of its own).
    """
    url = essay.get_full_permanent_url() + (f"#p-{paragraph}" if paragraph else "")
    item = {
        "id": f"essay-{essay.pk}",
        "type": "webpage",
        "title": essay.title,
        "URL": url,
        "accessed": csl_date(accessed or timezone.localdate(), DatePrecision.DAY),
        "language": essay.language,
    }
    if authors := essay.ordered_authors:
        item["author"] = [csl_name(author) for author in authors]
    if issued := csl_date(essay.published_on, essay.date_precision):
        item["issued"] = issued
    if essay.source:
        item["container-title"] = essay.source.name
        item["publisher"] = essay.source.name
    if essay.standfirst:
        item["abstract"] = essay.standfirst
    if essay.original_publication:
        item["original-publisher"] = essay.original_publication
        if original := csl_date(essay.original_date, essay.original_date_precision):
            item["original-date"] = original
        if essay.original_url:
            item["custom"] = {"original-URL": essay.original_url}
    if note := original_publication_note(essay):
        item["note"] = note
    return item


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


# --- Rendering ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedCitation:
    """A citation in one style, as HTML (what the page shows) and as plain text.

    The text is rendered by citeproc's plain formatter on first use only: the page shows the
    HTML (its copy buttons copy the element's text), so a first visit pays for 10 renders,
    not 20. The text is not derived from the HTML, because citeproc-py's HTML output is not
    the plain one with tags: "<i>U.S.</i>." keeps the period the plain "U.S." drops.
    """

    style: Style
    citation_html: str  # the note (Chicago NB) or the in-text citation
    bibliography_html: str  # the bibliography / reference-list entry
    csl: dict = field(repr=False, compare=False)
    paragraph: int | None = None

    @cached_property
    def _text(self) -> dict[str, str]:
        return _render_format(self.csl, self.style, self.paragraph, "text")

    @property
    def citation_text(self) -> str:
        return self._text["citation"]

    @property
    def bibliography_text(self) -> str:
        return self._text["bibliography"]


@cache_once
def load_style(key: str, locale: str) -> CitationStylesStyle:
    """Parse a style (and its locales) once per process; its lookups are memoized from then
    on (`citeproc_patches.freeze`), which makes a render about three times faster."""
    source = citeproc_patches.corrected_style(CSL_DIR / f"{key}.csl")
    style = CitationStylesStyle(source, locale=locale, validate=False)
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
_NOT_FOR_CITEPROC = {
    "note", "original-publisher", "original-date", "publisher", "abstract", "custom"
}  # fmt: skip


def render(csl: dict, style: Style, *, paragraph: int | None = None) -> RenderedCitation:
    """Return the citation and bibliography entry for `csl` in `style`, as HTML and text.

    A pinpoint (`paragraph`) goes in the note or in-text citation only; the bibliography
    entry cites the whole essay, at its URL without the paragraph anchor.
    """
    html = _render_format(csl, style, paragraph, "html")
    return RenderedCitation(
        style=style,
        citation_html=_allow_formatting_only(html["citation"]),
        bibliography_html=_allow_formatting_only(html["bibliography"]),
        csl=csl,
        paragraph=paragraph,
    )


def _render_format(csl: dict, style: Style, paragraph: int | None, name: str) -> dict[str, str]:
    """Return {"citation": ..., "bibliography": ...} for `csl` in `style`, as "html" or "text"."""
    html = name == "html"
    prepare, fmt = (_escaped, formatter.html) if html else (dict, formatter.plain)
    item = {k: v for k, v in csl.items() if k not in _NOT_FOR_CITEPROC}
    item, whole = prepare(item), prepare({**item, "URL": item["URL"].split("#", 1)[0]})
    pinpoint = {"locator": Locator("paragraph", str(paragraph))} if paragraph else {}
    with _render_lock:
        out = _cite(style, item, whole, pinpoint, fmt)
    out = {key: citeproc_patches.finish(value) for key, value in out.items()}
    if sentence := republication_sentence(csl, style, html=html):
        out["bibliography"] += " " + sentence
    return out


def _cite(style: Style, item: dict, whole: dict, pinpoint: dict, fmt) -> dict[str, str]:
    """Return citeproc's citation of `item` and bibliography entry for `whole` in `fmt`."""
    cited = _processor(style, item, fmt)
    citation = Citation([cite := CitationItem(item["id"], **pinpoint)])
    cited.register(citation)
    citeproc_patches.pin_reference(cite)
    note = str(cited.cite(citation, lambda _: None))
    listed = _processor(style, whole, fmt)
    listed.register(Citation([entry := CitationItem(item["id"])]))
    citeproc_patches.pin_reference(entry)
    entries = listed.bibliography()
    return {"citation": note, "bibliography": str(entries[0]) if entries else ""}


def _processor(style: Style, item: dict, fmt) -> CitationStylesBibliography:
    return CitationStylesBibliography(
        load_style(style.key, style.locale), CiteProcJSON([item]), fmt
    )


def _escaped(item: dict) -> dict:
    """Return `item` with its text HTML-escaped: citeproc-py's HTML formatter escapes
    nothing it reads from CSL-JSON, so a title like "</script>" would come out as markup."""
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
    """Return `csl` rendered in every style the archive offers, in display order.

    The ten citeproc-py renders (5 styles x citation/bibliography, in HTML) cost more than
    the rest of the page, so they are cached under a digest of everything they are made
    from: the CSL item (essay, authors, source, URL, access date), the pinpoint, and the
    style files and code that render it. Any change to those inputs is a new key, so
    nothing needs clearing.
    """
    key = _render_key(csl, paragraph)
    if (rendered := cache.get(key)) is None:
        rendered = [render(csl, style, paragraph=paragraph) for style in STYLES]
        cache.set(key, rendered, RENDER_CACHE_SECONDS)
    return rendered


RENDER_CACHE_SECONDS = 2 * 24 * 3600  # the access date in the item moves the key daily anyway


def _render_key(csl: dict, paragraph: int | None) -> str:
    item = json.dumps([csl, paragraph], sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(f"{_renderer_version()}\n{item}".encode()).hexdigest()
    return f"citations:{digest}"


@cache_once
def _renderer_version() -> str:
    """Return a digest of what turns CSL-JSON into text: a deploy that changes a style file
    or the rendering code must not serve citations rendered by the old one (shared caches)."""
    sources = [*sorted(CSL_DIR.glob("*.csl")), Path(citeproc_patches.__file__), Path(__file__)]
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.read_bytes())
    digest.update(repr(STYLES).encode())
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


def republication_sentence(csl: dict, style: Style, *, html: bool) -> str:
    """Return "Originally published in *Foreign Policy*, June 2013, URL." for `style`, or ""."""
    publication = csl.get("original-publisher")
    if not publication:
        return ""
    name = f"<i>{escape(publication)}</i>" if html else publication
    parts = [f"Originally published in {name}"]
    if date := csl.get("original-date"):
        parts.append(style_date(date, style))
    if url := csl.get("custom", {}).get("original-URL"):
        parts.append(escape(url) if html else url)
    sentence = ", ".join(parts)
    return f"({sentence})" if style.key == "apa" else f"{sentence}."


# --- BibTeX -------------------------------------------------------------------------------

_BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_ESCAPE = re.compile("|".join(re.escape(c) for c in _BIBTEX_SPECIALS))


def bibtex_escape(value: str) -> str:
    """Return `value` safe inside a braced BibTeX field (UTF-8 kept, as biber reads it)."""
    return _BIBTEX_ESCAPE.sub(lambda m: _BIBTEX_SPECIALS[m.group()], " ".join(value.split()))


def citation_key(csl: dict) -> str:
    """Return a key that stays the same for an essay: first author's family name, year, id."""
    names = csl.get("author") or [{}]
    family = names[0].get("family") or names[0].get("literal") or "anon"
    ascii_family = unicodedata.normalize("NFKD", family).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z]", "", ascii_family.lower()) or "anon"
    year = csl_year(csl.get("issued")) or "nd"
    return f"{stem}{year}-{csl['id']}"


def csl_year(date: dict | None) -> str:
    return str(date["date-parts"][0][0]) if date else ""


def csl_iso(date: dict | None) -> str:
    """Return a CSL date as ISO 8601 to its precision ("2013-06", "2011")."""
    if not date:
        return ""
    parts = date["date-parts"][0]
    return "-".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:])])


def bibtex_name(name: dict) -> str:
    if "literal" in name:
        return "{" + bibtex_escape(name["literal"]) + "}"
    return f"{bibtex_escape(name['family'])}, {bibtex_escape(name['given'])}"


def to_bibtex(items: list[dict]) -> str:
    """Return biblatex `@online` entries for CSL items (fields also read by BibTeX tools)."""
    return "\n".join(_bibtex_entry(item) for item in items)


def _bibtex_entry(item: dict) -> str:
    fields = {
        "author": " and ".join(bibtex_name(n) for n in item.get("author", [])),
        "title": bibtex_escape(item["title"]),
        "date": csl_iso(item.get("issued")),
        "year": csl_year(item.get("issued")),
        "organization": bibtex_escape(item.get("container-title", "")),
        "url": item["URL"],
        "urldate": csl_iso(item.get("accessed")),
        "langid": {"en": "english", "ru": "russian"}.get(item.get("language", ""), ""),
        "abstract": bibtex_escape(item.get("abstract", "")),
        "note": bibtex_escape(item.get("note", "")),
    }
    if item.get("issued", {}).get("circa"):
        fields["date"] += "~"  # biblatex's EDTF marker for an approximate date
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
    return f"@online{{{citation_key(item)},\n{body}\n}}\n"


# --- RIS ----------------------------------------------------------------------------------


def to_ris(items: list[dict]) -> str:
    """Return RIS records (type ELEC, a web page) for CSL items, CRLF line ends per the spec."""
    return "".join(_ris_record(item) for item in items)


def _ris_record(item: dict) -> str:
    lines = [("TY", "ELEC"), ("ID", citation_key(item))]
    for name in item.get("author", []):
        lines.append(("AU", name.get("literal") or f"{name['family']}, {name['given']}"))
    lines.append(("TI", item["title"]))
    if item.get("container-title"):
        lines += [("T2", item["container-title"]), ("PB", item["container-title"])]
    if issued := item.get("issued"):
        year, month, day = [*issued["date-parts"][0], None, None][:3]
        # RIS date: YYYY/MM/DD/other, unknown parts left empty ("2013/06//").
        month_day = "/".join(f"{part:02d}" if part else "" for part in (month, day))
        lines += [("PY", str(year)), ("DA", f"{year:04d}/{month_day}/")]
    lines += [("UR", item["URL"]), ("Y2", csl_iso(item.get("accessed")).replace("-", "/"))]
    lines += [("LA", item.get("language", "")), ("AB", item.get("abstract", ""))]
    lines += [("N1", item.get("note", ""))]
    text = "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines if value)
    return text + "ER  - \r\n\r\n"
