"""Delete old history versions, keeping every object's latest ones (with django-reversion's own
command)."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from reversion.models import Revision, Version


class Command(BaseCommand):
    help = (
        "Delete history versions older than HISTORY_KEEP_DAYS (or --days), always keeping the "
        "HISTORY_KEEP_VERSIONS (or --keep) latest of every essay, author, source and topic, "
        "deleted ones included, so any of them can still be restored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=settings.HISTORY_KEEP_DAYS, help="age in days; 0: none"
        )
        parser.add_argument("--keep", type=int, default=settings.HISTORY_KEEP_VERSIONS)

    def handle(self, *args, days: int, keep: int, verbosity: int, **options) -> None:
        if keep < 1:
            raise CommandError("--keep must be at least 1: a deleted essay needs its last version.")
        if days <= 0:
            self.stdout.write("History is kept for ever (HISTORY_KEEP_DAYS=0): nothing pruned.")
            return
        before = Version.objects.count()
        # One revision per object (archive/history/recording.py), so keeping an object's
        # latest revisions never takes another object's only version with them.
        call_command("deleterevisions", "archive", days=days, keep=keep, verbosity=0)
        Revision.objects.filter(version__isnull=True).delete()
        removed = before - Version.objects.count()
        self.stdout.write(
            f"Deleted {removed} version(s) older than {days} days; kept the {keep} latest of "
            "every object."
        )
