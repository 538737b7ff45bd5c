"""The contract between the search app and a search engine, beyond Haystack's search API.

Haystack gives every engine one way to search. The archive also needs to apply its queue of
changes in one batch, rebuild aside, list what the index holds, know when the index changed (to
key cached pages), key terms for related essays, and the engine's health. `ArchiveBackend`
declares those; our Whoosh and simple engines implement it, and `GenericBackend` adapts any other
Haystack engine (Elasticsearch, Solr) with Haystack's own calls. The search app talks to engines
only through `archive_backend()` and `features`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from haystack import connections

# What an engine can do; the search page leaves out (and says so) what its engine lacks.
FEATURES = {
    "facets": "counts by author, source, topic, language and year",
    "snippets": "highlighted passages",
    "spelling": '"did you mean"',
    "ranking": "relevance ranking",
    "phrases": '"exact phrases"',
    "fields": "title:, author:, source:, topic: fields",
    "prefixes": "prefix* searches",
    "filters": "filters by author, source, topic, language and years",
    "sorting": "sorting by date",
    "related": '"more like this"',
    "key_terms": "stored key terms for related essays",
    "documents": "a list of the documents it holds (check_index)",
}

# (essay id, [(term, weight), ...] best first)
KeyTerms = tuple[int, list[tuple[str, float]]]


class IndexLocked(Exception):
    """Another writer holds the index: the change stays queued and is applied later."""


class IndexUnavailable(Exception):
    """The index cannot be read or written (damaged, missing, or the engine is down)."""


@dataclass(frozen=True)
class Health:
    """What the engine can say of its index without the database."""

    readable: bool = True  # searches can be answered
    schema_current: bool = True  # built with the fields this code writes
    rebuilding: bool = False  # a rebuild holds the index right now
    documents: int | None = None  # how many documents it holds, when it can tell cheaply
    problem: str = ""  # what is wrong, for logs and the admin (no data, no paths)

    @property
    def needs_rebuild(self) -> bool:
        return not (self.readable and self.schema_current)


class ArchiveBackend(ABC):
    """What the search app asks of an engine besides searching (see the module docstring)."""

    features: frozenset[str] = frozenset()

    @abstractmethod
    def apply(
        self,
        index,
        changes: Callable[[], tuple[Iterable, Iterable[str]]],
        *,
        wait: float | None = None,
    ) -> None:
        """Call `changes()` for (objects to update, document ids to remove) and write them in one
        batch. Raise IndexLocked when another writer holds the index for longer than `wait`
        seconds (None: the engine's own bound), IndexUnavailable when it cannot be written."""

    @abstractmethod
    def build(
        self,
        index,
        objects: Callable[[], Iterable],
        *,
        progress: Callable[[int], None] | None = None,
        progress_every: int = 10_000,
    ) -> int:
        """Replace the whole index by the documents of `objects()`, searching the old one until
        the new one is complete; return how many documents were written. Must not need the old
        index to be readable."""

    def documents(self) -> dict[str, str] | None:
        """Return {document id: stored fingerprint}, or None when the engine cannot list them."""
        return None

    def generation(self) -> Hashable | None:
        """Return a token that changes with every change to the index (None: unknown)."""
        return None

    def health(self, *, deep: bool = False) -> Health:
        """Return the index's health; `deep` reads more of it (slower)."""
        return Health()

    def rebuilding(self) -> bool:
        return self.health().rebuilding

    def warm_up(self) -> None:  # noqa: B027  (optional: most engines have nothing to load)
        """Load what a first search needs, before a new worker takes requests."""

    def all_key_terms(self, consume: Callable[[list[KeyTerms]], None]) -> int | None:
        """Compute every document's key terms, handing them to `consume` a chunk at a time;
        return how many documents have some (None: this engine has no key terms)."""
        return None

    def key_terms_of(self, texts: dict[int, str]) -> dict[int, list[tuple[str, float]]] | None:
        """Return the key terms of documents whose indexed texts are given (by essay id), as the
        index now weighs them (None: this engine has no key terms)."""
        return None


class GenericBackend(ArchiveBackend):
    """Any other Haystack engine (Elasticsearch, Solr) through Haystack's own calls."""

    features = frozenset(
        {"facets", "snippets", "spelling", "ranking", "phrases", "fields", "prefixes"}
        | {"filters", "sorting", "related"}
    )
    BATCH = 500

    def __init__(self, backend) -> None:
        self.backend = backend

    def apply(self, index, changes, *, wait: float | None = None) -> None:
        update, remove_ids = changes()
        update = list(update)
        try:
            if update:
                self.backend.update(index, update)
            for doc_id in remove_ids:
                self.backend.remove(doc_id)
        except Exception as exc:  # the engine is down or refused: the change stays queued
            raise IndexUnavailable(str(exc)) from exc

    def build(self, index, objects, *, progress=None, progress_every: int = 10_000) -> int:
        self.backend.clear()
        written, batch = 0, []
        for obj in objects():
            batch.append(obj)
            if len(batch) >= self.BATCH:
                self.backend.update(index, batch)
                written, batch = written + len(batch), []
                if progress is not None and written % progress_every < self.BATCH:
                    progress(written)
        if batch:
            self.backend.update(index, batch)
            written += len(batch)
        return written


def archive_backend(alias: str = "default") -> ArchiveBackend:
    """Return the engine of a Haystack connection as the archive's contract."""
    backend = connections[alias].get_backend()
    return backend if isinstance(backend, ArchiveBackend) else GenericBackend(backend)


def describe_features(features: frozenset[str]) -> list[str]:
    """Return what an engine lacks, in words, for the search page's note."""
    return [text for name, text in FEATURES.items() if name not in features]
