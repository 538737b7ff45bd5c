"""The citation page of an essay and the BibTeX, RIS and CSL-JSON downloads (one or many)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render

from archive import citation_exports, citations
from archive.models import Author, Essay, Source, Topic

MAX_EXPORT_IDS = 200  # a reading list, not a dump of the archive

# format -> (serializer, media type); file extensions are the format names.
EXPORTS: dict[str, tuple[Callable[[list[dict]], str], str]] = {
    "bib": (citation_exports.to_bibtex, "application/x-bibtex"),
    "ris": (citation_exports.to_ris, "application/x-research-info-systems"),
    "json": (citation_exports.to_csl_json, "application/vnd.citationstyles.csl+json"),
}


def essay_cite(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the essay cited in every style; `?para=N` cites paragraph N (a pinpoint)."""
    essay = get_object_or_404(Essay.objects.published().for_listing(), pk=pk)
    paragraph, error = _paragraph(request.GET.get("para"), essay.paragraph_count)
    csl = citations.essay_to_csl(essay, paragraph=paragraph)
    context = {
        "essay": essay,
        "paragraph": paragraph,
        "paragraph_error": error,
        "paragraph_url": csl["URL"] if paragraph else "",
        "rendered": citations.render_all(csl, paragraph=paragraph),
        "republication": citations.original_publication_note(essay),
    }
    return render(request, "archive/citation.html", context, status=400 if error else 200)


def _paragraph(raw: str | None, count: int) -> tuple[int | None, str]:
    """Return (paragraph number or None, error message) for the `para` parameter."""
    if raw is None or raw == "":
        return None, ""
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= count:  # not "²" or "٣"
        return None, f"There is no paragraph {raw[:20]!r}: this essay has paragraphs 1 to {count}."
    return int(raw), ""


def essay_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Download one essay's reference as BibTeX, RIS or CSL-JSON."""
    essay = get_object_or_404(Essay.objects.published().for_listing(), pk=pk)
    return _download([essay], fmt, f"essay-{essay.pk}")


def list_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Download the references of the published essays named by `?ids=1,2,3` (a result page)."""
    raw_ids = [part.strip() for part in request.GET.get("ids", "").split(",") if part.strip()]
    if not raw_ids or not all(part.isascii() and part.isdigit() for part in raw_ids):
        return HttpResponseBadRequest("Give ids=1,2,3: a comma-separated list of essay numbers.")
    if len(raw_ids) > MAX_EXPORT_IDS:
        return HttpResponseBadRequest(f"At most {MAX_EXPORT_IDS} essays per export.")
    # An id past the database's 64-bit range names no essay (and must not reach the query).
    ids = [pk for pk in dict.fromkeys(int(part) for part in raw_ids) if pk < 2**63]
    found = Essay.objects.for_listing().published_by_ids(ids)
    essays = [found[pk] for pk in ids if pk in found]
    if not essays:
        raise Http404("None of these essays is published here.")
    return _download(essays, fmt, "essays")


def author_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    author = get_object_or_404(Author, slug=slug)
    return _catalogue_download(Essay.objects.by_author(author), fmt, f"author-{slug}")


def source_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    source = get_object_or_404(Source, slug=slug)
    return _catalogue_download(source.essays.all(), fmt, f"source-{slug}")


def topic_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    return _catalogue_download(Essay.objects.with_topic(topic), fmt, f"topic-{slug}")


def _catalogue_download(essays, fmt: str, stem: str) -> HttpResponse:
    return _download(list(essays.published().for_listing().oldest_first()), fmt, stem)


def _download(essays: list[Essay], fmt: str, stem: str) -> HttpResponse:
    if fmt not in EXPORTS:
        raise Http404("Exports are .bib, .ris or .json.")
    serialize, media_type = EXPORTS[fmt]
    body = serialize([citations.essay_to_csl(essay) for essay in essays])
    response = HttpResponse(body, content_type=f"{media_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
