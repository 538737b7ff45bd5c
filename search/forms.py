"""The search form: the URL's parameters (q, filters, sort, page), validated."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.core.validators import validate_slug
from haystack.inputs import Raw
from haystack.query import SearchQuerySet

from archive.models import LANGUAGE_CHOICES, Essay
from search.querylang import MAX_QUERY_CHARS, Reading

FACETS = ("author", "source", "topic", "language", "year")
SLUG_FILTERS = ("author", "source", "topic")  # repeatable: ?author=a&author=b
SORTS = {"relevance": None, "newest": "-date", "oldest": "date"}
# The order menu. Relevance is the empty value, the default a search needs no parameter for;
# links made before say sort=relevance, which still reads the same.
SORT_CHOICES = [("", "Relevance"), ("newest", "Newest first"), ("oldest", "Oldest first")]
MAX_FILTER_VALUES = 10
OPTION_FIELDS = ("year_from", "year_to", "sort")  # the "Dates and order" panel


class SlugListField(forms.Field):
    """Zero or more slugs from repeated GET parameters (?author=a&author=b)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        values = [v.strip() for v in (value or []) if v and v.strip()]
        if len(values) > MAX_FILTER_VALUES:
            raise forms.ValidationError(f"At most {MAX_FILTER_VALUES} values per filter.")
        for v in values:
            if len(v) > 100:
                raise forms.ValidationError("That filter value is not one of ours.")
            validate_slug(v)
        return list(dict.fromkeys(values))


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=MAX_QUERY_CHARS,
        strip=True,
        error_messages={
            "max_length": f"Queries are limited to {MAX_QUERY_CHARS} characters; "
            "please shorten yours."
        },
    )
    author = SlugListField(required=False)
    source = SlugListField(required=False)
    topic = SlugListField(required=False)
    language = forms.ChoiceField(required=False, choices=[("", "Any"), *LANGUAGE_CHOICES])
    year_from = forms.IntegerField(required=False, min_value=1000, max_value=2999)
    year_to = forms.IntegerField(required=False, min_value=1000, max_value=2999)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    # The words as typed, even when nothing has them all and a correction would find essays.
    as_typed = forms.BooleanField(required=False)

    def __init__(self, data=None, **kwargs) -> None:
        if data is not None and hasattr(data, "getlist"):
            # Repeated parameters become lists for the slug filters, single values for the rest.
            data = {
                key: data.getlist(key) if key in SLUG_FILTERS else data.get(key) for key in data
            }
        if data is not None and data.get("sort") == "relevance":
            data = {**data, "sort": ""}
        super().__init__(data, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("year_from"), data.get("year_to")
        if start and end and start > end:
            data["year_from"], data["year_to"] = end, start
        return data

    def has_options(self) -> bool:
        """Return whether a "Dates and order" field (a year or an order) is set, or wrong."""
        data = self.cleaned_data
        wrong = any(name in self.errors for name in OPTION_FIELDS)
        return wrong or any(data.get(name) for name in OPTION_FIELDS)

    def query_string(self) -> str:
        """Return this search as a query string: the words, filters and years, without order,
        page or empty fields, in one order (what the feed of this search is named by)."""
        data = self.cleaned_data
        pairs = [("q", data["q"])] if data.get("q") else []
        for name, values in self.filters().items():
            pairs += [(name, value) for value in values]
        pairs += [(key, data[key]) for key in ("year_from", "year_to") if data.get(key)]
        return urlencode(pairs)

    def filters(self) -> dict[str, list]:
        """Return the active facet filters as {facet: [values]}."""
        data = self.cleaned_data
        active = {name: data.get(name) or [] for name in SLUG_FILTERS}
        active["language"] = [data["language"]] if data.get("language") else []
        return active

    def search_queryset(self, reading: Reading, exclude: set[int] = frozenset()) -> SearchQuerySet:
        """Return the SearchQuerySet of the search page: the matches with facets and snippets."""
        sqs = self.matches(reading, exclude)
        for name in FACETS:
            sqs = sqs.facet(name)
        return sqs.highlight() if reading else sqs

    def matches(self, reading: Reading, exclude: set[int] = frozenset()) -> SearchQuerySet:
        """Return the essays this form selects, in its order (what a feed lists), leaving out
        the essays in `exclude` (withdrawn, while the index has not taken it yet)."""
        sqs = SearchQuerySet().models(Essay)
        if reading:
            sqs = sqs.filter(content=Raw(f"({reading.query})"))
        if exclude:
            ids = sorted(exclude)
            sqs = sqs.narrow("NOT " + sqs.query.build_query_fragment("django_id", "in", ids))
        for name, values in self.filters().items():
            for value in values:  # filters combine: every chosen value must hold
                sqs = sqs.narrow(f'{name}_exact:"{value}"')
        # The year range narrows like the facet filters: it selects, it doesn't score (in the
        # query it only added 1 per bound to every score, and scoring through its many range
        # terms was most of a year-filtered search). The backend's builder writes its syntax.
        for bound, value in (("gte", "year_from"), ("lte", "year_to")):
            if self.cleaned_data.get(value):
                range_ = sqs.query.build_query_fragment("year", bound, self.cleaned_data[value])
                sqs = sqs.narrow(range_)
        sort = self.cleaned_data.get("sort") or ("relevance" if reading else "newest")
        if SORTS.get(sort):
            sqs = sqs.order_by(SORTS[sort])
        return sqs
