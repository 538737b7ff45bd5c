"""Names made from names: URL slugs (Cyrillic romanized) and authors' sort names."""

from __future__ import annotations

from django.db import models
from django.utils.text import slugify

from archive.transliteration import romanize


def slug_text(text: str, max_length: int) -> str:
    """Return `text` as a URL slug of ASCII letters, digits and hyphens; Cyrillic is romanized."""
    return slugify(romanize(text), allow_unicode=False)[:max_length].strip("-")


def unique_slug(model: type[models.Model], text: str, *, exclude_pk: int | None = None) -> str:
    """Return a slug for `text` that no other row of `model` uses yet."""
    base = slug_text(text, 80) or "untitled"  # "untitled" only when `text` has no letters
    slug, n = base, 2
    taken = model._default_manager.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def default_sort_name(name: str) -> str:
    """Return "Family, Given" for a name written "Given Family"."""
    parts = name.strip().rsplit(" ", 1)
    return f"{parts[1]}, {parts[0]}" if len(parts) == 2 else name.strip()
