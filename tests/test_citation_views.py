"""The citation page and the downloads, through the test client."""

from __future__ import annotations

import datetime
import html
import re

import bibtexparser
import pytest
import rispy
from django.urls import reverse

from archive.models import DatePrecision
from search.indexing import rebuild
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def essay():
    return make_essay(
        "MAD About You", authors=[make_author("Ellen Tauscher"), make_author("Igor Ivanov")],
        source=make_source("Valdai Discussion Club"), topics=[make_topic("Arms control")],
        paragraphs=[f"Paragraph {n}." for n in range(1, 9)],
    )  # fmt: skip


def test_citation_page_shows_every_style_without_javascript(client, essay):
    response = client.get(f"/essays/{essay.pk}/cite/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Chicago (notes and bibliography", "Chicago (author-date", "APA (7th ed.)",
                  "MLA (9th ed.)", "Harvard"):  # fmt: skip
        assert label in html
    assert "Tauscher, Ellen, and Igor Ivanov. “MAD About You.”" in html
    assert 'src="/static/js/copy.js"' in html and "<script>" not in html
    assert f'href="/essays/{essay.pk}/cite.bib"' in html


def test_essay_page_links_to_citation_page(client, essay):
    html = client.get(essay.get_absolute_url()).content.decode()
    assert f'href="/essays/{essay.pk}/cite/"' in html


def test_pinpoint_paragraph(client, essay, settings):
    settings.SITE_URL = "https://archive.example"
    html = client.get(f"/essays/{essay.pk}/cite/?para=7").content.decode()
    assert f"June 17, 2013, para. 7, https://archive.example/essays/{essay.pk}/#p-7." in html
    assert f'href="https://archive.example/essays/{essay.pk}/#p-7"' in html


@pytest.mark.parametrize("para", ["0", "9", "abc", "-1", "1e3", "<script>"])
def test_paragraph_out_of_range_is_a_clear_400(client, essay, para):
    response = client.get(f"/essays/{essay.pk}/cite/", {"para": para})
    assert response.status_code == 400
    assert "this essay has paragraphs 1 to 8" in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_draft_citation_page_is_404(client):
    draft = make_essay(status="draft")
    assert client.get(f"/essays/{draft.pk}/cite/").status_code == 404
    assert client.get(f"/essays/{draft.pk}/cite.bib").status_code == 404


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("bib", "application/x-bibtex"), ("ris", "application/x-research-info-systems"),
     ("json", "application/vnd.citationstyles.csl+json")],
)  # fmt: skip
def test_single_essay_downloads(client, essay, fmt, media_type):
    response = client.get(f"/essays/{essay.pk}/cite.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == f"{media_type}; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="essay-{essay.pk}.{fmt}"'


def test_unknown_format_is_404(client, essay):
    assert client.get(f"/essays/{essay.pk}/cite.docx").status_code == 404


def test_list_export_of_published_ids_in_given_order(client, essay):
    other = make_essay("Second")
    draft = make_essay("Hidden", status="draft")
    response = client.get("/cite/export.json", {"ids": f"{other.pk},{draft.pk},{essay.pk},999999"})
    assert response.status_code == 200
    assert [item["title"] for item in response.json()] == ["Second", "MAD About You"]
    assert response["Content-Disposition"] == 'attachment; filename="essays.json"'


@pytest.mark.parametrize("ids", ["", "1,x", "1;2", ",".join(["1"] * 201)])
def test_list_export_rejects_bad_ids(client, ids):
    assert client.get("/cite/export.bib", {"ids": ids}).status_code == 400


def test_author_source_topic_exports(client, essay):
    make_essay("Draft by her", authors=[essay.ordered_authors[0]], status="draft")
    author, source, topic = essay.ordered_authors[0], essay.source, essay.topics.get()
    bib = client.get(f"/authors/{author.slug}/cite.bib")
    assert bib["Content-Disposition"] == f'attachment; filename="author-{author.slug}.bib"'
    assert [e["title"] for e in bibtexparser.parse_string(bib.content.decode()).entries] == [
        "MAD About You"
    ]
    ris = client.get(f"/sources/{source.slug}/cite.ris").content.decode()
    assert [r["title"] for r in rispy.loads(ris)] == ["MAD About You"]
    assert len(client.get(f"/topics/{topic.slug}/cite.json").json()) == 1
    assert client.get("/authors/nobody/cite.bib").status_code == 404


def test_citation_page_bibliographies_name_the_original_publication(client, settings):
    settings.SITE_URL = "https://archive.example"
    essay = make_essay(
        "MAD About You", authors=[make_author("Ellen Tauscher")],
        original_publication="Foreign Policy", original_url="https://foreignpolicy.com/x/",
        original_date=datetime.date(2013, 6, 1), original_date_precision=DatePrecision.MONTH,
    )  # fmt: skip
    html = client.get(f"/essays/{essay.pk}/cite/").content.decode()
    sentence = (
        "Originally published in <i>Foreign Policy</i>, June 2013, https://foreignpolicy.com/x/"
    )
    assert html.count(sentence + ".</p>") == 4  # Chicago (both), MLA, Harvard
    assert html.count(f"({sentence})</p>") == 1  # APA
    assert f"https://archive.example/essays/{essay.pk}/" in html


DOWNLOADS = re.compile(r'<p class="citation-downloads">Download citations: (.*?)</p>')
LINK = re.compile(r'<a href="([^"]+)" download>([^<]+)</a>')


def download_links(client, url: str) -> dict[str, str]:
    """Return {link text: href} of the page's "Download citations" line."""
    (line,) = DOWNLOADS.findall(client.get(url).content.decode())
    return {label: html.unescape(href) for href, label in LINK.findall(line)}


def test_author_source_topic_pages_link_downloads_of_their_essays(client, essay):
    author, source, topic = essay.ordered_authors[0], essay.source, essay.topics.get()
    also = make_essay("Also by her", authors=[author], source=source, topics=[topic])
    make_essay("Draft by her", authors=[author], source=source, topics=[topic], status="draft")
    make_essay("Someone else's", authors=[make_author()], source=make_source(), topics=[])
    expected = {"MAD About You", "Also by her"}
    for page, kind, slug in ((author.get_absolute_url(), "authors", author.slug),
                             (source.get_absolute_url(), "sources", source.slug),
                             (topic.get_absolute_url(), "topics", topic.slug)):  # fmt: skip
        links = download_links(client, page)
        assert links == {
            "BibTeX": f"/{kind}/{slug}/cite.bib",
            "RIS": f"/{kind}/{slug}/cite.ris",
            "CSL-JSON": f"/{kind}/{slug}/cite.json",
        }
        bib = client.get(links["BibTeX"]).content.decode()
        assert {e["title"] for e in bibtexparser.parse_string(bib).entries} == expected
        ris = client.get(links["RIS"]).content.decode()
        assert {r["title"] for r in rispy.loads(ris)} == expected
        assert {i["title"] for i in client.get(links["CSL-JSON"]).json()} == expected
    assert also.pk  # listed on all three pages above


def test_no_download_links_without_essays(client):
    author = make_author("Nobody Yet")
    assert "Download citations" not in client.get(author.get_absolute_url()).content.decode()


def test_search_page_links_downloads_of_the_results_shown(client, search_index):
    for n in range(12):
        make_essay(f"Deterrence essay {n:02d}", paragraphs=[f"Nuclear deterrence, part {n}."])
    make_essay("Unrelated", paragraphs=["Energy markets."])
    rebuild()
    search = reverse("search:search")
    seen = []
    for page in (1, 2):
        response = client.get(search, {"q": "deterrence", "page": page})
        shown = [hit.pk for hit in response.context["hits"]]
        links = download_links(client, f"{search}?q=deterrence&page={page}")
        ids = ",".join(map(str, shown))
        assert links == {
            "BibTeX": f"/cite/export.bib?ids={ids}",
            "RIS": f"/cite/export.ris?ids={ids}",
            "CSL-JSON": f"/cite/export.json?ids={ids}",
        }
        exported = client.get(links["CSL-JSON"]).json()
        assert [item["id"] for item in exported] == [f"essay-{pk}" for pk in shown]
        bib = bibtexparser.parse_string(client.get(links["BibTeX"]).content.decode())
        assert len(bib.entries) == len(shown)
        seen += shown
    assert len(seen) == 12 == len(set(seen))
    empty = client.get(search, {"q": "zzzxqj"}).content.decode()
    assert "Download citations" not in empty
