"""A curator imports in the admin, as a person would: Word and saved pages; a text uploaded as a
draft, reviewed and published; a new version of an essay after an edit, and its conflict."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User

from archive.models import Essay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORPUS = Path(__file__).resolve().parents[1] / "data" / "essays"
PASSWORD = "a long passphrase for tests"
ESSAY = """Deterrence After New START

The treaty's expiry leaves both arsenals without verification for the first time in half a \
century: no inspectors visit the bases, and no data are exchanged twice a year.

Washington and Moscow talk about talks, but neither has offered a framework the other could \
accept without losing face at home, and China's arsenal complicates any count.

Until then, each side will plan for the other's worst case, and that is how arms races begin.
"""


@pytest.fixture
def curator_page(new_page, live_server, seeded_publishers):
    User.objects.create_superuser("curator", "curator@example.org", PASSWORD)
    page = new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
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


def upload(page, *paths: Path) -> dict[str, str]:
    """Upload `paths` on the import page; return the first file's report, label by label."""
    page.set_input_files("#id_text_file", [str(path) for path in paths])
    page.click("input[name=_import]")
    page.wait_for_selector(".import-report")
    return report_of(page.locator(".import-report").first)


def report_of(section) -> dict[str, str]:
    rows = section.locator("tr")
    found = {"headline": section.locator(".import-report__headline strong").inner_text()}
    for n in range(rows.count()):
        found[rows.nth(n).locator("th").inner_text()] = rows.nth(n).locator("td").inner_text()
    return found


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
    page.locator(".import-edit-link").first.click()
    page.wait_for_selector("#essay_form")
    assert page.input_value("#id_title") == "What Russia's Election Week Tells Us About 2024"
    essay = Essay.objects.get(title__startswith="What Russia's Election Week")
    assert page.url.endswith(f"/admin/archive/essay/{essay.pk}/change/")
    assert page.problems == []  # no script or style blocked by the content security policy


def test_an_uploaded_text_is_a_draft_until_the_curator_reviews_and_publishes_it(
    curator_page, live_server, new_page, tmp_path
):
    page, base = curator_page, live_server.url
    path = tmp_path / "deterrence.txt"
    path.write_text(ESSAY, encoding="utf-8")

    report = upload(page, path)

    assert report["headline"] == "Created, as a draft"
    assert report["Missing"] == "authors, date, source: add in the admin"
    body = page.locator(".import-report__body")
    assert body.get_attribute("open") is not None  # one file: its paragraphs are in view
    assert body.locator("li").count() == 3
    assert body.locator("li").nth(2).inner_text().startswith("Until then, each side")
    page.screenshot(path="/tmp/admin-import-draft.png", full_page=True)
    essay = Essay.objects.get()
    reader = new_page()
    assert reader.goto(base + essay.get_absolute_url()).status == 404  # not public yet

    # Review: complete what is missing, then publish.
    page.click(".import-edit-link")
    page.wait_for_selector("#essay_form")
    assert page.input_value("#id_status") == "draft"
    page.fill("#id_published_on", "2026-02-05")
    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()

    response = reader.goto(base + essay.get_absolute_url())
    assert response.status == 200
    assert reader.locator("h1").inner_text() == "Deterrence After New START"
    assert page.problems == []


def test_a_new_version_after_an_admin_edit_reports_the_conflict(
    curator_page, live_server, tmp_path
):
    page, base = curator_page, live_server.url
    first = tmp_path / "deterrence.txt"
    first.write_text(ESSAY, encoding="utf-8")
    upload(page, first)
    essay = Essay.objects.get()
    # The curator corrects the title.
    page.goto(f"{base}/admin/archive/essay/{essay.pk}/change/")
    page.fill("#id_title", "Deterrence after New START")
    page.click("input[name=_continue]")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    # The author sends a revised file, with a title of their own and a changed paragraph.
    revised = tmp_path / "deterrence-revised.txt"
    revised.write_text(
        ESSAY.replace(
            "Deterrence After New START", "Deterrence After New START: A Postscript"
        ).replace("arms races begin", "arms races start"),
        encoding="utf-8",
    )

    page.click("a.import-version-link")
    page.wait_for_selector("#essay_import_form")
    assert page.locator("#id_essay option:checked").inner_text() == "Deterrence after New START"
    report = upload(page, revised)

    assert report["headline"] == "Updated (body); now a draft"
    assert report["Conflict"] == (
        "title: the archive keeps “Deterrence after New START” (edited since the last import); "
        "the file says “Deterrence After New START: A Postscript”"
    )
    page.screenshot(path="/tmp/admin-import-conflict.png", full_page=True)
    essay.refresh_from_db()
    assert essay.title == "Deterrence after New START" and "arms races start" in essay.body_text

    # The curator decides the file is right after all.
    page.goto(f"{base}/admin/archive/essay/import/?essay={essay.pk}")
    page.check("#id_prefer_file")
    report = upload(page, revised)
    assert report["headline"] == "Updated (title); now a draft"
    assert Essay.objects.get().title == "Deterrence After New START: A Postscript"
    assert page.problems == []


def test_a_zip_of_essays_imports_in_one_go(curator_page, tmp_path):
    import zipfile

    archive = tmp_path / "essays.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.write(CORPUS / "cfr-en-after-new-start.txt", "2013/cfr-en-after-new-start.txt")
        bundle.write(CORPUS / "ecfr-en-russia-africa.txt", "2014/ecfr-en-russia-africa.txt")
        bundle.write(CORPUS / "ecfr-en-russia-africa.json", "2014/ecfr-en-russia-africa.json")
        bundle.writestr("../escape.txt", "A file that would land outside the folder.")

    upload(curator_page, archive)

    sections = curator_page.locator(".import-report")
    names = [sections.nth(n).locator("h2").inner_text() for n in range(sections.count())]
    assert names == [
        "../escape.txt",
        "2013/cfr-en-after-new-start.txt",
        "2014/ecfr-en-russia-africa.txt",
    ]
    assert report_of(sections.nth(0))["headline"] == (
        "Not imported: its path leads out of the .zip: not read"
    )
    assert "2 created" in curator_page.locator(".messagelist").inner_text()
    assert Essay.objects.drafts().count() == 2
