"""What Zotero saves, asked of Zotero itself: its translation-server (the code of Zotero's
browser connector) reads every essay page, the citation page, each export (CSL-JSON, BibTeX,
RIS) and every listing page of a live server, and must give, whatever the route, the item a
careful cataloguer would enter. The expected items below are written by hand from the essays.

The one difference between routes is Zotero's own: it files a format's note field as the
item's Extra from page tags, CSL-JSON and Zotero RDF (unAPI), but as a child note from BibTeX
and RIS, whose importers also drop biblatex's origdate/origpublisher.
"""

from __future__ import annotations

import datetime
import functools
import html
import http.server
import re
import sys
import threading
from urllib.request import urlopen

import pytest
from django.utils import timezone

from archive.models import DatePrecision
from search.indexing import rebuild
from tests.clients import zotero, zotero_items_from_page
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = pytest.mark.django_db(transaction=True)
SITE_NAME = "The Essay Archive"
FA = "https://www.foreignaffairs.com/articles/2009-03-01/who-deters-whom?utm=x&page=2"
ARMS = ["Arms control negotiations resumed in Geneva.", "Both sides discussed missile defense."]


def make_archive() -> dict:
    """Six essays of the shapes the archive holds, in English and Russian, and a draft."""
    valdai = make_source("Valdai Discussion Club")
    riac = make_source("Российский совет по международным делам")
    arms = make_topic("Arms control")
    smith = make_author("Ann Smith")
    essays = {
        "mad": make_essay(
            "MAD About You: It’s Time to Turn Mutually Assured Destruction Into Mutually "
            "Assured Stability",
            authors=[make_author("Ellen Tauscher"), make_author("Igor Ivanov")], topics=[arms],
            published_on=datetime.date(2013, 6, 1), date_precision=DatePrecision.MONTH,
            original_publication="Foreign Policy", original_date=datetime.date(2013, 6, 1),
            original_date_precision=DatePrecision.MONTH, paragraphs=ARMS,
        ),
        "reset": make_essay(
            "No Pause for the “Reset”", source=valdai, topics=[arms], paragraphs=ARMS,
            standfirst="The U.S.-Russia “reset” has become an acknowledged triumph.",
            published_on=datetime.date(2011, 1, 1), date_precision=DatePrecision.CIRCA,
        ),
        "russian": make_essay(
            "Россия и Запад: «перезагрузка» после выборов", source=riac, language="ru",
            authors=[make_author("Игорь Иванов"), make_author("Андрей Кортунов")],
            standfirst="Что ждёт отношения России и США после выборов.", topics=[arms],
            published_on=datetime.date(2012, 3, 5), paragraphs=["Переговоры об arms control."],
        ),
        "undated": make_essay("Undated Thoughts on Deterrence", published_on=None,
                              paragraphs=ARMS),
        "again": make_essay(
            "Who Deters Whom? Notes on Escalation After New START", source=valdai,
            authors=[smith, make_author("Atlantic Council", sort_name="Atlantic Council")],
            standfirst="An old argument, republished.", published_on=datetime.date(2014, 9, 5),
            original_publication="Foreign Affairs", original_url=FA,
            original_date=datetime.date(2009, 3, 1), original_date_precision=DatePrecision.MONTH,
            paragraphs=ARMS,
        ),
        "club": make_essay(
            "Notes from the Club", source=valdai, authors=[make_author("Valdai")],
            published_on=datetime.date(2019, 1, 1), date_precision=DatePrecision.YEAR,
            original_publication="Russia in Global Affairs",
            original_date=datetime.date(2018, 1, 1), original_date_precision=DatePrecision.CIRCA,
            paragraphs=ARMS,
        ),
    }  # fmt: skip
    make_essay("A Draft on Arms Control", status="draft", source=valdai, paragraphs=ARMS)
    return {"essays": essays, "valdai": valdai, "arms": arms, "smith": smith}


