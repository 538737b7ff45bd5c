"""Template tags of the search app: related essays on the essay page."""

from __future__ import annotations

import logging

from django import template

from archive.models import Essay
from search.related import related_to

register = template.Library()
log = logging.getLogger(__name__)


@register.inclusion_tag("search/includes/related.html")
def related_essays(essay: Essay, count: int = 5) -> dict:
    """Render up to `count` essays most like `essay`; nothing if the index can't answer."""
    try:
        related = related_to(essay, count)
    except Exception:  # the essay page must never fail because search is down
        log.warning("Related essays of essay %s failed", essay.pk, exc_info=True)
        related = []
    return {"related": related}
