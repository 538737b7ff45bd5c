"""Build archive data for tests through the real models (so every save path is exercised)."""

from __future__ import annotations

import datetime
import itertools

from archive.models import Author, Authorship, DatePrecision, Essay, Source, Topic

_seq = itertools.count(1)


def make_source(name: str | None = None, **fields) -> Source:
    return Source.objects.create(name=name or f"Source {next(_seq)}", **fields)


def make_author(name: str | None = None, **fields) -> Author:
    return Author.objects.create(name=name or f"Author Number{next(_seq)}", **fields)


def make_topic(name: str | None = None, **fields) -> Topic:
    return Topic.objects.create(name=name or f"Topic {next(_seq)}", **fields)


def make_essay(
    title: str | None = None,
    *,
    paragraphs: list[str] | None = None,
    authors: list[Author] | None = None,
    topics: list[Topic] | None = None,
    published_on: datetime.date | None = datetime.date(2013, 6, 17),
    date_precision: str = DatePrecision.DAY,
    status: str = Essay.Status.PUBLISHED,
    **fields,
) -> Essay:
    """Create an essay with its authors (in order) and topics."""
    paragraphs = paragraphs or [
        "Arms control negotiations between Washington and Moscow resumed.",
        "Both sides discussed missile defense cooperation and strategic stability.",
    ]
    essay = Essay.objects.create(
        title=title or f"Essay {next(_seq)}",
        body="".join(f"<p>{p}</p>" for p in paragraphs),
        published_on=published_on,
        date_precision=date_precision,
        status=status,
        **fields,
    )
    for position, author in enumerate(authors or []):
        Authorship.objects.create(essay=essay, author=author, position=position)
    if topics:
        essay.topics.set(topics)
    return essay
