"""Build the search index only when it needs it: missing, damaged, of an older schema, or not
holding the published essays (`make run` and `make serve` start with this)."""

import time

from django.core.management.base import BaseCommand

from search.backends.base import archive_backend
from search.indexing import apply_pending_changes, essay_index, rebuild


class Command(BaseCommand):
    help = "Rebuild the search index if it is missing, unreadable, outdated or out of step."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        reason = self.reason_to_rebuild()
        if reason is None:
            seconds = time.perf_counter() - started
            self.stdout.write(f"The search index is up to date (checked in {seconds:.1f} s).")
            return
        self.stdout.write(f"Building the search index: {reason}.")
        written, _ = rebuild()
        seconds = time.perf_counter() - started
        self.stdout.write(f"Indexed {written} essays in {seconds:.1f} s.")

    def reason_to_rebuild(self) -> str | None:
        backend = archive_backend()
        health = backend.health()
        if health.needs_rebuild:
            return health.problem or "it cannot be read"
        apply_pending_changes()
        documents = backend.health().documents
        published = essay_index().index_queryset().count()
        if documents is not None and documents != published:
            return f"it holds {documents} essays where {published} are published"
        return None
