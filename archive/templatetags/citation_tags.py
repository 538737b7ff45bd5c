"""Page metadata for reference managers and crawlers, built from an essay's CSL-JSON, the COinS
and unAPI markers of essays in lists, and the citation download links of lists of essays.

Highwire Press tags follow Google Scholar's inclusion guidelines
(https://scholar.google.com/intl/en/scholar/inclusion.html#indexing); Zotero's
"Embedded Metadata" translator reads the same tags, Dublin Core, PRISM, Open Graph and its own
RDF vocabulary (z.*), which is how the page says "web page" and fills Zotero's Extra.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from archive import unapi
from archive.citation_exports import coins_title, inverted_name
from archive.citations import csl_date, csl_iso, essay_to_csl
from archive.models import Author, Essay, Source, Topic
from archive.site_url import site_url

register = template.Library()

# Escape what could end the <script> element or open a comment inside it; JSON stays valid
# because \u003c and friends are JSON string escapes (same table as Django's json_script).
_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                0x2028: "\\u2028", 0x2029: "\\u2029"}  # fmt: skip


def json_ld_script(data: dict) -> SafeString:
    """Return `data` as a `<script type="application/ld+json">` element no title can break."""
    text = json.dumps(data, ensure_ascii=False, indent=1).translate(_SCRIPT_SAFE)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308


def _name(csl_name: dict) -> str:
    return csl_name.get("literal") or f"{csl_name['given']} {csl_name['family']}"


def _inverted_name(csl_name: dict) -> str:
    return csl_name.get("literal") or f"{csl_name['family']}, {csl_name['given']}"


@register.simple_tag
def essay_metadata(essay: Essay) -> dict:
    """Return what essay_meta.html prints: Highwire, Dublin Core, PRISM, Zotero, Open Graph and
    JSON-LD, all saying what the citation exports say (one CSL item)."""
    csl = essay_to_csl(essay)
    canonical = site_url() + essay.get_absolute_url()
    published = csl_iso(csl.get("issued"))
    authors = csl.get("author", [])
    return {
        "csl": csl,
        "canonical": canonical,
        "permanent": csl["URL"],
        "website": csl["container-title"],
        "authors": [_name(n) for n in authors],
        "inverted_authors": [_inverted_name(n) for n in authors],
        "highwire_authors": [inverted_name(n) for n in authors],
        "published_iso": published,
        "published_highwire": published.replace("-", "/"),
        "json_ld": json_ld_script(_json_ld(essay, csl, canonical, published)),
    }


def _json_ld(essay: Essay, csl: dict, canonical: str, published: str) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "@id": csl["URL"],
        "headline": csl["title"],
        "name": csl["title"],
        "url": canonical,
        "mainEntityOfPage": canonical,
        "inLanguage": csl["language"],
        "isPartOf": {"@type": "WebSite", "name": csl["container-title"]},
        "author": [_person(n) for n in csl.get("author", [])],
    }
    if published:
        data["datePublished"] = published
    if essay.source:
        data["publisher"] = {"@type": "Organization", "name": essay.source.name}
    if csl.get("abstract"):
        data["abstract"] = csl["abstract"]
    if original := _original(essay, csl):
        data["isBasedOn"] = original
        if essay.original_url:
            data["sameAs"] = essay.original_url
    return data


def _person(csl_name: dict) -> dict:
    if "literal" in csl_name:
        return {"@type": "Person", "name": csl_name["literal"]}
    return {
        "@type": "Person",
        "name": _name(csl_name),
        "givenName": csl_name["given"],
        "familyName": csl_name["family"],
    }


def _original(essay: Essay, csl: dict) -> dict | None:
    if not (essay.original_publication or essay.original_url):
        return None
    original = {"@type": "CreativeWork", "name": csl["title"]}
    if essay.original_publication:
        original["publisher"] = {"@type": "Organization", "name": essay.original_publication}
    if essay.original_url:
        original["url"] = essay.original_url
    if date := csl_iso(csl_date(essay.original_date, essay.original_date_precision)):
        original["datePublished"] = date
    return original


# format, link text: the downloads offered wherever a list of essays is shown
_DOWNLOADS = [("bib", "BibTeX"), ("ris", "RIS"), ("json", "CSL-JSON")]


@register.inclusion_tag("archive/includes/citation_downloads.html")
def citation_downloads(target) -> dict:
    """Return download links for a reading list: an author, source or topic (all its
    published essays), or a page of essays or search results (the essays shown)."""
    if isinstance(target, Author | Source | Topic):
        name = f"archive:{target._meta.model_name}_export"
        links = [(reverse(name, args=[target.slug, fmt]), label) for fmt, label in _DOWNLOADS]
    else:
        ids = ",".join(str(item.pk) for item in target if item.pk)
        query = "?" + urlencode({"ids": ids}, safe=",")
        links = [(reverse("archive:list_export", args=[fmt]) + query, label)
                 for fmt, label in _DOWNLOADS] if ids else []  # fmt: skip
    return {"links": links}


@register.simple_tag
def coins(essay: Essay) -> str:
    """Return the COinS ContextObject of an essay (for includes/coins.html)."""
    return coins_title(essay_to_csl(essay))


@register.simple_tag
def unapi_id(essay: Essay) -> str:
    return unapi.unapi_id(essay)
