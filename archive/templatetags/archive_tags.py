"""Template helpers for the browse pages: links to an essay's numbered paragraphs."""

from __future__ import annotations

import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Matches exactly what archive.sanitize.number_paragraphs writes, so it only ever touches our ids.
_NUMBERED_PARAGRAPH = re.compile(r'<p id="p-(\d+)">')


@register.filter(is_safe=True)
def paragraph_links(body: str) -> SafeString:
    """Add a visible link to its own anchor inside every numbered paragraph (pinpoint citation).

    `body` is the stored, sanitized HTML (Essay.save sanitizes it); the inserted markup is ours.
    """

    def link(match: re.Match) -> str:
        n = match.group(1)
        anchor = format_html(
            '<a class="para-link" href="#p-{}" aria-label="Paragraph {}">{}</a>', n, n, n
        )
        return f"{match.group(0)}{anchor}"

    return mark_safe(_NUMBERED_PARAGRAPH.sub(link, body))  # noqa: S308 - body is sanitized on save
