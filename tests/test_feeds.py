"""Atom and RSS feeds, read back with feedparser as a feed reader would."""

from __future__ import annotations

import datetime
import html

import feedparser
import pytest
from django.test import Client

from archive.models import Essay
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = pytest.mark.django_db

FORMATS = ["atom", "rss"]


def read_feed(client: Client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200, url
    atom = url.split("?")[0].endswith(".atom")
    media_type = "application/atom+xml" if atom else "application/rss+xml"
    assert response["Content-Type"].startswith(media_type)
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


@pytest.fixture
def archive() -> dict:
    valdai = make_source("Valdai Discussion Club")
    arms = make_topic("Arms Control")
    tauscher, ivanov = make_author("Ellen Tauscher"), make_author("Igor Ivanov")
    joint = make_essay(
        "A joint essay",
        authors=[tauscher, ivanov],
        source=valdai,
        topics=[arms],
        standfirst="Why <cooperation> & trust matter.",
        paragraphs=["First <b>bold</b> paragraph.", "Second."],
        published_on=datetime.date(2013, 6, 17),
    )
    solo = make_essay(
        "A solo essay", authors=[ivanov], published_on=None, paragraphs=["Only paragraph."]
    )
    anonymous = make_essay("No author known", published_on=datetime.date(2011, 1, 1))
    draft = make_essay("A draft", authors=[ivanov], source=valdai, status=Essay.Status.DRAFT)
    hostile = make_essay(
        "Hostile body",
        paragraphs=['<script>alert(1)</script>Text<img src=x onerror="alert(2)">'],
    )
    return locals()


@pytest.mark.parametrize("fmt", FORMATS)
def test_latest_feed_lists_published_essays_newest_added_first(
    client: Client, archive: dict, fmt: str
) -> None:
    feed = read_feed(client, f"/feeds/latest.{fmt}")
    titles = [entry.title for entry in feed.entries]
    assert titles == ["Hostile body", "No author known", "A solo essay", "A joint essay"]
    assert "latest essays" in feed.feed.title


@pytest.mark.parametrize("fmt", FORMATS)
def test_entry_carries_authors_dates_summary_content_and_permanent_link(
    client: Client, archive: dict, fmt: str
) -> None:
    essay = archive["joint"]
    feed = read_feed(client, f"/feeds/latest.{fmt}")
    entry = next(e for e in feed.entries if e.title == "A joint essay")
    assert [a.name for a in entry.authors] == ["Ellen Tauscher", "Igor Ivanov"]
    assert entry.link == f"http://testserver/essays/{essay.pk}/"
    assert entry.id == essay.get_full_permanent_url()
    assert entry.published_parsed[:3] == (2013, 6, 17)
    if fmt == "atom":  # RSS 2.0 has no updated date
        assert entry.updated_parsed[:6] == essay.updated.utctimetuple()[:6]
    assert html.unescape(entry.summary) == "Why <cooperation> & trust matter."
    assert "<b>bold</b>" in entry.content[0].value
    assert [t.term for t in entry.tags] == ["Arms Control"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_entry_without_date_or_authors_or_standfirst(client: Client, archive: dict, fmt: str):
    feed = read_feed(client, f"/feeds/latest.{fmt}")
    solo = next(e for e in feed.entries if e.title == "A solo essay")
    created = archive["solo"].created
    assert solo.published_parsed[:5] == created.utctimetuple()[:5]
    assert solo.summary == "Only paragraph."
    anonymous = next(e for e in feed.entries if e.title == "No author known")
    assert "authors" not in anonymous  # zero authors: no empty author element


def test_atom_feed_names_the_site_as_author_when_entries_have_none(
    client: Client, archive: dict
) -> None:
    feed = read_feed(client, "/feeds/latest.atom")
    assert feed.feed.author  # RFC 4287 §4.1.1: entries without an author inherit it


@pytest.mark.parametrize("fmt", FORMATS)
def test_feed_content_is_the_sanitized_body(client: Client, archive: dict, fmt: str) -> None:
    response = client.get(f"/feeds/latest.{fmt}")
    assert b"alert" not in response.content
    assert b"onerror" not in response.content
    feed = feedparser.parse(response.content)
    entry = next(e for e in feed.entries if e.title == "Hostile body")
    assert entry.content[0].value == archive["hostile"].body


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("kind", "slug_of", "expected"),
    [
        ("authors", lambda a: a["ivanov"].slug, ["A joint essay", "A solo essay"]),  # undated last
        ("sources", lambda a: a["valdai"].slug, ["A joint essay"]),
        ("topics", lambda a: a["arms"].slug, ["A joint essay"]),
    ],
)
def test_per_object_feeds(client: Client, archive: dict, fmt, kind, slug_of, expected) -> None:
    feed = read_feed(client, f"/{kind}/{slug_of(archive)}/feed.{fmt}")
    assert [entry.title for entry in feed.entries] == expected
    assert "A draft" not in [entry.title for entry in feed.entries]


@pytest.mark.parametrize("kind", ["authors", "sources", "topics"])
def test_unknown_object_feed_is_404(client: Client, kind: str) -> None:
    assert client.get(f"/{kind}/nobody/feed.atom").status_code == 404


def test_feed_queries_do_not_grow_with_entries(
    client: Client, archive: dict, django_assert_max_num_queries
) -> None:
    for n in range(10):
        make_essay(f"More {n}", authors=[make_author()], topics=[make_topic()])
    with django_assert_max_num_queries(5):
        client.get("/feeds/latest.atom")


def test_pages_link_their_feeds_for_discovery(client: Client, archive: dict) -> None:
    home = client.get("/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in home
    assert 'href="/feeds/latest.atom"' in home
    for kind, obj in (("authors", "ivanov"), ("sources", "valdai"), ("topics", "arms")):
        slug = archive[obj].slug
        page = client.get(f"/{kind}/{slug}/").content.decode()
        assert 'type="application/atom+xml" title="Essays' in page
        assert f'href="/{kind}/{slug}/feed.atom"' in page
        assert f'href="/{kind}/{slug}/feed.rss"' in page
        read_feed(client, f"/{kind}/{slug}/feed.atom")


@pytest.fixture
def searchable(search_index) -> dict:
    """Essays on nuclear deterrence from two sources, indexed in a fresh Whoosh index."""
    from search.indexing import rebuild

    valdai, other = make_source("Valdai Discussion Club"), make_source("Carnegie Endowment")
    author = make_author("Sergey Karaganov")
    deterrence = ["Nuclear deterrence rests on the credibility of retaliation."]
    made = {
        "old": make_essay(
            "Old Valdai deterrence",
            paragraphs=deterrence,
            source=valdai,
            authors=[author],
            published_on=datetime.date(2011, 5, 1),
        ),
        "new": make_essay(
            "New Valdai deterrence",
            paragraphs=deterrence,
            source=valdai,
            published_on=datetime.date(2019, 5, 1),
        ),
        "elsewhere": make_essay("Carnegie deterrence", paragraphs=deterrence, source=other),
        "unrelated": make_essay(
            "Valdai on trade", paragraphs=["Tariffs and trade."], source=valdai
        ),
        "draft": make_essay(
            "Draft Valdai deterrence",
            paragraphs=deterrence,
            source=valdai,
            status=Essay.Status.DRAFT,
        ),
    }
    rebuild()
    return made


@pytest.mark.parametrize("fmt", FORMATS)
def test_search_feed_lists_matching_essays_newest_first(
    client: Client, searchable: dict, fmt: str
) -> None:
    url = f"/search/feed.{fmt}?q=nuclear+deterrence&source=valdai-discussion-club&page=3"
    feed = read_feed(client, url)
    assert [e.title for e in feed.entries] == ["New Valdai deterrence", "Old Valdai deterrence"]
    assert "nuclear deterrence, source: valdai-discussion-club" in feed.feed.title
    assert feed.feed.link.startswith("http://testserver/search/?")
    assert "q=nuclear+deterrence" in feed.feed.link
    old = next(e for e in feed.entries if e.title == "Old Valdai deterrence")
    assert [a.name for a in old.authors] == ["Sergey Karaganov"]


def test_search_feed_hears_of_a_new_matching_essay(client: Client, searchable: dict) -> None:
    from search.indexing import rebuild

    url = "/search/feed.atom?q=nuclear+deterrence&source=valdai-discussion-club"
    make_essay(
        "Newest Valdai deterrence",
        paragraphs=["Deterrence, nuclear and conventional, after the treaties."],
        source=searchable["new"].source,
        published_on=datetime.date(2024, 2, 1),
    )
    rebuild()
    assert read_feed(client, url).entries[0].title == "Newest Valdai deterrence"


@pytest.mark.parametrize(
    "query", ["author=not a slug", "year_from=abc", "q=" + "x" * 20_000, "language=xx"]
)
def test_search_feed_rejects_bad_input_with_400(client: Client, search_index, query: str):
    assert client.get(f"/search/feed.atom?{query}").status_code == 400
