"""The search page: one GET form whose URL is the whole state (shareable, bookmarkable)."""

from __future__ import annotations

import math

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from search.facets import active_chips, build_facets
from search.forms import SearchForm
from search.querylang import read_query, user_part

PER_PAGE = 10


def search(request: HttpRequest) -> HttpResponse:
    """Show ranked results (or the newest essays for an empty query) with facets and snippets."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "search/search.html", {"form": form}, status=400)
    reading = read_query(form.cleaned_data["q"])
    sqs = form.search_queryset(reading)
    page_number = form.cleaned_data.get("page") or 1
    start = (page_number - 1) * PER_PAGE
    results = list(sqs[start : start + PER_PAGE])  # one search: page, count, facets together
    total = sqs.count()
    num_pages = max(1, math.ceil(total / PER_PAGE))
    if page_number > num_pages:
        raise Http404(f"There is no page {page_number}: this search has {num_pages}.")
    filters = form.filters()
    context = {
        "form": form,
        "query": form.cleaned_data["q"],
        "reading": reading,
        "results": results,
        "total": total,
        "page": {"number": page_number, "num_pages": num_pages},
        "facets": build_facets(sqs.facet_counts(), request.GET, filters),
        "chips": active_chips(request.GET, filters),
        "suggestion": user_part(sqs.spelling_suggestion()) if reading and total < 3 else None,
    }
    return render(request, "search/search.html", context)
