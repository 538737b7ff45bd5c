"""sitemap.xml (an index, paginated past the limit) and robots.txt, read as a crawler would."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import pytest
from django.test import Client
from lxml import etree

from archive.models import Essay
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = pytest.mark.django_db
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
PARSER = etree.XMLParser(no_network=True, resolve_entities=False)


def get_xml(client: Client, url: str) -> etree._Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return etree.fromstring(response.content, PARSER)


def crawl(client: Client) -> dict[str, str | None]:
    """Follow the index into every sitemap page; return {url path: lastmod}."""
    index = get_xml(client, "/sitemap.xml")
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    urls: dict[str, str | None] = {}
    for location in index.findall("sm:sitemap/sm:loc", NS):
        parts = urlsplit(location.text)
        assert parts.scheme == "http" and parts.netloc == "testserver"
        page = get_xml(client, parts.path + (f"?{parts.query}" if parts.query else ""))
        for url in page.findall("sm:url", NS):
            path = urlsplit(url.findtext("sm:loc", namespaces=NS)).path
            assert path not in urls, f"{path} listed twice"
            urls[path] = url.findtext("sm:lastmod", namespaces=NS)
    return urls


@pytest.fixture
def archive() -> dict:
    source, topic, author = make_source("Valdai"), make_topic("Arms Control"), make_author()
    published = [make_essay(authors=[author], source=source, topics=[topic]) for _ in range(5)]
    draft = make_essay("Draft", status=Essay.Status.DRAFT, authors=[make_author("Hidden Person")])
    return {
        "published": published,
        "draft": draft,
        "source": source,
        "topic": topic,
        "author": author,
    }


def test_sitemap_lists_every_public_page_with_lastmod(client: Client, archive: dict) -> None:
    urls = crawl(client)
    for essay in archive["published"]:
        essay.refresh_from_db()
        assert urls[essay.get_absolute_url()] == essay.updated.date().isoformat()
    for obj in (archive["author"], archive["source"], archive["topic"]):
        assert urls[obj.get_absolute_url()] is not None
    for page in ("/", "/essays/", "/authors/", "/sources/", "/topics/", "/years/"):
        assert page in urls
    assert archive["draft"].get_absolute_url() not in urls
    assert "/authors/hidden-person/" not in urls  # only a draft: not a public page


def test_essay_lastmod_is_its_update_time(client: Client, archive: dict) -> None:
    essay = archive["published"][0]
    when = datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
    Essay.objects.filter(pk=essay.pk).update(updated=when)
    assert crawl(client)[essay.get_absolute_url()] == "2021-03-04"  # Django writes the day


def test_sitemap_paginates_past_the_limit(client: Client, archive: dict, settings) -> None:
    settings.SITEMAP_LIMIT = 2
    index = get_xml(client, "/sitemap.xml")
    essay_pages = [
        loc.text for loc in index.findall("sm:sitemap/sm:loc", NS) if "sitemap-essays" in loc.text
    ]
    assert len(essay_pages) == 3  # five essays, two per page
    assert any(page.endswith("?p=3") for page in essay_pages)
    urls = crawl(client)
    assert {e.get_absolute_url() for e in archive["published"]} <= set(urls)
    assert client.get("/sitemap-essays.xml?p=9").status_code == 404


def test_unknown_sitemap_section_is_404(client: Client) -> None:
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out(client: Client) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines
    assert "Disallow: /search/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
