"""Import essays (plain text, Word, saved web pages; files or folders) with archive.importing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from archive.importing import (
    DUPLICATE,
    UNCHANGED,
    EssayFile,
    ImportFailure,
    ImportOptions,
    ImportOutcome,
    find_essay_files,
    import_path,
)
from archive.importing.batch import Batch
from archive.importing.identity import claimed_identities
from archive.importing.report import describe_import, describe_merge

PROGRESS_FROM = 10  # files; fewer finish before a bar would help
COMMIT_EVERY = 100  # files per transaction (archive/importing/batch.py says why)


class Command(BaseCommand):
    help = (
        "Import essays from plain-text (.txt), Word (.docx) and saved web page (.html, .htm) "
        "files, with optional same-name .json sidecars (or YAML front matter in text files). "
        "Folders are read for those files, subfolders included. An essay is known by its "
        "sidecar's id, else by its path from the folder named: importing again updates it, "
        "keeping what curators changed since, and never duplicates. Each new or changed essay "
        "gets a report of what was found, what is missing and what conflicts (-v 0: summary "
        "only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="essay files or folders")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change; write nothing"
        )
        parser.add_argument(
            "--prefer-file",
            action="store_true",
            help="where a file and a curator both changed a field since the last import, take "
            "the file's value (by default the curator's stays and the conflict is reported)",
        )
        parser.add_argument(
            "--allow-duplicates",
            action="store_true",
            help="import a file whose text the archive already holds under another identity "
            "(by default it is reported as a duplicate and not imported)",
        )

    def handle(self, *args, paths: list[Path], verbosity: int, **flags) -> None:
        options = ImportOptions(
            dry_run=flags["dry_run"],
            prefer_file=flags["prefer_file"],
            allow_duplicate=flags["allow_duplicates"],
        )
        files, failures = find_essay_files(paths)
        for failure in failures:
            self.stderr.write(str(failure))
        counts: Counter[str] = Counter()
        show_bar = len(files) >= PROGRESS_FROM and self.stderr.isatty()
        progress = tqdm(
            total=len(files), unit="file", disable=not show_bar, file=self.stderr._out, leave=False
        )
        batch = Batch(options)

        def import_one(file: EssayFile) -> ImportOutcome:
            return import_path(file, options, run=batch.run)

        claims = claimed_identities(files)
        results = batch.results(
            files, import_one, claims, lambda file: str(file.path), commit_every=COMMIT_EVERY
        )
        for _, result in results:
            if isinstance(result, ImportFailure):
                failures.append(result)
                with tqdm.external_write_mode(file=self.stderr._out):
                    self.stderr.write(str(result))
            else:
                self._report(result, options, verbosity, counts)
            progress.update()
        progress.close()

        self._summarize(len(files), options, counts, failures)

    def _report(
        self, outcome: ImportOutcome, options: ImportOptions, verbosity: int, counts: Counter
    ) -> None:
        counts[outcome.action] += 1
        counts["conflicts"] += len(outcome.conflicts)
        merge_lines = describe_merge(outcome)
        quiet = outcome.action == UNCHANGED and not merge_lines
        if verbosity >= 2 or (verbosity == 1 and (options.dry_run or not quiet)):
            with tqdm.external_write_mode(file=self.stdout._out):
                self.stdout.write(str(outcome))
                for line in [*describe_import(outcome), *merge_lines]:
                    self.stdout.write(f"    {line}")

    def _summarize(
        self, total: int, options: ImportOptions, counts: Counter, failures: list
    ) -> None:
        if options.dry_run:
            summary = (
                f"Dry run, nothing written: would create {counts['created']}, "
                f"would update {counts['updated']}, unchanged {counts['unchanged']}, "
                f"failed {len(failures)}"
            )
        else:
            summary = (
                f"Imported {total} file(s): {counts['created']} created, "
                f"{counts['updated']} updated, {counts['unchanged']} unchanged, "
                f"{len(failures)} failed"
            )
        if counts[DUPLICATE]:
            summary += f"; {counts[DUPLICATE]} duplicate(s) not imported (--allow-duplicates)"
        if counts["conflicts"]:
            summary += f"; {counts['conflicts']} conflict(s) where a curator's edit " + (
                "was replaced (--prefer-file)" if options.prefer_file else "was kept"
            )
        self.stdout.write(summary + ".")
        if failures:
            raise CommandError(f"{len(failures)} file(s) could not be imported (see above).")
