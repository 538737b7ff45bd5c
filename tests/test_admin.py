"""Curation in the admin: lists, filters, search, inlines, actions, autocomplete and upload."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import lxml.html
import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.forms import MAX_UPLOAD_BYTES
from archive.models import Authorship, Essay
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
CHANGELIST = "/admin/archive/essay/"
IMPORT_URL = "/admin/archive/essay/import/"
GOOD_TEXT = (
    b"Deterrence After New START\n\n"
    b"Arms control negotiations between Washington and Moscow resumed this spring.\n\n"
    b"Both sides discussed missile defense cooperation and strategic stability at length.\n"
)


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_superuser("curator", "curator@example.org", "a long passphrase")


@pytest.fixture
def staff_client(staff: User) -> Client:
    """A logged-in curator whose every POST must carry a CSRF token, as in a browser."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    return client


def form_values(html: str, form_id: str) -> dict[str, str | list[str]]:
    """Return what a browser would submit from the form `form_id` as rendered (no JS)."""
    form = lxml.html.fromstring(html).get_element_by_id(form_id)
    values: dict[str, str | list[str]] = {}
    for name, value in form.form_values():
        if name in values:
            existing = values[name]
            values[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            values[name] = value
    return values


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def messages_text(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- access -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [CHANGELIST, CHANGELIST + "add/", IMPORT_URL])
def test_anonymous_is_sent_to_login(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", [CHANGELIST, IMPORT_URL])
def test_non_staff_user_is_sent_to_login(client: Client, url: str) -> None:
    client.force_login(User.objects.create_user("reader", password="a long passphrase"))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("codenames", [["view_essay"], ["add_essay"], ["change_essay"]])
def test_staff_without_add_and_change_permission_cannot_upload(
    client: Client, codenames: list[str]
) -> None:
    """An upload adds an essay, and a re-upload changes one: it needs both permissions."""
    curator = User.objects.create_user("limited", password="a long passphrase", is_staff=True)
    essay_type = ContentType.objects.get_for_model(Essay)
    curator.user_permissions.add(
        *Permission.objects.filter(codename__in=codenames, content_type=essay_type)
    )
    client.force_login(curator)
    changelist = client.get(CHANGELIST)  # add alone does not even show the list (403)
    assert b"Import essays" not in changelist.content
    assert client.get(IMPORT_URL).status_code == 403


# --- change list, add and change pages ----------------------------------------------------


def test_changelist_shows_columns_filters_and_import_button(staff_client: Client) -> None:
    source = make_source("Valdai Discussion Club")
    make_essay(
        "Mutually Assured Stability",
        authors=[make_author("Ellen Tauscher"), make_author("Igor Ivanov")],
        source=source,
        published_on=datetime.date(2013, 6, 1),
        date_precision="month",
    )
    make_essay("An undated draft", published_on=None, status=Essay.Status.DRAFT)
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    for column in ("title", "byline_display", "source", "date_display", "status", "language"):
        assert f"column-{column}" in html, column
    assert "column-updated" in html
    assert "Ellen Tauscher and Igor Ivanov" in html
    assert "June 2013" in html
    assert "Valdai Discussion Club" in html
    for title in ("By status", "By source", "By language", "By year"):
        assert title in html, title
    assert "2013 (1)" in html
    assert "No date" in html
    assert "Import essays" in html
    assert IMPORT_URL in html
    assert "Publish selected essays" in html
    assert "Unpublish selected essays" in html


def test_year_filter_and_search(staff_client: Client) -> None:
    make_essay("Reset at two and a half", published_on=datetime.date(2011, 1, 1))
    make_essay("Lough Erne summit", published_on=datetime.date(2013, 6, 17))
    by_year = staff_client.get(CHANGELIST, {"year": "2011"})
    assert by_year.context["cl"].result_count == 1
    assert "Reset at two and a half" in by_year.content.decode()
    # Bad filter values get the admin's "invalid lookup" redirect, never a 500.
    assert staff_client.get(CHANGELIST, {"year": "20x1"}).status_code == 302
    by_author = make_essay("Authored piece", authors=[make_author("Igor Ivanov")])
    found = staff_client.get(CHANGELIST, {"q": "Ivanov"})
    assert [e.pk for e in found.context["cl"].result_list] == [by_author.pk]
    found = staff_client.get(CHANGELIST, {"q": "missile defense"})  # body_text
    assert found.context["cl"].result_count == 3


def test_add_page_has_fieldsets_inlines_and_an_optional_slug(staff_client: Client) -> None:
    response = staff_client.get(CHANGELIST + "add/")
    assert response.status_code == 200
    html = response.content.decode()
    for legend in ("Essay", "Date", "Notes kept apart from the body", "Status", "Record"):
        assert f">{legend}<" in html, legend
    assert 'name="authorships-TOTAL_FORMS"' in html
    assert 'name="republications-TOTAL_FORMS"' in html
    # The slug is made from the title on save (tests/test_slugs.py), not filled in by script.
    slug = lxml.html.fromstring(html).get_element_by_id("id_slug")
    assert slug.get("required") is None and 'data-prepopulated-fields="[]"' in html


def test_change_page_shows_readonly_record_and_view_on_site(staff_client: Client) -> None:
    essay = make_essay("A draft to preview", status=Essay.Status.DRAFT)
    response = staff_client.get(f"{CHANGELIST}{essay.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "field-word_count" in html and "field-import_key" in html
    assert 'name="word_count"' not in html  # read-only, not editable
    assert "View on site" in html


def test_view_on_site_previews_a_draft_for_staff_only(staff_client: Client) -> None:
    essay = make_essay("Unpublished thoughts", status=Essay.Status.DRAFT)
    content_type = ContentType.objects.get_for_model(Essay)
    response = staff_client.get(f"/admin/r/{content_type.pk}/{essay.pk}/")
    assert response.status_code == 302
    assert response["Location"].endswith(essay.get_absolute_url())
    assert staff_client.get(essay.get_absolute_url()).status_code == 200
    assert Client().get(essay.get_absolute_url()).status_code == 404


def test_author_source_topic_lists_show_essay_counts(staff_client: Client) -> None:
    author, source, topic = make_author("Ellen Tauscher"), make_source("RIAC"), make_topic("NATO")
    make_essay(authors=[author], source=source, topics=[topic])
    make_essay(authors=[author], source=source)
    for url, name in (
        ("/admin/archive/author/", "Ellen Tauscher"),
        ("/admin/archive/source/", "RIAC"),
        ("/admin/archive/topic/", "NATO"),
    ):
        response = staff_client.get(url, {"q": name})
        assert response.status_code == 200, url
        html = response.content.decode()
        assert name in html and "column-essay_count" in html
    counts = {
        url: staff_client.get(url).context["cl"].result_list[0].essay_count
        for url in ("/admin/archive/author/", "/admin/archive/source/", "/admin/archive/topic/")
    }
    assert counts == {
        "/admin/archive/author/": 2,
        "/admin/archive/source/": 2,
        "/admin/archive/topic/": 1,
    }


def test_changelist_queries_do_not_grow_with_essays(staff_client: Client) -> None:
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(CHANGELIST).status_code == 200
        return len(queries)

    source = make_source()
    authors = [make_author() for _ in range(3)]
    make_essay(authors=authors[:2], source=source, topics=[make_topic()])
    few = count_queries()
    for n in range(30):
        make_essay(authors=authors[n % 3 :], source=make_source(), topics=[make_topic()])
    many = count_queries()
    assert many == few
    assert many <= 12  # 9 when written: session, user, counts, filters, rows, prefetches


# --- actions --------------------------------------------------------------------------------


def _run_action(client: Client, action: str, essays: list[Essay]):
    token = csrf_token(client.get(CHANGELIST).content.decode())
    return client.post(
        CHANGELIST,
        {
            "action": action,
            "_selected_action": [e.pk for e in essays],
            "index": "0",
            "csrfmiddlewaretoken": token,
        },
        follow=True,
    )


def test_publish_and_unpublish_actions_save_each_essay(staff_client: Client) -> None:
    drafts = [make_essay(status=Essay.Status.DRAFT) for _ in range(2)]
    saved: list[int] = []

    def record(sender, instance, **kwargs) -> None:
        saved.append(instance.pk)

    # The actions must go through Essay.save() so post_save (the search index) sees them.
    post_save.connect(record, sender=Essay)
    try:
        response = _run_action(staff_client, "publish_selected", drafts)
        assert "Published 2 essays." in messages_text(response)
        assert set(Essay.objects.values_list("status", flat=True)) == {"published"}
        assert sorted(saved) == sorted(e.pk for e in drafts)
        response = _run_action(staff_client, "unpublish_selected", drafts[:1])
        assert "Unpublished 1 essay." in messages_text(response)
    finally:
        post_save.disconnect(record, sender=Essay)
    assert Essay.objects.get(pk=drafts[0].pk).status == "draft"
    assert Essay.objects.get(pk=drafts[1].pk).status == "published"


def test_action_without_csrf_token_is_refused(staff_client: Client) -> None:
    draft = make_essay(status=Essay.Status.DRAFT)
    response = staff_client.post(
        CHANGELIST, {"action": "publish_selected", "_selected_action": [draft.pk], "index": "0"}
    )
    assert response.status_code == 403
    assert Essay.objects.get(pk=draft.pk).status == "draft"


# --- the ordered author inline ---------------------------------------------------------------


def test_author_inline_saves_order_and_renumbers(staff_client: Client) -> None:
    first, second, third = (
        make_author("Ann First"),
        make_author("Bob Second"),
        make_author("Cy Third"),
    )
    essay = make_essay("Three hands", authors=[first, second])
    url = f"{CHANGELIST}{essay.pk}/change/"
    data = form_values(staff_client.get(url).content.decode(), "essay_form")
    # Put Bob before Ann, and add Cy in the blank row (blank position: at the end).
    rows = {data[f"authorships-{i}-author"]: i for i in range(2)}
    data[f"authorships-{rows[str(second.pk)]}-position"] = "0"
    data[f"authorships-{rows[str(first.pk)]}-position"] = "7"
    data["authorships-2-author"] = str(third.pk)
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    positions = list(Authorship.objects.filter(essay=essay).values_list("author__name", "position"))
    assert positions == [("Bob Second", 0), ("Ann First", 1), ("Cy Third", 2)]
    assert Essay.objects.get(pk=essay.pk).byline == "Bob Second, Ann First and Cy Third"


def test_author_inline_refuses_the_same_author_twice(staff_client: Client) -> None:
    author = make_author("Ann First")
    essay = make_essay("One hand", authors=[author])
    url = f"{CHANGELIST}{essay.pk}/change/"
    data = form_values(staff_client.get(url).content.decode(), "essay_form")
    data["authorships-1-author"] = str(author.pk)
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "Please correct the" in response.content.decode()
    assert Authorship.objects.filter(essay=essay).count() == 1


# --- autocomplete ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_name", "field_name", "make", "name"),
    [
        ("essay", "source", make_source, "Carnegie Moscow Center"),
        ("essay", "topics", make_topic, "Missile defense"),
        ("authorship", "author", make_author, "Ellen Tauscher"),
    ],
)
def test_autocomplete_answers(staff_client: Client, model_name, field_name, make, name) -> None:
    target = make(name)
    make(f"Unrelated {field_name}")
    response = staff_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "archive",
            "model_name": model_name,
            "field_name": field_name,
            "term": name.split()[1],
        },
    )
    assert response.status_code == 200
    results = json.loads(response.content)["results"]
    assert results == [{"id": str(target.pk), "text": name}]


