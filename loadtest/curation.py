"""A curator's day as operations on the real models, and the check that search follows them.

Used by the stateful test (tests/test_search_stateful.py) and `make soak` (loadtest/soak.py).
Every operation saves through the models, as the admin and the importer do (Essay.save(),
ordered authorships, m2m edits, renames, deletes, imports), and writes unique marker words
("zqa17x") into the parts of an essay that search reads: title, body, author, source and topic
names. Whether an essay holds a marker now is read from the database, so the check needs no
model of its own: for any marker ever written, search must find exactly the published essays
whose text holds it now, and nothing once no essay does.
"""

from __future__ import annotations

import random
import re
import tempfile
from pathlib import Path

from django.db import transaction
from django.db.models import Q

MARKER = re.compile(r"zq[a-z]+\d+x")


class Curation:
    """Operations by one curator (`tag` keeps markers of concurrent curators apart)."""

    KINDS = (
        ["create"] * 4
        + ["edit_title", "edit_body"] * 2
        + ["publish", "unpublish", "delete", "import_file"]
        + ["relink_authors", "set_topics", "rename_author", "rename_topic", "change_source"]
        + ["rename_source"]
    )

    def __init__(self, rng: random.Random, tag: str = "a") -> None:
        self.rng, self.tag, self.count = rng, tag, 0
        self.markers: list[str] = []  # every marker written, in order
        self.folder = Path(tempfile.mkdtemp(prefix=f"curation-{tag}-"))

    def marker(self) -> str:
        self.count += 1
        word = f"zq{self.tag}{self.count}x"
        self.markers.append(word)
        return word

    # -- operations -----------------------------------------------------------------------------

    def do(self, kind: str | None = None) -> str:
        """Do one operation (`kind`, or one chosen at random); return its kind."""
        from archive.models import Essay

        kind = kind or self.rng.choice(self.KINDS)
        mine = list(Essay.objects.filter(title__contains=f"zq{self.tag}").values_list("pk", flat=1))
        if not mine and kind not in ("create", "import_file"):
            kind = "create"
        essay = Essay.objects.get(pk=self.rng.choice(mine)) if mine else None
        getattr(self, kind)(essay)
        return kind

    def create(self, _essay) -> None:
        from archive.models import Essay

        status = self.rng.choice([Essay.Status.PUBLISHED] * 3 + [Essay.Status.DRAFT])
        with transaction.atomic():
            essay = Essay.objects.create(
                title=f"Essay {self.marker()} on arms control",
                body=f"<p>Strategic stability and {self.marker()} talks.</p><p>Second part.</p>",
                status=status,
                language=self.rng.choice(["en", "en", "ru"]),
            )
            if self.rng.random() < 0.5:
                self._relink(essay)

    def edit_title(self, essay) -> None:
        essay.title = f"Essay {self.marker()} renamed"
        essay.save()

    def edit_body(self, essay) -> None:
        essay.body = f"<p>Revised text about {self.marker()} and deterrence.</p>"
        essay.save()

    def publish(self, essay) -> None:
        essay.status = essay.Status.PUBLISHED
        essay.save()

    def unpublish(self, essay) -> None:
        essay.status = essay.Status.DRAFT
        essay.save()

    def delete(self, essay) -> None:
        essay.delete()

    def import_file(self, _essay) -> None:
        from archive.importing import import_path

        path = self.folder / f"{self.marker()}.txt"
        path.write_text(
            f"Imported essay {self.marker()}\n\nFirst paragraph on {self.marker()} and sanctions."
            f"\n\nA second paragraph.\n",
            "utf-8",
        )
        import_path(path)

    def relink_authors(self, essay) -> None:
        with transaction.atomic():
            self._relink(essay)

    def _relink(self, essay) -> None:
        """Replace the essay's authors as the admin's inline does (delete, then add in order)."""
        from archive.models import Author, Authorship

        essay.authorships.all().delete()
        for position in range(self.rng.randint(0, 2)):
            author = self._pick(Author) or Author.objects.create(name=f"Ann {self.marker()}")
            Authorship.objects.get_or_create(
                essay=essay, author=author, defaults={"position": position}
            )

    def set_topics(self, essay) -> None:
        from archive.models import Topic

        topics = [self._pick(Topic) or Topic.objects.create(name=f"topic {self.marker()}")]
        essay.topics.set(topics[: self.rng.randint(0, 1)])

    def rename_author(self, _essay) -> None:
        from archive.models import Author

        if author := self._pick(Author):
            author.name = f"Ann {self.marker()}"
            author.save()

    def rename_topic(self, _essay) -> None:
        from archive.models import Topic

        if topic := self._pick(Topic):
            topic.name = f"topic {self.marker()}"
            topic.save()

    def change_source(self, essay) -> None:
        from archive.models import Source

        source = self._pick(Source)
        if source is None or self.rng.random() < 0.3:
            source = Source.objects.create(name=f"Club {self.marker()}")
        essay.source = source if essay.source_id != source.pk else None
        essay.save()

    def rename_source(self, _essay) -> None:
        from archive.models import Source

        if source := self._pick(Source):
            source.name = f"Club {self.marker()}"
            source.save()

    def _pick(self, model):
        ids = list(model.objects.filter(name__contains=f"zq{self.tag}").values_list("pk", flat=1))
        return model.objects.get(pk=self.rng.choice(ids)) if ids else None


def holders(marker: str) -> set[int]:
    """Return the published essays whose searchable text holds `marker` now (the database's
    answer, which search must give)."""
    from archive.models import Essay

    where = (
        Q(title__contains=marker)
        | Q(body_text__contains=marker)
        | Q(standfirst__contains=marker)
        | Q(authorships__author__name__contains=marker)
        | Q(topics__name__contains=marker)
        | Q(source__name__contains=marker)
    )
    return set(Essay.objects.published().filter(where).values_list("pk", flat=True))


def found(marker: str) -> set[int]:
    """Return the essays search finds for `marker` (the search page's own query path)."""
    from haystack.inputs import Raw
    from haystack.query import SearchQuerySet

    return {int(r.pk) for r in SearchQuerySet().filter(content=Raw(marker))[:1000]}


def mismatches(markers: list[str]) -> dict[str, tuple[set[int], set[int]]]:
    """Return {marker: (found, expected)} for every marker search answers wrongly."""
    out = {}
    for marker in markers:
        expected, got = holders(marker), found(marker)
        if expected != got:
            out[marker] = (got, expected)
    return out
