"""The search page: one GET form whose URL is the whole state (shareable, bookmarkable)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.paginator import EmptyPage, Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString

from archive.caching import derived
from archive.models import Essay
from search import keeper
from search.backends.base import archive_backend, describe_features
from search.facets import active_chips, build_facets
from search.forms import SearchForm
from search.indexing import Lag, index_lag
from search.querylang import Reading, read_query, user_part

log = logging.getLogger(__name__)

PER_PAGE = 10
RETRY_AFTER = 30  # seconds a reader is asked to wait while search is repaired


@dataclass(frozen=True)
class Hit:
    """One search result: the essay as the database has it now, and where the query matched."""

    essay: Essay
    snippet: SafeString | None
    score: float

    @property
    def pk(self) -> int:
        return self.essay.pk


def cached_search(
    form: SearchForm, reading: Reading, page_number: int, hidden: frozenset[int]
) -> dict:
    """Return the index's answer for one page: essay ids in order, snippets, the count, facet
    counts and a spelling suggestion.

    Cached (archive/caching.py) under the normalised query, the filters, sort and page and the
    essays left out, until the index changes (its generation): a cached page is never staler
    than the index. The page's essays (as their cards show them) are read with the answer, and
    whether each is still published is asked on every request (`page_hits`).
    """
    backend = archive_backend()
    generation = backend.generation()
    options = sorted((k, str(v)) for k, v in form.cleaned_data.items() if k not in ("q", "page"))

    def answer() -> dict:
        sqs = form.search_queryset(reading, exclude=hidden)
        start = (page_number - 1) * PER_PAGE
        results = list(sqs[start : start + PER_PAGE])  # one search: page, count, facets
        ids = [int(r.pk) for r in results]
        return {
            "ids": ids,
            "essays": Essay.objects.for_cards().in_bulk(ids),
            "snippets": {int(r.pk): _snippet(r) for r in results},
            "scores": {int(r.pk): r.score for r in results},
            "total": sqs.count(),
            "facet_counts": sqs.facet_counts() if "facets" in backend.features else {},
            "suggestion": sqs.spelling_suggestion() if reading else None,
            # What the engine says besides the results (search/backends/whoosh.py): prefixes
            # the bound cut, essays with all the words, some-words results, the suggestion's
            # count. Engines that say nothing leave it empty.
            "notices": dict(getattr(sqs.query, "notices", None) or {}),
        }

    if generation is None:  # an engine that cannot tell when it changed: no cache
        return answer()
    parts = (reading.query, options, page_number, sorted(hidden))
    return derived("search-page", parts, answer, marker=generation)


def _snippet(result) -> SafeString | None:
    highlighted = getattr(result, "highlighted", None) or {}
    snippets = highlighted.get("text") if isinstance(highlighted, dict) else None
    return snippets[0] if snippets else None


def page_hits(found: dict) -> list[Hit]:
    """Return the page's essays that are published now, in the index's order: one query, by
    primary key, whatever the index or the cache say (withdrawn means withdrawn)."""
    status = dict(Essay.objects.filter(pk__in=found["ids"]).values_list("pk", "status"))
    essays = found["essays"]
    return [
        Hit(essays[pk], found["snippets"].get(pk), found["scores"].get(pk, 0.0))
        for pk in found["ids"]
        if status.get(pk) == Essay.Status.PUBLISHED and pk in essays
    ]


def result_page(total: int, number: int) -> Page:
    """Return page `number` of `total` results (what the shared pagination partial reads)."""
    paginator = Paginator(range(total), PER_PAGE)
    try:
        return paginator.page(number)
    except EmptyPage:
        pages = paginator.num_pages
        raise Http404(f"There is no page {number}: this search has {pages}.") from None


@dataclass(frozen=True)
class Spelling:
    """The engine's "did you mean": the corrected query, in the search box's syntax, and how
    many essays it finds (the engine offers it only when that is more than as typed)."""

    text: str | None = None
    hits: int = 0
    typed_hits: int | None = None  # essays with all the words as typed
    applied: bool = False  # the page shows the correction's results

    @classmethod
    def of(cls, found: dict, reading: Reading) -> Spelling:
        notices = found.get("notices", {})
        text = user_part(found["suggestion"]) if reading else None
        hits = notices.get("suggestion_hits", 0)
        if not text or text == reading.query:
            return cls(typed_hits=notices.get("all_words"))
        return cls(text, hits, notices.get("all_words"))

    @property
    def reading(self) -> Reading:
        return read_query(self.text or "")

    def corrects(self, form: SearchForm) -> bool:
        """Whether to show the correction's results instead: nothing has all the words as
        typed, the correction finds some, and the reader did not ask for the words as typed."""
        return bool(
            self.text and self.hits and self.typed_hits == 0 and not form.cleaned_data["as_typed"]
        )

    def applied_to(self) -> Spelling:
        return Spelling(self.text, self.hits, self.typed_hits, applied=True)

    @staticmethod
    def url(request: HttpRequest, q: str, *, as_typed: bool = False) -> str:
        """Return this search's URL with the query `q` (filters kept, first page)."""
        params = request.GET.copy()
        params["q"] = q
        params.pop("page", None)
        params.pop("as_typed", None)
        if as_typed:
            params["as_typed"] = "1"
        return "?" + params.urlencode()


