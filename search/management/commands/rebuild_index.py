"""Rebuild the search index aside and swap it in (overrides Haystack's quadratic rebuild_index)."""

import time

from django.core.management.base import BaseCommand, CommandError

from search.indexing import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the published essays with one writer and one commit; "
        "search keeps answering from the old index until the new one is swapped in."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")
        parser.add_argument("-u", "--using", action="append", default=[], help="Ignored.")

    def handle(self, *args, interactive: bool = True, **options) -> None:
        started = time.perf_counter()

        def progress(count: int) -> None:
            seconds = time.perf_counter() - started
            self.stdout.write(f"  {count} essays written ({count / seconds:.0f}/s) …")

        written, expected = rebuild(progress=progress)
        seconds = time.perf_counter() - started
        if written != expected:
            raise CommandError(
                f"Index has {written} documents but {expected} essays are published."
            )
        rate = written / seconds if seconds else 0.0
        self.stdout.write(f"Indexed {written} essays in {seconds:.1f} s ({rate:.0f} essays/s).")
