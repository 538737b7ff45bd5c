"""The search backend's one in-memory cache: tables computed from index segments, bounded.

Segments never change once written, so what is computed from one (a field's norms or values per
document, a facet's groups, a numeric column) stays right for as long as the segment exists. The
key starts with the segment's identity (whoosh_private.segments.segment_id: its files, not only
its random name) or the index generation; a key starting with None (a reader without an
identity) is never kept. Cached values are too large and too hot for Django's cache (lists of a
hundred thousand numbers read on every search), so they live in each process, least recently used
first out.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import TypeVar

T = TypeVar("T")


class LRU:
    """A small thread-safe least-recently-used cache of computed tables."""

    def __init__(self, size: int) -> None:
        self.size, self.items, self.lock = size, OrderedDict(), Lock()

    def get(self, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        if key[0] is None:  # nothing identifies the segment: don't keep anything
            return compute()
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
                return found
        found = compute()
        with self.lock:
            self.items[key] = found
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return found
