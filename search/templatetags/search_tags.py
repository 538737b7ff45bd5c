"""Template tags of the search app: "more like this" on the essay page."""

from __future__ import annotations

import logging

from django import template
from haystack.query import SearchQuerySet

from archive.models import Essay

register = template.Library()
log = logging.getLogger(__name__)


@register.inclusion_tag("search/includes/related.html")
def related_essays(essay: Essay, count: int = 5) -> dict:
    """Render up to `count` essays most like `essay`; nothing if the index can't answer."""
    try:
        related = list(SearchQuerySet().more_like_this(essay)[:count])
    except Exception:  # the essay page must never fail because search is down
        log.warning("More-like-this failed for essay %s", essay.pk, exc_info=True)
        related = []
    return {"related": [r for r in related if str(r.pk) != str(essay.pk)][:count]}
