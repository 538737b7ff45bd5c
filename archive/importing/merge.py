"""The three-way merge a re-import makes, field by field (issue 12: re-import respects the curator).

Three versions of each field meet: what the file said when it was last imported (the base,
kept in `Essay.import_record`), what the file says now, and what the essay holds now.

- changed in the file only: the file's value is taken;
- changed by a curator only: the curator's value stays;
- changed in both, to different values: the curator's value stays and the conflict is
  reported with the file's value (or the file's is taken, when the curator asks for it);
- changed in both to the same value, or in neither: nothing to do.

Authors (in byline order), topics, republications, the source, the date with its precision
and the status are fields like the others. Whether the file changed is told from what it
says (so renaming an author in the archive is not a change of the file); whether a curator
changed a field, from what the essay stores (so a sanitized body or a matched author compares
as stored). The record keeps a short digest of each, not the values.

An essay without a record (imported before records were kept, or chosen for an upload) has no
base: where it differs from the file, the essay's value is kept as a conflict, unless the file
is byte for byte the one imported last, which makes the file itself the base.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.utils import timezone

from archive.importing.authors import find_author
from archive.importing.records import ParsedEssay, PublicationData
from archive.models import DatePrecision, Essay, Source, Topic
from archive.sanitize import sanitize_html, text_to_html

RECORD_VERSION = 1
# Essay fields that are one field each for the merge, by their label in reports.
TEXT_FIELDS = {
    "title": "title",
    "standfirst": "standfirst",
    "body": "body",
    "language": "language",
    "author notes": "author_notes",
    "disclaimer": "disclaimer",
    "original publication": "original_publication",
    "original URL": "original_url",
    "original note": "original_note",
}
DATE_FIELDS = {
    "date": ("published_on", "date_precision"),
    "original date": ("original_date", "original_date_precision"),
}
RELATIONS = ("source", "authors", "topics", "republications")
# Report order: what a curator looks at first.
LABELS = [
    "title", "authors", "date", "source", "standfirst", "body", "author notes", "disclaimer",
    "original publication", "original URL", "original date", "original note",
    "republications", "topics", "language", "status",
]  # fmt: skip
LONG_TEXTS = {"body", "standfirst", "author notes", "disclaimer"}

SAME, TAKE, KEEP, CONFLICT = "same", "take", "keep", "conflict"
OPEN = "open"  # in a field's record: the curator's value was kept over the file's


def essay_field_values(parsed: ParsedEssay) -> dict[str, object]:
    """Return the essay's own fields as the file gives them (before Essay.save() cleans them)."""
    original = parsed.original_publication or PublicationData(name="")
    return {
        "title": parsed.title,
        "standfirst": parsed.standfirst,
        "body": parsed.body_html or text_to_html(parsed.paragraphs),
        "language": parsed.language,
        "published_on": parsed.published_on,
        "date_precision": parsed.date_precision,
        "author_notes": parsed.author_notes,
        "disclaimer": parsed.disclaimer,
        "original_publication": original.name,
        # The sidecar's "url" is where this text was found; it is the original's URL
        # unless original_publication names one of its own.
        "original_url": original.url or parsed.url,
        "original_date": original.date,
        "original_date_precision": original.date_precision or DatePrecision.DAY,
        "original_note": parsed.original_note or original.note,
    }


def digest(value: object) -> str:
    """Return a short digest of a JSON-able value: what the record keeps of each field."""
    data = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode()
    return hashlib.blake2b(data, digest_size=8).hexdigest()


# --- the three versions of every field ---------------------------------------------------


def file_values(parsed: ParsedEssay) -> dict[str, object]:
    """Return every field as the file says it (no database): the side that tells whether the
    file changed since the last import."""
    values = essay_field_values(parsed)
    found = {label: values[name] for label, name in TEXT_FIELDS.items()}
    for label, (date, precision) in DATE_FIELDS.items():
        found[label] = _date(values[date], values[precision])
    source = parsed.source
    found["source"] = [source.name, source.url, source.disclaimer] if source else None
    found["authors"] = [
        {k: v for k, v in asdict(a).items() if k != "found_in"} for a in parsed.authors
    ]
    found["topics"] = sorted(parsed.topics)
    found["republications"] = _republications(parsed.republications)
    found["status"] = parsed.status
    return found


def stored_values(essay: Essay, labels: list[str] | None = None) -> dict[str, object]:
    """Return every field (or those `labels` name) as the essay stores it now."""
    labels = LABELS if labels is None else labels
    found: dict[str, object] = {}
    for label in labels:
        if label in TEXT_FIELDS:
            found[label] = getattr(essay, TEXT_FIELDS[label])
        elif label in DATE_FIELDS:
            date, precision = DATE_FIELDS[label]
            found[label] = _date(getattr(essay, date), getattr(essay, precision))
    if "source" in labels:
        found["source"] = essay.source_id
    if "authors" in labels:
        authorships = essay.authorships.order_by("position")
        found["authors"] = list(authorships.values_list("author_id", flat=True))
    if "topics" in labels:
        found["topics"] = sorted(str(pk) for pk in essay.topics.values_list("pk", flat=True))
    if "republications" in labels:
        found["republications"] = _republications(
            PublicationData(r.publication, r.url, r.date, r.date_precision, r.note)
            for r in essay.republications.all()
        )
    if "status" in labels:
        found["status"] = essay.status
    return found


