"""What the admin's delete confirmation lists for essays: what a curator recognises.

Django lists every row the deletion cascades to, internal ones included: key terms of the
related-essays index ("Key term: keel (0.69) of essay 3") and the topic link table
("Essay-topic relationship: Essay_topics object (7)"). A curator needs the essays, their
bylines, republications and topic links; the rest is derived and goes with them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from archive.models import Essay


def curator_deleted_objects(essays: Iterable[Essay]) -> tuple[list, dict[str, int]]:
    """Return (nested list for the confirmation page, {what: how many}) for deleting `essays`."""
    listed: list = []
    counts = dict.fromkeys(("essays", "author credits", "republications", "topic links"), 0)
    for essay in essays:
        url = reverse("admin:archive_essay_change", args=[essay.pk])
        listed.append(format_html('Essay: <a href="{}">{}</a>', url, essay.title))
        counts["essays"] += 1
        parts = list(_parts_of(essay))
        listed.append([text for _, text in parts])
        for kind, _ in parts:
            counts[kind] += 1
    return listed, {what: n for what, n in counts.items() if n}


def _parts_of(essay: Essay) -> Iterator[tuple[str, SafeString]]:
    """Yield (kind, line) for the rows that go with an essay, as a curator names them."""
    for authorship in essay.authorships.select_related("author").order_by("position"):
        name = authorship.author.name
        yield "author credits", format_html("Author {}: {}", authorship.position + 1, name)
    for republication in essay.republications.all():
        yield "republications", format_html("Republication: {}", republication.publication)
    for topic in essay.topics.order_by("name"):
        yield "topic links", format_html("Topic link: {} (the topic itself stays)", topic.name)
