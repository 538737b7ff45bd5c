"""Store a ParsedEssay: create or update the essay it came from, never a duplicate.

An essay is found again by its `import_key` (the file stem, or the sidecar's "id"). When the
file and sidecar are byte for byte what was imported last time (`import_checksum`), nothing is
written, so edits a curator made in the admin since then survive a re-import of the same file.
When the file changed, the fields the file determines are overwritten from it; the slug is
kept (links stay stable) and the status is only changed when the sidecar gives one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from archive.importing.authors import AuthorMatch, find_or_create_author
from archive.importing.failure import ImportFailure
from archive.importing.records import ParsedEssay, PublicationData, SourceData
from archive.models import Authorship, DatePrecision, Essay, Republication, Source, Topic
from archive.sanitize import text_to_html

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class ImportOutcome:
    """What importing one file did (or, in a dry run, would do) to the archive."""

    action: str  # CREATED, UPDATED or UNCHANGED
    essay: Essay  # in a dry run, a rolled-back row: read it, don't link to it
    name: str
    changed: list[str] = field(default_factory=list)
    dry_run: bool = False
    # For the report: what was parsed, and which archive author each name became (not
    # worked out when the file is unchanged since its last import).
    parsed: ParsedEssay | None = None
    authors: list[AuthorMatch] = field(default_factory=list)
    source_created: bool = False

    def __str__(self) -> str:
        verb = {CREATED: "would create", UPDATED: "would update", UNCHANGED: "unchanged"}
        action = verb[self.action] if self.dry_run else self.action
        detail = f" ({', '.join(self.changed)})" if self.changed and self.action == UPDATED else ""
        return f"{self.name}: {action}: {self.essay.title}{detail}"


def save_parsed_essay(parsed: ParsedEssay, *, dry_run: bool = False) -> ImportOutcome:
    """Create or update the essay for `parsed` in one transaction (rolled back in a dry run)."""
    try:
        with transaction.atomic():
            outcome = _create_or_update(parsed)
            outcome.dry_run = dry_run
            outcome.parsed = parsed
            if dry_run:
                transaction.set_rollback(True)
    except ValidationError as exc:
        raise ImportFailure(parsed.name, f"invalid data: {_validation_reason(exc)}") from exc
    except DatabaseError as exc:
        raise ImportFailure(parsed.name, f"database refused the essay: {exc}") from exc
    return outcome


def _create_or_update(parsed: ParsedEssay) -> ImportOutcome:
    essay = Essay.objects.filter(import_key=parsed.import_key).first()
    if essay is not None and essay.import_checksum == parsed.checksum:
        return ImportOutcome(UNCHANGED, essay, parsed.name)
    source_existed = bool(parsed.source) and Source.objects.filter(name=parsed.source.name).exists()

    created = essay is None
    if essay is None:
        essay = Essay(import_key=parsed.import_key, status=Essay.Status.PUBLISHED)
    before = {name: getattr(essay, name) for name in _ESSAY_FIELDS}
    if parsed.status:
        essay.status = parsed.status
    for name, value in _essay_values(parsed).items():
        setattr(essay, name, value)
    essay.full_clean(exclude=["slug", "body_text", "word_count"])
    essay.save()

    changed = [name for name in _ESSAY_FIELDS if getattr(essay, name) != before[name]]
    changed = [_FIELD_LABELS.get(name, name) for name in changed if name != "import_checksum"]
    matches = [find_or_create_author(data) for data in parsed.authors]
    if _sync_authors(essay, matches):
        changed.append("authors")
    if _sync_topics(essay, parsed.topics):
        changed.append("topics")
    if _sync_republications(essay, parsed.republications):
        changed.append("republications")
    action = CREATED if created else UPDATED if changed else UNCHANGED
    outcome = ImportOutcome(action, essay, parsed.name, changed, authors=matches)
    outcome.source_created = bool(parsed.source) and not source_existed
    return outcome


_ESSAY_FIELDS = [
    "title", "standfirst", "body", "language", "published_on", "date_precision", "status",
    "source_id", "author_notes", "disclaimer", "original_publication", "original_url",
    "original_date", "original_date_precision", "original_note", "import_checksum",
]  # fmt: skip
_FIELD_LABELS = {"source_id": "source"}


def _essay_values(parsed: ParsedEssay) -> dict[str, object]:
    original = parsed.original_publication or PublicationData(name="")
    return {
        "title": parsed.title,
        "standfirst": parsed.standfirst,
        "body": parsed.body_html or text_to_html(parsed.paragraphs),
        "language": parsed.language,
        "published_on": parsed.published_on,
        "date_precision": parsed.date_precision,
        "source": _source(parsed.source),
        "author_notes": parsed.author_notes,
        "disclaimer": parsed.disclaimer,
        "original_publication": original.name,
        # The sidecar's "url" is where this text was found; it is the original's URL
        # unless original_publication names one of its own.
        "original_url": original.url or parsed.url,
        "original_date": original.date,
        "original_date_precision": original.date_precision or DatePrecision.DAY,
        "original_note": parsed.original_note or original.note,
        "import_checksum": parsed.checksum,
    }


def _source(data: SourceData | None) -> Source | None:
    """Return the source named `data`, created if new; fill in its URL and disclaimer if blank."""
    if data is None:
        return None
    source = Source.objects.filter(name=data.name).first() or Source(name=data.name)
    dirty = source.pk is None
    for name in ("url", "disclaimer"):
        if getattr(data, name) and not getattr(source, name):
            setattr(source, name, getattr(data, name))
            dirty = True
    if dirty:
        source.full_clean(exclude=["slug"], validate_unique=False)
        source.save()
    return source


def _sync_authors(essay: Essay, wanted: list[AuthorMatch]) -> bool:
    """Make the byline exactly `wanted`, in order; return whether it changed."""
    author_ids = list(dict.fromkeys(match.author.pk for match in wanted))
    current = list(essay.authorships.order_by("position").values_list("author_id", flat=True))
    if current == author_ids:
        return False
    essay.authorships.all().delete()
    Authorship.objects.bulk_create(
        Authorship(essay=essay, author_id=author_id, position=position)
        for position, author_id in enumerate(author_ids)
    )
    return True


def _sync_topics(essay: Essay, names: list[str]) -> bool:
    topic_ids = {Topic.objects.get_or_create(name=name)[0].pk for name in names}
    if set(essay.topics.values_list("pk", flat=True)) == topic_ids:
        return False
    essay.topics.set(topic_ids)
    return True


def _sync_republications(essay: Essay, wanted: list[PublicationData]) -> bool:
    def key(pub: PublicationData | Republication) -> tuple:
        name = pub.publication if isinstance(pub, Republication) else pub.name
        return (name, pub.url, pub.date, str(pub.date_precision), pub.note)

    current = [key(r) for r in essay.republications.order_by("id")]
    if current == [key(p) for p in wanted]:
        return False
    essay.republications.all().delete()
    for pub in wanted:
        republication = Republication(
            essay=essay,
            publication=pub.name,
            url=pub.url,
            date=pub.date,
            date_precision=pub.date_precision,
            note=pub.note,
        )
        republication.full_clean()
        republication.save()
    return True


def _validation_reason(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)
