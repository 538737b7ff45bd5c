"""The simple engine (`SEARCH_URL=simple://`): search the database directly, no index at all.

Haystack's simple backend matches every word against every text column of every row, drafts
included, and ignores filters, order and pages. This one searches published essays only, reads
the archive's query language plainly (every word or "phrase" must occur somewhere in the essay,
`-word`/NOT leaves essays out, OR joins alternatives, title:/author:/source:/topic: search one
part, a trailing * is dropped; the notes after the body count too), applies the search page's
filters and order, and pages in the database. It has no ranking (newest first), facets,
snippets, spelling or related essays; the search page says so. There is nothing to write: the
database is the index.
"""

from __future__ import annotations

import re
from functools import reduce

from django.db.models import Q, QuerySet
from haystack.backends import BaseEngine, log_query
from haystack.backends.simple_backend import SimpleSearchBackend, SimpleSearchQuery
from haystack.models import SearchResult

from archive.models import Essay
from search.backends.base import ArchiveBackend

FIELDS = {
    "title": ["title"],
    "author_names": ["authorships__author__name"],
    "source_name": ["source__name"],
    "topic_names": ["topics__name"],
}
# What an essay's page prints, but for the publisher's disclaimer (see search_indexes.py).
NOTES = [
    "author_notes",
    "original_publication",
    "original_note",
    "republications__publication",
    "republications__note",
]
EVERYWHERE = [
    "title",
    "standfirst",
    "body_text",
    *(c for f in FIELDS.values() for c in f),
    *NOTES,
]
TOKEN = re.compile(r'(-|NOT\s+)?(?:(\w+):)?("[^"]*"|[^\s()"]+)')
FILTER = re.compile(r'^(author|source|topic|language)_exact:"([^"]*)"$')
YEAR = re.compile(r"^year(>=|<=)(\d+)$")
EXCLUDED = re.compile(r"^NOT django_id:\(([\d ]*)\)$")
FILTER_LOOKUPS = {
    "author": "authorships__author__slug",
    "source": "source__slug",
    "topic": "topics__slug",
    "language": "language",
}


def _term_q(field: str | None, text: str) -> Q:
    text = text.strip('"').rstrip("*")
    columns = FIELDS.get(field or "", EVERYWHERE)
    return reduce(lambda a, b: a | b, (Q(**{f"{c}__icontains": text}) for c in columns))


def query_filter(query_string: str) -> Q:
    """Return the condition an essay must meet for `query_string` (see the module docstring)."""
    condition, alternatives, pending_or = Q(), [], False
    for sign, field, text in TOKEN.findall(query_string.replace("(", " ").replace(")", " ")):
        if not sign and not field and text in ("AND", "OR", "NOT"):
            pending_or = pending_or or text == "OR"
            continue
        term = _term_q(field, text)
        if sign:
            condition &= ~term
        elif pending_or and alternatives:
            alternatives[-1] |= term
        else:
            alternatives.append(term)
        pending_or = False
    for alternative in alternatives:
        condition &= alternative
    return condition


def narrowed(essays: QuerySet, narrow_queries) -> QuerySet:
    """Apply the search form's filters (written by ArchiveSimpleSearchQuery and the form)."""
    for narrow in narrow_queries or ():
        narrow = str(narrow).strip()
        if m := FILTER.match(narrow):
            essays = essays.filter(**{FILTER_LOOKUPS[m[1]]: m[2]})
        elif m := YEAR.match(narrow):
            lookup = "published_on__year__gte" if m[1] == ">=" else "published_on__year__lte"
            essays = essays.filter(**{lookup: int(m[2])})
        elif m := EXCLUDED.match(narrow):
            essays = essays.exclude(pk__in=[int(pk) for pk in m[1].split()])
    return essays


class ArchiveSimpleSearchBackend(SimpleSearchBackend, ArchiveBackend):
    features = frozenset({"phrases", "fields", "prefixes", "filters", "sorting"})

    @log_query
    def search(self, query_string, **kwargs) -> dict:
        essays = Essay.objects.published()
        query_string = str(query_string or "").strip()
        if query_string and query_string not in ("*", "(*)"):
            matching = Essay.objects.filter(query_filter(query_string)).values("pk")
            essays = essays.filter(pk__in=matching)
        essays = narrowed(essays, kwargs.get("narrow_queries"))
        reverse = any(s.startswith("-") for s in kwargs.get("sort_by") or ["-date"])
        order = ["-published_on", "-pk"] if reverse else ["published_on", "pk"]
        start = kwargs.get("start_offset") or 0
        end = kwargs.get("end_offset")
        pks = list(essays.order_by(*order).values_list("pk", flat=True)[start:end])
        result_class = kwargs.get("result_class") or SearchResult
        return {
            "results": [result_class("archive", "essay", pk, 0) for pk in pks],
            "hits": essays.count(),
        }

    # Nothing to write: the database is the index.
    def update(self, index, iterable, commit: bool = True) -> None:
        pass

    def remove(self, obj, commit: bool = True) -> None:
        pass

    def clear(self, models=None, commit: bool = True) -> None:
        pass

    def apply(self, index, changes, *, wait: float | None = None) -> None:
        changes()

    def build(self, index, objects, *, progress=None, progress_every: int = 10_000) -> int:
        return index.index_queryset().count()


class ArchiveSimpleSearchQuery(SimpleSearchQuery):
    def build_query_fragment(self, field: str, filter_type: str, value) -> str:
        """Write the few filters the search page asks for in a form `narrowed` reads."""
        if field == "year" and filter_type in ("gte", "lte"):
            return f"year{'>=' if filter_type == 'gte' else '<='}{int(value)}"
        if field == "django_id" and filter_type == "in":
            return "django_id:(" + " ".join(str(int(v)) for v in value) + ")"
        return f"{value}"


class ArchiveSimpleEngine(BaseEngine):
    backend = ArchiveSimpleSearchBackend
    query = ArchiveSimpleSearchQuery
