"""Template tags of the search app: related essays on the essay page."""

from __future__ import annotations

import logging

from django import template

from archive.caching import archive_marker, derived
from archive.models import Essay
from search.backends.base import archive_backend
from search.related import related_to

register = template.Library()
log = logging.getLogger(__name__)


@register.inclusion_tag("search/includes/related.html")
def related_essays(essay: Essay, count: int = 5) -> dict:
    """Render up to `count` essays most like `essay`; nothing if the index can't answer.

    Cached until the archive or the index changes (an essay unpublished meanwhile is never
    listed: related_to reads published essays only)."""
    try:
        marker = (archive_marker(), archive_backend().generation())
        compute = lambda: related_to(essay, count)  # noqa: E731
        related = derived("related", (essay.pk, count), compute, marker=marker)
    except Exception:  # the essay page must never fail because search is down
        log.warning("Related essays of essay %s failed", essay.pk, exc_info=True)
        related = []
    return {"related": related}


@register.inclusion_tag("search/includes/status.html")
def search_status() -> dict:
    """The search index's state for curators: changes waiting, and the latest trouble (shown
    until it is resolved, and for a day after)."""
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.timesince import timesince

    from search.indexing import index_lag
    from search.models import IndexTrouble

    lag = index_lag()
    trouble = IndexTrouble.latest()
    if trouble is not None and trouble.resolved is not None:
        if timezone.now() - trouble.resolved > timedelta(days=1):
            trouble = None
    age = timesince(timezone.now() - timedelta(seconds=lag.oldest_seconds or 0))
    return {"lag": lag, "lag_age": age, "trouble": trouble}
