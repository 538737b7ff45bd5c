"""Hostile text stored through every path runs nowhere it is shown, proven in headless Chromium.

Every vector of tests/data/xss_vectors.txt (alert/console calls) and of
tests/data/xss_sentinel_vectors.txt (code that would set window.__xss) is stored through the
shell (every text field an essay shows), the importer (a text file and its sidecar) and the
admin's add form, then every page that shows that text is loaded in Chromium: essay pages with
their JSON-LD, citation pages, search results with snippets, browse pages, Atom/RSS feeds and
the admin. The browser context bypasses the Content-Security-Policy, so what is proven is that
the escaping alone holds; the CSP is a second wall (tests/test_security.py).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client

from archive.importing import ImportOptions, import_upload
from archive.models import Author, Authorship, Essay, Source, Topic
from tests.test_admin import form_values
from tests.test_sanitize import load_xss_vectors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SENTINELS_FILE = Path(__file__).parent.parent / "data" / "xss_sentinel_vectors.txt"
SHELL_ESSAYS = 10
MARKER = "quokkaxss"  # a searchable word next to every vector, so snippets show them

# Runs before any page script, in every frame: any call of these is recorded, never shown.
HOOKS = """
window.__calls = [];
for (const name of ["alert", "confirm", "prompt", "print", "open"]) {
  window[name] = (...args) => { window.__calls.push(name + "(" + args.join(",") + ")"); };
}
for (const level of ["log", "info", "warn", "error", "debug", "trace", "dir", "table"]) {
  const original = console[level].bind(console);
  console[level] = (...args) => { window.__calls.push("console." + level); original(...args); };
}
"""

# What the page holds after loading: signs of code that ran, and markup that could run later.
INSPECT = """
() => {
  const allowed = new Set(["http:", "https:", "mailto:"]);
  const handlers = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on")) handlers.push(el.tagName + " " + attr.name);
    }
  }
  return {
    xss: typeof window.__xss, calls: window.__calls,
    handlers: handlers.slice(0, 5),
    frames: document.querySelectorAll("iframe, frame, object, embed, applet, base").length,
    links: [...document.querySelectorAll("a[href], area[href], form[action], [formaction]")]
      .map(el => el.href || el.action || el.formAction)
      .filter(url => url && !allowed.has(new URL(url, location.href).protocol)).slice(0, 5),
    scripts: [...document.scripts].filter(s => s.type !== "application/ld+json")
      .filter(s => !s.src || new URL(s.src).origin !== location.origin).length,
    jsonld: [...document.querySelectorAll('script[type="application/ld+json"]')]
      .map(s => s.textContent),
  };
}
"""


def sentinel_vectors() -> list[str]:
    lines = SENTINELS_FILE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("# ")]


def all_vectors() -> list[str]:
    return [*load_xss_vectors(), *sentinel_vectors()]


def plain(vector: str, limit: int) -> str:
    """Return `vector` as a one-line name: NUL as U+FFFD (as HTML parsers read it), cut short."""
    return " ".join(vector.replace("\0", "\ufffd").split())[:limit] or "blank vector"


def batches(items: list[str], n: int) -> list[list[str]]:
    return [items[i::n] for i in range(n)]


def store_through_the_shell(vectors: list[str]) -> list[Essay]:
    """Create essays whose every shown text field (and related name) holds vectors."""
    essays = []
    for n, batch in enumerate(batches(vectors, SHELL_ESSAYS)):
        text = "\n\n".join(f"{MARKER} {plain(v, 5000)}" for v in batch)
        source = Source.objects.create(
            name=f"{plain(batch[0], 180)} #{n}", description=text, disclaimer=text
        )
        essay = Essay.objects.create(
            title=plain(" ".join(batch), 480),
            body="".join(f"<p>{MARKER} {v}</p>" for v in batch),
            standfirst=text,
            author_notes=text,
            disclaimer=text,
            original_publication=plain(batch[-1], 300),
            original_note=plain(batch[-1], 500),
            source=source,
            status=Essay.Status.PUBLISHED,
            published_on=datetime.date(2012, 1, 1) + datetime.timedelta(days=n),
        )
        for position, vector in enumerate(batch):
            author = Author.objects.create(
                name=plain(vector, 190), biography=text, affiliation=plain(vector, 300)
            )
            Authorship.objects.create(essay=essay, author=author, position=position)
        essay.topics.set(
            Topic.objects.create(name=f"{plain(v, 90)} #{n}.{i}", description=text)
            for i, v in enumerate(batch)
        )
        essays.append(essay)
    return essays


def store_through_the_importer(vectors: list[str]) -> Essay:
    """Import a text file of vectors, with a sidecar whose names and titles are vectors too."""
    printable = [v for v in vectors if v.strip() and min(map(ord, v)) >= 0x20]
    text = plain(printable[0], 400) + "\n\n" + "\n\n".join(f"{MARKER} {v}" for v in printable)
    sidecar = {
        "title": plain(printable[1], 400),
        "authors": [{"name": plain(v, 190), "biography": v} for v in printable[2:12]],
        "source": {"name": plain(printable[12], 190), "disclaimer": printable[13]},
        "topics": [plain(v, 90) for v in printable[14:24]],
        "standfirst": plain(" ".join(printable[24:34]), 2000),
        "status": "published",
    }
    # Published, as a curator ticking "publish now" does: an upload is otherwise a draft.
    publish_now = ImportOptions(upload=True, publish=True)
    outcome = import_upload("hostile-import.txt", text.encode(), json.dumps(sidecar), publish_now)
    return outcome.essay


def store_through_the_admin(vectors: list[str], curator: User) -> list[Essay]:
    """Post the admin's add form, CSRF token and all, with vectors in every text field."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    add_url = "/admin/archive/essay/add/"
    blank = form_values(client.get(add_url).content.decode(), "essay_form")
    usable = [v for v in vectors if "\0" not in v]  # the admin refuses NUL outright
    created = []
    for n, batch in enumerate(batches(usable, 3)):
        text = "\n\n".join(f"{MARKER} {v}" for v in batch)
        data = {
            **blank,
            "title": plain(" ".join(batch), 480),
            "slug": f"admin-hostile-{n}",
            "body": "".join(f"<p>{MARKER} {v}</p>" for v in batch),
            "standfirst": text,
            "author_notes": text,
            "disclaimer": text,
            "status": "published",
            "published_on": f"2011-0{n + 1}-01",
            # Hostile bodies lose text to sanitizing: the curator says to save them anyway.
            "allow_text_removal": "on",
        }
        response = client.post(add_url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        created.append(Essay.objects.get(slug=f"admin-hostile-{n}"))
    return created


@pytest.fixture
def hostile_archive(search_index):
    """Store every vector through every path; return what to visit."""
    vectors = all_vectors()
    assert len(load_xss_vectors()) >= 150 and len(sentinel_vectors()) >= 30
    curator = User.objects.create_superuser("curator", "c@example.org", "long pass 123")
    with transaction.atomic():  # one index update for the lot, applied on commit
        shell = store_through_the_shell(vectors)
        imported = store_through_the_importer(vectors)
    admin = store_through_the_admin(vectors, curator)
    return {"shell": shell, "imported": imported, "admin": admin, "curator": curator}


def public_urls(archive: dict) -> list[str]:
    essays = [*archive["shell"], archive["imported"], *archive["admin"]]
    some = archive["shell"][0]
    author, topic = some.ordered_authors[0], some.topics.first()
    urls = [essay.get_absolute_url() for essay in essays]
    urls += [f"/essays/{essay.pk}/cite/" for essay in essays]
    urls += [f"/essays/{some.pk}/cite/?para=2"]
    urls += ["/", "/essays/", "/essays/?sort=title", "/authors/", "/sources/", "/topics/"]
    urls += ["/years/", "/years/2012/", some.source.get_absolute_url()]
    urls += [author.get_absolute_url(), topic.get_absolute_url()]
    urls += [f"/search/?q={MARKER}", f"/search/?q={MARKER}&page=2", "/search/?q=alert"]
    urls += ["/search/?q=onerror", "/search/?q=script&sort=newest", "/search/?q=svg"]
    return urls


FEEDS = [
    "/feeds/latest.atom",
    "/feeds/latest.rss",
    f"/search/feed.atom?q={MARKER}",
    f"/search/feed.rss?q={MARKER}",
]


def admin_urls(archive: dict) -> list[str]:
    essays = [*archive["admin"], archive["imported"], archive["shell"][0]]
    some = archive["shell"][0]
    urls = ["/admin/archive/essay/", f"/admin/archive/essay/?q={MARKER}"]
    urls += [f"/admin/archive/essay/{essay.pk}/change/" for essay in essays]
    urls += ["/admin/archive/author/", "/admin/archive/author/?p=2", "/admin/archive/topic/"]
    urls += ["/admin/archive/source/", f"/admin/archive/source/{some.source_id}/change/"]
    urls += [f"/admin/archive/author/{some.ordered_authors[0].pk}/change/"]
    urls += [f"/admin/archive/topic/{some.topics.first().pk}/change/"]
    return urls


class Watch:
    """A page with the hooks installed, and every dialog, console line and error it saw."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(bypass_csp=True, java_script_enabled=True)
        self.context.add_init_script(HOOKS)
        self.page = self.context.new_page()
        self.events: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.events.append(f"pageerror: {error}"))
        self.page.on("console", self._console)

    def _dialog(self, dialog) -> None:
        self.events.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message) -> None:
        # Chromium's own notes (a missing image, say) are not page code; anything else is.
        if message.type not in ("error", "warning") or "xss" in message.text.lower():
            self.events.append(f"console.{message.type}: {message.text}")

    def visit(self, url: str) -> dict:
        response = self.page.goto(url, wait_until="load")
        self.page.mouse.move(300, 300)  # hover handlers, had any survived
        self.page.wait_for_timeout(60)  # onerror/onfocus/animation handlers fire by now
        found = self.page.evaluate(INSPECT)
        found["status"] = response.status if response else None
        found["url"] = self.page.url
        return found

    def close(self) -> None:
        self.context.close()


def problems_on(watch: Watch, url: str, *, html: bool = True) -> list[str]:
    before = len(watch.events)
    found = watch.visit(url)
    problems = [f"{url}: {event}" for event in watch.events[before:]]
    if found["status"] != 200:
        problems.append(f"{url}: status {found['status']}")
    if not found["url"].endswith(url):
        problems.append(f"{url}: navigated to {found['url']}")
    if found["xss"] != "undefined" or found["calls"]:
        problems.append(f"{url}: code ran: __xss {found['xss']}, calls {found['calls']}")
    if html:
        for key in ("handlers", "links"):
            if found[key]:
                problems.append(f"{url}: {key} {found[key]}")
        if found["frames"] or found["scripts"]:
            problems.append(f"{url}: {found['frames']} frames, {found['scripts']} foreign scripts")
        for text in found["jsonld"]:
            json.loads(text)  # a title that broke out of the element would break the JSON
    return problems


def test_no_vector_runs_on_any_page_that_shows_it(browser, hostile_archive, live_server):
    watch = Watch(browser)
    problems: list[str] = []
    try:
        for url in public_urls(hostile_archive):
            problems += problems_on(watch, live_server.url + url)
        for url in FEEDS:
            problems += problems_on(watch, live_server.url + url, html=False)
        client = Client()
        client.force_login(hostile_archive["curator"])
        cookie = client.cookies["sessionid"]
        watch.context.add_cookies(
            [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
        )
        for url in admin_urls(hostile_archive):
            problems += problems_on(watch, live_server.url + url)
    finally:
        watch.close()
    assert not problems, "\n".join(problems[:40])


def test_the_pages_really_show_the_vectors(client, hostile_archive):
    """Guard against a vacuous pass: the hostile text is on the pages, escaped, as text."""
    essay = hostile_archive["shell"][0]
    page = client.get(essay.get_absolute_url()).content.decode()
    assert "&lt;img src=x onerror=" in page or "&lt;script&gt;" in page
    jsonld = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(jsonld)["headline"].startswith(essay.title[:40])
    results = client.get(f"/search/?q={MARKER}").content.decode()
    assert results.count('class="essay-card__snippet"') >= 10
    assert "&lt;" in results
    feed = client.get("/feeds/latest.atom").content.decode()
    assert "&lt;script&gt;" in feed or "&amp;lt;script&amp;gt;" in feed


def test_exports_are_inert_downloads(client, hostile_archive):
    """BibTeX, RIS and CSL-JSON of hostile essays download; a browser never renders them."""
    essays = [*hostile_archive["shell"], hostile_archive["imported"], *hostile_archive["admin"]]
    author = essays[0].ordered_authors[0]
    urls = []
    for fmt in ("bib", "ris", "json"):
        urls += [f"/essays/{essay.pk}/cite.{fmt}" for essay in essays]
        urls.append(f"/cite/export.{fmt}?ids=" + ",".join(str(e.pk) for e in essays))
        urls.append(f"/authors/{author.slug}/cite.{fmt}")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment;"), url
        media_type = response["Content-Type"].split(";")[0].strip()
        assert "html" not in media_type and "xml" not in media_type, (url, media_type)
        assert not media_type.startswith(("text/", "image/svg")), (url, media_type)
        assert response["X-Content-Type-Options"] == "nosniff", url


def test_the_watch_sees_code_that_runs(browser):
    """The hooks are not vacuous: a page whose markup runs is reported, each way it can run."""
    watch = Watch(browser)
    page = (
        '<img src=x onerror="window.__xss=1"><img src=x onerror="alert(1)">'
        '<svg onload="console.log(\'XSS\')"></svg><a href="javascript:void 0">x</a>'
    )
    try:
        problems = "\n".join(problems_on(watch, "data:text/html," + quote(page)))
    finally:
        watch.close()
    assert "__xss number" in problems and "alert(1)" in problems
    assert "console.log" in problems and "handlers" in problems and "links" in problems
