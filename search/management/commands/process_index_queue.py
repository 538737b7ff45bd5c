"""Apply the queued index changes that could not be applied when they were saved."""

from django.core.management.base import BaseCommand, CommandError

from search.indexing import apply_pending_changes
from search.management.commands.check_index import why
from search.models import PendingIndexChange


class Command(BaseCommand):
    help = (
        "Apply every pending search-index change (left queued while the index was locked or "
        "down). The index keeper of each web process does this on its own every second."
    )

    def handle(self, *args, **options) -> None:
        applied = apply_pending_changes()
        left = PendingIndexChange.objects.count()
        self.stdout.write(f"Applied {applied} queued changes; {left} still pending.")
        if left:
            raise CommandError(f"The index could not take every change: {why()}")
