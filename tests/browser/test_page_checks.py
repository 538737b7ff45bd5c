"""Every page type as checkers and readers see it: 0 Nu HTML Checker errors, 0 axe-core
violations (WCAG 2.2 AA and best practice) at 1280 and 390 px in light and dark, the footer at
the bottom of a short page, and nothing left alone on a line at 390 px."""

from __future__ import annotations

import datetime
import urllib.error
import urllib.request

import pytest

from archive.models import DatePrecision
from search.indexing import rebuild
from tests.clients import axe_violations, vnu_errors, with_axe
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")
DARK_RULES = ["color-contrast", "link-in-text-block"]  # the AA colour rules


@pytest.fixture
def pages(live_server, search_index) -> dict[str, str]:
    """{page type: URL} on a live archive with essays of many shapes, English and Russian."""
    valdai = make_source("Valdai Discussion Club", url="https://valdaiclub.com/")
    riac = make_source("Российский совет по международным делам")
    arms = make_topic("Arms control")
    kortunov = make_author("Andrey Kortunov", affiliation="RIAC", biography="Director General.")
    body = [f"Paragraph {n} on arms control, deterrence and the reset." for n in range(1, 13)]
    essay = make_essay(
        "No Pause for the “Reset”: What Comes After New START", paragraphs=body,
        authors=[kortunov, make_author("Ellen Tauscher")], topics=[arms], source=valdai,
        published_on=datetime.date(2011, 1, 1), date_precision=DatePrecision.CIRCA,
        standfirst="The reset has become a triumph; its next task is the hardest.",
        author_notes="Andrey Kortunov is Director General of RIAC.",
        disclaimer="Views expressed are the author's.", original_publication="Foreign Policy",
        original_url="https://foreignpolicy.com/x?a=1&b=2",
        original_date=datetime.date(2010, 6, 1), original_date_precision=DatePrecision.MONTH,
    )  # fmt: skip
    russian = make_essay(
        "Россия и Запад: «перезагрузка» после выборов", source=riac, language="ru",
        authors=[make_author("Игорь Иванов")], topics=[arms], paragraphs=["Текст об arms control."],
        standfirst="Что ждёт отношения России и США.", published_on=datetime.date(2012, 3, 5),
    )  # fmt: skip
    make_essay("Undated Thoughts on Deterrence", published_on=None, paragraphs=body[:2])
    rebuild()
    base = live_server.url
    return {
        "home": "/",
        "essay list": "/essays/?sort=title",
        "essay": essay.get_absolute_url(),
        "essay (Russian)": russian.get_absolute_url(),
        "citation page": f"/essays/{essay.pk}/cite/?para=3",
        "citation page, bad paragraph": f"/essays/{essay.pk}/cite/?para=99",
        "author list": "/authors/",
        "author": kortunov.get_absolute_url(),
        "source list": "/sources/",
        "source": valdai.get_absolute_url(),
        "topic list": "/topics/",
        "topic": arms.get_absolute_url(),
        "year list": "/years/",
        "year": "/years/2012/",
        "search results": "/search/?q=arms",
        "search, nothing found": "/search/?q=zzzzqqq",
        "search, bad query": "/search/?q=arms&year_from=3000",
        "not found": "/no/such/page/",
        "admin login": "/admin/login/",
    } | {"_base": base}


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:  # 400 and 404 pages are pages too
        return error.read().decode()


def test_every_page_type_validates_and_passes_axe(pages, new_page):
    """Every rule at both widths in the light scheme; in the dark one, which changes colours
    only (site.css and Django's admin redefine colour variables), the colour rules."""
    base = pages.pop("_base")
    errors = vnu_errors({name: _get(base + path) for name, path in pages.items()})
    found = [f"vnu {name}: {e}" for name, messages in errors.items() for e in messages]
    for width in WIDTHS:
        for scheme in SCHEMES:
            page = new_page(viewport={"width": width, "height": 900}, color_scheme=scheme,
                            bypass_csp=True)  # fmt: skip
            with_axe(page.context)
            rules = DARK_RULES if scheme == "dark" else None
            for name, path in pages.items():
                page.goto(base + path)
                violations = axe_violations(page, rules)
                found += [f"axe {name} @{width} {scheme}: {v}" for v in violations]
                if page.evaluate("document.documentElement.scrollWidth > innerWidth"):
                    found.append(f"{name} @{width}: scrolls sideways")
    assert not found, "\n".join(found)


def test_footer_sits_at_the_bottom_of_a_short_page(pages, new_page):
    page = new_page(viewport={"width": 1280, "height": 1200})
    page.goto(pages["_base"] + pages["source list"])
    footer = page.eval_on_selector(".site-footer", "el => el.getBoundingClientRect().bottom")
    assert footer == pytest.approx(1200, abs=1)


def test_no_awkward_wraps_on_a_phone(pages, new_page):
    """At 390 px: the menu on one row (no "Search" alone on a second), a date never split
    ("c. 2011"), the search box's placeholder whole, "Cite this essay" on one line."""
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto(pages["_base"] + pages["essay"])
    menu_rows = page.eval_on_selector_all(
        ".site-nav a", "links => new Set(links.map(a => a.getBoundingClientRect().top)).size"
    )
    assert menu_rows == 1
    one_line = "el => el.getClientRects().length === 1"
    assert page.eval_on_selector(".essay__facts time", one_line)
    assert page.eval_on_selector(".essay__cite", one_line)
    page.goto(pages["_base"] + pages["home"])
    fits = page.eval_on_selector(
        "#home-q",
        """input => {
            const style = getComputedStyle(input, "::placeholder");
            const context = document.createElement("canvas").getContext("2d");
            context.font = `${style.fontSize} ${style.fontFamily}`;
            const room = input.clientWidth - parseFloat(style.paddingLeft)
                         - parseFloat(style.paddingRight);
            return context.measureText(input.placeholder).width <= room;
        }""",
    )
    assert fits
