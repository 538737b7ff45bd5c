"""Issue 7, reading pages: bounded queries whatever the byline, and caches that never outlive
a change to the essay, its authors or its source."""

from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive import citations
from archive.models import Essay
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def cite_url(essay: Essay, **params) -> str:
    query = "".join(f"?{k}={v}" for k, v in params.items())
    return reverse("archive:essay_cite", args=[essay.pk]) + query


@pytest.mark.parametrize("page", ["essay", "cite"])
def test_reading_pages_query_count_does_not_grow_with_authors_or_topics(client, page):
    source = make_source()
    small = make_essay("Small", authors=[make_author()], topics=[make_topic()], source=source)
    crowded = make_essay(
        "Crowded",
        authors=[make_author() for _ in range(12)],
        topics=[make_topic() for _ in range(12)],
        source=source,
        published_on=datetime.date(2014, 1, 1),
    )
    url = (lambda e: e.get_absolute_url()) if page == "essay" else cite_url
    counts = [queries_for(client, url(e)) for e in (small, crowded)]
    assert counts[0] == counts[1]
    # essay, authorships, topics, republications, previous, next, and for the related essays
    # key terms, ranking, essays, authorships, topics / essay, authorships, topics
    assert counts[1] <= (11 if page == "essay" else 3)


def test_browse_page_query_count_does_not_grow_with_authors_or_topics(client):
    topics = [make_topic() for _ in range(6)]
    authors = [make_author() for _ in range(6)]
    for n in range(25):
        make_essay(f"Essay {n}", authors=authors[: 1 + n % 6], topics=topics[: 1 + n % 6])
    first = queries_for(client, "/essays/")  # counts not cached yet: + COUNT, + years
    assert first <= 7
    # archive version, page ids, rows, authorships, topics
    assert queries_for(client, "/essays/?page=2") <= 5
    assert queries_for(client, "/essays/") <= 5


@pytest.mark.django_db(transaction=True)  # caches follow committed changes (ArchiveVersion)
def test_browse_counts_follow_publishing_unpublishing_and_deleting(client):
    essays = [make_essay(published_on=datetime.date(2010 + n, 1, 1)) for n in range(3)]
    assert "3 essays" in client.get("/essays/").content.decode()
    essays[0].status = Essay.Status.DRAFT
    essays[0].save(update_fields=["status"])  # a partial save still moves `updated`
    page = client.get("/essays/").content.decode()
    assert "2 essays" in page
    assert 'value="2010"' not in page  # the year list follows too
    essays[1].delete()
    assert "1 essay<" in client.get("/essays/").content.decode()
    make_essay(published_on=datetime.date(2020, 5, 1))
    page = client.get("/essays/").content.decode()
    assert "2 essays" in page
    assert "2020 (1)" in page


def test_deep_browse_page_lists_the_right_essays_in_order(client):
    for n in range(45):
        make_essay(f"Essay {n:02d}", published_on=datetime.date(2000, 1, 1) + datetime.timedelta(n))
    page = client.get("/essays/?page=3")
    expected = [f"Essay {n:02d}" for n in (4, 3, 2, 1, 0)]
    assert [e.title for e in page.context["page_obj"]] == expected
    oldest = client.get("/essays/?sort=oldest&page=2")
    assert [e.title for e in oldest.context["page_obj"]][:2] == ["Essay 20", "Essay 21"]


def test_cached_citations_equal_a_fresh_rendering():
    essay = make_essay("Cached", authors=[make_author("Ann Smith")], source=make_source("Club"))
    csl = citations.essay_to_csl(essay, paragraph=2)
    fresh = [citations.render(csl, style, paragraph=2) for style in citations.STYLES]
    assert citations.render_all(csl, paragraph=2) == fresh  # computed and stored
    assert citations.render_all(csl, paragraph=2) == fresh  # read back from the cache
    assert citations.render_all(csl) != fresh  # the pinpoint is part of the key


@pytest.mark.parametrize("change", ["essay", "author", "source"])
def test_citation_page_follows_changes_to_essay_author_and_source(client, change):
    author, source = make_author("Ann Smith"), make_source("Old Club")
    essay = make_essay("Old Title", authors=[author], source=source)
    before = client.get(cite_url(essay)).content.decode()
    assert "Old Title" in before and "Smith" in before and "Old Club" in before
    if change == "essay":
        essay.title = "New Title"
        essay.save()
        expected = "New Title"
    elif change == "author":
        author.name, author.sort_name = "Ann Jones", "Jones, Ann"
        author.save()
        expected = "Jones"
    else:
        source.name = "New Club"
        source.save()
        expected = "New Club"
    after = client.get(cite_url(essay)).content.decode()
    assert expected in after.split('id="original"')[0].split("Cite one paragraph")[1]


def test_citation_page_repeat_visit_does_not_render_again(client, monkeypatch):
    essay = make_essay("Twice", authors=[make_author()])
    assert client.get(cite_url(essay, para=1)).status_code == 200
    calls = []
    monkeypatch.setattr(citations, "render", lambda *a, **k: calls.append(a))
    assert client.get(cite_url(essay, para=1)).status_code == 200
    assert calls == []


