"""Run the index keeper in the foreground (a separate process instead of the web's thread)."""

import threading

from django.core.management.base import BaseCommand

from search.keeper import Keeper


class Command(BaseCommand):
    help = (
        "Apply queued search-index changes every few seconds and rebuild a damaged index, until "
        "stopped. Each web process already runs this as a thread (SEARCH_KEEPER)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--poll", type=float, default=None, help="Seconds between rounds.")

    def handle(self, *args, poll: float | None = None, **options) -> None:
        self.stdout.write("Keeping the search index in step with the database (Ctrl-C stops).")
        try:
            Keeper(poll).run(threading.Event())
        except KeyboardInterrupt:
            pass
