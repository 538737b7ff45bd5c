"""Store a ParsedEssay: create its essay, or merge it into the essay it is, never into another.

Which essay a file is comes from its identity (identity.py): the sidecar's id or the file's
path, or, for an upload, the essay the curator chose. A file with a new identity whose text
the archive already holds (text_fingerprint, of the text now or of the text last imported)
is a duplicate: reported and not imported, unless the curator asks for it. An essay imported
before identities were paths is found by its old key ("legacy:<stem>") and taken over when
its text shows it is the same essay. When the file and sidecar are byte for byte what was
imported last time (`import_checksum`), nothing is written; otherwise merge.py decides field
by field what the file may change. Every write goes through Essay.save(), so sanitizing, the
slug, history and the search index follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q

from archive.fingerprints import text_fingerprint
from archive.importing.authors import AuthorMatch, find_author, find_or_create_author
from archive.importing.differences import Conflict, describe_conflict
from archive.importing.failure import ImportFailure
from archive.importing.identity import FILE, LEGACY, describe_key
from archive.importing.merge import (
    CONFLICT,
    DATE_FIELDS,
    KEEP,
    LABELS,
    TEXT_FIELDS,
    ImportRecord,
    MergePlan,
    digest,
    essay_field_values,
    has_open_conflicts,
    new_record,
    plan_merge,
    record_written,
    stored_values,
)
from archive.importing.records import ParsedEssay, PublicationData, SourceData
from archive.importing.similarity import same_essay
from archive.models import Authorship, DatePrecision, Essay, Republication, Source, Topic
from archive.sanitize import sanitize_html

CREATED, UPDATED, UNCHANGED, DUPLICATE = "created", "updated", "unchanged", "duplicate"


@dataclass
class ImportOptions:
    """How to import: what the command's flags and the upload's boxes say."""

    dry_run: bool = False
    prefer_file: bool = False  # take the file's value where it and a curator both changed a field
    allow_duplicate: bool = False  # import a text the archive already holds
    # None: as the sidecar says (a new essay is published); True or False: the curator's choice.
    publish: bool | None = None
    upload: bool = False  # an upload creates a new essay unless `essay_id` names one to update
    essay_id: int | None = None


@dataclass
class ImportOutcome:
    """What importing one file did (or, in a dry run, would do) to the archive."""

    action: str  # CREATED, UPDATED, UNCHANGED or DUPLICATE (not imported)
    essay: Essay  # in a dry run, a rolled-back row: read it, don't link to it; DUPLICATE: the match
    name: str
    changed: list[str] = field(default_factory=list)
    dry_run: bool = False
    # For the report: what was parsed, and which archive author each name became (not
    # worked out when the file is unchanged since its last import).
    parsed: ParsedEssay | None = None
    authors: list[AuthorMatch] = field(default_factory=list)
    source_created: bool = False
    conflicts: list[Conflict] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # changed by a curator only: left as they are
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        verb = {CREATED: "would create", UPDATED: "would update", UNCHANGED: "unchanged"}
        action = verb.get(self.action, self.action) if self.dry_run else self.action
        if self.action == DUPLICATE:
            return f"{self.name}: duplicate of {describe_essay(self.essay)}: not imported"
        detail = f" ({', '.join(self.changed)})" if self.changed and self.action == UPDATED else ""
        return f"{self.name}: {action}: {self.essay.title}{detail}"


def describe_essay(essay: Essay) -> str:
    """Return "essay #12 “Title” (imported from a/essay.txt)", for a duplicate's report."""
    if essay.pk is None:  # created earlier in a dry run, so rolled back
        return essay.title
    return f"essay #{essay.pk} “{essay.title}” ({imported_from(essay)})"


def imported_from(essay: Essay) -> str:
    """Return where an essay came from, as a curator knows it."""
    record = ImportRecord.load(essay.import_record)
    if essay.import_key and essay.import_key.startswith(FILE):
        return f"imported from {describe_key(essay.import_key)}"
    if record.name:
        return f"imported from {record.name}"
    return "added in the admin" if not essay.import_key else describe_key(essay.import_key)