def test_citation_page_renders_each_style_once(client, monkeypatch):
    """A first visit renders the five styles once each, in HTML (there is no other renderer)."""
    essay = make_essay("Once", authors=[make_author()])
    styles = []
    real = citations._cite
    monkeypatch.setattr(
        citations, "_cite", lambda style, *a: styles.append(style) or real(style, *a)
    )
    assert client.get(cite_url(essay)).status_code == 200
    assert styles == citations.STYLES


def test_undated_and_same_day_essays_have_true_neighbours(client):
    day = datetime.date(2012, 3, 4)
    a, b = make_essay("A", published_on=day), make_essay("B", published_on=day)
    u1, u2 = make_essay("U1", published_on=None), make_essay("U2", published_on=None)
    published = Essay.objects.published()
    # oldest_first: A, B (same day, by id), then the undated U1, U2 (by id)
    assert (published.previous_to(a), published.next_to(a)) == (None, b)
    assert (published.previous_to(b), published.next_to(b)) == (a, u1)
    assert (published.previous_to(u1), published.next_to(u1)) == (b, u2)
    assert (published.previous_to(u2), published.next_to(u2)) == (u1, None)


def test_memoized_styles_render_what_freshly_parsed_ones_do(monkeypatch):
    """The memoized lookups (citeproc_patches.freeze) change speed, not output: compared with
    styles parsed anew for every render, whose elements memoize nothing."""
    people = [make_author("Ann Smith"), make_author("Bob Jones"), make_author("Cy Young")]
    essays = [
        make_essay("Plain", authors=people[:1], source=make_source("Club")),
        make_essay(
            "AT&T's “Bold” </script> & 'q'",
            authors=people,
            original_publication="FP",
            original_date=datetime.date(2013, 6, 1),
            date_precision="circa",
        ),  # fmt: skip
        make_essay("Nobody's", published_on=None),
    ]
    csls = [citations.essay_to_csl(essay, paragraph=2) for essay in essays]
    memoized = [
        citations.render(csl, style, paragraph=2) for csl in csls for style in citations.STYLES
    ]
    assert citations.load_style("apa", "en-US") is citations.load_style("apa", "en-US")

    def parsed_anew(key: str, locale: str):
        source = citations.citeproc_patches.corrected_style(citations.CSL_DIR / f"{key}.csl")
        return citations.CitationStylesStyle(source, locale=locale, validate=False)

    monkeypatch.setattr(citations, "load_style", parsed_anew)
    fresh = [
        citations.render(csl, style, paragraph=2) for csl in csls for style in citations.STYLES
    ]
    assert memoized == fresh


def test_concurrent_renders_do_not_mix_formats():
    """Threads share the loaded styles, on which citeproc-py keeps a render's formatter."""
    essays = [make_essay(f"Essay {n}", authors=[make_author(f"Ann Smith{n}")]) for n in range(4)]
    csls = [citations.essay_to_csl(essay) for essay in essays]
    expected = [[citations.render(csl, style) for style in citations.STYLES] for csl in csls]

    def render_many(csl: dict) -> list:
        return [[citations.render(csl, style) for style in citations.STYLES] for _ in range(15)]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(render_many, csls))
    for got, want in zip(results, expected, strict=True):
        assert all(rounds == want for rounds in got)


@pytest.mark.django_db(transaction=True)  # caches follow committed changes (ArchiveVersion)
def test_year_counts_of_any_year_follow_changes(client):
    """Per-year counts (the year read off SQLite's date text) equal counting every essay's
    year, with undated essays and drafts left out, and follow a deletion."""
    days = [(24, 5, 1), (1890, 1, 1), (1890, 12, 31), (2001, 1, 1), (2003, 6, 1), (2003, 12, 31)]
    essays = [make_essay(f"E{n}", published_on=datetime.date(*day)) for n, day in enumerate(days)]
    make_essay("Undated", published_on=None)
    make_essay("Draft", published_on=datetime.date(2002, 1, 1), status=Essay.Status.DRAFT)
    expected = [(2003, 2), (2001, 1), (1890, 2), (24, 1)]
    assert Essay.objects.published().year_counts() == expected
    assert Essay.objects.none().year_counts() == []
    assert Essay.objects.year_counts() == [(2003, 2), (2002, 1), *expected[1:]]  # the admin's
    assert client.get("/years/").context["year_counts"] == expected
    essays[0].delete()
    assert client.get("/years/").context["year_counts"] == expected[:-1]
    assert client.get("/essays/").context["year_counts"] == expected[:-1]


@pytest.mark.parametrize("sort", ["newest_first", "oldest_first", "by_title"])
def test_browse_orders_are_read_from_an_index_without_sorting(sort):
    """A deep page walks an index in the page's order, on SQLite and on PostgreSQL
    (migration 0003): sorting every essay made the last of 5,000 pages 48-76 ms there."""
    for n in range(30):
        make_essay(f"E{n}", published_on=datetime.date(2000 + n % 3, 1, 1) if n % 7 else None)
    ids = getattr(Essay.objects.published(), sort)().values_list("pk", flat=True)[20:40]
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On a small table a sort is cheaper; forbidding it shows whether an index can do.
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Sort" not in plan and "Index Only Scan" in plan, plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "TEMP B-TREE" not in plan and "COVERING INDEX" in plan, plan
