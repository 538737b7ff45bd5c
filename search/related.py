"""Related essays: the essays that share an essay's key terms (its most distinctive words).

Key terms come from the search index (search/backends/keyterms.py) and live in the database
(`KeyTerm`), so the related list of an essay page is one indexed query, however large the
archive: the live "more like this" search it replaces took about 60 ms at 100,000 essays. They are
computed for the whole archive by `rebuild_index` and for each essay whose document the index
takes (search/indexing.py). A search backend without key terms (Elasticsearch, Solr, or an
index not rebuilt since key terms came in) falls back to the backend's own "more like this".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Case, F, FloatField, Sum, Value, When
from haystack import connections
from haystack.query import SearchQuerySet

from archive.models import LONG_TEXTS, Essay
from search.backends.base import archive_backend
from search.models import KeyTerm


def related_to(essay: Essay, count: int = 5) -> list[Essay]:
    """Return up to `count` published essays most like `essay`, most alike first.

    The score of another essay is the sum, over the key terms both share, of the product of
    their weights (a dot product of the two key-term vectors).
    """
    mine = dict(KeyTerm.objects.filter(essay=essay).values_list("term", "weight"))
    if not mine:
        return _related_by_search(essay, count)
    shared = Case(
        *[When(term=term, then=F("weight") * Value(weight)) for term, weight in mine.items()],
        output_field=FloatField(),
    )
    ranked = (
        KeyTerm.objects.filter(term__in=list(mine))
        .exclude(essay=essay)
        .values("essay")
        .annotate(score=Sum(shared))
        .order_by("-score", "essay")
        .values_list("essay", flat=True)[: count * 2]  # room for essays unpublished since
    )
    related = _published_in_order(list(ranked), count)
    if len(related) < count:  # few essays share its key terms (a small archive): ask search
        more = [e for e in _related_by_search(essay, count) if e not in related]
        related += more[: count - len(related)]
    return related


def _related_by_search(essay: Essay, count: int) -> list[Essay]:
    ids = [int(result.pk) for result in SearchQuerySet().more_like_this(essay)[: count + 1]]
    return _published_in_order([pk for pk in ids if pk != essay.pk], count)


def _published_in_order(ids: list[int], count: int) -> list[Essay]:
    # The list shows titles and bylines: leave the texts (tens of kilobytes an essay) unread.
    found = Essay.objects.for_bylines().defer("standfirst", *LONG_TEXTS).published_by_ids(ids)
    return [found[pk] for pk in ids if pk in found][:count]


def rebuild_key_terms() -> int:
    """Replace every essay's key terms with those of the whole index; return how many essays
    have some. With a backend that has no key terms, remove them all (and return 0).

    Written a chunk of essays per transaction (as the backend hands them over), so curators'
    saves never wait behind the whole table (a minute at 100,000 essays on SQLite, whose
    writers queue).
    """
    with_terms = archive_backend().all_key_terms(_replace)
    if with_terms is None:  # e.g. moved to Elasticsearch: the old index's key terms are no guide
        KeyTerm.objects.all().delete()
        return 0
    # Essays the index no longer holds (unpublished or deleted while it was rebuilt).
    KeyTerm.objects.exclude(essay__in=Essay.objects.published()).delete()
    return with_terms


def _replace(chunk: list[tuple[int, list[tuple[str, float]]]]) -> None:
    ids = [essay_id for essay_id, _ in chunk]
    with transaction.atomic():
        KeyTerm.objects.filter(essay_id__in=ids).delete()
        existing = set(Essay.objects.filter(pk__in=ids).values_list("pk", flat=True))
        KeyTerm.objects.bulk_create(
            KeyTerm(essay_id=essay_id, term=term, weight=weight)
            for essay_id, terms in chunk
            if essay_id in existing  # not deleted since the index was read
            for term, weight in terms
        )


def refresh_key_terms(updated: Iterable[Essay], removed_ids: Iterable[int]) -> None:
    """Recompute the key terms of essays the index has just taken (their text as indexed, weighed
    against the index as it now is), and drop those of essays it has just removed."""
    updated = list(updated)
    index = connections["default"].get_unified_index().get_index(Essay)
    with transaction.atomic():
        KeyTerm.objects.filter(essay_id__in=[*removed_ids, *(e.pk for e in updated)]).delete()
        if not updated:
            return
        texts = {essay.pk: index.prepare_text(essay) for essay in updated}
        weighed = archive_backend().key_terms_of(texts)
        if weighed is None:
            return
        KeyTerm.objects.bulk_create(
            KeyTerm(essay_id=pk, term=term, weight=weight)
            for pk, terms in weighed.items()
            for term, weight in terms
        )