class ImportRun:
    """What one run (a command, an upload) has done so far, for what a dry run rolls back: the
    texts it created and the old keys it took over, so that its report is the real run's."""

    def __init__(self) -> None:
        self.created_texts: dict[str, str] = {}  # fingerprint: file name
        self.adopted: set[str] = set()
        self._has_legacy_keys: bool | None = None

    @property
    def has_legacy_keys(self) -> bool:
        """Whether any essay still has a key from before paths were identities (asked once: a
        run takes them over, it never makes new ones)."""
        if self._has_legacy_keys is None:
            self._has_legacy_keys = Essay.objects.filter(import_key__startswith=LEGACY).exists()
        return self._has_legacy_keys


def save_parsed_essay(
    parsed: ParsedEssay, options: ImportOptions | None = None, *, run: ImportRun | None = None
) -> ImportOutcome:
    """Create or update the essay for `parsed` in one transaction (rolled back in a dry run)."""
    options = options or ImportOptions()
    run = run or ImportRun()
    try:
        with transaction.atomic():
            outcome = _import(parsed, options, run)
            outcome.dry_run = options.dry_run
            outcome.parsed = parsed
            if options.dry_run:
                transaction.set_rollback(True)
    except ValidationError as exc:
        raise ImportFailure(parsed.name, f"invalid data: {_validation_reason(exc)}") from exc
    except DatabaseError as exc:
        raise ImportFailure(parsed.name, f"database refused the essay: {exc}") from exc
    if outcome.action == CREATED and parsed.fingerprint:
        run.created_texts.setdefault(parsed.fingerprint, parsed.name)
    return outcome


def _import(parsed: ParsedEssay, options: ImportOptions, run: ImportRun) -> ImportOutcome:
    essay, notes = _find_essay(parsed, options, run)
    if essay is not None and _unchanged_since_imported(essay, parsed, options):
        return ImportOutcome(UNCHANGED, essay, parsed.name, notes=notes)
    _fingerprint(parsed)
    if essay is None:
        duplicate = None if options.allow_duplicate else _find_duplicate(parsed, options, run)
        if duplicate is not None:
            return duplicate
        outcome = _create(parsed, options)
    else:
        file_is_base = essay.import_checksum == parsed.checksum
        outcome = _update(essay, parsed, options, file_is_base)
    outcome.notes[:0] = notes
    return outcome


def _fingerprint(parsed: ParsedEssay) -> str:
    if not parsed.fingerprint:
        parsed.fingerprint = text_fingerprint("\n".join(parsed.paragraphs))
    return parsed.fingerprint


def _unchanged_since_imported(essay: Essay, parsed: ParsedEssay, options: ImportOptions) -> bool:
    """Return whether the file is the one imported last, with nothing left to decide."""
    if essay.import_checksum != parsed.checksum or not essay.import_record:
        return False
    return not (options.prefer_file and has_open_conflicts(essay.import_record))


# --- which essay ------------------------------------------------------------------------


def _find_essay(
    parsed: ParsedEssay, options: ImportOptions, run: ImportRun
) -> tuple[Essay | None, list[str]]:
    key = parsed.import_key
    holder = Essay.objects.filter(import_key=key).first() if key else None
    if options.essay_id is not None:
        essay = Essay.objects.filter(pk=options.essay_id).first()
        if essay is None:
            raise ImportFailure(parsed.name, f"essay #{options.essay_id} no longer exists")
        if holder is not None and holder.pk != essay.pk:
            raise _key_taken(parsed, holder, "choose that essay to update, or remove the id")
        essay.import_key = essay.import_key or key
        return essay, []
    if holder is not None and options.upload:
        raise _key_taken(
            parsed, holder, "to update it, upload this file alone and choose that essay"
        )
    if holder is not None or options.upload:
        return holder, []
    return _adopt_legacy(parsed, run)


def _key_taken(parsed: ParsedEssay, holder: Essay, advice: str) -> ImportFailure:
    return ImportFailure(
        parsed.name,
        f"its {describe_key(parsed.import_key)} belongs to essay #{holder.pk} “{holder.title}”: "
        f"{advice}",
    )


