"""The search box's query language, read leniently into a well-formed query for any backend.

Syntax (Lucene-style, understood by Whoosh, Elasticsearch and Solr alike): words (all must
match), "a phrase", OR, AND, NOT / -word, prefix*, and the fields title:, author:, source:,
topic:. Whatever the user typed, `read_query` returns a query that parses, plus a note when it
had to drop something (an unbalanced quote or parenthesis, a lone operator, an unknown field, a
leading wildcard), so the page can say "showing results for …" instead of failing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
FIELDS = {
    "title": "title",
    "author": "author_names",
    "source": "source_name",
    "topic": "topic_names",
}
OPERATORS = {"AND", "OR", "NOT"}
QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‟": '"', "＂": '"'})
WORD = r"\w+(?:(?:\.-|[.\-'’‘])\w+)*\.?"
TOKEN = re.compile(
    rf"""(?P<phrase>"[^"]*")
    |(?P<field>[A-Za-z_]+):(?=["\w(])
    |(?P<open>\()|(?P<close>\))
    |(?P<sign>[-+])(?=["\w(])
    |(?P<word>{WORD})(?P<star>\*)?
    |(?P<junk>\S)""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Reading:
    """A user's query as the backend will get it, and whether it differs from what was typed."""

    query: str
    adjusted: bool = False

    def __bool__(self) -> bool:
        return bool(self.query)


def clean_text(text: str) -> str:
    """Return `text` with control and format characters (NUL, RTL marks …) turned into spaces."""
    return "".join(
        " " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") else c for c in text
    ).translate(QUOTES)


def _balance_quotes(text: str) -> tuple[str, bool]:
    if text.count('"') % 2 == 0:
        return text, False
    i = text.rfind('"')
    return text[:i] + " " + text[i + 1 :], True


def read_query(text: str) -> Reading:
    """Return the well-formed reading of a user's query (see the module docstring)."""
    text, adjusted = _balance_quotes(clean_text(text).strip())
    out: list[str] = []
    depth = 0
    field: str | None = None
    terms = 0
    for m in TOKEN.finditer(text):
        kind = m.lastgroup if m.lastgroup != "star" else "word"
        value = m.group(kind)
        if kind == "junk":
            adjusted = adjusted or value not in ".,;!?"
            continue
        if kind == "field":
            name = value.lower()
            if name in FIELDS:
                field = FIELDS[name]
            else:
                adjusted = True  # unknown field: search its value as plain words
            continue
        if kind == "open":
            out.append("(")
            depth += 1
            continue
        if kind == "close":
            if depth == 0:
                adjusted = True
                continue
            out.append(")")
            depth -= 1
            continue
        if kind == "sign":
            out.append("-" if value == "-" else "")
            continue
        if kind == "word" and value in OPERATORS:
            out.append(value)
            continue
        if kind == "phrase":
            words = re.findall(WORD, value)
            if not words:
                adjusted = True
                continue
            value = '"' + " ".join(words) + '"'
        elif m.group("star"):
            if len(value.rstrip(".")) < 2:
                adjusted = True
            else:
                value = value.rstrip(".") + "*"
        terms += 1
        if terms > MAX_TERMS:
            adjusted = True
            break
        out.append((f"{field}:" if field else "") + value)
        field = None
    out += [")"] * depth
    adjusted = adjusted or depth > 0
    tidy, changed = _tidy(out)
    return Reading(" ".join(tidy), adjusted or changed)


def _tidy(tokens: list[str]) -> tuple[list[str], bool]:
    """Drop operators with nothing to join, signs with nothing to sign, and empty groups."""
    dropped = False
    while True:
        out: list[str] = []
        skip_next = False
        for i, tok in enumerate(tokens):
            if skip_next:
                skip_next = False
                continue
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            prev = out[-1] if out else None
            if tok == "(" and nxt == ")":
                skip_next = True
                continue
            if tok in ("AND", "OR") and (
                prev in (None, "(", "AND", "OR", "NOT", "-", "") or nxt in (None, ")", "AND", "OR")
            ):
                continue
            if tok in ("NOT", "-", "") and nxt in (None, ")", "AND", "OR", "NOT", "-", ""):
                continue
            out.append(tok)
        if out == tokens:
            break
        dropped = dropped or [t for t in out if t] != [t for t in tokens if t]
        tokens = out
    # A sign is written against its operand: "-word", not "- word".
    joined: list[str] = []
    for tok in tokens:
        if joined and joined[-1] == "-":
            joined[-1] = "-" + tok
        elif tok != "":
            joined.append(tok)
    return joined, dropped


def user_part(backend_query: str | None) -> str | None:
    """Return the user's part of a query the view built as "(reading) AND filters…", written
    with the user's field names again (for "did you mean" links)."""
    if not backend_query or not backend_query.startswith("("):
        return backend_query or None
    depth = 0
    for i, char in enumerate(backend_query):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            text = backend_query[1:i].strip()
            break
    else:
        text = backend_query.strip("()")
    for name, field in FIELDS.items():
        text = text.replace(f"{field}:", f"{name}:")
    return text or None
