"""sitemap.xml: every public essay, author, source and topic page, and the browse pages."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q, QuerySet
from django.urls import reverse

from archive.models import Author, Essay, Source, Topic

# The sitemaps protocol allows 50,000 URLs per file; the index pages past it (?p=2 …).
PROTOCOL_LIMIT = 50_000


class ArchiveSitemap(Sitemap):
    """Shared by our sitemaps: the page size can be lowered in settings (tests use it)."""

    @property
    def limit(self) -> int:
        return min(settings.SITEMAP_LIMIT, PROTOCOL_LIMIT)


class EssaySitemap(ArchiveSitemap):
    def items(self) -> QuerySet:
        return Essay.objects.published().only("id", "slug", "updated").order_by("id")

    def lastmod(self, essay: Essay) -> datetime.datetime:
        return essay.updated


class CatalogueSitemap(ArchiveSitemap):
    """Authors, sources or topics with published essays; lastmod is their newest change."""

    model: type[Author | Source | Topic]

    def items(self) -> QuerySet:
        published = Q(essays__status=Essay.Status.PUBLISHED)
        return (
            self.model.objects.with_published_essays()
            .annotate(last_essay_update=Max("essays__updated", filter=published))
            .order_by("slug")
        )

    def lastmod(self, obj: Author | Source | Topic) -> datetime.datetime:
        own = getattr(obj, "updated", None)  # topics have no timestamps of their own
        return max(t for t in (own, obj.last_essay_update) if t is not None)


class AuthorSitemap(CatalogueSitemap):
    model = Author


class SourceSitemap(CatalogueSitemap):
    model = Source


class TopicSitemap(CatalogueSitemap):
    model = Topic


class PageSitemap(ArchiveSitemap):
    """The browse pages that are not one object's page."""

    def items(self) -> list[str]:
        return [
            "archive:home",
            "archive:essay_list",
            "archive:author_list",
            "archive:source_list",
            "archive:topic_list",
            "archive:year_list",
        ]

    def location(self, name: str) -> str:
        return reverse(name)


SITEMAPS: dict[str, type[Sitemap]] = {
    "pages": PageSitemap,
    "essays": EssaySitemap,
    "authors": AuthorSitemap,
    "sources": SourceSitemap,
    "topics": TopicSitemap,
}