def _adopt_legacy(parsed: ParsedEssay, run: ImportRun) -> tuple[Essay | None, list[str]]:
    """Return the essay imported under this file's pre-upgrade key, if it is this essay."""
    key = parsed.legacy_key
    essay = Essay.objects.filter(import_key=key).first() if key and run.has_legacy_keys else None
    if essay is None or key in run.adopted:
        return None, []
    old = key[len(LEGACY) :]
    by_id = bool(parsed.sidecar_id)
    _fingerprint(parsed)
    if not (by_id or essay.import_checksum == parsed.checksum or same_essay(essay, parsed)):
        return None, [
            f"essay #{essay.pk} “{essay.title}”, imported before from a file named “{old}”, "
            "holds another text: not taken for this file"
        ]
    run.adopted.add(key)
    essay.import_key = parsed.import_key
    Essay.objects.filter(pk=essay.pk).update(import_key=essay.import_key)
    what = f"sidecar id “{old}”" if by_id else f"a file named “{old}”"
    return essay, [f"found again: imported before this upgrade from {what}"]


def _find_duplicate(
    parsed: ParsedEssay, options: ImportOptions, run: ImportRun
) -> ImportOutcome | None:
    fingerprint = parsed.fingerprint
    if not fingerprint:
        return None
    match = (
        Essay.objects.filter(Q(text_fingerprint=fingerprint) | Q(import_fingerprint=fingerprint))
        .order_by("pk")
        .first()
    )
    if match is None and fingerprint in run.created_texts:  # created earlier in this dry run
        match = Essay(title=f"the essay of {run.created_texts[fingerprint]}, earlier in this run")
    if match is None:
        return None
    advice = (
        "tick “Import duplicates” to import it anyway"
        if options.upload
        else "--allow-duplicates imports it anyway"
    )
    return ImportOutcome(DUPLICATE, match, parsed.name, notes=[f"the same text: {advice}"])


# --- writing ----------------------------------------------------------------------------


def _create(parsed: ParsedEssay, options: ImportOptions) -> ImportOutcome:
    source_existed = bool(parsed.source) and Source.objects.filter(name=parsed.source.name).exists()
    essay = Essay(import_key=parsed.import_key, status=_new_status(parsed, options))
    _set_fields(essay, parsed, list(TEXT_FIELDS) + list(DATE_FIELDS))
    essay.source = _source(parsed.source)
    _set_bookkeeping(essay, parsed)
    essay.full_clean(exclude=["slug", "body_text", "word_count"])
    essay.save()
    matches = [find_or_create_author(data) for data in parsed.authors]
    _sync_authors(essay, matches)
    topic_ids = _sync_topics(essay, parsed.topics)[1]
    _sync_republications(essay, parsed.republications)
    stored = _stored_after_create(essay, matches, topic_ids, parsed)
    _save_record(essay, new_record(parsed, stored))
    outcome = ImportOutcome(CREATED, essay, parsed.name, authors=matches)
    outcome.source_created = bool(parsed.source) and not source_existed
    if parsed.status and options.publish is not None:
        outcome.notes.append(f"the sidecar's status “{parsed.status}” is left to the curator")
    return outcome


def _new_status(parsed: ParsedEssay, options: ImportOptions) -> str:
    if options.publish is None:
        return parsed.status or Essay.Status.PUBLISHED
    return Essay.Status.PUBLISHED if options.publish else Essay.Status.DRAFT


def _update(
    essay: Essay, parsed: ParsedEssay, options: ImportOptions, file_is_base: bool
) -> ImportOutcome:
    if options.publish is not None:
        parsed.status = None  # an upload's status is the curator's choice, not the sidecar's
    before = stored_values(essay)
    base = ImportRecord.load(essay.import_record)
    plan = plan_merge(
        base, parsed, before, file_is_base=file_is_base, prefer_file=options.prefer_file
    )
    outcome = ImportOutcome(UNCHANGED, essay, parsed.name)
    # Said before writing: a conflict the file wins shows the value it replaced.
    outcome.conflicts = [
        describe_conflict(label, essay, parsed, file_taken=plan.prefer_file)
        for label in plan.labels(CONFLICT)
    ]
    outcome.kept = plan.labels(KEEP)
    outcome.authors = _write(essay, parsed, plan, outcome)
    if options.publish:
        essay.status = Essay.Status.PUBLISHED
    # Only what was written can have changed.
    after = {**before, **stored_values(essay, [*plan.to_write, "status"])}
    changed = [label for label in LABELS if digest(after[label]) != digest(before[label])]
    _set_bookkeeping(essay, parsed)
    if changed:
        essay.full_clean(exclude=["slug", "body_text", "word_count"])
        essay.save()
    record_written(plan, parsed, after)
    _save_record(essay, plan.record)
    outcome.action = UPDATED if changed else UNCHANGED
    outcome.changed = changed
    if not base.fields:
        outcome.notes.append(
            "no record of what this essay's last import held (imported before records were "
            "kept, or chosen for this upload): where the archive and the file differ, the "
            "archive's value is kept" + ("" if file_is_base else " and named as a conflict")
        )
    return outcome


