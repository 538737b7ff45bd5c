"""The two systems measured: the archive's search page (through Django's test client, as a
reader's browser asks it) and the FTS5 yardstick of the benchmark over the same essays.

Needs Django set up against the evaluation's own database and index (relevance/run.py).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.test import Client
from django.urls import resolve, reverse
from lxml import html

from archive.models import Author, Essay, Source, Topic
from bench import fts5

COUNT = re.compile(r"(\d[\d,]*)\s+essays?\b")
SLUG_MODELS = {"author": Author, "source": Source, "topic": Topic}


@dataclass(frozen=True)
class Page:
    """What the search page shows for one query: the essays of the first page in order (ids),
    how many essays it says were found, and its "did you mean" suggestion."""

    status: int
    essay_pks: list[int]
    total: int
    suggestion: str | None


def _classes(name: str) -> str:
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


def read_page(status: int, content: bytes) -> Page:
    """Return what a rendered search page shows (see Page); nothing for an error page."""
    if status != 200:
        return Page(status, [], 0, None)
    doc = html.fromstring(content)
    hrefs = doc.xpath(
        f"//*[{_classes('search-results')}]//*[{_classes('essay-card__title')}]//a/@href"
    )
    pks = [int(resolve(urlsplit(href).path).kwargs["pk"]) for href in hrefs]
    count = " ".join(doc.xpath(f"//*[{_classes('search-count')}]//text()"))
    match = COUNT.search(count)
    suggestion = doc.xpath(f"//*[{_classes('search-suggestion')}]//a")
    return Page(
        status=status,
        essay_pks=pks,
        total=int(match.group(1).replace(",", "")) if match else 0,
        suggestion=suggestion[0].text_content().strip() if suggestion else None,
    )


class ArchivePage:
    """The archive's search page, asked as a browser would ask it."""

    def __init__(self) -> None:
        self.client = Client()
        self.url = reverse("search:search")

    def search(self, q: str, filters: dict[str, str] | None = None) -> Page:
        params = {"q": q}
        for name, value in (filters or {}).items():
            params[name] = _slug(name, value) if name in SLUG_MODELS else value
        response = self.client.get(self.url, params)
        return read_page(response.status_code, response.content)


def _slug(name: str, display_name: str) -> str:
    model = SLUG_MODELS[name]
    return model.objects.filter(name=display_name).values_list("slug", flat=True).first() or "-"


def fts_rows() -> list[fts5.FtsRow]:
    """Return every published essay as an FTS5 row holding all the text its page prints but the
    publisher's disclaimer: title, standfirst, body, biographies, original-publication note,
    authors, source and topics (what the archive indexes too, its notes weighted lower)."""
    rows = []
    for essay in Essay.objects.published().for_listing().order_by("pk"):
        parts = (essay.standfirst, essay.body_text, essay.author_notes, essay.original_note)
        rows.append(
            fts5.FtsRow(
                id=essay.pk,
                title=essay.title,
                body="\n\n".join(part for part in parts if part),
                authors=[author.name for author in essay.ordered_authors],
                source=essay.source.name if essay.source else "",
                topics=[topic.name for topic in essay.topics.all()],
                language=essay.language,
                date=essay.published_on.isoformat() if essay.published_on else "",
            )
        )
    return rows


class Fts5Yardstick:
    """SQLite FTS5 (porter tokenizer, bm25) over the same essays, bench/fts5.py's translation."""

    def __init__(self, path: Path) -> None:
        fts5.build(path, fts_rows())
        self.db = sqlite3.connect(path)

    def search(self, q: str, filters: dict[str, str] | None = None) -> list[int]:
        """Return the top ten essay ids; none when FTS5 rejects the translated query."""
        try:
            return [row[0] for row in fts5.search(self.db, q, dict(filters or {}))]
        except sqlite3.Error:
            return []
