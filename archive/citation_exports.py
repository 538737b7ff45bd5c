"""An essay's reference in the formats reference managers read: BibTeX (biblatex), RIS,
CSL-JSON, Zotero RDF (for unAPI) and COinS, all made from the CSL item `essay_to_csl` returns.

Each format carries what it has fields for; what it has none for goes in its note field, as
sentences (`citations.statements`): a circa date in RIS, an original URL everywhere. How
Zotero files each one is in the README ("Citing and reference managers").
"""

from __future__ import annotations

import json
import re
import unicodedata
from xml.etree import ElementTree

from archive.citations import (
    ORIGINAL_CIRCA_STATEMENT,
    csl_iso,
    csl_year,
    original_sentence,
    statements,
)

# --- BibTeX (biblatex) ---------------------------------------------------------------------

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
_LANGIDS = {"en": "english", "ru": "russian"}


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


def inverted_name(name: dict) -> str:
    """Return "Family, Given", or "Name," for a name not to be split (an organisation): what
    Highwire tags and COinS readers take for a family name alone."""
    if "literal" in name:
        return f"{name['literal']},"
    return f"{name['family']}, {name['given']}"


def bibtex_name(name: dict) -> str:
    if "literal" in name:
        return "{" + bibtex_escape(name["literal"]) + "}"
    return f"{bibtex_escape(name['family'])}, {bibtex_escape(name['given'])}"


def to_bibtex(items: list[dict]) -> str:
    """Return biblatex `@online` entries for CSL items (fields also read by BibTeX tools)."""
    return "\n".join(_bibtex_entry(item) for item in items)


def _bibtex_entry(item: dict) -> str:
    site = bibtex_escape(item["container-title"])
    fields = {
        "author": " and ".join(bibtex_name(n) for n in item.get("author", [])),
        "title": bibtex_escape(item["title"]),
        "shorttitle": bibtex_escape(item.get("title-short", "")),
        "date": _edtf(item.get("issued")),
        "year": csl_year(item.get("issued")),
        # biblatex's field for who published an @online resource; Zotero's importer drops it
        # for web pages and reads the site from `journaltitle`, which biblatex's @online
        # driver does not print: the site is printed once by each.
        "organization": site,
        "journaltitle": site,
        "url": item["URL"],
        "urldate": csl_iso(item.get("accessed")),
        "language": item.get("language", ""),  # biblatex prints it; Zotero reads it
        "langid": _LANGIDS.get(item.get("language", ""), ""),  # biblatex's hyphenation
        "abstract": bibtex_escape(item.get("abstract", "")),
        "origpublisher": bibtex_escape(item.get("original-publisher", "")),
        "origdate": _edtf(item.get("original-date")),
        # Circa is in `date` for biblatex, but BibTeX readers (Zotero among them) drop "~".
        "note": bibtex_escape(" ".join(statements(item))),
    }
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
    return f"@online{{{citation_key(item)},\n{body}\n}}\n"


def _edtf(date: dict | None) -> str:
    """Return a CSL date as biblatex writes it: ISO 8601, "~" after an approximate one (EDTF)."""
    return csl_iso(date) + ("~" if date and date.get("circa") else "")


# --- RIS ----------------------------------------------------------------------------------


def to_ris(items: list[dict]) -> str:
    """Return RIS records (type ELEC, a web page) for CSL items, CRLF line ends per the spec."""
    return "".join(_ris_record(item) for item in items)


def _ris_record(item: dict) -> str:
    lines = [("TY", "ELEC"), ("ID", citation_key(item))]
    for name in item.get("author", []):
        lines.append(("AU", name.get("literal") or f"{name['family']}, {name['given']}"))
    lines += [("TI", item["title"]), ("ST", item.get("title-short", ""))]
    lines += [("T2", item["container-title"])]
    if issued := item.get("issued"):
        year, month, day = [*issued["date-parts"][0], None, None][:3]
        # RIS date: YYYY/MM/DD/other, unknown parts left empty ("2013/06//").
        month_day = "/".join(f"{part:02d}" if part else "" for part in (month, day))
        lines += [("PY", str(year)), ("DA", f"{year:04d}/{month_day}/")]
    lines += [("UR", item["URL"]), ("Y2", csl_iso(item.get("accessed")).replace("-", "/"))]
    lines += [("LA", item.get("language", "")), ("AB", item.get("abstract", ""))]
    lines += [("N1", note) for note in ris_notes(item)]
    text = "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines if value)
    return text + "ER  - \r\n\r\n"


