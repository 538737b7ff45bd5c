"""The one rule for derived caches: keyed on what they are derived from, through `derived()`.

A derived value (a page's count, the related essays of an essay, a page of search results, an
essay's rendered citations) is cached in Django's cache under its name, its own parts, and a
marker that moves whenever its source changes: `archive_marker()` for anything read from the
archive's tables (any save or deletion, see ArchiveVersion), the search index's generation for
anything read from the index, both, or (citations) the digest of the styles and code that render
a CSL item given whole in the parts. Nothing is invalidated by hand; a changed marker makes a
new key, and the old entries age out. The search backend's per-segment tables are too large and
hot for Django's cache and live in search/backends/lru.py, keyed on segment identity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
TIMEOUT = 24 * 3600  # the key changes with every change; this only bounds memory


def archive_marker() -> int:
    """Return the archive's version (one primary-key lookup)."""
    from archive.models import ArchiveVersion

    return ArchiveVersion.current()


def derived(name: str, parts: tuple, compute: Callable[[], T], *, marker: Hashable) -> T:
    """Return `compute()`, cached under `name`, `parts` and `marker` (see the module)."""
    digest = hashlib.sha256(repr((parts, marker)).encode()).hexdigest()[:32]
    key = f"derived:{name}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


def bump_after_commit(*args, **kwargs) -> None:
    """Signal receiver: move the archive's version once the saving transaction commits."""
    if kwargs.get("raw"):
        return
    from archive.models import ArchiveVersion

    transaction.on_commit(ArchiveVersion.bump)
