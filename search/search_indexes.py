"""The search index of published essays: one document per essay, with what a result shows."""

from __future__ import annotations

import hashlib
import json

from haystack import indexes

from archive.models import Essay


class EssayIndex(indexes.SearchIndex, indexes.Indexable):
    """Published essays: what search finds them by, filters and facets on, and shows."""

    # The document: title (twice, for weight), standfirst, authors, source, topics, body.
    text = indexes.CharField(document=True)
    # What the page prints after the body: biographies and the publication history (weighted
    # below the body at query time, search/backends/whoosh.py). Never the publisher's standard
    # disclaimer, which repeats on every essay of a source and would match them all.
    notes = indexes.CharField(stored=False)
    # Searchable on their own (the query language's title:, author:, source:, topic:).
    title = indexes.CharField(model_attr="title", boost=2.0)
    author_names = indexes.CharField()
    source_name = indexes.CharField(null=True)
    topic_names = indexes.CharField()
    # Facets and filters (Haystack adds the *_exact shadow fields that facets use).
    author = indexes.MultiValueField(faceted=True, indexed=False, stored=False)
    source = indexes.CharField(faceted=True, indexed=False, stored=False, null=True)
    topic = indexes.MultiValueField(faceted=True, indexed=False, stored=False)
    language = indexes.CharField(model_attr="language", faceted=True, indexed=False)
    year = indexes.IntegerField(faceted=True, null=True)
    date = indexes.DateField(model_attr="published_on", null=True)
    # Stored only: what a result shows, and the body for snippets.
    url = indexes.CharField(indexed=False)
    byline = indexes.CharField(indexed=False)
    date_display = indexes.CharField(model_attr="date_display", indexed=False)
    standfirst = indexes.CharField(model_attr="standfirst", indexed=False)
    body = indexes.CharField(model_attr="body_text", indexed=False)
    biography = indexes.CharField(model_attr="author_notes", indexed=False)  # snippets
    history = indexes.CharField(indexed=False)  # snippets
    fingerprint = indexes.CharField(indexed=False)

    def get_model(self) -> type[Essay]:
        return Essay

    def index_queryset(self, using=None):
        essays = Essay.objects.published().for_listing().prefetch_related("republications")
        return essays.order_by("pk")

    def read_queryset(self, using=None):
        return Essay.objects.published().for_listing()

    def get_updated_field(self) -> str:
        return "updated"

    def prepare_text(self, essay: Essay) -> str:
        """Join the document's parts in Python: a template render per essay was a measurable
        part of a bulk build, and autoescaping put "&amp;" into the indexed text."""
        parts = [
            essay.title,
            essay.title,
            essay.standfirst,
            "; ".join(a.name for a in essay.ordered_authors),
            essay.source.name if essay.source else "",
            "; ".join(t.name for t in essay.topics.all()),
            essay.body_text,
        ]
        return "\n".join(parts)

    def prepare_history(self, essay: Essay) -> str:
        """Return the publication history as the essay's page prints it, one line each."""
        lines = []
        if essay.original_publication:
            date = f", {essay.original_date_display}" if essay.original_date else ""
            lines.append(f"First published in {essay.original_publication}{date}.")
        elif essay.original_note:
            lines.append(essay.original_note)
        for republication in essay.republications.all():
            date = f", {republication.date_display}" if republication.date else ""
            note = f" {republication.note}" if republication.note else ""
            lines.append(f"Also published in {republication.publication}{date}.{note}")
        return "\n\n".join(lines)

    def prepare_notes(self, essay: Essay) -> str:
        parts = (essay.author_notes, self.prepare_history(essay))
        return "\n\n".join(part for part in parts if part)

    def prepare_author_names(self, essay: Essay) -> str:
        return "; ".join(a.name for a in essay.ordered_authors)

    def prepare_source_name(self, essay: Essay) -> str | None:
        return essay.source.name if essay.source else None

    def prepare_topic_names(self, essay: Essay) -> str:
        return "; ".join(t.name for t in essay.topics.all())

    def prepare_author(self, essay: Essay) -> list[str]:
        return [a.slug for a in essay.ordered_authors]

    def prepare_source(self, essay: Essay) -> str | None:
        return essay.source.slug if essay.source else None

    def prepare_topic(self, essay: Essay) -> list[str]:
        return [t.slug for t in essay.topics.all()]

    def prepare_year(self, essay: Essay) -> int | None:
        return essay.published_on.year if essay.published_on else None

    def prepare_url(self, essay: Essay) -> str:
        return essay.get_absolute_url()

    def prepare_byline(self, essay: Essay) -> str:
        return essay.byline

    def prepare(self, essay: Essay) -> dict:
        """Prepare the document and fingerprint it, so check_index can tell a stale document."""
        data = super().prepare(essay)
        data["fingerprint"] = document_fingerprint(data)
        return data


def document_fingerprint(data: dict) -> str:
    """Return a short hash of a prepared document (everything but the fingerprint itself)."""
    content = {k: v for k, v in data.items() if k != "fingerprint"}
    payload = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(payload.encode()).hexdigest()[:16]