def ris_notes(item: dict) -> list[str]:
    """Return the notes of a RIS record, which has no field for an original publication: the
    sentence that says it all ("..., c. 2009, URL."), then the other statements."""
    if not (sentence := original_sentence(item)):
        return statements(item)
    said = ("Originally published", ORIGINAL_CIRCA_STATEMENT)
    return [sentence, *(n for n in statements(item) if not n.startswith(said))]


# --- CSL-JSON ---------------------------------------------------------------------------


def to_csl_json(items: list[dict]) -> str:
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


# --- COinS (OpenURL 1.0 in a span, read by Zotero, Mendeley, Citavi...) -----------------------


def coins_title(item: dict) -> str:
    """Return the ContextObject a COinS span carries for a CSL item (Dublin Core format)."""
    pairs = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"),
        ("rft.type", "webpage"),  # Zotero takes its own item types from rft.type
        ("rft.title", item["title"]),
    ]
    # One rft.au per author, in order (Zotero puts every rft.aucorp first): "Family, Given",
    # and a name that is one whole ("Atlantic Council") as "Name," so it is not split.
    for name in item.get("author", []):
        pairs.append(("rft.au", inverted_name(name)))
    pairs += [
        ("rft.date", csl_iso(item.get("issued"))),
        ("rft.source", item["container-title"]),
        ("rft.identifier", item["URL"]),
        ("rft.description", item.get("abstract", "")),
        ("rft.language", item.get("language", "")),
    ]
    return "&".join(f"{key}={form_quote(value)}" for key, value in pairs if value)


# What `urllib.parse.quote_plus` writes for each byte, as one table: `str.translate` applies it in
# C, where quote_plus loops over the bytes in Python (most of a list page's COinS time).
_FORM_QUOTE = {b: chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "_.-~")
               else f"%{b:02X}" for b in range(256)}  # fmt: skip
_FORM_QUOTE[ord(" ")] = "+"


def form_quote(value: str) -> str:
    """Return `value` as `urllib.parse.quote_plus` does (UTF-8, percent-encoded, "+" for space)."""
    return value.encode().decode("latin-1").translate(_FORM_QUOTE)


# --- Zotero RDF (what unAPI offers Zotero first: every field of the item, Extra included) -------

_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "z": "http://www.zotero.org/namespaces/export#",
    "dcterms": "http://purl.org/dc/terms/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "bib": "http://purl.org/net/biblio#",
    "foaf": "http://xmlns.com/foaf/0.1/",
}
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
for _prefix, _uri in _NS.items():
    ElementTree.register_namespace(_prefix, _uri)


def to_zotero_rdf(items: list[dict]) -> str:
    """Return CSL items as Zotero RDF web pages, as Zotero itself exports them."""
    root = ElementTree.Element(_q("rdf:RDF"))
    for item in items:
        _zotero_document(root, item)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _zotero_document(root: ElementTree.Element, item: dict) -> None:
    doc = _sub(root, "bib:Document", **{"rdf:about": item["URL"]})
    _sub(doc, "z:itemType", "webpage")
    _sub(_sub(_sub(doc, "dcterms:isPartOf"), "z:Website"), "dc:title", item["container-title"])
    if names := item.get("author"):
        seq = _sub(_sub(doc, "bib:authors"), "rdf:Seq")
        for name in names:
            person = _sub(_sub(seq, "rdf:li"), "foaf:Person")
            _sub(person, "foaf:surname", name.get("literal") or name["family"])
            if "given" in name:
                _sub(person, "foaf:givenName", name["given"])
    _sub(doc, "dc:title", item["title"])
    if short := item.get("title-short"):
        _sub(doc, "z:shortTitle", short)
    if issued := item.get("issued"):
        _sub(doc, "dc:date", csl_iso(issued))
    _sub(_sub(_sub(doc, "dc:identifier"), "dcterms:URI"), "rdf:value", item["URL"])
    _sub(doc, "z:language", item["language"])
    if abstract := item.get("abstract"):
        _sub(doc, "dcterms:abstract", abstract)
    # Not dcterms:dateSubmitted, Zotero's own choice: its reader takes that for the date of
    # publication of an undated item.
    _sub(doc, "z:accessDate", csl_iso(item["accessed"]))
    if note := item.get("note"):
        _sub(doc, "dc:description", note)


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


def _sub(parent, name: str, text: str | None = None, **attributes: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, _q(name), {_q(k): v for k, v in attributes.items()})
    if text is not None:
        element.text = _XML_ILLEGAL.sub("", text)
    return element
