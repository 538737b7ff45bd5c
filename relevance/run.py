"""Run the relevance evaluation: `python -m relevance.run` (what `make eval` does).

Imports the evaluation corpus (relevance/corpus/ and the seeds) with the real importer into a
throwaway database and index under /tmp (never var/), builds the FTS5 yardstick over the same
essays, runs every judged query through the archive's search page and through FTS5, checks
the misspelling list against the page's "did you mean", prints the tables and writes every
figure to relevance/out/results.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from relevance.judgments import ROOT, Misspelling, Query, corpus_files

OUT = ROOT / "relevance" / "out"


def say(text: str = "") -> None:
    """Write a line of the report (this is a command-line tool, not library code)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def use_data_dir(data: Path) -> None:
    """Point Django's settings at a throwaway database and index in `data`."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATA_DIR=str(data),
        DATABASE_URL=f"sqlite:///{data / 'archive.sqlite3'}",
        SEARCH_URL=f"whoosh://{data / 'whoosh_index'}",
        DEBUG="true",
        ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
        LOG_LEVEL="WARNING",
    )


def build_archive() -> dict[int, str]:
    """Migrate, import the corpus with import_essays, build the index; return {pk: corpus id}."""
    from django.core.management import call_command

    from archive.models import Essay

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("migrate", verbosity=0, interactive=False, **quiet)
    folders = sorted({str(path.parent) for path in corpus_files()})
    call_command("import_essays", *folders, **quiet)
    call_command("rebuild_index", interactive=False, **quiet)
    # Judgments name an essay by its file's stem; its import key is "file:<folder>/<name>".
    keys = Essay.objects.published().values_list("pk", "import_key")
    return {pk: Path(key.removeprefix("file:")).stem for pk, key in keys}


def run_queries(queries: list[Query], archive, fts, key_of: dict[int, str]) -> list[dict]:
    """Return each query's ranked essays and measures, for the archive and for FTS5."""
    from relevance.metrics import score

    results = []
    for query in queries:
        page = archive.search(query.q, query.filters)
        ranked = {
            "archive": [key_of.get(pk, f"pk-{pk}") for pk in page.essay_pks],
            "fts5": [key_of.get(pk, f"pk-{pk}") for pk in fts.search(query.q, query.filters)],
        }
        results.append(
            {
                "id": query.id,
                "category": query.category,
                "kind": query.kind,
                "q": query.q,
                "filters": query.filters,
                "status": page.status,
                "found": page.total,
                "ranked": ranked,
                "scores": {
                    name: score(query.kind, essays, query.judgments)
                    for name, essays in ranked.items()
                },
            }
        )
    return results


def run_misspellings(misspellings: list[Misspelling], archive) -> list[dict]:
    """Return, for each misspelling, the page's suggestion and what each reading finds: the
    misspelling as typed, the suggestion and what the reader meant.

    The page shows the suggestion's results when no essay has all the words as typed (its
    "Showing results for …"); what the misspelling itself finds is read from the page of the
    words as typed (`as_typed=1`, the page's "Search for … as typed" link)."""
    from relevance.systems import Page

    rows = []
    for item in misspellings:
        page, meant = archive.search(item.typed), archive.search(item.meant)
        typed = archive.search(item.typed, {"as_typed": "1"})
        typed = Page(typed.status, typed.essay_pks, typed.total, page.suggestion)
        suggested = archive.search(typed.suggestion) if typed.suggestion else None
        rows.append(
            {
                "typed": item.typed,
                "meant": item.meant,
                "kind": item.kind,
                "language": item.language,
                "suggestion": typed.suggestion,
                "corrected": _same_words(typed.suggestion, item.meant),
                "finds_what_was_meant": suggested is not None
                and (suggested.total, suggested.essay_pks) == (meant.total, meant.essay_pks),
                "typed_finds": typed.total,
                "suggestion_finds": suggested.total if suggested else None,
                "meant_finds": meant.total,
            }
        )
    return rows


def _same_words(suggestion: str | None, meant: str) -> bool:
    return suggestion is not None and suggestion.casefold().split() == meant.casefold().split()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the throwaway data directory")
    parser.add_argument("--json", type=Path, default=OUT / "results.json", help="figures file")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    data = Path(tempfile.mkdtemp(prefix="archive-eval-"))
    use_data_dir(data)
    import django

    django.setup()
    from relevance import report
    from relevance.judgments import load_misspellings, load_queries
    from relevance.systems import ArchivePage, Fts5Yardstick

    try:
        timings = {}
        clock = time.perf_counter()
        key_of = build_archive()
        timings["import_and_index_s"] = time.perf_counter() - clock
        clock = time.perf_counter()
        fts = Fts5Yardstick(data / "fts5.sqlite3")
        timings["fts5_build_s"] = time.perf_counter() - clock
        archive = ArchivePage()
        clock = time.perf_counter()
        queries = run_queries(load_queries(), archive, fts, key_of)
        timings["queries_s"] = time.perf_counter() - clock
        clock = time.perf_counter()
        spelling = run_misspellings(load_misspellings(), archive)
        timings["misspellings_s"] = time.perf_counter() - clock
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
    timings["total_s"] = time.perf_counter() - started

    figures = report.figures(queries, spelling, essays=len(key_of), timings=timings)
    for line in report.lines(figures, queries, spelling):
        say(line)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            figures | {"queries": queries, "misspellings": spelling}, ensure_ascii=False, indent=1
        )
    )
    say(f"\nFigures written to {args.json}" + (f"; data kept in {data}" if args.keep else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
