"""What an import does to the archive: authors matched, slugs romanized, publishers as data,
and the admin upload's report."""

from __future__ import annotations

import importlib
import io
import re
from pathlib import Path

import docx
import lxml.html
import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from archive.importing import import_upload
from archive.models import Author, Essay, Source, Topic, unique_slug
from tests.factories import make_author, make_essay, make_source

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parent / "data" / "essays"
# Beside the corpus, not in it: importing the corpus folder reads its subfolders too.
REFUSED_DIR = CORPUS.parent / "refused"
IMPORT_URL = "/admin/archive/essay/import/"
BODY = (
    "Arms control talks between Washington and Moscow resumed after a long pause this spring.\n\n"
    "Both sides discussed missile defense cooperation and the future of strategic stability.\n"
)
RU_BODY = (
    "Переговоры о контроле над вооружениями возобновились весной после долгого перерыва.\n\n"
    "Стороны обсудили сотрудничество в области противоракетной обороны и стабильность.\n"
)


def upload(name: str, text: str, sidecar: str | None = None, **options):
    return import_upload(name, text.encode(), sidecar, **options)


# --- authors ------------------------------------------------------------------------------


def test_an_author_in_the_other_script_is_matched_when_only_one_fits():
    lukyanov = make_author("Fyodor Lukyanov")
    outcome = upload("ru.txt", f"Заголовок\n\nАвтор: Фёдор Лукьянов\n\n{RU_BODY}")
    [match] = outcome.authors
    assert (match.author, match.how) == (lukyanov, "other script")
    assert outcome.essay.ordered_authors == [lukyanov]
    assert Author.objects.count() == 1


def test_a_spelling_with_e_for_yo_is_the_same_author():
    author = make_author("Фёдор Лукьянов")
    outcome = upload("ru.txt", f"Заголовок\n\nАвтор: Федор Лукьянов\n\n{RU_BODY}")
    assert (outcome.authors[0].author, outcome.authors[0].how) == (author, "respelled")


def test_two_authors_who_could_be_the_one_named_are_not_guessed_between():
    make_author("Dmitri Trenin")
    make_author("Dmitry Trenin")
    outcome = upload("ru.txt", f"Заголовок\n\nАвтор: Дмитрий Тренин\n\n{RU_BODY}")
    [match] = outcome.authors
    assert match.how == "new" and match.author.name == "Дмитрий Тренин"
    assert (
        match.note
        == "not matched to “Dmitri Trenin”, “Dmitry Trenin”: more than one could be this author"
    )
    assert Author.objects.count() == 3


def test_different_people_with_similar_names_stay_apart():
    make_author("Andrei Bely")
    make_author("Ivan Petrenko")
    outcome = upload("ru.txt", f"Заголовок\n\nАвторы: Андрей Белов, Иван Петров\n\n{RU_BODY}")
    assert [m.how for m in outcome.authors] == ["new", "new"]
    assert Author.objects.count() == 4


def test_a_dry_run_reports_matches_and_keeps_nothing():
    make_author("Pavel Sorokin")
    outcome = upload("ru.txt", f"Заголовок\n\nАвтор: Павел Сорокин\n\n{RU_BODY}", dry_run=True)
    assert outcome.authors[0].how == "other script"
    assert (Essay.objects.count(), Author.objects.count()) == (0, 1)


# --- slugs --------------------------------------------------------------------------------


def test_cyrillic_titles_and_names_get_romanized_slugs():
    outcome = upload(
        "ru.txt", f"Ядерное сдерживание: «новая» эра\n\nАвтор: Юрий Щедровицкий\n\n{RU_BODY}"
    )
    essay = outcome.essay
    assert essay.slug == "yadernoye-sderzhivaniye-novaya-era"
    assert essay.get_absolute_url() == f"/essays/{essay.pk}/yadernoye-sderzhivaniye-novaya-era/"
    assert essay.ordered_authors[0].slug == "yury-shchedrovitsky"
    assert Source.objects.create(name="Коммерсантъ").slug == "kommersant"
    assert Topic.objects.create(name="Ядерное сдерживание").slug == "yadernoye-sderzhivaniye"
    assert unique_slug(Author, "Юрий Щедровицкий") == "yury-shchedrovitsky-2"
    assert unique_slug(Topic, "…") == "untitled"  # no letters at all


def test_the_migration_repairs_placeholder_slugs_of_cyrillic_names():
    author = make_author("Павел Сорокин")
    Author.objects.filter(pk=author.pk).update(slug="untitled-2")
    latin = make_author("Untitled Person")
    essay = make_essay("Перезагрузка без паузы")
    Essay.objects.filter(pk=essay.pk).update(slug="essay")
    migration = importlib.import_module("archive.migrations.0006_source_disclaimer_variants")
    migration.romanize_placeholder_slugs(apps, None)
    assert Author.objects.get(pk=author.pk).slug == "pavel-sorokin"
    assert Author.objects.get(pk=latin.pk).slug == latin.slug
    assert Essay.objects.get(pk=essay.pk).slug == "perezagruzka-bez-pauzy"


# --- publishers are data ------------------------------------------------------------------


@pytest.fixture
def curator_client() -> Client:
    user = User.objects.create_superuser("curator", "curator@example.org", "a long passphrase")
    client = Client()
    client.force_login(user)
    return client


def test_a_curator_teaches_the_importer_a_new_publisher_in_the_admin(curator_client):
    wording = "Opinions in this column belong to the author alone, not to Riddle."
    text = f"Talks\n\n{BODY}\n{wording}\n"
    assert upload("before.txt", text).essay.source is None

    source = make_source("Riddle", url="https://ridl.io/")
    url = reverse("admin:archive_source_change", args=[source.pk])
    form = lxml.html.fromstring(curator_client.get(url).content).get_element_by_id("source_form")
    data = dict(form.form_values())
    data["disclaimer_variants"] = "* not to Riddle."
    assert curator_client.post(url, data).status_code == 302

    outcome = upload("after.txt", text)
    assert outcome.essay.source == source
    assert outcome.essay.disclaimer == wording
    assert "Opinions in this column" not in outcome.essay.body