# --- upload --------------------------------------------------------------------------------


def _upload(client: Client, name: str, data: bytes, *, sidecar: bytes | None = None, **extra):
    token = csrf_token(client.get(IMPORT_URL).content.decode())
    payload = {"csrfmiddlewaretoken": token, "text_file": SimpleUploadedFile(name, data), **extra}
    if sidecar is not None:
        payload["sidecar"] = SimpleUploadedFile(Path(name).stem + ".json", sidecar)
    return client.post(IMPORT_URL, payload, follow=True)


def test_upload_page_loads(staff_client: Client) -> None:
    response = staff_client.get(IMPORT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'name="text_file"' in html and 'name="sidecar"' in html and 'name="dry_run"' in html


def test_upload_creates_a_draft_then_updates_only_the_essay_chosen(staff_client: Client) -> None:
    response = _upload(staff_client, "deterrence.txt", GOOD_TEXT)
    assert response.status_code == 200
    essay = Essay.objects.get()
    assert essay.title == "Deterrence After New START"
    assert essay.paragraph_count == 2
    assert essay.status == Essay.Status.DRAFT
    text = messages_text(response)
    assert "Created, as a draft" in text
    assert reverse("admin:archive_essay_change", args=[essay.pk]) in text

    # The same file name again is not the same essay unless the curator says so.
    again = _upload(staff_client, "deterrence.txt", GOOD_TEXT, essay=str(essay.pk))
    assert "Unchanged" in messages_text(again)
    assert Essay.objects.count() == 1


def test_upload_of_a_seed_with_its_sidecar(staff_client: Client) -> None:
    text = SEEDS / "004_eed9ee57534d1619.txt"
    sidecar = text.with_suffix(".json")
    response = _upload(staff_client, text.name, text.read_bytes(), sidecar=sidecar.read_bytes())
    assert response.status_code == 200
    essay = Essay.objects.get()
    assert essay.title == json.loads(sidecar.read_text())["title"]
    assert essay.authorships.count() == 2
    assert "first published" in essay.original_note.lower()


def test_upload_dry_run_writes_nothing(staff_client: Client) -> None:
    response = _upload(staff_client, "deterrence.txt", GOOD_TEXT, dry_run="on")
    assert response.status_code == 200
    assert "Would create" in messages_text(response)
    assert Essay.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\xff\xfe binary\x00", "binary"),
        ("Заголовок\n\nТекст.".encode() + "Текст.".encode("cp1251"), "cannot tell the text"),
        (b"A title and nothing else\n\n", "no body"),
    ],
    ids=["empty", "binary", "mixed-encodings", "no-body"],
)
def test_broken_upload_gets_a_clear_message(staff_client: Client, data: bytes, reason: str) -> None:
    response = _upload(staff_client, "broken.txt", data)
    assert response.status_code == 200
    errors = re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    assert len(errors) == 1 and reason in errors[0], errors
    assert not list(response.context["messages"])
    assert Essay.objects.count() == 0