def _write(
    essay: Essay, parsed: ParsedEssay, plan: MergePlan, outcome: ImportOutcome
) -> list[AuthorMatch]:
    """Set the fields the plan takes from the file; return the authors the file names."""
    taken = plan.to_write
    _set_fields(essay, parsed, [label for label in taken if label in (*TEXT_FIELDS, *DATE_FIELDS)])
    _clean_in_memory(essay, body="body" in taken)
    if "status" in taken and parsed.status:
        essay.status = parsed.status
    if "source" in taken:
        existed = bool(parsed.source) and Source.objects.filter(name=parsed.source.name).exists()
        essay.source = _source(parsed.source)
        outcome.source_created = bool(parsed.source) and not existed
    if "topics" in taken:
        _sync_topics(essay, parsed.topics)
    if "republications" in taken:
        _sync_republications(essay, parsed.republications)
    if "authors" in taken:
        matches = [find_or_create_author(data) for data in parsed.authors]
        _sync_authors(essay, matches)
        return matches
    return [find_author(data) for data in parsed.authors]


def _set_fields(essay: Essay, parsed: ParsedEssay, labels: list[str]) -> None:
    values = essay_field_values(parsed)
    for label in labels:
        names = DATE_FIELDS.get(label) or (TEXT_FIELDS[label],)
        for name in names:
            setattr(essay, name, values[name])


def _clean_in_memory(essay: Essay, *, body: bool) -> None:
    """Clean the values as Essay.save() will (it does so again, idempotently), so that what a
    re-import would change is compared as stored: a file's body as sanitized, a date as cut."""
    if body:
        essay.body = sanitize_html(essay.body)
    for date, precision in DATE_FIELDS.values():
        value = getattr(essay, date)
        if value:
            setattr(essay, date, DatePrecision(getattr(essay, precision)).truncate(value))


def _set_bookkeeping(essay: Essay, parsed: ParsedEssay) -> None:
    essay.import_checksum = parsed.checksum
    essay.import_fingerprint = parsed.fingerprint


def _save_record(essay: Essay, record: ImportRecord) -> None:
    """Store the record and the import's bookkeeping without a new version: neither is content."""
    essay.import_record = record.dump()
    Essay.objects.filter(pk=essay.pk).update(
        import_key=essay.import_key,
        import_checksum=essay.import_checksum,
        import_fingerprint=essay.import_fingerprint,
        import_record=essay.import_record,
    )


def _stored_after_create(
    essay: Essay, matches: list[AuthorMatch], topic_ids: set[int], parsed: ParsedEssay
) -> dict[str, object]:
    """Return what a new essay stores, from what was written (no queries)."""
    stored = {label: getattr(essay, name) for label, name in TEXT_FIELDS.items()}
    for label, (date, precision) in DATE_FIELDS.items():
        value = getattr(essay, date)
        stored[label] = [value.isoformat() if value else None, str(getattr(essay, precision))]
    stored["source"] = essay.source_id
    stored["authors"] = list(dict.fromkeys(match.author.pk for match in matches))
    stored["topics"] = sorted(str(pk) for pk in topic_ids)
    stored["republications"] = sorted(
        (
            [p.name, p.url, p.date.isoformat() if p.date else None, str(p.date_precision), p.note]
            for p in parsed.republications
        ),
        key=repr,
    )
    stored["status"] = essay.status
    return stored


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


def _sync_topics(essay: Essay, names: list[str]) -> tuple[bool, set[int]]:
    topic_ids = {Topic.objects.get_or_create(name=name)[0].pk for name in names}
    if set(essay.topics.values_list("pk", flat=True)) == topic_ids:
        return False, topic_ids
    essay.topics.set(topic_ids)
    return True, topic_ids


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
