"""What an import found in a file, said so a curator can act on it (command and admin upload).

One line per thing the importer looks for: title, authors and where each came from, date and
its precision, source, standfirst, biographies, disclaimer, original publication, language
and the file's format and encoding. What it looked for and did not find is flagged as missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.importing.authors import NEW, OTHER_SCRIPT, RESPELLED, AuthorMatch
from archive.importing.save import DUPLICATE, UNCHANGED, ImportOutcome
from archive.models import LANGUAGE_CHOICES, DatePrecision

LANGUAGES = dict(LANGUAGE_CHOICES)
QUOTE_LENGTH = 70


@dataclass(frozen=True)
class ReportLine:
    label: str
    value: str
    missing: bool = False  # looked for and not found: the curator may want to add it

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"


def describe_import(outcome: ImportOutcome) -> list[ReportLine]:
    """Return the report on what `outcome`'s file held, or [] when the file was unchanged or
    is a duplicate."""
    parsed = outcome.parsed
    if parsed is None or outcome.action == DUPLICATE:
        return []
    if outcome.action == UNCHANGED and not outcome.authors:
        return []
    found = parsed.found
    encoding = f", {parsed.encoding}" if parsed.encoding else ""
    lines = [
        ReportLine("file", f"{parsed.format}{encoding}"),
        ReportLine("title", f"“{parsed.title}” ({found.get('title', '')})"),
        _authors_line(outcome.authors),
        _date_line(parsed.published_on, parsed.date_precision, found.get("date", "")),
        _source_line(outcome),
        _kept_apart("standfirst", parsed.standfirst, found.get("standfirst", "")),
        _body_line(parsed.paragraphs),
        ReportLine(
            "biographies",
            f"{parsed.biography_count} paragraph(s), kept apart"
            if parsed.biography_count
            else "none",
        ),
        _kept_apart("disclaimer", parsed.disclaimer, found.get("disclaimer", "")),
        _original_line(outcome),
        ReportLine(
            "language", f"{LANGUAGES.get(parsed.language, parsed.language)} ({found['language']})"
        ),
    ]
    if parsed.url:
        lines.append(ReportLine("web address", f"{parsed.url} ({found.get('url', '')})"))
    notes = [*parsed.notes, *(match.note for match in outcome.authors if match.note)]
    lines += [ReportLine("note", note) for note in notes]
    missing = [line.label for line in lines if line.missing]
    if missing:
        lines.append(ReportLine("missing", ", ".join(missing) + ": add in the admin", True))
    return lines


def describe_merge(outcome: ImportOutcome) -> list[ReportLine]:
    """Return what a re-import decided that a curator should know: conflicts, kept edits,
    an essay found again under its old key, a duplicate."""
    lines = [ReportLine("conflict", str(conflict)) for conflict in outcome.conflicts]
    if outcome.kept:
        lines.append(
            ReportLine(
                "kept",
                f"{', '.join(outcome.kept)}: edited in the archive since the last import, and "
                "not changed in the file",
            )
        )
    lines += [ReportLine("note", note) for note in outcome.notes]
    return lines


def _body_line(paragraphs: list[str]) -> ReportLine:
    words = sum(len(paragraph.split()) for paragraph in paragraphs)
    return ReportLine("body", f"{len(paragraphs)} paragraph(s), {words:,} words")


def _authors_line(matches: list[AuthorMatch]) -> ReportLine:
    if not matches:
        return ReportLine("authors", "none found: the essay will say “Author unknown”", True)
    return ReportLine("authors", "; ".join(_author(match) for match in matches))


def _author(match: AuthorMatch) -> str:
    archive_name = match.author.name
    how = {
        NEW: "new author",
        RESPELLED: f"existing author “{archive_name}”",
        OTHER_SCRIPT: f"existing author “{archive_name}”, spelled in the other script",
    }.get(match.how, "existing author")
    return f"{match.data.name} ({match.data.found_in}; {how})"


def _date_line(value, precision: str, where: str) -> ReportLine:
    if value is None:
        return ReportLine("date", "none found", True)
    shown = DatePrecision(precision)
    return ReportLine("date", f"{shown.format(value)} ({shown.label.lower()}; {where})")


def _source_line(outcome: ImportOutcome) -> ReportLine:
    source = outcome.parsed.source
    if source is None:
        return ReportLine("source", "none found", True)
    new = "; new source" if outcome.source_created else ""
    return ReportLine("source", f"{source.name} ({outcome.parsed.found.get('source', '')}{new})")


def _kept_apart(label: str, text: str, where: str) -> ReportLine:
    if not text:
        return ReportLine(label, "none")
    where = f"; {where}" if where else ""
    return ReportLine(label, f"“{_quote(text)}” (kept apart{where})")


def _original_line(outcome: ImportOutcome) -> ReportLine:
    original = outcome.parsed.original_publication
    if original is None or not original.name:
        return ReportLine("first published", "not stated")
    when = ""
    if original.date:
        when = f", {DatePrecision(original.date_precision).format(original.date)}"
    note = f" (“{_quote(original.note)}”)" if original.note else ""
    return ReportLine("first published", f"{original.name}{when}{note}")


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_LENGTH else text[: QUOTE_LENGTH - 1].rstrip() + "…"
