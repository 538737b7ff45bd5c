"""The evaluation's data: the corpus files, the judged queries and the misspelling list."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS_DIRS = (ROOT / "fixtures" / "seeds", HERE / "corpus")
QUERIES = HERE / "queries.yaml"
MISSPELLINGS = HERE / "misspellings.yaml"

# In the order the report lists them.
CATEGORIES = (
    "known-item",
    "topical",
    "phrase",
    "field",
    "russian",
    "variant",
    "transliteration",
    "prefix",
    "notes",
    "misspelling",
)
KINDS = ("known", "topical")
FILTERS = ("language", "author", "source", "topic")


@dataclass(frozen=True)
class Query:
    """A judged query: what the reader types, and how relevant each judged essay is (1–3)."""

    id: str
    category: str
    kind: str  # "known": the essays graded 3 are the one the reader wants; "topical"
    q: str
    judgments: dict[str, int]
    need: str = ""
    filters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Misspelling:
    """What a reader typed by mistake and what they meant."""

    typed: str
    meant: str
    kind: str  # word, phrase or name
    language: str


def corpus_files() -> list[Path]:
    """Return the essay files the evaluation imports: the seeds and relevance/corpus/."""
    return [path for folder in CORPUS_DIRS for path in sorted(folder.glob("*.txt"))]


def corpus_ids() -> set[str]:
    """Return the essays' ids as judgments name them: the files' stems."""
    return {path.stem for path in corpus_files()}


def load_queries(path: Path = QUERIES) -> list[Query]:
    """Return the judged queries, failing with the query's id when one is malformed."""
    queries = []
    for raw in yaml.safe_load(path.read_text(encoding="utf-8")):
        query = Query(
            id=raw["id"],
            category=raw["category"],
            kind=raw["kind"],
            q=str(raw["q"]),
            need=raw.get("need", ""),
            judgments={str(k): int(v) for k, v in raw["judgments"].items()},
            filters={str(k): str(v) for k, v in (raw.get("filters") or {}).items()},
        )
        problems = _problems(query)
        if problems:
            raise ValueError(f"{path.name}, query {query.id}: {'; '.join(problems)}")
        queries.append(query)
    return queries


def _problems(query: Query) -> list[str]:
    problems = []
    if query.category not in CATEGORIES:
        problems.append(f"unknown category {query.category!r}")
    if query.kind not in KINDS:
        problems.append(f"kind must be one of {KINDS}")
    if any(grade not in (1, 2, 3) for grade in query.judgments.values()):
        problems.append("grades are 1, 2 or 3 (unlisted essays are 0)")
    if 3 not in query.judgments.values():
        problems.append("no essay graded 3")
    if set(query.filters) - set(FILTERS):
        problems.append(f"filters are among {FILTERS}")
    return problems


def load_misspellings(path: Path = MISSPELLINGS) -> list[Misspelling]:
    """Return the misspelling list."""
    return [Misspelling(**raw) for raw in yaml.safe_load(path.read_text(encoding="utf-8"))]
