"""A curator in Chromium undoes a bad edit, and brings back an essay deleted by mistake."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client

from archive.models import Essay
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARAGRAPHS = [
    "Missile defense has been the most contentious issue between Moscow and Washington since "
    "the Lisbon summit, where both sides agreed to explore cooperation.",
    "The European Phased Adaptive Approach envisions interceptors in Romania and Poland.",
    "Трудно ожидать прорыва, пока стороны не договорятся о прозрачности и оценке угроз.",
]


@pytest.fixture
def curator_page(new_page, live_server):
    curator = User.objects.create_superuser("curator", "c@example.org", "a long passphrase")
    client = Client()
    client.force_login(curator)
    page = new_page(viewport={"width": 1280, "height": 900})
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def essay() -> Essay:
    with transaction.atomic():  # one version, as an import or a single admin save makes
        return make_essay(
            "Missile Defense After Lisbon",
            authors=[make_author("Ellen Tauscher"), make_author("Igor Ivanov")],
            topics=[make_topic("Arms control"), make_topic("NATO")],
            source=make_source("Valdai Discussion Club"),
            paragraphs=PARAGRAPHS,
            published_on=datetime.date(2011, 6, 1),
        )


def messages_on(page) -> str:
    return page.locator(".messagelist").inner_text()


def test_a_bad_edit_is_seen_in_history_and_undone_in_one_step(curator_page, live_server, essay):
    page, base = curator_page, live_server.url
    first_url = essay.get_absolute_url()
    # The mistake: a body pasted over, the title changed, the second author removed.
    page.goto(f"{base}/admin/archive/essay/{essay.pk}/change/")
    page.fill("#id_title", "Pasted over by mistake")
    page.fill("#id_body", "<p>Lorem ipsum dolor sit amet.</p>")
    page.check("#id_authorships-1-DELETE")
    page.click("input[name=_save]")
    assert "was changed successfully" in messages_on(page)
    assert Essay.objects.get(pk=essay.pk).byline == "Ellen Tauscher"

    page.goto(f"{base}/admin/archive/essay/{essay.pk}/change/")
    page.click("a.historylink")
    rows = page.locator("#essay-versions tbody tr")
    assert rows.count() == 2
    assert "curator" in rows.nth(0).inner_text() and "current" in rows.nth(0).inner_text().lower()
    assert "Title, Slug, Authors, Body" in rows.nth(0).inner_text()
    page.screenshot(path="/tmp/admin-history.png", full_page=True)

    # What changed, word by word, before restoring.
    rows.nth(0).locator("th a").click()
    diff = page.locator("#essay-changes")
    assert "Missile Defense After Lisbon" in diff.locator("tbody del").all_inner_texts()[0]
    assert "Igor Ivanov" in diff.inner_text()
    page.screenshot(path="/tmp/admin-version-diff.png", full_page=True)

    page.go_back()
    page.locator("#essay-versions tbody tr").nth(1).get_by_role(
        "button", name="Restore this version"
    ).click()
    assert "Restored “Missile Defense After Lisbon”" in messages_on(page)
    assert page.url.endswith(f"/admin/archive/essay/{essay.pk}/change/")
    assert page.input_value("#id_title") == "Missile Defense After Lisbon"

    restored = Essay.objects.get(pk=essay.pk)
    assert restored.byline == "Ellen Tauscher and Igor Ivanov"
    assert restored.body_text.split("\n\n") == PARAGRAPHS
    assert sorted(restored.topics.values_list("name", flat=True)) == ["Arms control", "NATO"]
    # The reader's side follows: the first URL is the page again, and the mistake's URL
    # redirects to it.
    response = page.goto(base + first_url)
    assert response.status == 200 and page.locator("h1").inner_text() == restored.title
    assert page.goto(f"{base}/essays/{essay.pk}/pasted-over-by-mistake/").url == base + first_url
    page.goto(f"{base}/admin/archive/essay/{essay.pk}/history/")
    assert page.locator("#essay-versions tbody tr").count() == 3  # the restore is undoable


def test_a_deleted_essay_is_found_and_brought_back(curator_page, live_server, essay):
    page, base = curator_page, live_server.url
    url, pk = essay.get_absolute_url(), essay.pk
    page.goto(f"{base}/admin/archive/essay/{pk}/change/")
    page.click("a.deletelink")
    confirmation = page.locator("#content").inner_text()
    assert "Author 2: Igor Ivanov" in confirmation and "Key term" not in confirmation
    page.screenshot(path="/tmp/admin-delete-confirmation.png", full_page=True)
    page.click("input[type=submit]")
    assert "was deleted successfully" in messages_on(page)
    assert page.goto(base + url).status == 404

    page.goto(f"{base}/admin/archive/essay/")
    page.click("text=Deleted essays")
    page.fill("#deleted-q", "lisbon")
    page.click("#deleted-search button")
    row = page.locator("#deleted-essays tbody tr")
    assert row.count() == 1
    assert "Ellen Tauscher; Igor Ivanov" in row.inner_text() and "curator" in row.inner_text()
    page.screenshot(path="/tmp/admin-deleted-essays.png", full_page=True)
    row.get_by_role("button", name="Restore").click()
    assert "Brought back the deleted essay “Missile Defense After Lisbon”" in messages_on(page)

    essay = Essay.objects.get(pk=pk)
    assert essay.get_absolute_url() == url
    assert essay.byline == "Ellen Tauscher and Igor Ivanov"
    assert sorted(essay.topics.values_list("name", flat=True)) == ["Arms control", "NATO"]
    assert essay.source.name == "Valdai Discussion Club"
    response = page.goto(base + url)
    assert response.status == 200 and "Missile defense has been" in page.content()
    page.goto(f"{base}/admin/archive/essay/deleted/")
    assert "No essay has been deleted." in page.locator("#content-main").inner_text()
