"""Atom and RSS 2.0 feeds of the newest essays, and of each author, source and topic."""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from archive.models import Author, CatalogueEntry, Essay, Source, Topic
from archive.site_url import site_url

FEED_LENGTH = 30
# Characters XML 1.0 cannot carry at all, not even escaped: a title pasted with one would make
# the whole feed a 500 (Django's XML writer refuses them). Feeds leave them out.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(value):
    """Return `value` (text, or lists and tuples of text) without XML-illegal characters."""
    if isinstance(value, str):
        return XML_ILLEGAL.sub("", value)
    if isinstance(value, list | tuple):
        return type(value)(xml_safe(v) for v in value)
    return value


class XmlSafeFeed:
    """Drop XML-illegal characters from the feed's and every entry's values as they come in."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*xml_safe(args), **{key: xml_safe(v) for key, v in kwargs.items()})

    def add_item(self, *args, **kwargs) -> None:
        super().add_item(*xml_safe(args), **{key: xml_safe(v) for key, v in kwargs.items()})


class EssayAtomFeed(XmlSafeFeed, Atom1Feed):
    """Atom with one <author> per author in byline order and the body as <content type="html">.

    Django's Atom1Feed knows one author per entry and no content element.
    """

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        for name, uri in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.addQuickElement("uri", uri)
            handler.endElement("author")
        handler.addQuickElement("content", item["content"], {"type": "html"})


class EssayRssFeed(XmlSafeFeed, Rss201rev2Feed):
    """RSS 2.0 with one dc:creator per author (RSS's <author> wants an e-mail address) and the
    body as content:encoded."""

    def rss_attributes(self) -> dict[str, str]:
        return {
            **super().rss_attributes(),
            "xmlns:dc": "http://purl.org/dc/elements/1.1/",
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        for name, _uri in item["authors"]:
            handler.addQuickElement("dc:creator", name)
        handler.addQuickElement("content:encoded", item["content"])


def essay_summary(essay: Essay) -> str:
    """Return the standfirst, or else the first paragraph, as plain text."""
    return essay.standfirst.strip() or essay.body_text.split("\n\n", 1)[0]


def as_datetime(value: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(value, datetime.time(), tzinfo=datetime.UTC)


class EssayFeed(Feed):
    """What every essay feed shares: how an essay becomes an entry. Subclasses choose the essays.

    The entry id is the essay's permanent URL (on SITE_URL in production), so it stays the
    same whatever the slug becomes.
    """

    feed_type = EssayAtomFeed
    author_name = settings.SITE_NAME  # Atom needs a feed author when an entry has none

    def essays(self, obj) -> QuerySet:
        raise NotImplementedError

    def items(self, obj=None) -> list[Essay]:
        return list(self.essays(obj).published().for_listing()[:FEED_LENGTH])

    def item_title(self, essay: Essay) -> str:
        return essay.title

    def item_description(self, essay: Essay) -> str:
        # The summary is plain text; feeds carry it as HTML, so it is escaped, not trusted.
        return escape(essay_summary(essay))

    def item_link(self, essay: Essay) -> str:
        return essay.get_permanent_url()

    def item_guid(self, essay: Essay) -> str:
        return essay.get_full_permanent_url()

    item_guid_is_permalink = False

    def item_pubdate(self, essay: Essay) -> datetime.datetime:
        return as_datetime(essay.published_on) if essay.published_on else essay.created

    def item_updateddate(self, essay: Essay) -> datetime.datetime:
        return essay.updated

    def item_categories(self, essay: Essay) -> list[str]:
        return [topic.name for topic in essay.topics.all()]

    def item_extra_kwargs(self, essay: Essay) -> dict:
        return {
            "authors": [
                (author.name, site_url() + author.get_absolute_url())
                for author in essay.ordered_authors
            ],
            # The stored body is sanitized on every save (archive/sanitize.py), never raw input.
            "content": essay.body,
        }


class RssFormat:
    """Mixin: serve the same feed as RSS 2.0."""

    feed_type = EssayRssFeed


class LatestEssaysFeed(EssayFeed):
    """The essays most recently added to the archive, whatever their publication date, so a
    subscriber hears of an old essay newly archived too."""

    title = f"{settings.SITE_NAME}: latest essays"
    subtitle = description = "The essays most recently added to the archive."

    def link(self) -> str:
        return reverse("archive:essay_list")

    def essays(self, obj) -> QuerySet:
        return Essay.objects.order_by("-created", "-id")


class CatalogueFeed(EssayFeed):
    """The newest essays of one author, source or topic, found by its slug."""

    model: type[CatalogueEntry]
    preposition: str  # "essays by an author", "from a source", "on a topic"

    def get_object(self, request: HttpRequest, slug: str) -> CatalogueEntry:
        return get_object_or_404(self.model, slug=slug)

    def title(self, entry: CatalogueEntry) -> str:
        return f"{settings.SITE_NAME}: essays {self.preposition} {entry.name}"

    def description(self, entry: CatalogueEntry) -> str:
        return f"The newest essays {self.preposition} {entry.name} in the archive."

    subtitle = description

    def link(self, entry: CatalogueEntry) -> str:
        return entry.get_absolute_url()


class AuthorFeed(CatalogueFeed):
    model, preposition = Author, "by"

    def essays(self, author: Author) -> QuerySet:
        return Essay.objects.by_author(author).newest_first()


class SourceFeed(CatalogueFeed):
    model, preposition = Source, "from"

    def essays(self, source: Source) -> QuerySet:
        return Essay.objects.filter(source=source).newest_first()


class TopicFeed(CatalogueFeed):
    model, preposition = Topic, "on"

    def essays(self, topic: Topic) -> QuerySet:
        return Essay.objects.with_topic(topic).newest_first()


class LatestEssaysRssFeed(RssFormat, LatestEssaysFeed):
    pass


class AuthorRssFeed(RssFormat, AuthorFeed):
    pass


class SourceRssFeed(RssFormat, SourceFeed):
    pass


class TopicRssFeed(RssFormat, TopicFeed):
    pass
