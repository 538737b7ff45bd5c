"""What a saved web page says about its article: Highwire (citation_*), Dublin Core, Open
Graph and schema.org JSON-LD, read in that order of trust.

Publishers fill these tags for search engines and reference managers, so they are more
reliable than the page's visible byline; `citation_*` tags (Google Scholar's) come first
because they list authors one per tag, in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import lxml.html

from archive.importing.dates import parse_metadata_date
from archive.importing.document import Found, FoundDate
from archive.importing.names import clean_name, is_name, parse_byline

ARTICLE_TYPES = {
    "article", "newsarticle", "scholarlyarticle", "blogposting", "opinionnewsarticle",
    "analysisnewsarticle", "reportage", "report", "webpage", "creativework", "socialmediaposting",
}  # fmt: skip


@dataclass
class PageMetadata:
    title: Found | None = None
    authors: list[Found] = field(default_factory=list)
    date: FoundDate | None = None
    publisher: Found | None = None
    url: Found | None = None
    language: str = ""
    description: str = ""


def read_page_metadata(page: str) -> PageMetadata:
    """Return the article metadata of the HTML page `page`."""
    tree = lxml.html.document_fromstring(page)
    tags = _meta_tags(tree)
    article = _json_ld_article(tree)
    found = PageMetadata()
    found.title = _first(
        tags, article, ["citation_title", "dc.title", "dcterms.title", "og:title"], "headline"
    ) or _title_element(tree)
    found.authors = _authors(tags, article)
    found.date = _date(tags, article)
    found.publisher = _first(
        tags,
        article,
        ["citation_publisher", "dc.publisher", "dcterms.publisher", "og:site_name"],
        "publisher",
    )
    canonical = tree.xpath("//link[translate(@rel,'CANONIL','canonil')='canonical']/@href")
    if canonical and canonical[0].startswith(("http://", "https://")):
        found.url = Found(canonical[0].strip(), "canonical link")
    else:
        found.url = _first(tags, article, ["og:url", "citation_public_url", "dc.identifier"], "url")
    found.language = _language(tree, tags, article)
    description = _first(
        tags, article, ["og:description", "description", "dc.description"], "description"
    )
    found.description = description.value if description else ""
    if found.title and found.publisher:
        found.title.value = _without_site_name(found.title.value, found.publisher.value)
    return found


def _meta_tags(tree) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = " ".join((meta.get("content") or "").split())
        if key and content:
            tags.setdefault(key, []).append(content)
    return tags


def _json_ld_article(tree) -> dict:
    """Return the first schema.org article object in the page's JSON-LD, or {}."""
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for item in _walk(data):
            types = item.get("@type", "")
            types = types if isinstance(types, list) else [types]
            if any(str(t).casefold() in ARTICLE_TYPES for t in types) and item.get("headline"):
                return item
    return {}


def _walk(data):
    if isinstance(data, list):
        for item in data:
            yield from _walk(item)
    elif isinstance(data, dict):
        yield data
        yield from _walk(data.get("@graph", []))


def _text(value) -> str:
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else ""


def _first(tags: dict, article: dict, keys: list[str], json_key: str) -> Found | None:
    for key in keys:
        if tags.get(key):
            return Found(tags[key][0], f"page metadata ({key})")
    value = _text(article.get(json_key))
    return Found(value, f"page metadata (JSON-LD {json_key})") if value else None


def _authors(tags: dict, article: dict) -> list[Found]:
    for key in ("citation_author", "dc.creator", "dcterms.creator"):
        names = [clean_name(n) for n in tags.get(key, [])]
        if names:
            return [Found(_first_last(n), f"page metadata ({key})") for n in dict.fromkeys(names)]
    people = article.get("author") or []
    people = people if isinstance(people, list) else [people]
    names = [_text(person) for person in people]
    names = [clean_name(n) for n in names if n and is_name(clean_name(n))]
    if names:
        return [Found(n, "page metadata (JSON-LD author)") for n in dict.fromkeys(names)]
    for key in ("author", "article:author"):
        for value in tags.get(key, []):
            byline = parse_byline(value)
            if byline and not value.startswith("http"):
                return [Found(n, f"page metadata ({key})") for n in byline.names]
    return []


def _first_last(name: str) -> str:
    """Return "Doe, Jane" (Highwire's family-first form) as "Jane Doe"."""
    family, comma, given = name.partition(", ")
    return f"{given} {family}" if comma and is_name(f"{given} {family}") else name


def _date(tags: dict, article: dict) -> FoundDate | None:
    keys = [
        "citation_publication_date",
        "citation_date",
        "citation_online_date",
        "article:published_time",
        "dc.date",
        "dcterms.issued",
        "dcterms.date",
        "date",
    ]
    candidates = [(tags[key][0], f"page metadata ({key})") for key in keys if tags.get(key)]
    if article.get("datePublished"):
        candidates.insert(3, (_text(article["datePublished"]), "page metadata (JSON-LD)"))
    for value, where in candidates:
        printed = parse_metadata_date(value)
        if printed:
            return FoundDate(printed.date, printed.precision, where)
    return None


def _language(tree, tags: dict, article: dict) -> str:
    values = [tree.getroottree().getroot().get("lang", "")]
    values += [tags.get(key, [""])[0] for key in ("citation_language", "dc.language", "og:locale")]
    values.append(_text(article.get("inLanguage")))
    for value in values:
        code = value.replace("_", "-").split("-")[0].strip().lower()
        if code:
            return code
    return ""


def _title_element(tree) -> Found | None:
    title = tree.find(".//title")
    text = " ".join((title.text_content() if title is not None else "").split())
    return Found(text, "page title") if text else None


def _without_site_name(title: str, site: str) -> str:
    """Return `title` without a " | Site name" or " - Site name" suffix."""
    for separator in (" | ", " – ", " — ", " - ", " :: "):
        head, _, tail = title.rpartition(separator)
        if head and tail.casefold() == site.casefold():
            return head.strip()
    return title
