"""No input breaks a page: every URL pattern, crawled with junk in its path and query, never 500s.

The test client re-raises a view's exception, so a crash fails the test with its traceback; a
5xx answer fails it too. Junk gets a 404 (the site's page) or a clear message (400, or 200 with
a notice), and redirects stay on the site.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, reverse

from archive import urls as archive_urls
from search import urls as search_urls
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
# Values a person, a crawler or an attacker might put in any parameter or path segment.
JUNK = [
    "0", "-1", "1.5", "1e3", "0x10", "abc", "", " ", "+1", HUGE, "9" * 400, "2147483648",
    "9223372036854775808", "-9223372036854775809", "٣", "１２", "²", "߁", "1\x00", "\x00",
    "\x01\x08\x1b[31m\x7f", "\r\nSet-Cookie: x=1", "%", "%00", "'\"<>&", "../../etc/passwd",
    "\u202e1", "😀", "NaN", "Infinity", "last", "[]", "{{7*7}}", "' OR 1=1 --", "x" * 5000,
]  # fmt: skip
# Every parameter any page reads (and some it doesn't), each given the same junk at once.
PARAMS = [
    "page", "sort", "year", "para", "ids", "q", "author", "source", "topic", "language",
    "year_from", "year_to", "format", "style",
]  # fmt: skip
PATH_JUNK = {
    "int": ["0", HUGE, "-1", "٣", "1%00"],
    "slug": ["no-such-slug", "x" * 300, "%00", "a%00b", "%E2%80%AE", "%F0%9F%98%80", "..", "٣"],
    "str": ["no-such-format", "x" * 300, "a%00b", "%0D%0A", "%E2%80%AE", "%F0%9F%98%80", "..."],
}
PATTERNS = [
    (namespace, pattern)
    for namespace, module in (("archive", archive_urls), ("search", search_urls))
    for pattern in module.urlpatterns
    if isinstance(pattern, URLPattern)
]
ALLOWED = {200, 301, 302, 400, 404}


@pytest.fixture
def site(search_index, django_capture_on_commit_callbacks):
    """A small archive, indexed, with one of everything each URL pattern can name."""
    with django_capture_on_commit_callbacks(execute=True):
        author, source, topic = make_author("Ada Hostile"), make_source("Junk Press"), make_topic()
        essays = [
            make_essay(
                f"Hostile input essay {i}",
                authors=[author],
                topics=[topic],
                source=source,
                published_on=datetime.date(2013, 6, 1 + i),
            )
            for i in range(3)
        ]
    return {"essay": essays[0], "author": author, "source": source, "topic": topic}


def valid_kwargs(name: str, converters: dict, site: dict) -> dict:
    """Return path arguments that name existing things for the pattern `name`."""
    kwargs = {}
    for key in converters:
        if key == "pk":
            kwargs[key] = site["essay"].pk
        elif key == "year":
            kwargs[key] = site["essay"].published_on.year
        elif key == "fmt":
            kwargs[key] = "bib"
        elif key == "slug":
            owner = next((k for k in ("author", "source", "topic") if name.startswith(k)), "essay")
            kwargs[key] = site[owner].slug
    return kwargs


def junk_paths(namespace: str, pattern: URLPattern, site: dict) -> list[str]:
    """Return the pattern's valid URL and URLs with each path argument replaced by junk."""
    converters = pattern.pattern.converters
    kwargs = valid_kwargs(pattern.name, converters, site)
    valid = reverse(f"{namespace}:{pattern.name}", kwargs=kwargs)
    paths = [valid]
    for key, converter in converters.items():
        kind = type(converter).__name__.removesuffix("Converter").lower()
        placeholder = "QQQJUNKQQQ" if kind != "int" else "424242424"
        template = reverse(f"{namespace}:{pattern.name}", kwargs={**kwargs, key: placeholder})
        for value in PATH_JUNK.get(kind, PATH_JUNK["str"]):
            paths.append(template.replace(placeholder, value))
    return paths


def assert_answers_sanely(client, url: str) -> None:
    response = client.get(url)
    status = response.status_code
    assert status in ALLOWED, f"{status} for {url[:300]!r}"
    if status in (301, 302):
        assert response["Location"].startswith("/"), (url, response["Location"])
    if status == 404 and response["Content-Type"].startswith("text/html"):
        assert "We can’t find that page" in response.content.decode(), url[:300]


