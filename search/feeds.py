"""The feed for any search: subscribe to a query and its filters, hear of new matching essays."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from archive.feeds import FEED_LENGTH, EssayFeed, RssFormat
from archive.models import Essay
from search import keeper
from search.forms import SearchForm
from search.indexing import index_lag
from search.querylang import read_query

log = logging.getLogger(__name__)


class SearchFailed(Exception):
    """The index could not answer the feed's search."""


@dataclass(frozen=True)
class SavedSearch:
    """A search as the feed sees it: the validated form, the search as a query string (see
    SearchForm.query_string) and the feed's own path (Atom or RSS)."""

    form: SearchForm
    query_string: str
    feed_path: str

    def with_query(self, path: str) -> str:
        """Return `path` followed by this search's query string, if it has one."""
        return f"{path}?{self.query_string}" if self.query_string else path

    @property
    def label(self) -> str:
        """Return what was searched: "nuclear deterrence, source: valdai-discussion-club"."""
        data = self.form.cleaned_data
        parts = [data["q"]] if data["q"] else []
        for name, values in self.form.filters().items():
            parts += [f"{name}: {value}" for value in values]
        if data.get("year_from") or data.get("year_to"):
            parts.append(f"years: {data.get('year_from') or ''}–{data.get('year_to') or ''}")
        return ", ".join(parts) or "all essays"


class SearchFeed(EssayFeed):
    """The newest essays matching a search, found through the search page's own form and query.

    The same URL parameters as the search page; the order is always newest first (a feed
    announces what is new), and page/sort are ignored. The feed names itself (rel="self", and
    its id) by its path and the search, so a subscription made from a feed reader keeps the
    query and filters (RFC 4287, 4.2.7.2 and 4.2.6).
    """

    def get_object(self, request: HttpRequest) -> SavedSearch:
        params = request.GET.copy()
        params.pop("page", None)
        params["sort"] = "newest"
        form = SearchForm(params)
        if not form.is_valid():
            errors = "; ".join(e for errors in form.errors.values() for e in errors)
            raise BadRequest(f"This search cannot be followed: {errors}")
        return SavedSearch(form=form, query_string=form.query_string(), feed_path=request.path)

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().__call__(request, *args, **kwargs)
        except SearchFailed:
            log.error("Search feed failed; asking the index keeper to check", exc_info=True)
            keeper.request_check()
            response = HttpResponse(
                "Search is being repaired; please try again in a minute.\n",
                content_type="text/plain; charset=utf-8",
                status=503,
            )
            response["Retry-After"] = "30"
            return response

    def items(self, search: SavedSearch) -> list[Essay]:
        reading = read_query(search.form.cleaned_data["q"])
        try:
            matches = search.form.matches(reading, index_lag().withdrawn)
            pks = [int(result.pk) for result in matches[:FEED_LENGTH]]
        except Exception as exc:
            raise SearchFailed(str(exc)) from exc
        # One batched query for the entries, published ones only, whatever the index says.
        essays = Essay.objects.for_listing().published_by_ids(pks)
        return [essays[pk] for pk in pks if pk in essays]

    def title(self, search: SavedSearch) -> str:
        return f"{settings.SITE_NAME}: search for {search.label}"

    def description(self, search: SavedSearch) -> str:
        return f"The newest essays in the archive matching {search.label}."

    subtitle = description

    def link(self, search: SavedSearch) -> str:
        return search.with_query(reverse("search:search"))

    def feed_url(self, search: SavedSearch) -> str:
        return search.with_query(search.feed_path)

    def feed_guid(self, search: SavedSearch) -> str:
        # Like the entries' ids, on SITE_URL: the same whatever host served the feed.
        return settings.SITE_URL + search.with_query(search.feed_path)


class SearchRssFeed(RssFormat, SearchFeed):
    pass
