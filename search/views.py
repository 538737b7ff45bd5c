"""The search page: one GET form whose URL is the whole state (shareable, bookmarkable)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from django.core.paginator import EmptyPage, Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from haystack import connections

from archive.models import Essay
from search.facets import active_chips, build_facets
from search.forms import SearchForm
from search.querylang import Reading, read_query, user_part

PER_PAGE = 10
CACHE_SIZE = 512  # result pages kept per process

_cache: OrderedDict[tuple, dict] = OrderedDict()
_cache_lock = Lock()


def index_generation() -> object | None:
    """Return the search index's generation if the backend tells it (None: don't cache)."""
    generation = getattr(connections["default"].get_backend(), "generation", None)
    return generation() if generation is not None else None


def cached_search(form: SearchForm, reading: Reading, page_number: int) -> dict:
    """Return one page of results with its count, facet counts and spelling suggestion.

    Cached per process, keyed by the normalised query, the filters, sort and page, and the
    index generation: any commit to the index makes a new key, so a cached page is never
    staler than the index (a page back, a facet toggled back, a shared link: no search).
    """
    generation = index_generation()
    # The typed query and page are in the key as read (`reading`, `page_number`), so that
    # queries written differently but read alike share a page.
    options = sorted((k, str(v)) for k, v in form.cleaned_data.items() if k not in ("q", "page"))
    key = (reading.query, tuple(options), page_number, generation)
    if generation is not None:
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
    sqs = form.search_queryset(reading)
    start = (page_number - 1) * PER_PAGE
    found = {
        "results": list(sqs[start : start + PER_PAGE]),  # one search: page, count, facets
        "total": sqs.count(),
        "facet_counts": sqs.facet_counts(),
        "suggestion": sqs.spelling_suggestion() if reading else None,
    }
    if generation is not None:
        with _cache_lock:
            _cache[key] = found
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return found


@dataclass(frozen=True)
class Hit:
    """A result as the page shows it: the essay (for the shared essay card) and its snippet."""

    essay: Essay
    snippet: str


def hits_of(results: list) -> list[Hit]:
    """Return the results' essays with their snippets, in rank order, in one batch of queries
    (an essay unpublished since the index last heard of it is left out)."""
    essays = Essay.objects.for_listing().published_by_ids(int(r.pk) for r in results)
    return [
        Hit(essays[int(r.pk)], ((r.highlighted or {}).get("text") or [""])[0])
        for r in results
        if int(r.pk) in essays
    ]


def result_page(total: int, number: int) -> Page:
    """Return page `number` of `total` results (what the shared pagination partial reads)."""
    paginator = Paginator(range(total), PER_PAGE)
    try:
        return paginator.page(number)
    except EmptyPage:
        pages = paginator.num_pages
        raise Http404(f"There is no page {number}: this search has {pages}.") from None


def search(request: HttpRequest) -> HttpResponse:
    """Show ranked results (or the newest essays for an empty query) with facets and snippets."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "search/search.html", {"form": form}, status=400)
    reading = read_query(form.cleaned_data["q"])
    page_number = form.cleaned_data.get("page") or 1
    found = cached_search(form, reading, page_number)
    results, total = found["results"], found["total"]
    page_obj = result_page(total, page_number)
    filters = form.filters()
    facets = build_facets(found["facet_counts"], request.GET, filters)
    context = {
        "form": form,
        "query": form.cleaned_data["q"],
        "reading": reading,
        "results": results,
        "hits": hits_of(results),
        "total": total,
        "page_obj": page_obj,
        "facets": facets,
        "chips": active_chips(request.GET, filters, facets),
        "suggestion": user_part(found["suggestion"]) if reading and total < 3 else None,
    }
    return render(request, "search/search.html", context)
