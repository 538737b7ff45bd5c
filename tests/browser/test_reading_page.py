"""The reading page as a person sees it: no JavaScript needed, pinpoint highlight, phones, dark."""

from __future__ import annotations

import datetime

import pytest

from archive.models import DatePrecision
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARAGRAPHS = [
    "The U.S.-Russia “reset” has become an acknowledged foreign policy triumph for the "
    "incumbent administrations in Washington and Moscow. Politicians and pundits on both sides "
    "are tempted to conclude that it has exhausted itself.",
    "Relations between the United States and Russia have long been haunted by a vicious circle "
    "of disagreements on regional issues, nuclear deterrence and deeply rooted distrust.",
    "Nuclear deterrence is the ultimate manifestation of distrust in world politics. Planning "
    "for situations in which nuclear retaliation may become inevitable is a sign of total "
    "distrust; a state that plans so cannot be a partner in anything else.",
    "First, they must build trust among state bureaucracies through day-to-day cooperation on "
    "issues of key importance to both of them, such as Afghanistan and Iran.",
    "Second, Moscow and Washington would be advised to seek new ways to overcome the destructive "
    "impact of nuclear deterrence. The New START Treaty, which entered into force on February 5, "
    "2011, represented a great step forward in this direction.",
    "The way forward for the “reset” cannot be clearer. An unfortunate string of events could "
    "bring it to a halt during the election seasons, but not for lack of an agenda.",
]


@pytest.fixture
def essay_url(live_server) -> str:
    source = make_source("Valdai Discussion Club", url="https://valdaiclub.com/")
    essay = make_essay(
        "No Pause for the “Reset”",
        paragraphs=PARAGRAPHS,
        authors=[make_author("Andrey Kortunov"), make_author("Ellen Tauscher")],
        topics=[make_topic("Arms control"), make_topic("U.S.-Russia relations")],
        source=source,
        published_on=datetime.date(2011, 6, 1),
        date_precision=DatePrecision.MONTH,
        standfirst="The reset has become a triumph, yet its next task is the hardest: "
        "breaking the vicious circle of distrust that nuclear deterrence keeps alive.",
        author_notes="Andrey Kortunov is Director General of the Russian International "
        "Affairs Council.",
        disclaimer="Views expressed are of individual Members and Contributors, rather than "
        "the Club's, unless explicitly stated otherwise.",
        original_publication="Valdai Discussion Club",
        original_url="https://valdaiclub.com/a/highlights/no-pause-for-the-reset/",
        original_date=datetime.date(2011, 6, 1),
        original_date_precision=DatePrecision.MONTH,
    )
    make_essay("An Earlier Essay", published_on=datetime.date(2010, 1, 1))
    return live_server.url + essay.get_absolute_url()


def background_of(page, selector: str) -> str:
    return page.eval_on_selector(selector, "el => getComputedStyle(el).backgroundColor")


def test_reading_page_works_without_javascript_and_highlights_the_target(new_page, essay_url):
    page = new_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    response = page.goto(essay_url + "#p-3")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "No Pause for the “Reset”"
    assert page.locator(".para-link").count() == len(PARAGRAPHS)
    assert page.locator("#p-3 .para-link").get_attribute("href") == "#p-3"
    assert page.locator("#p-3 .para-link").is_visible()
    assert background_of(page, "#p-3") != background_of(page, "#p-2")
    page.screenshot(path="/tmp/essay.png", full_page=True)


def test_no_horizontal_scroll_on_a_phone(new_page, essay_url, live_server):
    page = new_page(viewport={"width": 375, "height": 812})
    for url in (essay_url, live_server.url + "/", live_server.url + "/essays/"):
        page.goto(url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375px"
    page.goto(essay_url + "#p-2")
    page.screenshot(path="/tmp/essay-phone.png", full_page=True)


def test_dark_mode_changes_the_background(new_page, essay_url):
    light = new_page(color_scheme="light")
    dark = new_page(color_scheme="dark", viewport={"width": 1280, "height": 900})
    light.goto(essay_url)
    dark.goto(essay_url + "#p-3")
    assert background_of(light, "body") != background_of(dark, "body")
    dark.screenshot(path="/tmp/essay-dark.png")
