"""The yardstick: SQLite FTS5 (porter tokenizer, bm25, snippet()) over the same corpus and queries.

The archive's query language is translated to FTS5's as closely as FTS5 allows:
- words and phrases (straight or typographic quotes) become FTS5 strings, so dotted and
  hyphenated tokens (U.S.-Russia) become phrases of their parts;
- AND / OR / NOT and parentheses pass through; `-term` becomes a trailing `NOT (...)`, because
  FTS5's NOT is binary;
- `term*` becomes an FTS5 prefix query;
- `title:` / `author:` / `source:` / `topic:` become column filters on indexed columns holding
  the title, the author names, the source name and the topic names (FTS5 has no keyword
  fields: a column filter matches words, not the exact name);
- facet filters (author, source, topic, year, language) become WHERE clauses on UNINDEXED
  columns, exact like a facet; `sort=date` orders by date instead of bm25.
FTS5's porter stemmer only stems English: Russian word forms do not match each other there.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE VIRTUAL TABLE essays USING fts5(
    title, body, authors, source, topics,
    language UNINDEXED, year UNINDEXED, date UNINDEXED, authors_k UNINDEXED, topics_k UNINDEXED,
    tokenize='porter unicode61'
)
"""
COLUMNS = {"title": "title", "author": "authors", "source": "source", "topic": "topics"}
_TOKEN = re.compile(r'\s*(?:(\()|(\))|(-)?(?:(\w+):)?("[^"]*"?|“[^”]*”?|[^\s()]+))')


@dataclass(frozen=True)
class FtsRow:
    """What the FTS5 table holds for one essay."""

    id: int
    title: str
    body: str
    authors: list[str]
    source: str
    topics: list[str]
    language: str
    date: str  # ISO date or ""


def build(path: Path, rows: Iterable[FtsRow]) -> int:
    """Create the FTS5 table at `path` from `rows` in one transaction; return the row count."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute(SCHEMA)
    count = 0
    with db:
        for row in rows:
            db.execute(
                "INSERT INTO essays (rowid, title, body, authors, source, topics, language, year,"
                " date, authors_k, topics_k) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    row.id,
                    row.title,
                    row.body,
                    " ; ".join(row.authors),
                    row.source,
                    " ; ".join(row.topics),
                    row.language,
                    row.date[:4],
                    row.date,
                    "|" + "|".join(row.authors) + "|",
                    "|" + "|".join(row.topics) + "|",
                ),
            )
            count += 1
    with db:
        db.execute("INSERT INTO essays(essays) VALUES ('optimize')")
    db.close()
    return count


def _string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def translate(q: str) -> str | None:
    """Return the FTS5 MATCH expression for the archive query `q`, or None if it has no terms."""
    positives: list[str] = []
    negatives: list[str] = []
    pending_not = False
    for match in _TOKEN.finditer(q):
        open_paren, close_paren, minus, field, atom = match.groups()
        if open_paren or close_paren:
            positives.append(open_paren or close_paren)
            continue
        if atom is None:
            continue
        if atom in ("AND", "OR") and not field:
            positives.append(atom)
            continue
        if atom == "NOT" and not field:
            pending_not = True
            continue
        if atom[0] in '"“':
            term = _string(atom.strip('"“”'))
        elif atom.endswith("*") and len(atom) > 1:
            term = _string(atom.rstrip("*")) + " *"
        else:
            term = _string(atom.strip("“”\"'"))
        if term in ('""', '"" *'):
            continue
        if field and field.lower() in COLUMNS:
            term = f"{COLUMNS[field.lower()]} : {term}"
        if minus or pending_not:
            negatives.append(term)
            pending_not = False
            if positives and positives[-1] in ("AND", "OR"):
                positives.pop()
        else:
            positives.append(term)
    while positives and positives[-1] in ("AND", "OR"):
        positives.pop()
    if not positives:
        return None
    expression = " ".join(positives)
    if negatives:
        expression = f"({expression}) NOT ({' OR '.join(negatives)})"
    return expression


def search(db: sqlite3.Connection, q: str, filters: dict[str, str]) -> list[tuple]:
    """Return the top ten (id, title, snippet) for `q` and the facet `filters`, like the page."""
    where, params = [], []
    expression = translate(q)
    if expression:
        where.append("essays MATCH ?")
        params.append(expression)
    for name, column in (("language", "language"), ("year", "year"), ("source", "source")):
        if name in filters:
            where.append(f"{column} = ?")
            params.append(filters[name])
    for name, column in (("author", "authors_k"), ("topic", "topics_k")):
        if name in filters:
            where.append(f"instr({column}, ?) > 0")
            params.append(f"|{filters[name]}|")
    order = "date DESC" if filters.get("sort") == "date" or not expression else "rank"
    snippet = (
        "snippet(essays, 1, '<mark>', '</mark>', '…', 24)" if expression else "substr(body, 1, 200)"
    )
    sql = (
        f"SELECT rowid, title, {snippet} FROM essays"
        f" WHERE {' AND '.join(where) or '1'} ORDER BY {order} LIMIT 10"
    )
    return db.execute(sql, params).fetchall()
