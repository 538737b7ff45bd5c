"""The evaluation's figures (per category, both systems) and the report printed from them."""

from __future__ import annotations

from collections.abc import Iterator

from relevance.judgments import CATEGORIES
from relevance.metrics import averages

SYSTEMS = ("archive", "fts5")
SPELLING_GROUPS = ("all", "word", "phrase", "name", "ru")


def _aggregate(rows: list[dict]) -> dict:
    return {
        "known": sum(row["kind"] == "known" for row in rows),
        "topical": sum(row["kind"] == "topical" for row in rows),
        **{system: averages(row["scores"][system] for row in rows) for system in SYSTEMS},
    }


def spelling_summary(rows: list[dict]) -> dict[str, dict[str, int]]:
    """Return the misspelling counts (see _spelling_counts) for all and by group."""
    groups = {
        "all": rows,
        "word": [r for r in rows if r["kind"] == "word" and r["language"] == "en"],
        "phrase": [r for r in rows if r["kind"] == "phrase"],
        "name": [r for r in rows if r["kind"] == "name" and r["language"] == "en"],
        "ru": [r for r in rows if r["language"] == "ru"],
    }
    return {name: _spelling_counts(group) for name, group in groups.items()}


def _spelling_counts(rows: list[dict]) -> dict[str, int]:
    offered = [r for r in rows if r["suggestion"] is not None]
    return {
        "misspellings": len(rows),
        "typed finds essays anyway": sum(r["typed_finds"] > 0 for r in rows),
        "suggestion offered": len(offered),
        "suggestion is what was meant": sum(r["corrected"] for r in offered),
        "suggestion finds what meant finds": sum(r["finds_what_was_meant"] for r in offered),
        "suggestion finds more than typed": sum(
            r["suggestion_finds"] > r["typed_finds"] for r in offered
        ),
        "suggestion finds no essay": sum(r["suggestion_finds"] == 0 for r in offered),
        "none, though meant finds more": sum(
            r["suggestion"] is None and r["meant_finds"] > r["typed_finds"] for r in rows
        ),
    }


def figures(queries: list[dict], spelling: list[dict], *, essays: int, timings: dict) -> dict:
    """Return every aggregate figure of a run (what results.json holds besides the rows)."""
    by_category = {
        category: _aggregate([q for q in queries if q["category"] == category])
        for category in CATEGORIES
    }
    return {
        "essays": essays,
        "query_count": len(queries),
        "categories": by_category,
        "overall": _aggregate(queries),
        "misspelling_summary": spelling_summary(spelling),
        "timings_s": {name: round(seconds, 1) for name, seconds in timings.items()},
    }


def _f(value: float | None) -> str:
    return "    –" if value is None else f"{value:5.3f}"


def _row(label: str, agg: dict) -> str:
    a, f = agg["archive"], agg["fts5"]
    return (
        f"{label:<16}{agg['known']:>6}  {_f(a['success@1'])}  {_f(f['success@1'])}"
        f"   {_f(a['mrr'])}  {_f(f['mrr'])}{agg['topical']:>9}  {_f(a['ndcg@10'])}  "
        f"{_f(f['ndcg@10'])}"
    )


def lines(figs: dict, queries: list[dict], spelling: list[dict]) -> Iterator[str]:
    """Yield the printed report: the table, the queries the archive loses, did-you-mean."""
    yield (
        f"Relevance: {figs['query_count']} judged queries over {figs['essays']} essays, "
        "the archive's search page against SQLite FTS5 with BM25"
    )
    yield ""
    yield "                 known   success@1         MRR@10        topical    nDCG@10"
    yield "category        items  archive   FTS5   archive   FTS5  queries  archive   FTS5"
    for category, agg in figs["categories"].items():
        yield _row(category, agg)
    yield _row("all", figs["overall"])
    yield ""
    yield "Queries where the archive does worse than FTS5, or misses what was judged (score 0):"
    for row in queries:
        measure = "rr" if row["kind"] == "known" else "ndcg@10"
        mine, theirs = row["scores"]["archive"][measure], row["scores"]["fts5"][measure]
        if mine < theirs or mine == 0:
            yield (
                f"  {row['id']:<30} {row['q'][:34]:<34} {measure:>7} {mine:5.3f} vs "
                f"{theirs:5.3f}  ({row['found']} found)"
            )
    yield ""
    yield from _spelling_lines(figs["misspelling_summary"], spelling)
    timings = figs["timings_s"]
    yield ""
    yield "Time: " + ", ".join(f"{name} {seconds} s" for name, seconds in timings.items())


def _spelling_lines(summary: dict, spelling: list[dict]) -> Iterator[str]:
    yield "Did you mean: the page's suggestion for each misspelling (misspellings.yaml)"
    yield f"{'':<36}" + "".join(f"{group:>8}" for group in SPELLING_GROUPS)
    for measure in summary["all"]:
        yield f"{measure:<36}" + "".join(f"{summary[g][measure]:>8}" for g in SPELLING_GROUPS)
    offered = [row for row in spelling if row["suggestion"] is not None]
    if offered:
        yield (
            "Suggestions offered (✓ what was meant, ≈ finds the same essays, ✗ neither; "
            "typed → suggested [meant]: essays found typed/suggested/meant):"
        )
    for row in offered:
        mark = "✓" if row["corrected"] else "≈" if row["finds_what_was_meant"] else "✗"
        yield (
            f"  {mark} {row['typed']} → {row['suggestion']} [{row['meant']}]: "
            f"{row['typed_finds']}/{row['suggestion_finds']}/{row['meant_finds']}"
        )