@pytest.mark.parametrize(
    ("namespace", "pattern"), PATTERNS, ids=[f"{ns}:{p.name}" for ns, p in PATTERNS]
)
def test_every_url_pattern_survives_junk_in_path_and_query(client, site, namespace, pattern):
    paths = junk_paths(namespace, pattern, site)
    for path in paths:
        assert_answers_sanely(client, path)
    valid = paths[0]
    for value in JUNK:
        assert_answers_sanely(client, f"{valid}?{urlencode({'page': value})}")
        assert_answers_sanely(client, f"{valid}?{urlencode(dict.fromkeys(PARAMS, value))}")
    # Repeated and oddly encoded parameters, and raw bytes that are not UTF-8.
    assert_answers_sanely(client, f"{valid}?page=1&page=2&page={HUGE}&author=a&author=%00")
    assert_answers_sanely(client, f"{valid}?page=%FF%FE&q=%C0%AF&year=%E0%A5%A8")


PAGINATED = [
    ("archive:essay_list", {}),
    ("archive:author_detail", {"slug": "author"}),
    ("archive:source_detail", {"slug": "source"}),
    ("archive:topic_detail", {"slug": "topic"}),
    ("archive:year_detail", {"year": "year"}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGINATED, ids=[n for n, _ in PAGINATED])
@pytest.mark.parametrize("page", ["0", "-1", "2", "99", HUGE, "abc", "٢", "1\x00", "1.0"])
def test_out_of_range_or_junk_page_is_a_404(client, site, name, kwargs, page):
    values = {"slug": {"author": site["author"].slug, "source": site["source"].slug}}
    values["slug"]["topic"] = site["topic"].slug
    path_kwargs = {
        key: site["essay"].published_on.year if key == "year" else values["slug"][owner]
        for key, owner in kwargs.items()
    }
    url = reverse(name, kwargs=path_kwargs)
    assert client.get(url).status_code == 200
    response = client.get(url, {"page": page})
    assert response.status_code == 404, (url, page)
    assert "We can’t find that page" in response.content.decode()


@pytest.mark.parametrize("page", ["0", "-1", HUGE, "abc", "²", "1\x00", "100001"])
def test_junk_search_page_is_a_clear_400(client, site, page):
    response = client.get(reverse("search:search"), {"q": "hostile", "page": page})
    assert response.status_code == 400
    assert "page" in response.content.decode().lower()


def test_search_page_past_the_end_is_a_404(client, site):
    response = client.get(reverse("search:search"), {"q": "hostile", "page": "50"})
    assert response.status_code == 404


@pytest.mark.parametrize("year", ["٢٠١٣", "2013\x00", "abc", HUGE, "-2013", "99999"])
def test_bad_year_filter_on_the_essay_list_says_so(client, site, year):
    response = client.get(reverse("archive:essay_list"), {"year": year})
    assert response.status_code == 200
    assert "is not a year" in response.content.decode()


@pytest.mark.parametrize("year", ["0", "10000", HUGE, "1"])
def test_year_outside_the_calendar_is_a_404(client, site, year):
    assert client.get(f"/years/{year}/").status_code == 404


@pytest.mark.parametrize("pk", ["0", HUGE, "9223372036854775807", "9223372036854775808"])
def test_unknown_or_huge_essay_ids_are_404(client, site, pk):
    for suffix in ("", "some-slug/", "cite/", "cite.bib"):
        assert client.get(f"/essays/{pk}/{suffix}").status_code == 404, (pk, suffix)


@pytest.mark.parametrize("para", ["0", "-1", HUGE, "abc", "٣", "1\x00", "9999"])
def test_bad_pinpoint_paragraph_is_a_clear_400(client, site, para):
    response = client.get(reverse("archive:essay_cite", args=[site["essay"].pk]), {"para": para})
    assert response.status_code == 400
    assert "There is no paragraph" in response.content.decode()


@pytest.mark.parametrize("ids", ["", "abc", "1,,x", "-1", "٣", "²", "1\x00", ",".join(["1"] * 201)])
def test_bad_export_ids_are_a_clear_400(client, site, ids):
    response = client.get(reverse("archive:list_export", args=["bib"]), {"ids": ids})
    assert response.status_code == 400
    assert b"ids=" in response.content or b"At most" in response.content


@pytest.mark.parametrize("ids", ["0", HUGE, "9223372036854775808,0"])
def test_export_of_unknown_or_huge_ids_is_a_404(client, site, ids):
    response = client.get(reverse("archive:list_export", args=["bib"]), {"ids": ids})
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/%00/", "/essays/%00/", "/authors/%00/", "/a\x00b/", "/\x7f/"])
def test_nul_and_control_characters_in_paths_are_404(client, site, path):
    assert client.get(path).status_code == 404
