"""A curator uploads a Word document and a saved web page in the admin, as a person would."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User

from archive.models import Essay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORPUS = Path(__file__).resolve().parents[1] / "data" / "essays"
PASSWORD = "a long passphrase for tests"


@pytest.fixture
def curator_page(new_page, live_server, seeded_publishers):
    User.objects.create_superuser("curator", "curator@example.org", PASSWORD)
    page = new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and problems.append(message.text),
    )
    page.goto(live_server.url + "/admin/login/?next=/admin/archive/essay/import/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/archive/essay/import/")
    page.problems = problems
    return page


def upload(page, path: Path) -> dict[str, str]:
    page.set_input_files("#id_text_file", str(path))
    page.click("input[name=_import]")
    page.wait_for_selector("#import-report")
    rows = page.query_selector_all("#import-report tr")
    return {
        row.query_selector("th").inner_text(): row.query_selector("td").inner_text() for row in rows
    }


def test_curator_uploads_word_and_a_web_page_and_follows_the_report(curator_page):
    page = curator_page
    report = upload(page, CORPUS / "valdai-ru-mnogostoronnost.docx")
    assert report["Title"] == "“Многосторонность в эпоху соперничества” (Word “Title” style)"
    assert report["Authors"] == "Павел Сорокин (byline; new author)"
    assert report["Source"] == "Valdai Discussion Club (its disclaimer)"
    assert report["First published"].startswith("Россия в глобальной политике")

    report = upload(page, CORPUS / "moscowtimes-en-election-week.html")
    assert report["Authors"] == (
        "Pavel Sorokin (page metadata (JSON-LD author); existing author “Павел Сорокин”, "
        "spelled in the other script); Anna Levina (page metadata (JSON-LD author); new author)"
    )
    page.click("#import-edit-link")
    page.wait_for_selector("#essay_form")
    assert page.input_value("#id_title") == "What Russia's Election Week Tells Us About 2024"
    essay = Essay.objects.get(title__startswith="What Russia's Election Week")
    assert page.url.endswith(f"/admin/archive/essay/{essay.pk}/change/")
    assert page.problems == []  # no script or style blocked by the content security policy
