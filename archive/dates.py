"""How precisely an essay's date is known, and how it is written and stored at that precision."""

from __future__ import annotations

import datetime

from django.db import models


class DatePrecision(models.TextChoices):
    """How much of a publication date is known; the stored date is the first day of the span."""

    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    CIRCA = "circa", "Approximate year (circa)"

    def format(self, value: datetime.date | None) -> str:
        """Return `value` written to this precision: "17 June 2013", "June 2013", "c. 2011"."""
        if value is None:
            return "n.d."
        if self is DatePrecision.DAY:
            return f"{value.day} {value:%B %Y}"
        if self is DatePrecision.MONTH:
            return f"{value:%B %Y}"
        if self is DatePrecision.YEAR:
            return str(value.year)
        return f"c. {value.year}"

    def truncate(self, value: datetime.date) -> datetime.date:
        """Return the first day of the span `value` falls in at this precision."""
        if self is DatePrecision.DAY:
            return value
        if self is DatePrecision.MONTH:
            return value.replace(day=1)
        return value.replace(month=1, day=1)

    def iso(self, value: datetime.date) -> str:
        """Return `value` as ISO 8601 to this precision: 2013-06-17, 2013-06 or 2011."""
        if self is DatePrecision.DAY:
            return value.isoformat()
        if self is DatePrecision.MONTH:
            return f"{value:%Y-%m}"
        return f"{value.year:04d}"
