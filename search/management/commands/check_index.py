"""Compare the search index with the database; with --repair, bring it up to date."""

from django.core.management.base import BaseCommand, CommandError

from search.indexing import compare_index, repair_index


class Command(BaseCommand):
    help = "List essays missing from, stale in, or orphaned in the search index (by id)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repair", action="store_true", help="Fix what is found.")

    def handle(self, *args, repair: bool = False, **options) -> None:
        report = compare_index()
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
            raise CommandError(f"{still} documents still differ after repair.")
        self.stdout.write(f"Repaired {problems} documents.")