def resolved_value(label: str, parsed: ParsedEssay, current: object) -> object:
    """Return the file's value of `label` as the essay would store it, writing nothing: a
    sanitized body, a date cut to its precision, ids of the authors, source and topics it
    names ("+Name" for one that would be new). A file that states no status leaves it."""
    values = essay_field_values(parsed)
    if label == "body":
        return sanitize_html(values["body"])
    if label in TEXT_FIELDS:
        return values[TEXT_FIELDS[label]]
    if label in DATE_FIELDS:
        date, precision = DATE_FIELDS[label]
        value = values[date]
        if value is not None:
            value = DatePrecision(values[precision]).truncate(value)
        return _date(value, values[precision])
    if label == "source":
        if parsed.source is None:
            return None
        found = Source.objects.filter(name=parsed.source.name).values_list("pk", flat=True)
        return found.first() or f"+{parsed.source.name}"
    if label == "authors":
        matches = [find_author(data) for data in parsed.authors]
        ids = [match.author.pk or f"+{match.data.name}" for match in matches]
        return list(dict.fromkeys(ids))
    if label == "topics":
        known = dict(Topic.objects.filter(name__in=parsed.topics).values_list("name", "pk"))
        return sorted(str(known[name]) if name in known else f"+{name}" for name in parsed.topics)
    if label == "republications":
        return _republications(parsed.republications)
    return parsed.status or current  # status


def _date(value: datetime.date | None, precision: str) -> list:
    return [value.isoformat() if value else None, str(precision)]


def _republications(publications) -> list[list]:
    rows = [
        [p.name, p.url, p.date.isoformat() if p.date else None, str(p.date_precision), p.note]
        for p in publications
    ]
    return sorted(rows, key=repr)


# --- the record and the decisions ---------------------------------------------------------


@dataclass
class ImportRecord:
    """What the last import's file said of each field, and what the essay then stored (digests),
    stored in Essay.import_record with the name of the file it came from."""

    # label: [file, stored], and OPEN when the curator's value was kept over the file's
    fields: dict[str, list[str]] = field(default_factory=dict)
    name: str = ""

    @classmethod
    def load(cls, data: dict) -> ImportRecord:
        if not data or data.get("version") != RECORD_VERSION:
            return cls()
        return cls(fields=dict(data.get("fields", {})), name=data.get("name", ""))

    def dump(self) -> dict:
        return {
            "version": RECORD_VERSION,
            "name": self.name,
            "imported": timezone.now().isoformat(timespec="seconds"),
            "fields": self.fields,
        }


@dataclass
class MergePlan:
    """What a re-import does with each field, and the record it leaves."""

    decisions: dict[str, str]  # label: SAME, TAKE, KEEP or CONFLICT
    record: ImportRecord  # the stored digests of taken fields are filled in once written
    prefer_file: bool = False

    def labels(self, *decisions: str) -> list[str]:
        return [label for label in LABELS if self.decisions.get(label) in decisions]

    @property
    def to_write(self) -> list[str]:
        """The fields to take from the file: changed there only, or conflicting and preferred."""
        return self.labels(TAKE, CONFLICT) if self.prefer_file else self.labels(TAKE)


def plan_merge(
    base: ImportRecord,
    parsed: ParsedEssay,
    current: dict[str, object],
    *,
    file_is_base: bool = False,
    prefer_file: bool = False,
) -> MergePlan:
    """Decide every field (see the module docstring). `file_is_base`: the file is the one
    imported last, though no record says what it held then."""
    said = file_values(parsed)
    record = ImportRecord(fields=dict(base.fields), name=parsed.name)
    decisions: dict[str, str] = {}
    for label in LABELS:
        file_digest, current_digest = digest(said[label]), digest(current[label])
        resolved: Callable[[], str] = lambda label=label: digest(  # noqa: E731
            resolved_value(label, parsed, current[label])
        )
        base_digests = base.fields.get(label)
        if label == "status" and said[label] is None:
            decisions[label] = SAME  # a file that states no status leaves it to the curator
            record.fields[label] = [file_digest, current_digest]
        elif base_digests is None:
            stored = resolved()
            same = stored == current_digest
            decisions[label] = SAME if same else KEEP if file_is_base else CONFLICT
            record.fields[label] = [file_digest, stored, *([] if same else [OPEN])]
        elif file_digest == base_digests[0]:  # the file did not change it
            if current_digest == base_digests[1]:
                decisions[label] = SAME
                record.fields[label] = base_digests[:2]
            else:  # a conflict left open last time is still one: --prefer-file settles it
                decisions[label] = CONFLICT if OPEN in base_digests[2:] else KEEP
        elif current_digest == base_digests[1]:  # the file changed it, the curator did not
            decisions[label] = TAKE
            record.fields[label] = [file_digest, ""]  # filled in once written
        else:  # both changed it
            stored = resolved()
            same = stored == current_digest
            decisions[label] = SAME if same else CONFLICT
            record.fields[label] = [file_digest, stored, *([] if same else [OPEN])]
    return MergePlan(decisions, record, prefer_file)


def has_open_conflicts(data: dict) -> bool:
    """Return whether an essay's record holds a conflict the curator's value won last time."""
    return any(OPEN in digests[2:] for digests in ImportRecord.load(data).fields.values())


def record_written(plan: MergePlan, parsed: ParsedEssay, stored: dict[str, object]) -> None:
    """Complete the record with what the essay stores now for the fields taken from the file."""
    said = file_values(parsed)
    for label in plan.to_write:
        plan.record.fields[label] = [digest(said[label]), digest(stored[label])]


def new_record(parsed: ParsedEssay, stored: dict[str, object]) -> ImportRecord:
    """Return the record of an essay just created from `parsed`."""
    said = file_values(parsed)
    fields = {label: [digest(said[label]), digest(stored[label])] for label in LABELS}
    return ImportRecord(fields=fields, name=parsed.name)