def expected_items(essays: dict, base: str) -> dict[str, dict]:
    """The item each essay should become, keyed by its permanent URL, written by hand."""
    today = timezone.localdate().isoformat()

    def item(key: str, **fields) -> tuple[str, dict]:
        url = f"{base}/essays/{essays[key].pk}/"
        common = {"itemType": "webpage", "url": url, "accessDate": today, "language": "en"}
        return url, {**common, **{k: v for k, v in fields.items() if v is not None}}

    return dict(
        [
            item(
                "mad", title=essays["mad"].title, shortTitle="MAD About You",
                creators=["Tauscher, Ellen", "Ivanov, Igor"], date=[2013, 6],
                websiteTitle=SITE_NAME, extra="Originally published in Foreign Policy.",
            ),
            item(
                "reset", title="No Pause for the “Reset”", creators=[], date=[2011],
                websiteTitle="Valdai Discussion Club",
                abstractNote="The U.S.-Russia “reset” has become an acknowledged triumph.",
                extra="The date of publication is approximate.",
            ),
            item(
                "russian", title="Россия и Запад: «перезагрузка» после выборов",
                shortTitle="Россия и Запад", creators=["Иванов, Игорь", "Кортунов, Андрей"],
                date=[2012, 3, 5], websiteTitle="Российский совет по международным делам",
                abstractNote="Что ждёт отношения России и США после выборов.", language="ru",
            ),
            item("undated", title="Undated Thoughts on Deterrence", creators=[],
                 websiteTitle=SITE_NAME),
            item(
                "again", title="Who Deters Whom? Notes on Escalation After New START",
                shortTitle="Who Deters Whom?", creators=["Smith, Ann", "Atlantic Council"],
                date=[2014, 9, 5], websiteTitle="Valdai Discussion Club",
                abstractNote="An old argument, republished.",
                extra="original-publisher: Foreign Affairs\noriginal-date: 2009-03\n"
                f"Originally published at {FA}",
            ),
            item(
                "club", title="Notes from the Club", creators=["Valdai"], date=[2019],
                websiteTitle="Valdai Discussion Club",
                extra="original-publisher: Russia in Global Affairs\noriginal-date: 2018\n"
                "The date of original publication is approximate.",
            ),
        ]
    )  # fmt: skip


# What BibTeX and RIS carry as notes (Zotero: child notes), where the other routes have Extra.
NOTES = {
    "bib": {
        "mad": ["Originally published in Foreign Policy."],
        "reset": ["The date of publication is approximate."],
        "again": [f"Originally published at {FA}"],
        "club": ["The date of original publication is approximate."],
    },
    "ris": {
        "mad": ["Originally published in Foreign Policy."],
        "reset": ["The date of publication is approximate."],
        "again": [f"Originally published in Foreign Affairs, March 2009, {FA}."],
        "club": ["Originally published in Russia in Global Affairs, c. 2018."],
    },
}


def date_parts(value: str | None) -> list[int]:
    """Zotero keeps a date as each route writes it ("2013/06", "2013-06", "June 2013",
    "March 5, 2012"); its parts are what it sorts and cites by."""
    if not value:
        return []
    if match := re.fullmatch(r"(\d{4})(?:[-/](\d\d?))?(?:[-/](\d\d?))?", value):
        return [int(part) for part in match.groups() if part]
    months = [datetime.date(2000, m, 1).strftime("%B") for m in range(1, 13)]
    match = re.fullmatch(r"([A-Z][a-z]+) (?:(\d\d?), )?(\d{4})", value)
    assert match and match[1] in months, f"a date Zotero will not sort: {value!r}"
    day = [int(match[2])] if match[2] else []
    return [int(match[3]), months.index(match[1]) + 1, *day]


def normalised(item: dict, notes: list[dict]) -> dict:
    """Every field Zotero filled in, in comparable form (child notes as their text)."""
    skip = {"key", "version", "tags", "attachments", "seeAlso", "notes", "creators"}
    out = {k: v for k, v in item.items() if k not in skip and v not in ("", None, [])}
    out["creators"] = [
        c.get("name") or f"{c['lastName']}, {c['firstName']}"
        for c in item.get("creators", [])
        if c["creatorType"] == "author"
    ]
    assert all(c["creatorType"] == "author" for c in item.get("creators", []))
    out["date"] = date_parts(item.get("date"))
    if not out["date"]:
        del out["date"]
    out["accessDate"] = item.get("accessDate", "")[:10]
    if notes:
        out["notes"] = [html.unescape(re.sub(r"<[^>]+>", "", n["note"])) for n in notes]
    return out


def grouped(items: list[dict]) -> list[dict]:
    """Zotero's answer (parents, each followed by its child notes) as normalised items."""
    groups: list[tuple[dict, list]] = []
    for item in items:
        if item["itemType"] == "note":
            groups[-1][1].append(item)
        else:
            groups.append((item, []))
    return [normalised(item, notes) for item, notes in groups]


def _differences(got: dict, want: dict) -> str:
    keys = sorted(set(got) | set(want))
    return "; ".join(f"{k}: got {got.get(k)!r}, want {want.get(k)!r}" for k in keys
                     if got.get(k) != want.get(k))  # fmt: skip


@pytest.fixture
def served(live_server, search_index, settings):
    """A live archive whose links follow the address it is served on (SITE_URL unset)."""
    settings.SITE_URL = ""
    archive = make_archive()
    rebuild()
    # node (translation-server) resolves "localhost" to ::1 first; the server is on 127.0.0.1
    return archive, live_server.url.replace("//localhost:", "//127.0.0.1:")


def test_zotero_saves_the_same_item_whatever_the_route(zotero_server, served, capsys):
    """One archive, every route (one test: one index the live server's threads agree on)."""
    archive, base = served
    essay_failures = _essay_routes(zotero_server, archive, base, capsys)
    listing_failures = _listing_pages(zotero_server, archive, base, capsys)
    assert not essay_failures + listing_failures, "\n".join(essay_failures + listing_failures)


