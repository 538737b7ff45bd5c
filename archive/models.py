"""The archive's domain: essays, their authors, sources, topics and publication history."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.db import models
from django.db.models import Count, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, ExtractYear
from django.urls import get_script_prefix, reverse

from archive.collation import MAX_KEY_LENGTH, collation_key
from archive.dates import DatePrecision
from archive.fingerprints import text_fingerprint
from archive.naming import default_sort_name, unique_slug
from archive.sanitize import html_to_text, sanitize_html
from archive.site_url import site_url

LANGUAGE_CHOICES = [("en", "English"), ("ru", "Russian")]
# An essay's long texts: lists of essays read everything but these (EssayQuerySet.for_cards).
LONG_TEXTS = ("body", "body_text", "author_notes", "disclaimer")
IMPORT_KEY_LENGTH = 600


class CatalogueQuerySet(models.QuerySet):
    """Authors, sources and topics as the public sees them: with their published essays."""

    def with_published_counts(self) -> CatalogueQuerySet:
        return self.annotate(
            essay_count=Count(
                "essays", filter=Q(essays__status=Essay.Status.PUBLISHED), distinct=True
            )
        )

    def with_published_essays(self) -> CatalogueQuerySet:
        """Return only rows with at least one published essay, annotated with the count."""
        return self.with_published_counts().filter(essay_count__gt=0)

    def alphabetical(self) -> CatalogueQuerySet:
        """Return the rows in a reader's alphabetical order.

        Said explicitly: Django leaves Meta.ordering out of the GROUP BY queries the counts make.
        """
        return self.order_by(*self.model.alphabetical_order)


class CatalogueEntry(models.Model):
    """An author, source or topic: named, found by a slug made once from the name."""

    detail_url_name: str
    alphabetical_order: tuple[str, ...] = ("name", "pk")

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(type(self), self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(self.detail_url_name, kwargs={"slug": self.slug})

    @property
    def listed_name(self) -> str:
        """The name as alphabetical lists give it (an author's sort name: "Tauscher, Ellen")."""
        return self.name


class Source(CatalogueEntry):
    """A publisher or site: a think tank, a magazine, a club."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    url = models.URLField(blank=True)
    description = models.TextField(blank=True)
    disclaimer = models.TextField(
        blank=True, help_text="The publisher's standard disclaimer, as it prints it."
    )
    disclaimer_variants = models.TextField(
        blank=True,
        help_text=(
            "Other wordings of the disclaimer that identify this publisher (another language, "
            "an older wording), one per line. * stands for any words, e.g. "
            "“Copyright: Project Syndicate, *”. The importer names this source when an essay "
            "ends with the disclaimer or one of these."
        ),
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    detail_url_name = "archive:source_detail"

    class Meta:
        ordering = ["name"]

    def disclaimer_wordings(self) -> list[str]:
        """Return every wording that identifies this publisher: the disclaimer, then variants."""
        lines = [self.disclaimer.strip(), *self.disclaimer_variants.splitlines()]
        return [line.strip() for line in lines if line.strip()]


class Author(CatalogueEntry):
    name = models.CharField(max_length=200)
    sort_name = models.CharField(
        max_length=200, blank=True, help_text='For alphabetical lists: "Tauscher, Ellen".'
    )
    # The UCA key of sort_name (archive/collation.py): what alphabetical lists order by.
    sort_key = models.CharField(max_length=MAX_KEY_LENGTH, editable=False, default="")
    slug = models.SlugField(max_length=100, unique=True)
    biography = models.TextField(blank=True)
    affiliation = models.CharField(max_length=300, blank=True)
    url = models.URLField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    detail_url_name = "archive:author_detail"
    alphabetical_order = ("sort_key", "pk")

    class Meta:
        ordering = ["sort_key", "pk"]
        indexes = [models.Index(fields=["sort_key", "id"], name="author_alphabetical")]

    def save(self, *args, **kwargs) -> None:
        if not self.sort_name:
            self.sort_name = default_sort_name(self.name)
        self.sort_key = collation_key(self.sort_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "sort_name", "sort_key"}
        super().save(*args, **kwargs)

    @property
    def listed_name(self) -> str:
        return self.sort_name or self.name

    @property
    def family_name(self) -> str:
        return self.sort_name.split(",", 1)[0].strip() if "," in self.sort_name else self.name

    @property
    def given_name(self) -> str:
        return self.sort_name.split(",", 1)[1].strip() if "," in self.sort_name else ""


class Topic(CatalogueEntry):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    detail_url_name = "archive:topic_detail"

    class Meta:
        ordering = ["name"]


class EssayQuerySet(models.QuerySet):
    """The one vocabulary for selecting essays, shared by views, feeds, sitemaps, OAI and search."""

    def published(self) -> EssayQuerySet:
        return self.filter(status=Essay.Status.PUBLISHED)

    def published_by_ids(self, ids: Iterable[int]) -> dict[int, Essay]:
        """Return {id: essay} for the published essays among `ids` (in_bulk, planner-proof).

        Selected by id alone and checked in Python: asked for `id IN (…) AND status = …`, SQLite's
        planner (no table statistics) may read every published essay through the status index
        instead of a few rows by primary key (10 ms at 100,000 essays).
        """
        return {essay.pk: essay for essay in self.filter(pk__in=list(ids)) if essay.is_published}

    def drafts(self) -> EssayQuerySet:
        return self.filter(status=Essay.Status.DRAFT)

    def visible_to(self, user) -> EssayQuerySet:
        """Return everything for staff (to preview drafts), only published essays for others."""
        return self if getattr(user, "is_staff", False) else self.published()

    def by_author(self, author: Author) -> EssayQuerySet:
        return self.filter(authorships__author=author)

    def from_source(self, source: Source) -> EssayQuerySet:
        return self.filter(source=source)

    def in_year(self, year: int) -> EssayQuerySet:
        return self.filter(published_on__year=year)

    def with_topic(self, topic: Topic) -> EssayQuerySet:
        return self.filter(topics=topic)

    def newest_first(self) -> EssayQuerySet:
        return self.order_by(models.F("published_on").desc(nulls_last=True), "-id")

    def oldest_first(self) -> EssayQuerySet:
        return self.order_by(models.F("published_on").asc(nulls_last=True), "id")

    def by_title(self) -> EssayQuerySet:
        return self.order_by("title", "id")

    def previous_to(self, essay: Essay) -> Essay | None:
        """Return the essay just before `essay` in oldest_first() order, in one query.

        Written as range conditions the (status, published_on) index answers directly: an
        OR of "earlier day" and "same day, lower id" made SQLite walk the whole index (16 ms
        at 100,000 essays, against 0.05 ms).
        """
        if essay.published_on is None:  # undated essays come last in date order, by id
            return self._first_of(
                self.filter(published_on=None, id__lt=essay.pk).order_by("-id"),
                self.exclude(published_on=None).order_by("-published_on", "-id"),
            )
        day = essay.published_on
        before = self.filter(published_on__lte=day).filter(
            Q(published_on__lt=day) | Q(id__lt=essay.pk)
        )
        return self._first_of(before.order_by("-published_on", "-id"))

    def next_to(self, essay: Essay) -> Essay | None:
        """Return the essay just after `essay` in oldest_first() order, in one query."""
        undated = self.filter(published_on=None)
        if essay.published_on is None:
            return self._first_of(undated.filter(id__gt=essay.pk).order_by("id"))
        day = essay.published_on
        after = self.filter(published_on__gte=day).filter(
            Q(published_on__gt=day) | Q(id__gt=essay.pk)
        )
        return self._first_of(after.order_by("published_on", "id"), undated.order_by("id"))

    def _first_of(self, *candidates: EssayQuerySet) -> Essay | None:
        """Return the first row of the first candidate that has one, as a single query."""
        firsts = [Subquery(candidate.values("pk")[:1]) for candidate in candidates]
        pk = Coalesce(*firsts) if len(firsts) > 1 else firsts[0]
        return self.filter(pk=pk).first()

    def for_listing(self) -> EssayQuerySet:
        """Fetch what a list of essays shows (source, ordered authors, topics) in three queries."""
        return self.for_bylines().prefetch_related("topics")

    def for_cards(self) -> EssayQuerySet:
        """What an essay card shows (for_listing), leaving the texts (tens of kilobytes an
        essay) and the import's record unread: a page of twenty cards read 300 KB it never
        showed."""
        return self.for_listing().defer(*LONG_TEXTS, "import_record")

    def for_bylines(self) -> EssayQuerySet:
        """Fetch what a short list shows (titles, bylines, sources) in two queries."""
        return self.select_related("source").prefetch_related(
            Prefetch(
                "authorships",
                queryset=Authorship.objects.select_related("author").order_by("position"),
            )
        )

    def year_counts(self) -> list[tuple[int, int]]:
        """Return (year, number of essays) pairs, newest year first."""
        rows = (
            self.exclude(published_on=None)
            .annotate(year=PublishedYear("published_on"))
            .values_list("year")
            .annotate(n=Count("id"))
            .order_by("-year")
        )
        return [(year, n) for year, n in rows]


class PublishedYear(ExtractYear):
    """The year of a date, which SQLite reads off the stored text ("2013-06-17") in C.

    Django extracts it on SQLite with a Python function called once per row: grouping
    100,000 essays by year took 124 ms, against 17 ms this way (PostgreSQL's own EXTRACT is
    fast already)."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"CAST(substr({sql}, 1, 4) AS integer)", params


class Essay(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=500)
    slug = models.SlugField(
        max_length=120, help_text="Readable part of the URL; old slugs keep redirecting here."
    )
    slug_is_manual = models.BooleanField(
        "keep this slug",
        default=False,
        help_text="Set by hand: keep it when the title changes. Off: the slug follows the title.",
    )
    standfirst = models.TextField(blank=True, help_text="The lead, as printed above the body.")
    body = models.TextField(help_text="HTML; sanitized on save to the archive's allow-list.")
    body_text = models.TextField(editable=False, default="")
    word_count = models.PositiveIntegerField(editable=False, default=0)
    language = models.CharField(max_length=8, choices=LANGUAGE_CHOICES, default="en")
    published_on = models.DateField(
        null=True, blank=True, help_text="First day of the span the precision describes."
    )
    date_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    authors = models.ManyToManyField(Author, through="Authorship", related_name="essays")
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="essays"
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="essays")

    author_notes = models.TextField(
        blank=True, help_text="Author biographies as printed with the essay."
    )
    disclaimer = models.TextField(blank=True, help_text="The publisher's disclaimer as printed.")
    original_publication = models.CharField(
        max_length=300, blank=True, help_text='Where it first appeared, e.g. "Foreign Policy".'
    )
    original_url = models.URLField(max_length=500, blank=True)
    original_date = models.DateField(null=True, blank=True)
    original_date_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    original_note = models.CharField(
        max_length=500, blank=True, help_text='The note as printed: "first published on …".'
    )

    # What the importer knows an essay by (archive/importing/identity.py): "id:" and the
    # sidecar's id, or "file:" and the file's path from the folder named on the command line;
    # "legacy:" and a file stem for essays imported before paths were identities.
    import_key = models.CharField(
        max_length=IMPORT_KEY_LENGTH,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="Identifies the file an essay was imported from, so re-imports update it.",
    )
    import_checksum = models.CharField(max_length=64, blank=True, editable=False)
    # What the last import's file said, field by field, and what the essay then held: the base
    # of the three-way merge a re-import makes (archive/importing/merge.py).
    import_record = models.JSONField(default=dict, blank=True, editable=False)
    # The text the last import brought, and the text now (archive/fingerprints.py): a file
    # holding either, under another name, is a duplicate of this essay.
    import_fingerprint = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    text_fingerprint = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)

    objects = EssayQuerySet.as_manager()

    # None for a new essay (its slug is made from its title only when none is given) and for
    # one loaded without its title.
    _loaded_title: str | None = None

    class Meta:
        ordering = [models.F("published_on").desc(nulls_last=True), "-id"]
        indexes = [
            models.Index(fields=["status", "published_on"]),
            models.Index(fields=["status", "title"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="essay_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(date_precision__in=DatePrecision.values),
                name="essay_date_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _ in LANGUAGE_CHOICES]),
                name="essay_language_valid",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="essay_title_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # Every path that stores an essay (admin, importer, shell) goes through here,
        # so the stored body is always the sanitized one.
        self.body = sanitize_html(self.body)
        self.body_text = html_to_text(self.body)
        self.word_count = len(self.body_text.split())
        self.text_fingerprint = text_fingerprint(self.body_text)
        if self.published_on:
            self.published_on = DatePrecision(self.date_precision).truncate(self.published_on)
        if self.original_date:
            precision = DatePrecision(self.original_date_precision)
            self.original_date = precision.truncate(self.original_date)
        slug_before = self.slug
        title_changed = self._loaded_title is not None and self.title != self._loaded_title
        if not self.slug or (title_changed and not self.slug_is_manual):
            # The URL follows the title; the old one keeps working, as every wrong slug of an
            # essay redirects to its current URL (archive.views.essay_detail).
            self.slug = unique_slug(Essay, self.title, exclude_pk=self.pk)
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            # `updated` too: the sitemap, feeds and OAI date a change by it.
            derived = {"body_text", "word_count", "text_fingerprint", "updated"}
            if self.slug != slug_before:
                derived.add("slug")
            kwargs["update_fields"] = {*kwargs["update_fields"], *derived}
        super().save(*args, **kwargs)
        self._loaded_title = self.title

    def get_absolute_url(self) -> str:
        return reverse("archive:essay_detail", kwargs={"pk": self.pk, "slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values) -> Essay:
        essay = super().from_db(db, field_names, values)
        # The stored title, to tell on save whether it changed (None when it was not loaded).
        essay._loaded_title = essay.__dict__.get("title")
        return essay

    def get_permanent_url(self) -> str:
        """Return the URL that never changes (it redirects to the current slug)."""
        return _permalink_pattern(get_script_prefix()).replace(_PK_PLACEHOLDER, str(self.pk))

    def get_full_permanent_url(self) -> str:
        return site_url() + self.get_permanent_url()

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def date_display(self) -> str:
        return DatePrecision(self.date_precision).format(self.published_on)

    @property
    def date_iso(self) -> str:
        if self.published_on is None:
            return ""
        return DatePrecision(self.date_precision).iso(self.published_on)

    @property
    def original_date_display(self) -> str:
        if self.original_date is None:
            return ""
        return DatePrecision(self.original_date_precision).format(self.original_date)

    @property
    def ordered_authors(self) -> list[Author]:
        """Return the authors in byline order (uses the prefetch from `for_listing`)."""
        return [a.author for a in sorted(self.authorships.all(), key=lambda a: a.position)]

    @property
    def byline(self) -> str:
        """Return "A", "A and B" or "A, B and C"; an essay with no known author says so."""
        names = [a.name for a in self.ordered_authors]
        if not names:
            return "Author unknown"
        if len(names) == 1:
            return names[0]
        return ", ".join(names[:-1]) + " and " + names[-1]

    @property
    def paragraph_count(self) -> int:
        return self.body.count("<p ")

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.word_count / 230))


# Lists mark every essay with its permanent URL (COinS, unAPI): reversing the route once per
# script prefix and filling in the number is a tenth of the cost of a `reverse` per essay.
_PK_PLACEHOLDER = "9876543210"


@functools.lru_cache(maxsize=8)
def _permalink_pattern(script_prefix: str) -> str:
    return reverse("archive:essay_permalink", kwargs={"pk": int(_PK_PLACEHOLDER)})


class Authorship(models.Model):
    """An author's place in an essay's byline."""

    essay = models.ForeignKey(Essay, on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="authorships")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["essay", "author"], name="authorship_once_per_essay"),
        ]

    def __str__(self) -> str:
        return f"{self.author} ({self.position + 1})"


class Republication(models.Model):
    """A further appearance of the same essay elsewhere."""

    essay = models.ForeignKey(Essay, on_delete=models.CASCADE, related_name="republications")
    publication = models.CharField(max_length=300)
    url = models.URLField(max_length=500, blank=True)
    date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return self.publication

    @property
    def date_display(self) -> str:
        return DatePrecision(self.date_precision).format(self.date) if self.date else ""


class EssayTombstone(models.Model):
    """Remember a deleted essay so OAI-PMH harvesters hear of it (deletedRecord "persistent").

    Written by a post_delete receiver (archive/oai.py, connected in apps.py); saving an essay
    with the same id again removes it.
    """

    essay_id = models.PositiveBigIntegerField(unique=True)
    deleted_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["deleted_at", "essay_id"]

    def __str__(self) -> str:
        return f"Essay {self.essay_id} deleted {self.deleted_at:%Y-%m-%d}"


class ArchiveVersion(models.Model):
    """One number that moves with every change readers could see: a save or deletion of an essay,
    author, source, topic, authorship, republication or topic link (a single row).

    Every cache of something derived from the archive is keyed on it (archive/caching.py), so a
    cached page, count or related list never outlives a change. Bumped after the change commits
    (archive/apps.py), so no transaction holds the row while it runs.
    """

    number = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"archive version {self.number}"

    @classmethod
    def current(cls) -> int:
        return cls.objects.filter(pk=1).values_list("number", flat=True).first() or 0

    @classmethod
    def bump(cls) -> None:
        if not cls.objects.filter(pk=1).update(number=models.F("number") + 1):
            cls.objects.get_or_create(pk=1, defaults={"number": 1})
