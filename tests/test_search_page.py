"""The search page's interface: its feed (read back with feedparser), the form's "Dates and
order" panel and URL, and the shared partials it is built from."""

from __future__ import annotations

import datetime
import re

import feedparser
import pytest
from django.conf import settings
from django.test import Client
from lxml import html

from search.indexing import rebuild
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = pytest.mark.django_db

SEARCH = "q=nuclear+deterrence&source=valdai-discussion-club"


@pytest.fixture
def searchable(search_index) -> dict:
    """Twelve essays on deterrence (two pages) from two sources, and one on trade."""
    valdai, carnegie = make_source("Valdai Discussion Club"), make_source("Carnegie Endowment")
    karaganov = make_author("Sergey Karaganov")
    arms = make_topic("Arms control")
    made = {}
    for i in range(12):
        made[i] = make_essay(
            f"Deterrence essay {i}",
            paragraphs=[
                "A first paragraph about treaties and inspections.",
                f"Nuclear deterrence rests on retaliation, argument number {i}.",
            ],
            source=valdai if i % 2 else carnegie,
            authors=[karaganov],
            topics=[arms],
            published_on=datetime.date(2010 + i, 3, 1),
            standfirst="A lead that search results replace with a snippet.",
        )
    made["trade"] = make_essay("Trade", paragraphs=["Tariffs and trade."], source=valdai)
    rebuild()
    return made


def page_of(client: Client, query: str):
    response = client.get(f"/search/?{query}")
    assert response.status_code == 200, response.content[:300]
    return response, html.fromstring(response.content)