def _essay_routes(zotero_server: str, archive: dict, base: str, capsys) -> list[str]:
    """Page, permanent link, citation page, CSL-JSON, BibTeX and RIS: one item per essay."""
    expected = expected_items(archive["essays"], base)
    table, failures = [], []
    for key, essay in archive["essays"].items():
        want = expected[f"{base}/essays/{essay.pk}/"]
        routes = {
            "page": ("web", base + essay.get_absolute_url()),
            "permanent link": ("web", f"{base}/essays/{essay.pk}/"),
            "citation page": ("web", f"{base}/essays/{essay.pk}/cite/?para=1"),
            "CSL-JSON": ("import", f"{base}/essays/{essay.pk}/cite.json"),
            "BibTeX": ("import", f"{base}/essays/{essay.pk}/cite.bib"),
            "RIS": ("import", f"{base}/essays/{essay.pk}/cite.ris"),
        }
        for route, (how, url) in routes.items():
            if how == "web":
                status, items = zotero_items_from_page(zotero_server, url)
            else:
                status, items = zotero(zotero_server, "/import", urlopen(url).read(), "text/plain")
            got = grouped(items) if status == 200 and isinstance(items, list) else [{}]
            expect = _route_expectation(want, route, key)
            diff = _differences(got[0], expect) if len(got) == 1 else f"{len(got)} items"
            table.append((key, route, diff or "same"))
            if diff:
                failures.append(f"{key} via {route}: {diff}")
    _show(capsys, [f"{key:8} {route:15} {result}" for key, route, result in table])
    return failures


def _show(capsys, lines: list[str]) -> None:
    """Write the table of routes to the terminal, also when pytest captures output."""
    with capsys.disabled():
        sys.stdout.write("\n" + "".join(f"  {line}\n" for line in lines))


def _route_expectation(want: dict, route: str, key: str) -> dict:
    """What Zotero's importer for `route` keeps of the expected item."""
    fmt = {"BibTeX": "bib", "RIS": "ris"}.get(route)
    if fmt is None:
        return want
    expect = {k: v for k, v in want.items() if k != "extra"}
    if notes := NOTES[fmt].get(key):
        expect["notes"] = notes
    return expect


def _listing_pages(zotero_server: str, archive: dict, base: str, capsys) -> list[str]:
    """Home, the essay list, author, source, topic and year pages and search results: Zotero
    offers the essays shown (several: "multiple items"; one: that essay), each the same item
    as its own page gives, through unAPI; and through COinS for clients without unAPI."""
    expected = expected_items(archive["essays"], base)
    pages = {
        "home": ("/", 6),
        "essay list": ("/essays/", 6),
        "author": (archive["smith"].get_absolute_url(), 1),
        "source": (archive["valdai"].get_absolute_url(), 3),
        "topic": (archive["arms"].get_absolute_url(), 3),
        "year": ("/years/2013/", 1),
        "search": ("/search/?q=arms", 6),
    }
    table, failures = [], []
    for name, (path, count) in pages.items():
        status, items = zotero_items_from_page(zotero_server, base + path)
        got = grouped(items)
        wrong = [f"{g.get('url')}: {_differences(g, expected.get(g.get('url'), {}))}"
                 for g in got if g != expected.get(g.get("url"))]  # fmt: skip
        ok = len(got) == count and status == (300 if count > 1 else 200) and not wrong
        table.append((name, status, len(got), "same" if ok else "; ".join(wrong)))
        if not ok:
            failures.append(f"{name} ({path}): HTTP {status}, {len(got)} items; {wrong}")
    coins = _coins_items(zotero_server, base + "/")
    coin_fields = ("itemType", "title", "shortTitle", "creators", "date", "websiteTitle", "url",
                   "language", "abstractNote")  # fmt: skip
    for got in coins:
        want = {k: v for k, v in expected[got["url"]].items() if k in coin_fields}
        if {k: v for k, v in got.items() if k != "accessDate"} != want:
            failures.append(f"COinS {got['url']}: {_differences(got, want)}")
    table.append(("home, COinS", 300, len(coins), "same fields COinS carries"))
    _show(capsys, [f"{n:12} HTTP {s} {c} item(s): {r}" for n, s, c, r in table])
    return failures + ([] if len(coins) == 6 else [f"COinS: {len(coins)} items"])


def _coins_items(server: str, url: str) -> list[dict]:
    """Zotero's COinS translator on a listing page, as a client that does not know unAPI
    sees it: the page is served again without its unAPI link (unAPI comes first in Zotero)."""
    page = urlopen(url).read().decode()
    without_unapi = re.sub(r'<link rel="unapi-server"[^>]*>', "", page)
    assert without_unapi != page and 'class="Z3988"' in page
    handler = functools.partial(_OnePage, body=without_unapi.encode())
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            _, items = zotero_items_from_page(server, f"http://127.0.0.1:{httpd.server_port}/")
        finally:
            httpd.shutdown()
    return grouped(items)


class _OnePage(http.server.BaseHTTPRequestHandler):
    def __init__(self, *args, body: bytes, **kwargs) -> None:
        self.body = body
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 - the handler's API
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass
