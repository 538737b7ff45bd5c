"""The admin upload is safe by default (issue 12): drafts unless "publish now", a report of each
file as parsed, batches of files or a .zip within limits, duplicates and conflicts named."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import zipfile
from urllib.parse import urlencode

import lxml.html
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from archive.importing import uploads
from archive.models import Essay
from tests.test_admin import csrf_token, messages_text
from tests.test_import_identity import ARMS, BUDGET

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/archive/essay/import/"
ARMS_TEXT = ("Arms Control After New START\n\n" + "\n\n".join(ARMS)).encode()
BUDGET_TEXT = ("Санкции и бюджет\n\nАвтор: Андрей Белов\n\n" + "\n\n".join(BUDGET)).encode()


@pytest.fixture
def curator_client() -> Client:
    user = User.objects.create_superuser("curator", "curator@example.org", "a long passphrase")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post(client: Client, files: dict[str, bytes], *, sidecar: bytes | None = None, **fields):
    token = csrf_token(client.get(IMPORT_URL).content.decode())
    data = {
        "csrfmiddlewaretoken": token,
        "text_file": [SimpleUploadedFile(name, content) for name, content in files.items()],
        **fields,
    }
    if sidecar is not None:
        data["sidecar"] = SimpleUploadedFile("sidecar.json", sidecar)
    return client.post(IMPORT_URL, data, follow=True)


def zipped(members: dict[str, bytes], *, links: tuple = (), encrypted: tuple = ()) -> bytes:
    """Return a .zip of `members`; those named in `links` are symbolic links, those named in
    `encrypted` say they are encrypted (the flag a password-protected member carries)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, content)
    data = bytearray(buffer.getvalue())
    for name in encrypted:  # set bit 0 of the flags in the member's central directory entry
        entry = data.index(b"PK\x01\x02" + bytes(4)[:0], data.index(b"PK\x01\x02"))
        while data[entry + 46 : entry + 46 + len(name)] != name.encode():
            entry = data.index(b"PK\x01\x02", entry + 4)
        data[entry + 8] |= 0x1
    return bytes(data)


def reports(response) -> dict[str, dict]:
    """Return each file's report on the page: its headline, lines and paragraphs."""
    tree = lxml.html.fromstring(response.content.decode())
    found = {}
    for section in tree.find_class("import-report"):
        rows = {
            row.findtext("th"): " ".join(row.find("td").text_content().split())
            for row in section.iter("tr")
        }
        found[section.findtext("h2")] = {
            "headline": " ".join(
                section.find_class("import-report__headline")[0].text_content().split()
            ),
            "rows": rows,
            "paragraphs": [li.text_content() for li in section.xpath(".//details//li")],
            "edit": [a.get("href") for a in section.find_class("import-edit-link")],
        }
    return found


def form_errors(response) -> list[str]:
    tree = lxml.html.fromstring(response.content.decode())
    return [" ".join(e.text_content().split()) for e in tree.find_class("errorlist")]


# --- one file: a draft, and the page says what is missing ---------------------------------


def test_an_uploaded_text_is_a_draft_and_the_page_says_what_is_missing(curator_client):
    """Issue 12, reproduction 4."""
    response = post(curator_client, {"arms.txt": ARMS_TEXT})

    essay = Essay.objects.get()
    assert essay.status == Essay.Status.DRAFT
    report = reports(response)["arms.txt"]
    assert report["headline"] == "Created, as a draft Edit the essay"
    assert report["rows"]["Title"] == "“Arms Control After New START” (title line)"
    assert report["rows"]["Body"] == "3 paragraph(s), 67 words"
    assert report["rows"]["Missing"] == "authors, date, source: add in the admin"
    assert report["paragraphs"] == ARMS
    assert report["edit"] == [f"/admin/archive/essay/{essay.pk}/change/"]
    assert curator_client.get(essay.get_absolute_url()).status_code == 200  # staff preview
    assert Client().get(essay.get_absolute_url()).status_code == 404  # the public sees nothing


def test_publish_now_publishes_and_a_sidecars_status_alone_does_not(curator_client):
    sidecar = json.dumps({"status": "published", "authors": ["Ellen Tauscher"]}).encode()
    response = post(curator_client, {"arms.txt": ARMS_TEXT}, sidecar=sidecar)
    essay = Essay.objects.get()
    assert essay.status == Essay.Status.DRAFT
    assert (
        "the sidecar's status “published” is left to the curator"
        in (reports(response)["arms.txt"]["rows"]["Note"])
    )
    response = post(curator_client, {"budget.txt": BUDGET_TEXT}, publish_now="on")
    assert reports(response)["budget.txt"]["headline"].startswith("Created and published")
    assert Essay.objects.get(title="Санкции и бюджет").status == Essay.Status.PUBLISHED


def test_a_text_the_archive_holds_is_a_duplicate_unless_asked_for(curator_client):
    post(curator_client, {"arms.txt": ARMS_TEXT})
    essay = Essay.objects.get()
    response = post(curator_client, {"arms-again.txt": ARMS_TEXT})
    report = reports(response)["arms-again.txt"]
    assert report["headline"] == (
        f"Not imported: the same text as essay #{essay.pk} “Arms Control After New START” "
        "(imported from arms.txt) See that essay"
    )
    assert report["rows"]["Note"] == "the same text: tick “Import duplicates” to import it anyway"
    assert Essay.objects.count() == 1
    post(curator_client, {"arms-again.txt": ARMS_TEXT}, allow_duplicate="on")
    assert Essay.objects.count() == 2


def test_a_new_version_chosen_for_an_essay_keeps_the_curators_edits(curator_client):
    post(curator_client, {"arms.txt": ARMS_TEXT})
    essay = Essay.objects.get()
    essay.title = "Arms Control after New START"
    essay.save()
    revised = ARMS_TEXT.replace(b"After New START", b"After New START, Revised").replace(
        b"Geneva", b"Vienna"
    )

    response = post(curator_client, {"arms-v2.txt": revised}, essay=str(essay.pk))

    report = reports(response)["arms-v2.txt"]
    assert report["headline"].startswith("Updated (body); now a draft")
    assert report["rows"]["Conflict"] == (
        "title: the archive keeps “Arms Control after New START” (edited since the last "
        "import); the file says “Arms Control After New START, Revised”"
    )
    essay.refresh_from_db()
    assert essay.title == "Arms Control after New START" and "Vienna" in essay.body

    post(curator_client, {"arms-v2.txt": revised}, essay=str(essay.pk), prefer_file="on")
    assert Essay.objects.get().title == "Arms Control After New START, Revised"


def test_the_essay_to_update_can_be_chosen_from_its_edit_page(curator_client):
    post(curator_client, {"arms.txt": ARMS_TEXT})
    essay = Essay.objects.get()
    change = curator_client.get(f"/admin/archive/essay/{essay.pk}/change/").content.decode()
    [link] = lxml.html.fromstring(change).find_class("import-version-link")
    assert link.get("href") == f"{IMPORT_URL}?essay={essay.pk}"
    page = lxml.html.fromstring(curator_client.get(link.get("href")).content.decode())
    [chosen] = page.xpath("//select[@name='essay']/option[@selected]")
    assert (chosen.get("value"), chosen.text) == (str(essay.pk), essay.title)


PARAMS = ("app_label", "model_name", "field_name")


def test_the_essay_to_update_is_found_by_the_autocomplete_box(curator_client):
    post(curator_client, {"arms.txt": ARMS_TEXT, "budget.txt": BUDGET_TEXT})
    page = lxml.html.fromstring(curator_client.get(IMPORT_URL).content.decode())
    [box] = page.xpath("//select[@name='essay']")
    params = {name: box.get(f"data-{name}".replace("_", "-")) for name in PARAMS}
    url = box.get("data-ajax--url") + "?" + urlencode(params)
    found = curator_client.get(url + "&term=бюджет").json()["results"]
    budget = Essay.objects.get(title="Санкции и бюджет")
    assert found == [{"id": str(budget.pk), "text": "Санкции и бюджет"}]
    assert Client().get(url + "&term=a").status_code == 302  # curators only


def test_a_sidecar_id_another_essay_has_is_refused_on_upload(curator_client):
    sidecar = json.dumps({"id": "valdai-17"}).encode()
    post(curator_client, {"arms.txt": ARMS_TEXT}, sidecar=sidecar)
    essay = Essay.objects.get()
    response = post(curator_client, {"budget.txt": BUDGET_TEXT}, sidecar=sidecar)
    assert form_errors(response) == [
        f"Not imported: budget.txt: its sidecar id “valdai-17” belongs to essay #{essay.pk} "
        "“Arms Control After New START”: to update it, upload this file alone and choose that "
        "essay"
    ]
    assert Essay.objects.count() == 1
    post(curator_client, {"budget.txt": BUDGET_TEXT})
    other = Essay.objects.get(title="Санкции и бюджет")
    response = post(curator_client, {"budget.txt": BUDGET_TEXT}, sidecar=sidecar, essay=other.pk)
    assert form_errors(response) == [
        f"Not imported: budget.txt: its sidecar id “valdai-17” belongs to essay #{essay.pk} "
        "“Arms Control After New START”: choose that essay to update, or remove the id"
    ]


# --- batches: several files, or a .zip ------------------------------------------------------


def test_several_files_with_their_sidecars_import_in_one_go(curator_client):
    files = {
        "arms.txt": ARMS_TEXT,
        "arms.json": json.dumps({"authors": ["Ellen Tauscher"], "date": "2013-06"}).encode(),
        "budget.txt": BUDGET_TEXT,
        "broken.txt": b"",
        "orphan.json": b"{}",
    }
    response = post(curator_client, files)

    found = reports(response)
    assert found["arms.txt"]["rows"]["Authors"] == "Ellen Tauscher (sidecar; new author)"
    assert found["budget.txt"]["rows"]["Authors"] == "Андрей Белов (byline; new author)"
    assert found["broken.txt"]["headline"] == "Not imported: empty file"
    assert found["orphan.json"]["headline"].startswith("Not imported: a sidecar without its essay")
    assert "4 file(s): 2 created, 0 updated, 0 unchanged, 0 duplicate(s) not imported, 2 not " in (
        messages_text(response)
    )
    assert sorted(Essay.objects.values_list("status", flat=True)) == ["draft", "draft"]


def test_a_zip_of_essays_and_sidecars_in_folders_imports_with_a_report_each(curator_client):
    archive = zipped(
        {
            "2013/essay.txt": ARMS_TEXT,
            "2013/essay.json": json.dumps({"source": "Valdai Discussion Club"}).encode(),
            "2014/essay.txt": BUDGET_TEXT,
            "2014/notes.pdf": b"%PDF-1.4",
            "__MACOSX/2013/._essay.txt": b"resource fork",
            "2014/page.html": (
                "<html><head><title>Saved page</title></head><body><article><h1>Saved page</h1>"
                f"<p>{ARMS[0]}</p></article></body></html>"
            ).encode(),
            "2014/page_files/style.css": b"body {}",
            "2014/page_files/frame.html": b"<html><body><p>An advert.</p></body></html>",
        }
    )
    response = post(curator_client, {"essays.zip": archive})

    found = reports(response)
    assert set(found) == {"2013/essay.txt", "2014/essay.txt", "2014/notes.pdf", "2014/page.html"}
    assert (
        found["2013/essay.txt"]["rows"]["Source"] == "Valdai Discussion Club (sidecar; new source)"
    )
    assert found["2014/notes.pdf"]["headline"].startswith("Not imported: not an essay file")
    assert Essay.objects.count() == 3
    assert list(Essay.objects.values_list("import_key", flat=True)) == [None, None, None]


def test_two_files_of_a_batch_claiming_one_sidecar_id_are_both_refused(curator_client):
    same = json.dumps({"id": "riac-41"}).encode()
    response = post(
        curator_client,
        {"a.txt": ARMS_TEXT, "a.json": same, "b.txt": BUDGET_TEXT, "b.json": same},
    )
    found = reports(response)
    assert found["a.txt"]["headline"].startswith("Not imported: refused: b.txt claims the same")
    assert found["b.txt"]["headline"].startswith("Not imported: refused: a.txt claims the same")
    assert Essay.objects.count() == 0


def test_zip_members_that_would_leave_the_archive_are_not_read(curator_client, tmp_path):
    archive = zipped(
        {
            "../escape.txt": ARMS_TEXT,
            "/etc/absolute.txt": ARMS_TEXT,
            "C:/windows.txt": ARMS_TEXT,
            "link.txt": b"/etc/passwd",
            "locked.txt": ARMS_TEXT,
            "inner.zip": zipped({"x.txt": ARMS_TEXT}),
            "ok/budget.txt": BUDGET_TEXT,
        },
        links=("link.txt",),
        encrypted=("locked.txt",),
    )
    response = post(curator_client, {"essays.zip": archive})

    found = {name: report["headline"] for name, report in reports(response).items()}
    assert found == {
        "../escape.txt": "Not imported: its path leads out of the .zip: not read",
        "/etc/absolute.txt": "Not imported: its path leads out of the .zip: not read",
        "C:/windows.txt": "Not imported: its path leads out of the .zip: not read",
        "link.txt": "Not imported: a symbolic link: not read",
        "locked.txt": "Not imported: encrypted: not read",
        "inner.zip": "Not imported: a .zip inside the .zip: upload it on its own",
        "ok/budget.txt": "Created, as a draft Edit the essay",
    }
    assert list(Essay.objects.values_list("title", flat=True)) == ["Санкции и бюджет"]
    assert not (tmp_path.parent / "escape.txt").exists()


