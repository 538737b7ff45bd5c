"""Sidecars: the JSON file or YAML front matter that gives what an essay's text lacks.

Keys the importer does not know (e.g. "provenance", a note for curators) are ignored; a value
of the wrong kind fails with the key's name, so the curator knows what to fix.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import yaml

from archive.importing.failure import ImportFailure
from archive.importing.records import AuthorData, PublicationData, SourceData
from archive.models import LANGUAGE_CHOICES, DatePrecision, Essay


def load_sidecar_text(name: str | Path, text: str, *, label: str = "sidecar") -> dict:
    """Return the mapping in a JSON or YAML sidecar, or fail naming the line that is wrong."""
    try:
        if text.lstrip().startswith("{"):
            loaded = json.loads(text)
        else:
            loaded = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ImportFailure(
            name, f"bad {label}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1} column {where.column + 1}" if where else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ImportFailure(name, f"bad {label}: invalid YAML{at}: {problem}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ImportFailure(name, f"bad {label}: expected an object of keys, got a list or value")
    return loaded


_DATE_SHAPES = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), DatePrecision.DAY),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), DatePrecision.MONTH),
    (re.compile(r"^(\d{4})$"), DatePrecision.YEAR),
]


class Sidecar:
    """Typed access to a sidecar mapping; every wrong value fails with the key's name."""

    def __init__(self, name: str, data: dict) -> None:
        self.name = name
        self.data = data

    def fail(self, reason: str) -> ImportFailure:
        return ImportFailure(self.name, f"bad sidecar: {reason}")

    def text(self, key: str, data: dict | None = None) -> str:
        value = (self.data if data is None else data).get(key)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(f'"{key}" must be text')
        return " ".join(str(value).split())

    def names(self, key: str) -> list[str]:
        value = self.data.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f'"{key}" must be a list of names')
        return list(dict.fromkeys(" ".join(v.split()) for v in value if v.strip()))

    def authors(self) -> list[AuthorData]:
        value = self.data.get("authors") or []
        if isinstance(value, str | dict):
            value = [value]
        if not isinstance(value, list):
            raise self.fail('"authors" must be a list of names or objects')
        authors: list[AuthorData] = []
        for item in value:
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, dict) or not self.text("name", item):
                raise self.fail('every author needs a "name"')
            fields = ("name", "sort_name", "affiliation", "url", "biography")
            author = AuthorData(**{f: self.text(f, item) for f in fields})
            if author.name not in {a.name for a in authors}:
                authors.append(author)
        return authors

    def source(self) -> SourceData | None:
        value = self.data.get("source")
        if not value:
            return None
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict) or not self.text("name", value):
            raise self.fail('"source" must be a name or an object with a "name"')
        return SourceData(
            name=self.text("name", value),
            url=self.text("url", value),
            disclaimer=str(value.get("disclaimer") or "").strip(),
        )

    def date(
        self, key: str, precision_key: str, data: dict | None = None
    ) -> tuple[datetime.date | None, str]:
        data = self.data if data is None else data
        raw = data.get(key)
        stated = self.text(precision_key, data)
        if stated and stated not in DatePrecision.values:
            raise self.fail(f'"{precision_key}" must be one of {", ".join(DatePrecision.values)}')
        if raw in (None, ""):
            return None, DatePrecision(stated or DatePrecision.DAY)
        if isinstance(raw, datetime.datetime):
            raw = raw.date()
        if isinstance(raw, datetime.date):
            value, shape = raw, DatePrecision.DAY
        else:
            value, shape = self._parse_date(key, str(raw).strip())
        precision = DatePrecision(stated or shape)
        return precision.truncate(value), precision

    def _parse_date(self, key: str, raw: str) -> tuple[datetime.date, DatePrecision]:
        circa = re.match(r"^(?:c\.|ca\.|circa|about)\s*(\d{4})$", raw, re.IGNORECASE)
        if circa:
            return datetime.date(int(circa.group(1)), 1, 1), DatePrecision.CIRCA
        for pattern, precision in _DATE_SHAPES:
            match = pattern.match(raw)
            if match:
                parts = [int(p) for p in match.groups()] + [1] * (3 - len(match.groups()))
                try:
                    return datetime.date(*parts), precision
                except ValueError:
                    break
        raise self.fail(f'"{key}" {raw!r} is not a date like 2013-06-17, 2013-06 or 2011')

    def publication(self, key: str, data: dict | None = None) -> PublicationData | None:
        value = (self.data if data is None else data).get(key)
        if not value:
            return None
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict):
            raise self.fail(f'"{key}" must be a name or an object with "name"')
        date, precision = self.date("date", "date_precision", value)
        return PublicationData(
            name=self.text("name", value) or self.text("publication", value),
            url=self.text("url", value),
            date=date,
            date_precision=precision,
            note=self.text("note", value),
        )

    def publications(self, key: str) -> list[PublicationData]:
        value = self.data.get(key) or []
        if not isinstance(value, list):
            raise self.fail(f'"{key}" must be a list')
        found = [self.publication(key, {key: item}) for item in value]
        for item in found:
            if item is not None and not item.name:
                raise self.fail(f'every entry of "{key}" needs a "name"')
        return [item for item in found if item is not None]

    def language(self) -> str:
        language = self.text("language")
        known = [code for code, _ in LANGUAGE_CHOICES]
        if language and language not in known:
            raise self.fail(f'"language" must be one of {", ".join(known)}')
        return language

    def status(self) -> str | None:
        status = self.text("status")
        if status and status not in Essay.Status.values:
            raise self.fail(f'"status" must be one of {", ".join(Essay.Status.values)}')
        return status or None