def test_oversized_upload_is_refused_with_the_limit(staff_client: Client) -> None:
    data = b"Title\n\n" + b"word " * (MAX_UPLOAD_BYTES // 5 + 10)
    response = _upload(staff_client, "huge.txt", data)
    assert response.status_code == 200
    assert "files of up to 5.0\xa0MB can be uploaded" in response.content.decode()
    assert Essay.objects.count() == 0


def test_sidecar_that_is_not_json_gets_a_clear_message(staff_client: Client) -> None:
    response = _upload(staff_client, "deterrence.txt", GOOD_TEXT, sidecar=b'{"title": ')
    assert response.status_code == 200
    assert "bad sidecar: invalid JSON at line 1" in response.content.decode()
    assert Essay.objects.count() == 0


def test_sidecar_that_is_not_utf8_gets_a_clear_message(staff_client: Client) -> None:
    sidecar = '{"title": "Сдерживание"}'.encode("cp1251")
    response = _upload(staff_client, "deterrence.txt", GOOD_TEXT, sidecar=sidecar)
    assert response.status_code == 200
    assert "is not UTF-8 text" in response.content.decode()
    assert Essay.objects.count() == 0


def test_upload_without_csrf_token_is_refused(staff_client: Client) -> None:
    response = staff_client.post(
        IMPORT_URL, {"text_file": SimpleUploadedFile("deterrence.txt", GOOD_TEXT)}
    )
    assert response.status_code == 403
    assert Essay.objects.count() == 0


def test_removing_an_author_closes_the_gap(staff_client: Client) -> None:
    authors = [make_author(name) for name in ("Ann First", "Bob Second", "Cy Third")]
    essay = make_essay("Three hands", authors=authors)
    url = f"{CHANGELIST}{essay.pk}/change/"
    data = form_values(staff_client.get(url).content.decode(), "essay_form")
    data["authorships-0-DELETE"] = "on"
    assert staff_client.post(url, data).status_code == 302
    positions = list(Authorship.objects.filter(essay=essay).values_list("author__name", "position"))
    assert positions == [("Bob Second", 0), ("Cy Third", 1)]
