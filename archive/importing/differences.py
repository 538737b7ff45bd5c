"""A conflict of a re-import, said so a curator can decide: the field, the archive's value and
the file's, quoted where they differ."""

from __future__ import annotations

from dataclasses import dataclass

from archive.importing.merge import DATE_FIELDS, LONG_TEXTS, TEXT_FIELDS, essay_field_values
from archive.importing.records import ParsedEssay
from archive.models import DatePrecision, Essay
from archive.sanitize import html_to_text, sanitize_html

QUOTE_WORDS = 12
SHORT_VALUE = 160


@dataclass(frozen=True)
class Conflict:
    """A field both the file and a curator changed since the last import, to different values."""

    label: str
    archive_value: str
    file_value: str
    file_taken: bool = False  # --prefer-file (or the upload's box): the file's value replaced it

    def __str__(self) -> str:
        if self.file_taken:
            return (
                f"{self.label}: the file's {self.file_value} replaces the archive's "
                f"{self.archive_value} (the file's value was preferred)"
            )
        return (
            f"{self.label}: the archive keeps {self.archive_value} (edited since the last "
            f"import); the file says {self.file_value}"
        )


def describe_conflict(
    label: str, essay: Essay, parsed: ParsedEssay, *, file_taken: bool = False
) -> Conflict:
    """Return the conflict on `label` between `essay` as it is and the file."""
    archive, file = _archive_text(label, essay), _file_text(label, parsed)
    if label in LONG_TEXTS:
        archive, file = quote_difference(archive, file)
    else:
        archive, file = _quoted(archive), _quoted(file)
    return Conflict(label, archive, file, file_taken)


def quote_difference(ours: str, theirs: str) -> tuple[str, str]:
    """Return the two texts quoted from a few words before where they first differ."""
    a, b = ours.split(), theirs.split()
    start = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    begin = max(0, start - 3)

    def quote(words: list[str]) -> str:
        if not words:
            return "nothing"
        piece = " ".join(words[begin : begin + QUOTE_WORDS])
        lead = "…" if begin else ""
        tail = "…" if begin + QUOTE_WORDS < len(words) else ""
        where = f" (word {start + 1} of {len(words)})" if len(words) > QUOTE_WORDS else ""
        return f"“{lead}{piece}{tail}”{where}"

    return quote(a), quote(b)


def _quoted(text: str) -> str:
    if not text:
        return "nothing"
    text = " ".join(text.split())
    return f"“{text if len(text) <= SHORT_VALUE else text[: SHORT_VALUE - 1] + '…'}”"


def _archive_text(label: str, essay: Essay) -> str:
    if label == "body":
        return essay.body_text
    if label in TEXT_FIELDS:
        return getattr(essay, TEXT_FIELDS[label])
    if label in DATE_FIELDS:
        date, precision = DATE_FIELDS[label]
        return _date(getattr(essay, date), getattr(essay, precision))
    if label == "source":
        return essay.source.name if essay.source_id else ""
    if label == "authors":
        names = essay.authorships.order_by("position").values_list("author__name", flat=True)
        return "; ".join(names)
    if label == "topics":
        return ", ".join(sorted(essay.topics.values_list("name", flat=True)))
    if label == "republications":
        return "; ".join(
            _publication(r.publication, r.date, r.date_precision)
            for r in essay.republications.all()
        )
    return essay.get_status_display() if label == "status" else ""


def _file_text(label: str, parsed: ParsedEssay) -> str:
    values = essay_field_values(parsed)
    if label == "body":
        return html_to_text(sanitize_html(values["body"]))
    if label in TEXT_FIELDS:
        return values[TEXT_FIELDS[label]]
    if label in DATE_FIELDS:
        date, precision = DATE_FIELDS[label]
        return _date(values[date], values[precision])
    if label == "source":
        return parsed.source.name if parsed.source else ""
    if label == "authors":
        return "; ".join(author.name for author in parsed.authors)
    if label == "topics":
        return ", ".join(sorted(parsed.topics))
    if label == "republications":
        return "; ".join(
            _publication(p.name, p.date, p.date_precision) for p in parsed.republications
        )
    return dict(Essay.Status.choices).get(parsed.status or "", "") if label == "status" else ""


def _date(value, precision: str) -> str:
    return DatePrecision(precision).format(value) if value else ""


def _publication(name: str, date, precision: str) -> str:
    return f"{name}, {_date(date, precision)}" if date else name
