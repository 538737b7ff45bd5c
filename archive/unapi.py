"""unAPI (http://unapi.info/specs/): a listing page names each essay it shows (`unapi-id`), and
this endpoint serves each one's reference, so Zotero can save a page of essays as items.

Zotero takes the first format it knows from the list: Zotero RDF, which carries every field
of the essay's own page (Extra included); RIS and BibTeX are there for other clients.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string

from archive.citation_exports import to_bibtex, to_ris, to_zotero_rdf
from archive.citations import essay_to_csl
from archive.models import Essay

# name -> (serializer, media type, documentation)
FORMATS: dict[str, tuple[Callable[[list[dict]], str], str, str]] = {
    "rdf_zotero": (to_zotero_rdf, "application/rdf+xml", "https://www.zotero.org/support/kb/rdf"),
    "ris": (
        to_ris,
        "application/x-research-info-systems",
        "https://en.wikipedia.org/wiki/RIS_(file_format)",
    ),  # noqa: E501
    "bibtex": (to_bibtex, "application/x-bibtex", "https://ctan.org/pkg/biblatex"),
}
ID_PREFIX = "essay-"


def unapi_id(essay: Essay) -> str:
    return f"{ID_PREFIX}{essay.pk}"


def unapi(request: HttpRequest) -> HttpResponse:
    """Answer the three unAPI requests: the formats, one essay's formats, one essay's record."""
    raw_id, fmt = request.GET.get("id"), request.GET.get("format")
    if raw_id is None:
        if fmt is not None:
            return HttpResponse("Give the id of an essay.", status=400, content_type="text/plain")
        return _formats(request, None, status=200)
    essay = get_object_or_404(Essay.objects.published().for_listing(), pk=_pk(raw_id))
    if fmt is None:
        return _formats(request, raw_id, status=300)  # the spec's "Multiple Choices"
    if fmt not in FORMATS:
        return HttpResponse(f"No format {fmt[:40]!r} here.", status=406, content_type="text/plain")
    serialize, media_type, _docs = FORMATS[fmt]
    body = serialize([essay_to_csl(essay)])
    return HttpResponse(body, content_type=f"{media_type}; charset=utf-8")


def _pk(raw_id: str) -> int:
    """Return the essay number an id names; 0 (no essay) for anything else."""
    number = raw_id.removeprefix(ID_PREFIX)
    if raw_id.startswith(ID_PREFIX) and number.isascii() and number.isdigit() and len(number) < 19:
        return int(number)
    return 0


def _formats(request: HttpRequest, raw_id: str | None, *, status: int) -> HttpResponse:
    formats = [(name, media_type, docs) for name, (_, media_type, docs) in FORMATS.items()]
    xml = render_to_string("archive/unapi_formats.xml", {"id": raw_id, "formats": formats})
    return HttpResponse(xml, status=status, content_type="application/xml; charset=utf-8")
