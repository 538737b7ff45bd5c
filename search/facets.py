"""Facets for the search page: counts with labels and links that add or remove a filter."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict

from archive.models import LANGUAGE_CHOICES, Author, Source, Topic

TITLES = {
    "author": "Authors",
    "source": "Sources",
    "topic": "Topics",
    "language": "Language",
    "year": "Years",
}
LABEL_MODELS = {"author": Author, "source": Source, "topic": Topic}
SHOWN = 12


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    active: bool
    url: str


def toggle_url(params: QueryDict, name: str, value: str) -> str:
    """Return the query string with `name=value` added, or removed if present; back to page 1."""
    params = params.copy()
    params.pop("page", None)
    if name == "year":  # a year facet is a one-year range
        if params.get("year_from") == value and params.get("year_to") == value:
            params.pop("year_from", None)
            params.pop("year_to", None)
        else:
            params["year_from"] = params["year_to"] = value
        return "?" + params.urlencode()
    values = params.getlist(name)
    params.setlist(name, [v for v in values if v != value] if value in values else [*values, value])
    return "?" + params.urlencode()


def _labels(name: str, values: list[str]) -> dict[str, str]:
    if name in LABEL_MODELS:
        rows = LABEL_MODELS[name].objects.filter(slug__in=values).values_list("slug", "name")
        return dict(rows)
    if name == "language":
        return dict(LANGUAGE_CHOICES)
    return {v: v for v in values}


def build_facets(counts: dict, params: QueryDict, active: dict[str, list]) -> list[tuple]:
    """Return [(title, [FacetValue…])] for the facets that have values, one label query each."""
    fields = (counts or {}).get("fields", {})
    year_value = (
        params.get("year_from") if params.get("year_from") == params.get("year_to") else None
    )
    out = []
    for name, title in TITLES.items():
        pairs = [(str(v), n) for v, n in fields.get(name, []) if v not in (None, "")]
        if name == "year":
            pairs.sort(key=lambda pair: pair[0], reverse=True)
        chosen = set(active.get(name, [])) | (
            {year_value} if name == "year" and year_value else set()
        )
        pairs = pairs[:SHOWN] + [p for p in pairs[SHOWN:] if p[0] in chosen]
        if not pairs:
            continue
        labels = _labels(name, [v for v, _ in pairs])
        values = [
            FacetValue(v, labels.get(v, v), n, v in chosen, toggle_url(params, name, v))
            for v, n in pairs
        ]
        out.append((title, values))
    return out


def active_chips(
    params: QueryDict, active: dict[str, list], facets: list[tuple]
) -> list[tuple[str, str]]:
    """Return (label, removal URL) for every active filter, for the chips above the results.

    Labels come from `facets` (build_facets), which show every chosen value that has results;
    only the others are looked up.
    """
    shown = {(title, v.value): v.label for title, values in facets for v in values}
    chips = []
    for name, values in active.items():
        title = TITLES[name]
        labels = {v: shown[title, v] for v in values if (title, v) in shown}
        missing = [v for v in values if v not in labels]
        if missing:
            labels.update(_labels(name, missing))
        for value in values:
            label = f"{title.rstrip('s')}: {labels.get(value, value)}"
            chips.append((label, toggle_url(params, name, value)))
    start, end = params.get("year_from"), params.get("year_to")
    if start or end:
        without = params.copy()
        for key in ("year_from", "year_to", "page"):
            without.pop(key, None)
        span = start if start == end else f"{start or '…'}–{end or '…'}"
        chips.append((f"Years: {span}", "?" + without.urlencode()))
    return chips
