"""Metadata on the essay page, read back by extruct (the extractor crawlers use), for both seed
essays imported by the real importer and for hostile edge cases."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import extruct
import pytest
from lxml import html as lxml_html

from archive.importing import import_path
from archive.models import DatePrecision, Essay
from tests.factories import make_author, make_essay

pytestmark = pytest.mark.django_db
SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
SITE = "https://archive.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def page(client, essay) -> tuple[str, dict]:
    response = client.get(essay.get_absolute_url())
    assert response.status_code == 200
    text = response.content.decode()
    return text, extruct.extract(text, base_url=SITE, syntaxes=["json-ld", "opengraph"])


def meta(text: str, name: str) -> list[str]:
    tree = lxml_html.fromstring(text)
    return [m.get("content") for m in tree.xpath(f'//head/meta[@name="{name}"]')]


def test_seed_essays_metadata(client, seeded_publishers):
    for path in sorted(SEEDS.glob("*.txt")):
        import_path(path)
    reset = Essay.objects.get(title="No Pause for the “Reset”")
    mad = Essay.objects.get(title__startswith="MAD About You")

    text, data = page(client, reset)
    assert meta(text, "citation_title") == ["No Pause for the “Reset”"]
    assert meta(text, "citation_author") == []
    assert meta(text, "citation_publication_date") == ["2011"]
    assert meta(text, "citation_publisher") == ["Valdai Discussion Club"]
    assert meta(text, "citation_public_url") == [f"{SITE}/essays/{reset.pk}/"]
    assert meta(text, "DC.identifier") == [f"{SITE}/essays/{reset.pk}/"]
    assert meta(text, "citation_online_date") == []  # not a date the page gives (issue 15)
    assert meta(text, "citation_journal_title") == []  # a web page, not a journal article
    assert meta(text, "z.itemType") == ["webpage"]
    assert meta(text, "prism.publicationName") == ["Valdai Discussion Club"]
    assert meta(text, "z.extra") == ["The date of publication is approximate."]
    assert meta(text, "citation_abstract") == [reset.standfirst]
    [ld] = data["json-ld"]
    assert ld["@type"] == "Article" and ld["author"] == []
    assert ld["isPartOf"] == {"@type": "WebSite", "name": "Valdai Discussion Club"}
    assert ld["publisher"] == {"@type": "Organization", "name": "Valdai Discussion Club"}
    assert ld["datePublished"] == "2011" and "isBasedOn" not in ld

    text, data = page(client, mad)
    title = "MAD About You: It's Time to Turn Mutually Assured Destruction Into Mutually Assured Stability"  # noqa: E501
    assert meta(text, "citation_title") == [title]
    assert meta(text, "citation_author") == ["Tauscher, Ellen", "Ivanov, Igor"]
    assert meta(text, "DC.creator") == ["Tauscher, Ellen", "Ivanov, Igor"]
    assert meta(text, "citation_publication_date") == ["2013/06"]
    assert meta(text, "DC.date") == ["2013-06"]
    assert meta(text, "citation_language") == ["en"]
    assert meta(text, "citation_online_date") == []
    # no source: the archive is the website; no standfirst: no description to take for one
    assert meta(text, "prism.publicationName") == ["The Essay Archive"]
    assert meta(text, "description") == [] and meta(text, "citation_abstract") == []
    assert meta(text, "z.extra") == ["Originally published in Foreign Policy."]
    canonical = SITE + mad.get_absolute_url()
    assert meta(text, "citation_fulltext_html_url") == [canonical]
    assert f'<link rel="canonical" href="{canonical}">' in text
    [ld] = data["json-ld"]
    assert [a["name"] for a in ld["author"]] == ["Ellen Tauscher", "Igor Ivanov"]
    assert ld["datePublished"] == "2013-06" and ld["inLanguage"] == "en"
    assert ld["isBasedOn"] == {
        "@type": "CreativeWork",
        "name": title,
        "publisher": {"@type": "Organization", "name": "Foreign Policy"},
        "datePublished": "2013-06",
    }
    [og] = data["opengraph"]
    props = og["properties"]
    assert ("og:type", "article") in props and ("og:title", title) in props
    assert [v for k, v in props if k == "article:author"] == ["Ellen Tauscher", "Igor Ivanov"]
    assert ("article:published_time", "2013-06") in props


def test_hostile_title_cannot_break_out_of_json_ld(client):
    title = "</script><script>alert(1)</script> <!-- “Q” 'x' & \u2028 end"
    essay = make_essay(title, authors=[make_author("Anna O’Brien")])
    text, data = page(client, essay)
    assert "<script>alert(1)" not in text
    assert text.count("<script") == text.count("</script>")
    [ld] = data["json-ld"]
    assert ld["headline"] == title and ld["author"][0]["name"] == "Anna O’Brien"
    assert meta(text, "citation_title") == [title]
    assert meta(text, "citation_author") == ["O’Brien, Anna"]


def test_edge_cases_four_authors_year_circa_cyrillic(client):
    authors = [make_author(n) for n in ("Ellen Tauscher", "Igor Ivanov", "Ann Smith", "Bob Jones")]
    four = make_essay(
        "Россия и Запад", authors=authors, language="ru",
        published_on=datetime.date(2011, 1, 1), date_precision=DatePrecision.CIRCA,
    )  # fmt: skip
    text, data = page(client, four)
    assert meta(text, "citation_author") == [
        "Tauscher, Ellen", "Ivanov, Igor", "Smith, Ann", "Jones, Bob"
    ]  # fmt: skip
    assert meta(text, "citation_title") == ["Россия и Запад"]
    assert meta(text, "citation_language") == ["ru"]
    assert meta(text, "citation_publication_date") == ["2011"]
    assert [a["familyName"] for a in data["json-ld"][0]["author"]] == [
        "Tauscher", "Ivanov", "Smith", "Jones"
    ]  # fmt: skip
    undated = make_essay("Undated", published_on=None, date_precision=DatePrecision.YEAR)
    text, data = page(client, undated)
    assert meta(text, "citation_publication_date") == []
    assert "datePublished" not in data["json-ld"][0]
    assert json.loads(json.dumps(data["json-ld"][0]))["name"] == "Undated"