def test_a_zip_bomb_is_refused_whole(curator_client):
    bomb = zipped({"essay.txt": b"Title\n\n" + b"0" * (20 * 1024 * 1024), "ok.txt": ARMS_TEXT})
    assert len(bomb) < 100 * 1024
    response = post(curator_client, {"bomb.zip": bomb})
    [error] = form_errors(response)
    assert re.fullmatch(
        r"bomb\.zip: essay\.txt unpacks to \d{4} times its packed size, as only a zip bomb "
        r"does: the upload is refused",
        error,
    )
    assert Essay.objects.count() == 0


def test_a_member_whose_header_understates_its_size_is_not_unpacked_beyond_it(curator_client):
    archive = bytearray(zipped({"liar.txt": ARMS_TEXT * 50, "ok.txt": BUDGET_TEXT}))
    entry = archive.index(b"PK\x01\x02")  # liar.txt's central directory entry comes first
    archive[entry + 24 : entry + 28] = (100).to_bytes(4, "little")  # "100 bytes unpacked"

    found = reports(post(curator_client, {"liar.zip": bytes(archive)}))

    assert (
        found["liar.txt"]["headline"]
        == "Not imported: cannot be unpacked: Bad CRC-32 for file 'liar.txt'"
    )
    assert found["ok.txt"]["headline"].startswith("Created, as a draft")


def test_zip_limits_on_size_members_and_essays(curator_client, monkeypatch):
    # A member too large unpacked is left out; the rest of the .zip is read.
    big = os.urandom(3 * 1024 * 1024).hex().encode()  # 6 MB of text that does not compress away
    response = post(curator_client, {"big.zip": zipped({"big.txt": big, "a.txt": ARMS_TEXT})})
    assert reports(response)["big.txt"]["headline"] == "Not imported: larger than 5.0 MB: left out"
    assert Essay.objects.count() == 1

    monkeypatch.setattr(uploads, "MAX_ZIP_MEMBERS", 3)
    members = {f"{n}.txt": ARMS_TEXT for n in range(4)}
    assert form_errors(post(curator_client, {"many.zip": zipped(members)})) == [
        "many.zip holds 4 files and folders; a .zip may hold 3"
    ]
    monkeypatch.setattr(uploads, "MAX_BATCH_ESSAYS", 2)
    response = post(curator_client, {"a.txt": ARMS_TEXT, "b.txt": BUDGET_TEXT, "c.txt": ARMS_TEXT})
    assert form_errors(response) == [
        "3 essay files; an upload takes up to 2: import a larger batch with manage.py import_essays"
    ]
    monkeypatch.setattr(uploads, "MAX_UNPACKED_BYTES", 900)
    assert form_errors(
        post(curator_client, {"two.zip": zipped({"a.txt": ARMS_TEXT, "b.txt": ARMS_TEXT})})
    ) == ["two.zip unpacks to 958 bytes; an upload may unpack to 900 bytes"]
    assert Essay.objects.count() == 1


@pytest.mark.parametrize(
    ("files", "fields", "error"),
    [
        (
            {"bad.zip": b"PK\x03\x04 not really"},
            {},
            "bad.zip is not a zip archive that can be read",
        ),
        ({"a.json": b"{}"}, {}, "no essay file in the upload (.txt, .docx, .html, .htm)"),
        (
            {"a.txt": ARMS_TEXT, "b.txt": BUDGET_TEXT},
            {"essay": "1"},
            "Choose an essay to update only with a single essay file.",
        ),
    ],
    ids=["not-a-zip", "only-a-sidecar", "essay-chosen-for-a-batch"],
)
def test_bad_uploads_get_a_clear_answer_and_write_nothing(curator_client, files, fields, error):
    if "essay" in fields:
        post(curator_client, {"x.txt": ARMS_TEXT})
        fields = {"essay": str(Essay.objects.get().pk)}
    before = Essay.objects.count()
    response = post(curator_client, files, **fields)
    assert response.status_code == 200
    page = response.content.decode()
    assert error in " ".join(lxml.html.fromstring(page).text_content().split())
    assert Essay.objects.count() == before


def test_the_sidecar_box_goes_with_one_file_only(curator_client):
    response = post(curator_client, {"a.txt": ARMS_TEXT, "b.txt": BUDGET_TEXT}, sidecar=b"{}")
    assert form_errors(response) == [
        "the Sidecar box goes with a single essay file; in a batch, give each essay its sidecar "
        "as NAME.json beside it"
    ]
    assert Essay.objects.count() == 0
