"""Compare the search index with the database; with --repair, bring it up to date."""

from django.core.management.base import BaseCommand, CommandError

from search.backends.base import archive_backend
from search.indexing import NotComparable, compare_index, rebuild, repair_index
from search.models import IndexTrouble, PendingIndexChange


class Command(BaseCommand):
    help = (
        "List essays missing from, stale in, or orphaned in the search index (by id); "
        "--repair fixes them, rebuilding an index that cannot be read."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repair", action="store_true", help="Fix what is found.")

    def handle(self, *args, repair: bool = False, **options) -> None:
        health = archive_backend().health(deep=True)
        if health.needs_rebuild:
            if not repair:
                raise CommandError(
                    f"The index cannot be read as it is ({health.problem}); "
                    "run check_index --repair (or rebuild_index) to rebuild it."
                )
            self.stdout.write(f"The index cannot be used ({health.problem}); rebuilding it.")
            rebuild()
        try:
            report = compare_index()
        except NotComparable as exc:
            self.stdout.write(f"Nothing to compare: {exc}.")
            return
        for kind, ids in report.items():
            shown = ", ".join(str(i) for i in sorted(ids)[:50]) + (" …" if len(ids) > 50 else "")
            self.stdout.write(f"{kind}: {len(ids)}" + (f" ({shown})" if ids else ""))
        problems = sum(len(ids) for ids in report.values())
        if not problems:
            self.stdout.write("The index matches the database.")
            return
        if not repair:
            raise CommandError(f"{problems} documents differ; run with --repair to fix them.")
        repair_index(report)
        still = sum(len(ids) for ids in compare_index().values())
        if still:
            raise CommandError(f"{still} documents still differ after repair: {why()}")
        self.stdout.write(f"Repaired {problems} documents. The index matches the database.")


def why() -> str:
    """Say why queued changes did not reach the index."""
    trouble = IndexTrouble.latest()
    pending = PendingIndexChange.objects.count()
    if trouble is not None and trouble.resolved is None:
        return f"the index could not take them ({trouble}); {pending} changes stay queued"
    return f"{pending} changes stay queued; see the log"