def test_the_seeded_publishers_have_english_and_russian_wordings(seeded_publishers):
    assert len(seeded_publishers) >= 12
    wordings = [w for source in seeded_publishers for w in source.disclaimer_wordings()]
    assert any(re.search("[а-я]", w) for w in wordings) and any(w.isascii() for w in wordings)
    assert {"Valdai Discussion Club", "Russian International Affairs Council"} <= {
        source.name for source in seeded_publishers
    }


def test_source_admin_lists_which_sources_are_recognised(curator_client, seeded_publishers):
    html = curator_client.get(reverse("admin:archive_source_changelist")).content.decode()
    assert "Disclaimer known" in html
    page = curator_client.get(
        reverse("admin:archive_source_change", args=[seeded_publishers[0].pk])
    ).content.decode()
    assert 'name="disclaimer_variants"' in page
    assert "Recognising the publisher on import" in page


# --- the admin upload ---------------------------------------------------------------------


def post_file(client: Client, name: str, data: bytes, **extra):
    payload = {"text_file": SimpleUploadedFile(name, data), **extra}
    return client.post(IMPORT_URL, payload, follow=True)


def report_rows(response) -> dict[str, str]:
    tree = lxml.html.fromstring(response.content.decode())
    rows = tree.xpath("//section[contains(@class, 'import-report')]//tr")
    return {r.findtext("th"): " ".join(r.find("td").text_content().split()) for r in rows}


def test_admin_upload_of_a_word_document_reports_and_links_to_the_essay(
    curator_client, seeded_publishers
):
    data = (CORPUS / "chatham-en-arctic-shipping.docx").read_bytes()
    response = post_file(curator_client, "chatham-en-arctic-shipping.docx", data)
    assert response.status_code == 200
    essay = Essay.objects.get()
    rows = report_rows(response)
    assert rows["File"] == "Word document"
    assert (
        rows["Title"]
        == "“Shipping Through the Arctic Will Not Wait for Politics” (Word “Title” style)"
    )
    assert rows["Authors"] == "Helen Marsh (byline; new author)"
    assert rows["Source"] == "Chatham House (its disclaimer)"
    assert rows["Biographies"] == "1 paragraph(s), kept apart"
    assert "Missing" not in rows
    [edit] = lxml.html.fromstring(response.content.decode()).find_class("import-edit-link")
    assert edit.get("href") == reverse("admin:archive_essay_change", args=[essay.pk])
    assert "<blockquote>" in essay.body and "<ul>" in essay.body


def test_admin_upload_of_a_saved_page_is_sanitized_and_says_what_is_missing(curator_client):
    page = (
        "<html><head><title>Talks Resume</title></head><body><nav>Home</nav><article>"
        "<h1>Talks Resume</h1>"
        "<p>Arms control talks between Washington and Moscow resumed after a long pause this "
        "spring, and both sides said they were ready to discuss missile defense.</p>"
        '<p>Nothing was agreed.<script>alert(1)</script> <a href="javascript:alert(1)">More</a> '
        "The negotiators promised to meet again before the summit in the autumn.</p>"
        "</article></body></html>"
    )
    response = post_file(curator_client, "talks.html", page.encode())
    rows = report_rows(response)
    assert rows["Missing"] == "authors, date, source: add in the admin"
    essay = Essay.objects.get()
    assert "<script" not in essay.body and "javascript:" not in essay.body
    assert essay.title == "Talks Resume" and essay.paragraph_count == 2


def test_the_report_is_shown_once_after_the_redirect(curator_client):
    response = post_file(curator_client, "talks.txt", f"Talks\n\n{BODY}".encode())
    assert response.redirect_chain == [(IMPORT_URL, 302)]
    assert report_rows(response)["Title"] == "“Talks” (title line)"
    assert report_rows(curator_client.get(IMPORT_URL)) == {}


def test_admin_dry_run_reports_without_a_link(curator_client):
    response = post_file(
        curator_client, "talks.txt", f"Talks\n\nBy Jane Doe\n\n{BODY}".encode(), dry_run="on"
    )
    assert report_rows(response)["Authors"] == "Jane Doe (byline; new author)"
    assert b"import-edit-link" not in response.content
    assert Essay.objects.count() == 0


def test_admin_refuses_an_undecidable_file_with_its_reason(curator_client):
    data = (REFUSED_DIR / "mixed-encodings.txt").read_bytes()
    response = post_file(curator_client, "mixed.txt", data)
    assert response.status_code == 200
    assert "cannot tell the text&#x27;s encoding" in response.content.decode()
    assert not report_rows(response) and Essay.objects.count() == 0


def test_a_word_document_written_by_hand_imports_through_the_upload(curator_client):
    document = docx.Document()
    document.add_paragraph("Перезагрузка без паузы", style="Title")
    document.add_paragraph("Автор: Павел Сорокин")
    for paragraph in RU_BODY.split("\n\n"):
        document.add_paragraph(paragraph.strip())
    buffer = io.BytesIO()
    document.save(buffer)
    response = post_file(curator_client, "reset.docx", buffer.getvalue())
    essay = Essay.objects.get()
    assert (essay.title, essay.language, essay.slug) == (
        "Перезагрузка без паузы",
        "ru",
        "perezagruzka-bez-pauzy",
    )
    assert report_rows(response)["Language"] == "Russian (the text's letters)"
