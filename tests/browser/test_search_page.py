"""The search page as a person sees it, at 1280 px and on a 390 px phone, light and dark:
subscribing, the filters, the "Dates and order" fields and the URL the form makes."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qsl, urlsplit

import feedparser
import pytest
from playwright.sync_api import expect

from search.indexing import rebuild
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
JUMP = "Filter by author, source, topic, language or year"

# WCAG 2.2 contrast ratio of each matching element's text against the first opaque background
# behind it (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio).
CONTRAST = """selector => [...document.querySelectorAll(selector)].map(el => {
  const rgba = s => s.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(c => {
    c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  let node = el, bg = null;
  while (node && node.nodeType === 1) {
    const c = rgba(getComputedStyle(node).backgroundColor);
    if (c.length < 4 || c[3] > 0) { bg = c; break; }
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const [a, b] = [lum(rgba(getComputedStyle(el).color)), lum(bg)].sort((x, y) => y - x);
  return {text: el.textContent.trim(), ratio: (a + 0.05) / (b + 0.05)};
})"""


@pytest.fixture
def search_url(live_server, search_index) -> str:
    """Fourteen essays on deterrence by three authors from three sources, indexed."""
    authors = [make_author(n) for n in ("Ellen Tauscher", "Igor Ivanov", "Сергей Гончаров")]
    sources = [make_source(n) for n in ("Valdai Discussion Club", "Chatham House", "RIAC")]
    topics = [make_topic(n) for n in ("Arms control", "Nuclear deterrence", "Arctic")]
    for i in range(14):
        make_essay(
            f"Deterrence and its discontents, part {i}",
            paragraphs=[
                "Treaties, inspections and the habits of verification.",
                f"Nuclear deterrence after the Cold War, argument {i}.",
            ],
            authors=[authors[i % 3]],
            source=sources[i % 3],
            topics=[topics[i % 3], topics[(i + 1) % 3]],
            published_on=datetime.date(2008 + i, 5, 1),
        )
    rebuild()
    return live_server.url + "/search/"


def params_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def test_wide_page_offers_the_feed_and_shows_facets_beside_the_results(
    new_page, search_url, live_server
):
    page = new_page(viewport=WIDE)
    page.goto(search_url + "?q=deterrence&source=chatham-house&page=1")
    subscribe = page.get_by_role("link", name="Subscribe to this search")
    expect(subscribe).to_be_visible()
    href = "/search/feed.atom?q=deterrence&source=chatham-house"
    assert subscribe.get_attribute("href") == href
    alternate = page.locator('head link[rel="alternate"][type="application/atom+xml"]').first
    assert alternate.get_attribute("href") == href
    # What a feed reader gets from that link calls itself by the same address.
    feed = feedparser.parse(page.request.get(live_server.url + href).body())
    assert not feed.bozo
    assert [link.href for link in feed.feed.links if link.rel == "self"] == [live_server.url + href]
    assert len(feed.entries) == 5  # the Chatham House essays
    # Facets beside the results; the phone's jump link is not needed here.
    results = page.locator("#search-results").bounding_box()
    facets = page.locator("#search-filters").bounding_box()
    assert facets["x"] >= results["x"] + results["width"]
    assert facets["y"] < WIDE["height"]
    expect(page.get_by_role("link", name=JUMP)).to_be_hidden()
    expect(page.locator("details.search-options")).not_to_have_attribute("open", "")
    page.screenshot(path="/tmp/search-wide.png")


def test_on_a_phone_the_filters_are_reached_from_the_top_of_the_results(new_page, search_url):
    page = new_page(viewport=PHONE, reduced_motion="reduce")
    page.goto(search_url + "?q=deterrence")
    jump = page.get_by_role("link", name=JUMP)
    expect(jump).to_be_in_viewport()
    first_result = page.locator("#search-results .essay-card").first.bounding_box()
    assert jump.bounding_box()["y"] < first_result["y"]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    jump.click()
    expect(page.locator("#search-filters .facet__title").first).to_be_in_viewport()
    assert page.evaluate("document.activeElement.id") == "search-filters"
    page.get_by_role("link", name="Chatham House").click()
    page.wait_for_url("**source=chatham-house**")
    expect(page.locator(".search-count")).to_contain_text("5 essays found")
    page.get_by_role("link", name="Back to the results").click()
    expect(page.locator("#search-results .essay-card").first).to_be_in_viewport()
    page.screenshot(path="/tmp/search-phone.png", full_page=True)


def test_the_form_leaves_empty_fields_out_of_the_url(new_page, search_url):
    page = new_page(viewport=WIDE)
    page.goto(search_url)
    page.fill("#search-q", "deterrence")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=deterrence**")
    assert params_of(page.url) == [("q", "deterrence")]
    expect(page.locator("details.search-options")).not_to_have_attribute("open", "")
    page.locator("details.search-options summary").click()
    page.fill("#search-year-from", "2015")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**year_from=2015**")
    assert params_of(page.url) == [("q", "deterrence"), ("year_from", "2015")]
    expect(page.locator("details.search-options")).to_have_attribute("open", "")
    expect(page.locator(".search-count")).to_contain_text("7 essays found")


def test_without_javascript_the_form_still_searches(new_page, search_url):
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto(search_url + "?q=deterrence&topic=arctic")
    page.fill("#search-q", "verification")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=verification**")
    params = dict(params_of(page.url))
    assert params == {"q": "verification", "topic": "arctic", "year_from": "", "year_to": "",
                      "sort": ""}  # fmt: skip
    expect(page.locator(".search-count")).to_contain_text("9 essays found")
    expect(page.locator("details.search-options")).not_to_have_attribute("open", "")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_links_in_the_facet_list_have_aa_contrast(new_page, search_url, scheme):
    page = new_page(viewport=WIDE, color_scheme=scheme)
    page.goto(search_url + "?q=deterrence&author=ellen-tauscher")  # one value active
    facets = page.evaluate(CONTRAST, "#search-filters a")
    assert len(facets) >= 9
    assert any(f["text"] == "Ellen Tauscher" for f in facets)
    low = [f for f in facets if f["ratio"] < 4.5]
    assert not low, low
    others = page.evaluate(CONTRAST, ".search-subscribe a, .chip, .essay-card a, .pagination > *")
    assert all(f["ratio"] >= 4.5 for f in others), others


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_correction_and_a_biography_snippet_as_a_reader_sees_them(new_page, search_url, scheme):
    make_essay(
        "A quiet treaty",
        paragraphs=["The treaty lapsed without much notice."],
        author_notes="Maria Lopez was a Fulbright scholar at the Scowcroft Center.",
    )
    rebuild()
    page = new_page(viewport=PHONE, color_scheme=scheme)
    page.goto(search_url + "?q=Scowcrof&language=en")
    message = page.locator(".search-suggestion")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Showing results for Scowcroft (1 essay)")
    label = page.locator(".essay-card__snippet .snippet-from")
    expect(label).to_have_text("About the author:")
    expect(page.locator(".essay-card__snippet mark")).to_have_text("Scowcroft")
    for found in page.evaluate(CONTRAST, ".snippet-from, .search-suggestion a"):
        assert found["ratio"] >= 4.5, found
    page.get_by_role("link", name="Search for Scowcrof as typed").click()
    assert ("as_typed", "1") in params_of(page.url) and ("language", "en") in params_of(page.url)
    expect(page.locator(".search-count")).to_contain_text("0 essays found")
    expect(page.locator(".search-suggestion")).to_contain_text("Did you mean Scowcroft?")