def read_feed(client: Client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def self_link(feed: feedparser.FeedParserDict) -> str:
    return next(link.href for link in feed.feed.links if link.rel == "self")


# --- the feed of a search --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_the_feed_names_itself_with_the_query_and_filters(client, searchable, fmt):
    feed = read_feed(client, f"/search/feed.{fmt}?{SEARCH}&page=2&sort=oldest&year_from=")
    # Order, page and empty fields do not make another search, so they are not in its name.
    assert self_link(feed) == f"http://testserver/search/feed.{fmt}?{SEARCH}"
    if fmt == "atom":
        assert feed.feed.id == f"{settings.SITE_URL}/search/feed.atom?{SEARCH}"
    assert len(feed.entries) == 6  # the Valdai half, whatever the page and sort said


def test_one_search_has_one_feed_id_however_its_url_is_written(client, searchable):
    urls = [
        f"/search/feed.atom?{SEARCH}",
        "/search/feed.atom?source=valdai-discussion-club&q=nuclear+deterrence&year_to=&sort=",
        "/search/feed.atom?q=nuclear+deterrence&source=valdai-discussion-club&source=",
    ]
    assert len({read_feed(client, url).feed.id for url in urls}) == 1
    other = read_feed(client, "/search/feed.atom?q=nuclear+deterrence&year_from=2015")
    assert other.feed.id.endswith("?q=nuclear+deterrence&year_from=2015")
    assert self_link(read_feed(client, "/search/feed.atom")).endswith("/search/feed.atom")


def test_the_page_offers_the_feed_it_would_subscribe_to(client, searchable):
    _, doc = page_of(client, "q=nuclear+deterrence&topic=arms-control&page=2&sort=newest")
    [alternate] = doc.xpath('//head/link[@rel="alternate"][contains(@href, "/search/")]')
    assert alternate.get("type") == "application/atom+xml"
    assert alternate.get("href") == "/search/feed.atom?q=nuclear+deterrence&topic=arms-control"
    [subscribe] = doc.xpath('//a[normalize-space()="Subscribe to this search"]')
    assert subscribe.get("href") == alternate.get("href")
    # Following it gives a feed that calls itself by the same address.
    feed = read_feed(client, subscribe.get("href"))
    assert self_link(feed) == "http://testserver" + subscribe.get("href")


def test_a_search_with_errors_offers_no_feed(client, search_index):
    response = client.get("/search/?year_from=abc")
    assert response.status_code == 400
    doc = html.fromstring(response.content)
    assert not doc.xpath('//link[contains(@href, "/search/feed")]')
    assert not doc.xpath('//a[normalize-space()="Subscribe to this search"]')


# --- the form: "Dates and order" and the URL it makes -----------------------------------------


def options_open(doc) -> bool:
    [details] = doc.xpath('//details[contains(@class, "search-options")]')
    return details.get("open") is not None


@pytest.mark.parametrize(
    ("query", "is_open"),
    [
        ("q=deterrence", False),
        # What a form submitted without JavaScript sends: empty fields, the default order.
        ("q=deterrence&year_from=&year_to=&sort=", False),
        ("q=deterrence&sort=relevance", False),  # the old default, from links made before
        ("q=deterrence&sort=newest", True),
        ("q=deterrence&year_from=2015", True),
        ("q=deterrence&year_to=2015&sort=", True),
    ],
)
def test_dates_and_order_stay_closed_unless_one_is_set(client, searchable, query, is_open):
    _, doc = page_of(client, query)
    assert options_open(doc) is is_open


def test_empty_fields_and_the_old_default_order_read_like_no_field(client, searchable):
    plain, _ = page_of(client, "q=deterrence")
    for query in ("q=deterrence&year_from=&year_to=&sort=", "q=deterrence&sort=relevance"):
        response, doc = page_of(client, query)
        assert [h.pk for h in response.context["hits"]] == [h.pk for h in plain.context["hits"]]
        [relevance] = doc.xpath('//select[@name="sort"]/option[@value=""]')
        assert relevance.text == "Relevance"
        assert doc.xpath('//select[@name="sort"]/option[@selected]') in ([], [relevance])


def test_a_wrong_year_opens_the_panel_beside_its_message(client, search_index):
    response = client.get("/search/?q=x&year_from=abc")
    doc = html.fromstring(response.content)
    assert response.status_code == 400 and options_open(doc)
    assert doc.xpath('//input[@name="year_from"]/@value') == ["abc"]


def test_a_new_search_keeps_the_filters(client, searchable):
    _, doc = page_of(client, f"{SEARCH}&topic=arms-control&language=en")
    [form] = doc.xpath('//form[contains(@class, "search-box")]')
    hidden = {(i.get("name"), i.get("value")) for i in form.xpath('.//input[@type="hidden"]')}
    assert hidden == {
        ("source", "valdai-discussion-club"),
        ("topic", "arms-control"),
        ("language", "en"),
    }


# --- built from the shared partials -----------------------------------------------------------


def test_results_are_shared_essay_cards_with_snippets_and_shared_pagination(client, searchable):
    response, doc = page_of(client, "q=retaliation")
    used = {t.name for t in response.templates}
    assert {
        "includes/search_box.html",
        "includes/essay_card.html",
        "includes/pagination.html",
        "includes/byline.html",
    } <= used
    cards = doc.xpath('//section[@id="search-results"]/article[@class="essay-card"]')
    assert len(cards) == 10
    first = cards[0]
    # The snippet comes from where the word is, and replaces the lead.
    snippet = html.tostring(first.xpath('.//*[@class="essay-card__snippet"]')[0], encoding=str)
    assert "<mark>retaliation</mark>" in snippet
    assert not first.xpath('.//*[@class="essay-card__lead"]')
    # The card links its author, like every other list of essays.
    assert first.xpath('.//a[normalize-space()="Sergey Karaganov"]/@href') == [
        "/authors/sergey-karaganov/"
    ]
    [nxt] = doc.xpath('//nav[@class="pagination"]/a[@rel="next"]')
    assert nxt.get("href") == "?q=retaliation&page=2"
    second, doc2 = page_of(client, "q=retaliation&page=2")
    assert len(doc2.xpath('//article[@class="essay-card"]')) == 2
    assert doc2.xpath('//nav[@class="pagination"]/a[@rel="prev"]/@href') == [
        "?q=retaliation&page=1"
    ]
    assert "page 2 of 2" in doc2.xpath('string(//p[@class="search-count"])')


def test_an_empty_search_lists_cards_with_their_leads(client, searchable):
    _, doc = page_of(client, "")
    leads = doc.xpath('//article[@class="essay-card"]/p[@class="essay-card__lead"]')
    assert leads and re.search("search results replace", leads[0].text)


def test_the_filters_can_be_reached_from_the_top_of_the_results(client, searchable):
    _, doc = page_of(client, "q=deterrence")
    [jump] = doc.xpath('//a[@href="#search-filters"]')
    [aside] = doc.xpath('//aside[@id="search-filters"]')
    results = doc.xpath('//section[@id="search-results"]')[0]
    # The link comes before the first result in reading order; the filters after them.
    order = list(doc.iter())
    assert order.index(jump) < order.index(results) < order.index(aside)
