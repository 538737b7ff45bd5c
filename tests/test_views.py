"""Browse pages: content, redirects, drafts, pagination, sorting, year filter, query counts."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from archive.models import DatePrecision, Essay, Republication
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    return response.content.decode()


def title_of(response) -> str:
    match = re.search(r"<title>(.*?)</title>", html_of(response), re.DOTALL)
    return match.group(1).strip() if match else ""


def description_of(response) -> str:
    match = re.search(r'<meta name="description" content="([^"]*)">', html_of(response))
    return match.group(1).strip() if match else ""


@pytest.fixture
def archive():
    """A small archive: two sources, three authors, topics, dated essays and one draft."""
    club = make_source("Valdai Club", description="A Moscow discussion club.", disclaimer="Views…")
    journal = make_source("Foreign Policy Journal")
    ellen = make_author("Ellen Tauscher", biography="Former Under Secretary.", affiliation="State")
    igor = make_author("Igor Ivanov")
    andrey = make_author("Andrey Kortunov")
    arms = make_topic("Arms control")
    reset = make_topic("The reset")
    essays = {
        "reset": make_essay(
            "No Pause for the Reset",
            authors=[andrey],
            source=club,
            topics=[reset],
            published_on=datetime.date(2011, 3, 1),
            date_precision=DatePrecision.CIRCA,
            standfirst="The reset has become a triumph.",
            paragraphs=[f"Reset paragraph {n}." for n in range(1, 6)],
        ),
        "missile": make_essay(
            "Missile Defense Together",
            authors=[ellen, igor],
            source=journal,
            topics=[arms, reset],
            published_on=datetime.date(2013, 6, 17),
            date_precision=DatePrecision.MONTH,
            author_notes="Ellen Tauscher is a former Under Secretary.",
            disclaimer="The views are the authors' own.",
            original_publication="Foreign Policy",
            original_url="https://foreignpolicy.com/2013/06/missile",
            original_date=datetime.date(2013, 6, 1),
            original_date_precision=DatePrecision.MONTH,
        ),
        "anonymous": make_essay(
            "An Unsigned Note",
            published_on=datetime.date(2012, 5, 4),
            topics=[arms],
        ),
        "draft": make_essay("Secret Draft", authors=[igor], status=Essay.Status.DRAFT),
    }
    Republication.objects.create(
        essay=essays["missile"], publication="Valdai Papers", url="https://valdai.example/p"
    )
    return {"essays": essays, "authors": [ellen, igor, andrey], "sources": [club, journal]}


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_user("curator", password="x", is_staff=True)
    client.force_login(user)
    return client


# --- Every page answers with its content, a title and a meta description -------------------


def test_home_shows_latest_counts_and_search_box(client, archive):
    response = client.get(reverse("archive:home"))
    assert response.status_code == 200
    page = html_of(response)
    assert "Missile Defense Together" in page
    assert "Secret Draft" not in page
    assert 'name="q"' in page and f'action="{reverse("search:search")}"' in page
    assert re.search(r'stats__n">3</span> essays', page)
    assert re.search(r'stats__n">3</span> authors', page)
    assert re.search(r'stats__n">2</span> sources', page)
    assert re.search(r'stats__n">2</span> topics', page)


def test_author_counts_ignore_authors_of_drafts_only(client, archive):
    make_essay("Another draft", authors=[make_author("Draft Only")], status="draft")
    response = client.get(reverse("archive:author_list"))
    assert "Only, Draft" not in html_of(response)
    assert "Tauscher, Ellen" in html_of(response)


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    [
        ("archive:home", {}, "Latest essays"),
        ("archive:essay_list", {}, "No Pause for the Reset"),
        ("archive:author_list", {}, "Kortunov, Andrey"),
        ("archive:author_detail", {"slug": "ellen-tauscher"}, "Former Under Secretary."),
        ("archive:source_list", {}, "Foreign Policy Journal"),
        ("archive:source_detail", {"slug": "valdai-club"}, "A Moscow discussion club."),
        ("archive:topic_list", {}, "Arms control"),
        ("archive:topic_detail", {"slug": "arms-control"}, "An Unsigned Note"),
        ("archive:year_list", {}, "2013"),
        ("archive:year_detail", {"year": 2013}, "Missile Defense Together"),
    ],
)
def test_page_answers_with_content_title_and_description(client, archive, name, kwargs, expected):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    assert expected in html_of(response)
    assert "The Essay Archive" in title_of(response)
    assert len(description_of(response)) > 20


def test_essay_page_title_and_description(client, archive):
    essay = archive["essays"]["reset"]
    response = client.get(essay.get_absolute_url())
    assert title_of(response) == "No Pause for the Reset · The Essay Archive"
    assert description_of(response) == "The reset has become a triumph."


def test_author_page_lists_only_their_published_essays(client, archive):
    response = client.get(reverse("archive:author_detail", kwargs={"slug": "igor-ivanov"}))
    page = html_of(response)
    assert "Missile Defense Together" in page
    assert "Secret Draft" not in page


def test_source_page_shows_disclaimer_and_its_essays_only(client, archive):
    response = client.get(reverse("archive:source_detail", kwargs={"slug": "valdai-club"}))
    page = html_of(response)
    assert "Views…" in page
    assert "No Pause for the Reset" in page
    assert "Missile Defense Together" not in page


def test_year_list_counts_published_essays(client, archive):
    page = html_of(client.get(reverse("archive:year_list")))
    for year in ("2011", "2012", "2013"):
        assert f'href="/years/{year}/">{year}</a> <span class="index-list__n">1 essay<' in page


def test_unknown_slugs_and_empty_years_are_404(client, archive):
    assert client.get("/authors/nobody/").status_code == 404
    assert client.get("/sources/nowhere/").status_code == 404
    assert client.get("/topics/nothing/").status_code == 404
    assert client.get("/years/1999/").status_code == 404
    assert client.get("/years/99999999/").status_code == 404
    assert client.get("/essays/999999/").status_code == 404


# --- The essay page -------------------------------------------------------------------------


def test_essay_page_shows_everything_about_the_essay(client, archive):
    essay = archive["essays"]["missile"]
    response = client.get(essay.get_absolute_url())
    assert response.status_code == 200
    page = html_of(response)
    assert '<h1 class="essay__title" lang="en">Missile Defense Together</h1>' in page
    byline = re.search(r'<span class="byline">(.*?)</span>', page).group(1)
    assert byline == (
        '<a href="/authors/ellen-tauscher/">Ellen Tauscher</a> and '
        '<a href="/authors/igor-ivanov/">Igor Ivanov</a>'
    )
    assert '<time datetime="2013-06">June 2013</time>' in page
    assert '<a href="/sources/foreign-policy-journal/">Foreign Policy Journal</a>' in page
    assert "Ellen Tauscher is a former Under Secretary." in page
    assert "The views are the authors&#x27; own." in page
    assert 'href="https://foreignpolicy.com/2013/06/missile"' in page
    assert "First published in" in page and "June 2013." in page
    assert "Valdai Papers" in page
    assert 'href="/topics/arms-control/"' in page and 'href="/topics/the-reset/"' in page
    assert "words, about 1 min read" in page
    assert "http://127.0.0.1:8000/essays/" in page or essay.get_permanent_url() in page


def test_circa_date_is_displayed_as_circa(client, archive):
    page = html_of(client.get(archive["essays"]["reset"].get_absolute_url()))
    assert '<time datetime="2011">c. 2011</time>' in page


def test_essay_without_authors_says_author_unknown(client, archive):
    essay = archive["essays"]["anonymous"]
    page = html_of(client.get(essay.get_absolute_url()))
    # not a "byline": Zotero reads such an element as the author's name when there is none
    assert '<span class="author-unknown">Author unknown</span>' in page
    assert not re.search(r'class="[^"]*(byline|vcard)[^"]*"[^>]*>\s*Author unknown', page)
    listing = html_of(client.get(reverse("archive:essay_list")))
    assert "author-unknown" in listing


def test_every_paragraph_has_an_anchor_and_a_visible_link(client, archive):
    page = html_of(client.get(archive["essays"]["reset"].get_absolute_url()))
    for n in range(1, 6):
        assert (
            f'<p id="p-{n}"><a class="para-link" href="#p-{n}" aria-label="Paragraph {n}">{n}</a>'
            f"Reset paragraph {n}.</p>"
        ) in page


def test_essay_body_is_rendered_as_html_but_title_is_escaped(client):
    essay = make_essay("<script>alert(1)</script> & co", paragraphs=["<em>Kept</em> emphasis."])
    page = html_of(client.get(essay.get_absolute_url()))
    assert "<em>Kept</em> emphasis." in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


def test_previous_and_next_follow_publication_dates(client, archive):
    essays = archive["essays"]
    page = html_of(client.get(essays["anonymous"].get_absolute_url()))  # 2012, between the others
    prev_link = re.search(r'rel="prev" href="([^"]+)"', page).group(1)
    next_link = re.search(r'rel="next" href="([^"]+)"', page).group(1)
    assert prev_link == essays["reset"].get_absolute_url()
    assert next_link == essays["missile"].get_absolute_url()
    newest = html_of(client.get(essays["missile"].get_absolute_url()))
    assert 'rel="next"' not in newest  # the draft is never a neighbour


def test_cite_link_appears_when_the_citation_page_exists(client, archive):
    # The cite link appears only once the citation app's URL exists; the page works either way.
    page = html_of(client.get(archive["essays"]["reset"].get_absolute_url()))
    try:
        cite_url = reverse("archive:essay_cite", args=[archive["essays"]["reset"].pk])
    except NoReverseMatch:
        assert "Cite this essay" not in page
    else:
        assert f'href="{cite_url}">Cite this essay</a>' in page


def test_lang_marks_only_content_in_that_language(client):
    """The site speaks English; a Russian essay's title, standfirst, body and notes say ru, its
    menus and labels do not, and its title says ru on English pages too."""
    essay = make_essay("Сдерживание", language="ru", paragraphs=["Текст эссе."],
                       standfirst="Вступление.", author_notes="Об авторе.")  # fmt: skip
    page = html_of(client.get(essay.get_absolute_url()))
    assert '<html lang="en">' in page
    assert '<h1 class="essay__title" lang="ru">Сдерживание</h1>' in page
    assert '<p class="essay__standfirst" lang="ru">Вступление.</p>' in page
    assert re.search(r'<div class="essay__body" lang="ru">\s*<p id="p-1">', page)
    assert '<div lang="ru"><p>Об авторе.</p></div>' in page
    assert ">Cite this essay<" in page and 'lang="ru">Cite this essay' not in page
    listing = html_of(client.get("/essays/"))
    assert f'<a href="{essay.get_absolute_url()}" lang="ru">Сдерживание</a>' in listing


# --- Permanent URLs and drafts --------------------------------------------------------------


def test_old_or_wrong_slug_redirects_permanently(client, archive):
    essay = archive["essays"]["reset"]
    old_url = essay.get_absolute_url()
    essay.slug = "a-new-slug"
    essay.save()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == f"/essays/{essay.pk}/a-new-slug/"
    assert client.get(f"/essays/{essay.pk}/anything-at-all/").status_code == 301


def test_permalink_redirects_to_canonical_url(client, archive):
    essay = archive["essays"]["missile"]
    response = client.get(f"/essays/{essay.pk}/")
    assert response.status_code == 301
    assert response["Location"] == essay.get_absolute_url()
    assert client.get(response["Location"]).status_code == 200


def test_draft_is_404_for_the_public(client, archive):
    draft = archive["essays"]["draft"]
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(f"/essays/{draft.pk}/").status_code == 404
    assert client.get(f"/essays/{draft.pk}/old-slug/").status_code == 404


def test_draft_is_previewed_by_staff_with_a_banner(staff_client, archive):
    draft = archive["essays"]["draft"]
    response = staff_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    page = html_of(response)
    assert "Secret Draft" in page
    assert '<p class="draft-banner" role="note"><strong>Draft</strong>' in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert staff_client.get(f"/essays/{draft.pk}/").status_code == 301


def test_drafts_are_missing_from_every_list(client, archive):
    for url in ("/", "/essays/", "/authors/igor-ivanov/", "/topics/arms-control/", "/years/"):
        assert "Secret Draft" not in html_of(client.get(url))


# --- Essay list: pagination, sort, year filter ----------------------------------------------


@pytest.fixture
def many_essays():
    author = make_author("Prolific Writer")
    return [
        make_essay(
            f"Essay {n:02d}", authors=[author], published_on=datetime.date(2000 + n % 3, 1, n)
        )
        for n in range(1, 26)
    ]


def titles_in(response) -> list[str]:
    return re.findall(
        r'class="essay-card__title"><a href="[^"]+" lang="\w+">([^<]+)</a>', html_of(response)
    )


def test_essay_list_paginates(client, many_essays):
    first = client.get("/essays/")
    assert len(titles_in(first)) == 20
    assert "Page 1 of 2" in html_of(first)
    assert 'rel="next" href="?page=2"' in html_of(first)
    second = client.get("/essays/?page=2")
    assert len(titles_in(second)) == 5
    assert set(titles_in(first)).isdisjoint(titles_in(second))


@pytest.mark.parametrize("page", ["3", "0", "-1", "abc", "1e9", "99999999999999999999"])
def test_bad_page_numbers_are_404_not_500(client, many_essays, page):
    assert client.get(f"/essays/?page={page}").status_code == 404


def test_sort_orders(client, many_essays):
    newest = titles_in(client.get("/essays/?sort=newest"))
    oldest = titles_in(client.get("/essays/?sort=oldest"))
    by_title = titles_in(client.get("/essays/?sort=title"))
    assert newest[0] == "Essay 23"  # 2002-01-23 is the latest date
    assert oldest[0] == "Essay 03"  # 2000-01-03 is the earliest date
    assert by_title[:3] == ["Essay 01", "Essay 02", "Essay 03"]


def test_unknown_sort_falls_back_to_newest_with_a_notice(client, many_essays):
    response = client.get("/essays/?sort=<b>evil</b>")
    assert response.status_code == 200
    assert titles_in(response) == titles_in(client.get("/essays/"))
    assert "Unknown sort order" in html_of(response)
    assert "<b>evil</b>" not in html_of(response)


def test_pagination_keeps_sort_and_year(client, many_essays):
    page = html_of(client.get("/essays/?sort=title"))
    assert 'href="?sort=title&amp;page=2"' in page


def test_year_filter(client, many_essays):
    response = client.get("/essays/?year=2001")
    titles = titles_in(response)
    assert titles and all(int(t.split()[1]) % 3 == 1 for t in titles)
    assert "Essays from 2001" in html_of(response)


@pytest.mark.parametrize("year", ["abc", "20x3", "0", "99999", "-5", "1" * 40, "２０１３"])
def test_junk_year_is_ignored_with_a_message(client, many_essays, year):
    response = client.get("/essays/", {"year": year})
    assert response.status_code == 200
    assert "is not a year; showing essays from every year." in html_of(response)
    assert len(titles_in(response)) == 20


def test_year_with_no_essays_lists_nothing(client, many_essays):
    response = client.get("/essays/?year=1850")
    assert response.status_code == 200
    assert titles_in(response) == []
    assert "No essays match." in html_of(response)


# --- Query counts stay bounded however many authors and topics there are --------------------


def test_list_pages_use_a_bounded_number_of_queries(
    client, many_essays, django_assert_max_num_queries
):
    topics = [make_topic() for _ in range(5)]
    extra_authors = [make_author() for _ in range(5)]
    for essay in many_essays:
        essay.topics.set(topics)
        for position, author in enumerate(extra_authors, start=1):
            essay.authorships.create(author=author, position=position)
    for url in ("/", "/essays/", "/essays/?sort=title&year=2001", "/years/2001/"):
        with django_assert_max_num_queries(7):
            assert client.get(url).status_code == 200
    for url in ("/authors/prolific-writer/", f"/topics/{topics[0].slug}/", "/authors/"):
        with django_assert_max_num_queries(7):
            assert client.get(url).status_code == 200


def test_essay_page_uses_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    authors = [make_author() for _ in range(8)]
    topics = [make_topic() for _ in range(8)]
    source = make_source()
    essay = make_essay("Crowded", authors=authors, topics=topics, source=source)
    make_essay("Before", published_on=datetime.date(2000, 1, 1))
    # essay, authorships, topics, republications, previous, next; related essays: key terms,
    # ranking, their essays, authorships, topics
    with django_assert_max_num_queries(11):
        assert client.get(essay.get_absolute_url()).status_code == 200


# --- Error pages ------------------------------------------------------------------------------


def test_404_page_is_friendly(client, archive):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = html_of(response)
    assert "We can’t find that page" in page
    assert 'name="q"' in page
    assert 'href="/essays/"' in page
    assert title_of(response) == "Page not found · The Essay Archive"
    assert description_of(response)


def test_500_page_renders_without_database_or_request(django_assert_num_queries):
    from django.template.loader import render_to_string

    with django_assert_num_queries(0):
        page = render_to_string("500.html")
    assert "Something went wrong on our side" in page
    assert "<title>" in page and 'name="description"' in page


def test_favicon_ico_is_served(client):
    """Browsers ask for /favicon.ico whatever the page says (it was a 404)."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
