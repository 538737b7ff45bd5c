"""An essay's stored versions as a curator reads them: its fields, byline and topics, and what
changed from one version to the next."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.db import models
from reversion.models import Version

from archive.history.textdiff import Block, paragraph_diff, word_diff
from archive.models import (
    LANGUAGE_CHOICES,
    Author,
    Authorship,
    DatePrecision,
    Essay,
    Republication,
    Source,
    Topic,
)


def essay_versions(essay_id: int) -> models.QuerySet[Version]:
    """Return every stored version of an essay (also of a deleted one), newest first."""
    return (
        Version.objects.get_for_object_reference(Essay, essay_id)
        .select_related("revision", "revision__user")
        .order_by("-revision__date_created", "-pk")
    )


def deleted_essays(query: str = "") -> models.QuerySet[Version]:
    """Return the last version of every deleted essay, most recently deleted first."""
    versions = Version.objects.get_deleted(Essay).select_related("revision", "revision__user")
    if query:
        versions = versions.filter(object_repr__icontains=query)
    return versions.order_by("-revision__date_created", "-pk")


def name_of(model: type[models.Model], pk) -> str:
    """Return what a row is called now, or in its last version if it has been deleted."""
    if pk is None:
        return ""
    row = model._default_manager.filter(pk=pk).first()
    if row is not None:
        return str(row)
    last = Version.objects.get_for_object_reference(model, pk).order_by("-pk").first()
    return f"{last.object_repr} (deleted)" if last else f"#{pk} (deleted)"


@dataclass
class EssaySnapshot:
    """One stored version of an essay: its own fields and the parts stored with it."""

    version: Version
    fields: dict = field(repr=False)
    authorships: list[dict] = field(repr=False)  # author_id and position, in byline order
    republications: list[dict] = field(repr=False)

    @classmethod
    def of(cls, version: Version) -> EssaySnapshot:
        essay_id = int(version.object_id)
        parts = version.revision.version_set.filter(
            content_type__in=ContentType.objects.get_for_models(Authorship, Republication).values()
        )
        authorships, republications = [], []
        for part in parts:
            data = part.field_dict
            if data.get("essay_id") != essay_id:
                continue
            target = authorships if part._model is Authorship else republications
            target.append(data)
        authorships.sort(key=lambda data: (data["position"], data["id"]))
        republications.sort(key=lambda data: (data["date"] or datetime.date.max, data["id"]))
        return cls(version, version.field_dict, authorships, republications)

    @property
    def essay_id(self) -> int:
        return int(self.version.object_id)

    @property
    def title(self) -> str:
        return self.fields["title"]

    @property
    def revision(self):
        return self.version.revision

    @cached_property
    def byline(self) -> str:
        names = [name_of(Author, data["author_id"]) for data in self.authorships]
        return "; ".join(names) or "Author unknown"

    @cached_property
    def topic_names(self) -> str:
        return ", ".join(sorted(name_of(Topic, pk) for pk in self.fields.get("topics", [])))

    def display(self) -> list[tuple[str, str]]:
        """Return (label, value) pairs of everything a curator can change, as text."""
        f = self.fields
        return [
            ("Title", f["title"]),
            (
                "Slug",
                f["slug"] + (" (kept when the title changes)" if f.get("slug_is_manual") else ""),
            ),
            ("Authors", self.byline),
            ("Status", dict(Essay.Status.choices).get(f["status"], f["status"])),
            ("Date", DatePrecision(f["date_precision"]).format(f["published_on"])),
            ("Language", dict(LANGUAGE_CHOICES).get(f["language"], f["language"])),
            ("Source", name_of(Source, f.get("source_id"))),
            ("Topics", self.topic_names),
            ("Standfirst", f["standfirst"]),
            ("Body", f["body_text"]),
            ("Author notes", f["author_notes"]),
            ("Disclaimer", f["disclaimer"]),
            ("Original publication", f["original_publication"]),
            ("Original URL", f["original_url"]),
            ("Original date", _date(f["original_date"], f["original_date_precision"])),
            ("Original note", f["original_note"]),
            ("Republications", "; ".join(_republication(data) for data in self.republications)),
        ]


@dataclass
class Change:
    """One field that differs between two versions, ready for display."""

    label: str
    old: str
    new: str
    pieces: list[tuple[str, str]] = field(default_factory=list)  # a word diff of short text
    blocks: list[Block] = field(default_factory=list)  # a paragraph diff of the body


LONG_TEXT = {"Body", "Standfirst", "Author notes", "Disclaimer"}


def changes_between(old: EssaySnapshot | None, new: EssaySnapshot) -> list[Change]:
    """Return what differs from `old` to `new` (everything, when there is no older version)."""
    before = dict(old.display()) if old else {}
    changes = []
    for label, value in new.display():
        previous = before.get(label, "")
        if previous == value:
            continue
        change = Change(label, previous, value)
        if label in LONG_TEXT:
            change.blocks = paragraph_diff(previous, value)
        else:
            change.pieces = word_diff(previous, value)
        changes.append(change)
    return changes


def changed_labels(old: EssaySnapshot | None, new: EssaySnapshot) -> list[str]:
    return [change.label for change in changes_between(old, new)] if old else []


def _date(value: datetime.date | None, precision: str) -> str:
    return DatePrecision(precision).format(value) if value else ""


def _republication(data: dict) -> str:
    date = _date(data["date"], data["date_precision"])
    return ", ".join(part for part in (data["publication"], date, data["url"]) if part)