def search(request: HttpRequest) -> HttpResponse:
    """Show ranked results (or the newest essays for an empty query) with facets and snippets."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "search/search.html", {"form": form}, status=400)
    reading = read_query(form.cleaned_data["q"])
    page_number = form.cleaned_data.get("page") or 1
    try:
        lag = index_lag()
        found = cached_search(form, reading, page_number, lag.withdrawn)
        spelling = Spelling.of(found, reading)
        if spelling.corrects(form):
            # Nothing has all the words as typed, the correction has: show its results.
            found = cached_search(form, spelling.reading, page_number, lag.withdrawn)
            spelling = spelling.applied_to()
    except Exception:  # a damaged or missing index: say so; the keeper repairs it
        log.error("Search failed; asking the index keeper to check the index", exc_info=True)
        keeper.request_check()
        return unavailable(request, form)
    notices = found.get("notices", {})
    total = found["total"]
    page_obj = result_page(total, page_number)
    hits = page_hits(found)
    if len(hits) < len(found["ids"]) and not lag:  # the index holds essays withdrawn around
        lag = Lag(len(found["ids"]) - len(hits), None)  # the queue: say the counts are behind
    filters = form.filters()
    facets = build_facets(found["facet_counts"], request.GET, filters)
    context = {
        "form": form,
        "query": form.cleaned_data["q"],
        "reading": reading,
        "hits": hits,
        "total": total,
        "page_obj": page_obj,
        "facets": facets,
        "chips": active_chips(request.GET, filters, facets),
        "spelling": spelling,
        "suggestion_url": spelling.url(request, spelling.text) if spelling.text else "",
        "as_typed_url": spelling.url(request, form.cleaned_data["q"], as_typed=True),
        "all_words": notices.get("all_words"),
        "some_words": notices.get("some_words", False),
        "prefixes_cut": notices.get("prefixes_cut", []),
        "prefix_limit": notices.get("prefix_limit"),
        "behind": lag,
        "missing_features": describe_features(archive_backend().features),
    }
    return render(request, "search/search.html", context)


def unavailable(request: HttpRequest, form: SearchForm) -> HttpResponse:
    """A 503 page that says search is being repaired, with when to come back."""
    try:
        rebuilding = archive_backend().rebuilding()
    except Exception:
        rebuilding = False
    context = {"form": form, "query": form.cleaned_data.get("q", ""), "rebuilding": rebuilding}
    response = render(request, "search/unavailable.html", context, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response
