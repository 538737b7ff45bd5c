"""The essay admin at 1280 px, measured in Chromium: every column in view, long titles fit."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.contrib.auth.models import User
from django.test import Client

from archive.models import Essay
from tests.factories import make_author, make_essay, make_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLES = [
    "The Long Road from Lisbon to Chicago: NATO’s Missile Defense Debate and What Russia "
    "Expects from the Next Decade of European Security",
    "Почему «перезагрузка» не закончилась: российско-американские отношения после выборов "
    "и перспективы стратегической стабильности",
    "Arms Control",
    "Iran, Afghanistan and the Limits of Cooperation Between Moscow and Washington in a "
    "Multipolar World",
    "Нераспространение ядерного оружия: итоги обзорной конференции",
    "Mutually-Assured-Stability-Reconsidered-Through-Hyphenated-Compound-Words-In-Titles",
]
SOURCES = [
    "Carnegie Endowment for International Peace",
    "Российский совет по международным делам",
    "Valdai Discussion Club",
]
AUTHORS = [
    "Andrey Kortunov",
    "Ellen Tauscher",
    "Игорь Иванов",
    "Dmitri Trenin",
    "Фёдор Лукьянов",
    "Rose Gottemoeller",
]
# What the page reports: the results box and every cell, by how much its content overflows.
MEASURE = """() => {
  const box = document.querySelector('#changelist-form .results');
  const cells = [...document.querySelectorAll('#result_list th, #result_list td')];
  const over = cells.filter(c => c.scrollWidth > c.clientWidth + 1)
                    .map(c => c.className + ': ' + c.textContent.trim().slice(0, 40));
  const right = Math.max(...cells.map(c => c.getBoundingClientRect().right));
  const lines = [...document.querySelectorAll('#result_list th.field-title a')].map(a => {
    const style = getComputedStyle(a);
    return Math.round(a.getBoundingClientRect().height / parseFloat(style.lineHeight));
  });
  return {
    page: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth,
    results: box.scrollWidth, resultsVisible: box.clientWidth, overflowing: over,
    rightmost: right, titleLines: Math.max(...lines),
    headers: [...document.querySelectorAll('#result_list thead th')].map(t => t.textContent.trim()),
  };
}"""


@pytest.fixture
def curator_page(new_page, live_server):
    """Return a 1280 × 900 page signed in as a curator."""
    curator = User.objects.create_superuser("curator", "c@example.org", "a long passphrase")
    client = Client()
    client.force_login(curator)
    page = new_page(viewport={"width": 1280, "height": 900})
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


@pytest.fixture
def many_essays() -> list[Essay]:
    sources = [make_source(name) for name in SOURCES]
    authors = [make_author(name) for name in AUTHORS]
    essays = []
    for n, title in zip(range(30), itertools.cycle(TITLES), strict=False):
        essays.append(
            make_essay(
                f"{title} ({n})" if n >= len(TITLES) else title,
                authors=authors[n % 4 : n % 4 + 1 + n % 3],
                source=sources[n % 3] if n % 5 else None,
                language="ru" if title[0] in "ПН" else "en",
                status=Essay.Status.DRAFT if n % 4 == 0 else Essay.Status.PUBLISHED,
                published_on=datetime.date(2010 + n % 5, 1 + n % 12, 1),
            )
        )
    return essays


def test_the_essay_list_fits_1280_px_without_sideways_scrolling(
    curator_page, live_server, many_essays
):
    curator_page.goto(live_server.url + "/admin/archive/essay/")
    found = curator_page.evaluate(MEASURE)
    curator_page.screenshot(path="/tmp/admin-changelist-1280.png", full_page=True)
    print(f"\nessay list at 1280 px: {found}")  # noqa: T201 (the figure the issue asks for)
    assert found["headers"][1:7] == ["Title", "Authors", "Date", "Status", "Source", "Language"]
    assert found["page"] <= found["viewport"] == 1280
    assert found["results"] <= found["resultsVisible"], found
    assert found["overflowing"] == [], found["overflowing"]
    assert found["rightmost"] <= 1280
    assert found["titleLines"] <= 6, found  # 130-character titles: 4-5 lines, never ten


def test_long_titles_and_slugs_fit_the_edit_form(curator_page, live_server, many_essays):
    essay = many_essays[0]
    Essay.objects.filter(pk=essay.pk).update(slug="s" * 60 + "-" + "t" * 59)
    curator_page.goto(live_server.url + f"/admin/archive/essay/{essay.pk}/change/")
    title = curator_page.eval_on_selector(
        "#id_title", "e => [e.scrollHeight, e.clientHeight, e.scrollWidth, e.clientWidth]"
    )
    slug = curator_page.eval_on_selector("#id_slug", "e => [e.scrollWidth, e.clientWidth]")
    curator_page.screenshot(path="/tmp/admin-change-form-1280.png")
    assert title[0] <= title[1] and title[2] <= title[3], title  # the whole title in view
    assert slug[0] <= slug[1], slug  # a 120-character slug in view
    # The long title under "Change essay" does not run under the History button.
    heading = curator_page.eval_on_selector(  # the text's box, not the padded element's
        "#content > h2",
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " return r.getBoundingClientRect(); }",
    )
    tools = curator_page.eval_on_selector(".object-tools", "e => e.getBoundingClientRect()")
    overlap_x = heading["right"] > tools["left"]
    overlap_y = heading["top"] < tools["bottom"] and tools["top"] < heading["bottom"]
    assert not (overlap_x and overlap_y), (heading, tools)
