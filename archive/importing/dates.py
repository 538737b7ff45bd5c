"""Dates as publishers print them, in English and Russian, with the precision they give.

"June 17, 2013", "17 June 2013", "17.06.2013", "2013-06-17" and "17 июня 2013 г." name a day;
"June 2013" and "июнь 2013" a month. Which words are months is left to `dateparser` (which
knows English and Russian month names in every case and abbreviation); the shapes a line may
have are checked first, so that ordinary words ("May", "March" in a sentence) are never taken
for dates. Numeric dates are read day first (17.06.2013), as in Europe and Russia.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

import regex

from archive.models import DatePrecision

_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_MONTH_WORD = r"\p{L}{3,9}\.?"
_WEEKDAY = (
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|понедельник|вторник|среда|четверг|пятница|"
    r"суббота|воскресенье),?\s"
)
_WORDED = (
    rf"(?:{_WEEKDAY})?"
    rf"(?:\d{{1,2}}{_ORDINAL}\s)?{_MONTH_WORD}(?:\s\d{{1,2}}{_ORDINAL},?)?\s{_YEAR}"
    r"(?:\s?(?:г\.|года|г\b))?"
)
_NUMERIC = {
    "dmy": regex.compile(r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>(?:19|20)\d\d)"),
    "iso": regex.compile(r"(?P<year>(?:19|20)\d\d)-(?P<month>\d{1,2})-(?P<day>\d{1,2})"),
    "ymd": regex.compile(r"(?P<year>(?:19|20)\d\d)/(?P<month>\d{1,2})/(?P<day>\d{1,2})"),
}
_WORDED_LINE = regex.compile(rf"^{_WORDED}$", regex.IGNORECASE)
_WORDED_ANYWHERE = regex.compile(rf"(?<!\p{{L}}){_WORDED}(?!\p{{L}})")
_PREFIX = regex.compile(
    r"^(?:(?:first\s)?published(?:\son)?|posted(?:\son)?|dated?|date\sof\spublication|"
    r"опубликовано|дата(?:\sпубликации)?|впервые\sопубликовано)\s*:?\s*",
    regex.IGNORECASE,
)
_PLACE = regex.compile(r"^\p{Lu}[\p{L}\-]+(?:\s\p{Lu}[\p{L}\-]+)?,\s")


@dataclass(frozen=True)
class PrintedDate:
    date: datetime.date
    precision: DatePrecision
    printed: str  # the date as the text prints it


def parse_date_line(line: str) -> PrintedDate | None:
    """Return the date when `line` is only a date (after "Published", or a place and a comma)."""
    text = _without_full_stop(" ".join(line.split()))
    if len(text) > 60:
        return None
    text = _PREFIX.sub("", text)
    text = _PLACE.sub("", text) if not _parse(text) else text
    return _parse(text) if text else None


def _without_full_stop(text: str) -> str:
    """Return `text` without a closing full stop, unless it abbreviates "год" ("2013 г.")."""
    return text[:-1] if text.endswith(".") and not text.endswith(" г.") else text


def find_date(text: str) -> PrintedDate | None:
    """Return the first date printed anywhere in `text` (e.g. "… on 17 June 2013.")."""
    candidates = [m for pattern in _NUMERIC.values() for m in pattern.finditer(text)]
    candidates += list(_WORDED_ANYWHERE.finditer(text))
    for match in sorted(candidates, key=lambda m: m.start()):
        found = _parse(match.group(0).strip(" ,"))
        if found:
            return found
    return None


def parse_metadata_date(value: str) -> PrintedDate | None:
    """Return a date from page or document metadata: ISO 8601 (with a time), or as printed."""
    text = value.strip()
    if regex.match(r"^\d{4}-\d\d-\d\d[T ]", text):
        text = text[:10]
    year_month = regex.match(r"^((?:19|20)\d\d)[-/](\d\d)$", text)
    if year_month:
        day = _day(int(year_month.group(1)), int(year_month.group(2)), 1)
        return PrintedDate(day, DatePrecision.MONTH, value) if day else None
    if regex.match(r"^(?:19|20)\d\d$", text):
        return PrintedDate(datetime.date(int(text), 1, 1), DatePrecision.YEAR, value)
    return _parse(text)


def _parse(text: str) -> PrintedDate | None:
    for pattern in _NUMERIC.values():
        match = pattern.fullmatch(text)
        if match:
            day = _day(int(match["year"]), int(match["month"]), int(match["day"]))
            return PrintedDate(day, DatePrecision.DAY, text) if day else None
    if not _WORDED_LINE.match(text):
        return None
    data = _date_parser().get_date_data(text)
    precision = {"day": DatePrecision.DAY, "month": DatePrecision.MONTH}.get(data.period)
    if data.date_obj is None or precision is None:
        return None
    day = _day(data.date_obj.year, data.date_obj.month, data.date_obj.day)
    return PrintedDate(precision.truncate(day), precision, text) if day else None


def _day(year: int, month: int, day: int) -> datetime.date | None:
    try:
        value = datetime.date(year, month, day)
    except ValueError:
        return None
    latest = datetime.date.today() + datetime.timedelta(days=1)
    return value if datetime.date(1900, 1, 1) <= value <= latest else None


@functools.cache
def _date_parser():
    from dateparser.date import DateDataParser  # imported when needed: it is slow to load

    return DateDataParser(
        languages=["en", "ru"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": ["year", "month"],
            "STRICT_PARSING": False,
        },
    )
