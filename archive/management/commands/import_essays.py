"""Import essays (plain text, Word, saved web pages; files or folders) with archive.importing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from archive.importing import UNCHANGED, ImportFailure, find_essay_files, import_path
from archive.importing.report import describe_import

PROGRESS_FROM = 10  # files; fewer finish before a bar would help
COMMIT_EVERY = 100  # files per transaction


class Command(BaseCommand):
    help = (
        "Import essays from plain-text (.txt), Word (.docx) and saved web page (.html, .htm) "
        "files, with optional same-name .json sidecars (or YAML front matter in text files). "
        "Folders are read for those files. Each new or changed essay gets a report of what was "
        "found and what is missing (-v 0: summary only). Importing again updates, never "
        "duplicates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="essay files or folders")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change; write nothing"
        )

    def handle(self, *args, paths: list[Path], dry_run: bool, verbosity: int, **options) -> None:
        files, failures = find_essay_files(paths)
        for failure in failures:
            self.stderr.write(str(failure))
        counts: Counter[str] = Counter()
        show_bar = len(files) >= PROGRESS_FROM and self.stderr.isatty()
        progress = tqdm(
            total=len(files), unit="file", disable=not show_bar, file=self.stderr._out, leave=False
        )
        for start in range(0, len(files), COMMIT_EVERY):
            # One commit per chunk, each file in a savepoint of its own (a broken file rolls back
            # alone): what runs after a commit, such as updating the search index, runs once per
            # chunk instead of once per file, and no lock is held for longer than a chunk.
            with transaction.atomic():
                for path in files[start : start + COMMIT_EVERY]:
                    self._import(path, dry_run, verbosity, counts, failures)
                    progress.update()
        progress.close()

        self._summarize(len(files), dry_run, counts, failures)

    def _import(self, path: Path, dry_run: bool, verbosity: int, counts: Counter, failures: list):
        try:
            outcome = import_path(path, dry_run=dry_run)
        except ImportFailure as failure:
            failures.append(failure)
            with tqdm.external_write_mode(file=self.stderr._out):
                self.stderr.write(str(failure))
            return
        counts[outcome.action] += 1
        reported = verbosity >= 2 or (verbosity == 1 and (dry_run or outcome.action != UNCHANGED))
        if reported:
            with tqdm.external_write_mode(file=self.stdout._out):
                self.stdout.write(str(outcome))
                for line in describe_import(outcome):
                    self.stdout.write(f"    {line}")

    def _summarize(self, total: int, dry_run: bool, counts: Counter, failures: list) -> None:
        if dry_run:
            summary = (
                f"Dry run, nothing written: would create {counts['created']}, "
                f"would update {counts['updated']}, unchanged {counts['unchanged']}, "
                f"failed {len(failures)}."
            )
        else:
            summary = (
                f"Imported {total} file(s): {counts['created']} created, "
                f"{counts['updated']} updated, {counts['unchanged']} unchanged, "
                f"{len(failures)} failed."
            )
        self.stdout.write(summary)
        if failures:
            raise CommandError(f"{len(failures)} file(s) could not be imported (see above).")
