"""The admin as a curator meets it: the archive's name, its columns, and plain delete pages."""

from __future__ import annotations

import lxml.html
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from archive.models import Essay
from search.models import KeyTerm
from tests.factories import make_author, make_essay, make_topic
from tests.test_admin import csrf_token

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/archive/essay/"


@pytest.fixture
def curator_client(db) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_superuser("curator", "c@x.org", "a long passphrase"))
    return client


@pytest.fixture
def essay() -> Essay:
    essay = make_essay(
        "Keel-hauling the Reset",
        authors=[make_author("Ellen Tauscher"), make_author("Игорь Иванов")],
        topics=[make_topic("Arms control"), make_topic("NATO")],
    )
    essay.republications.create(publication="Foreign Policy")
    KeyTerm.objects.create(essay=essay, term="keel", weight=0.69)  # derived, internal
    return essay


@pytest.mark.parametrize("url", ["/admin/", CHANGELIST, "/admin/login/"])
def test_the_admin_is_branded_as_the_archive(curator_client: Client, url: str) -> None:
    client = Client() if url == "/admin/login/" else curator_client
    html = client.get(url).content.decode()
    page = lxml.html.fromstring(html)
    assert page.get_element_by_id("site-name").text_content().strip() == settings.SITE_NAME
    assert settings.SITE_NAME in page.findtext(".//title")
    assert "Django administration" not in html and "Django site admin" not in html


def test_the_essay_list_shows_what_a_curator_scans(curator_client: Client, essay: Essay) -> None:
    page = lxml.html.fromstring(curator_client.get(CHANGELIST).content.decode())
    headers = [th.text_content().strip() for th in page.xpath("//table[@id='result_list']//th")]
    assert headers[1:7] == ["Title", "Authors", "Date", "Status", "Source", "Language"]
    assert "Deleted essays" in page.get_element_by_id("content-main").text_content()


def test_the_edit_form_has_room_for_a_long_title(curator_client: Client, essay: Essay) -> None:
    page = lxml.html.fromstring(curator_client.get(f"{CHANGELIST}{essay.pk}/change/").content)
    title = page.get_element_by_id("id_title")
    assert title.tag == "textarea" and int(title.get("rows")) >= 2
    assert page.get_element_by_id("id_slug").get("maxlength") == "120"


def test_delete_confirmation_lists_what_a_curator_recognises(
    curator_client: Client, essay: Essay
) -> None:
    response = curator_client.get(f"{CHANGELIST}{essay.pk}/delete/")
    page = lxml.html.fromstring(response.content.decode())
    listed = page.xpath("//div[@id='content']//ul//li")
    text = " | ".join(" ".join(li.text_content().split()) for li in listed)
    for expected in (
        "Essay: Keel-hauling the Reset",
        "Author 1: Ellen Tauscher",
        "Author 2: Игорь Иванов",
        "Republication: Foreign Policy",
        "Topic link: Arms control (the topic itself stays)",
        "Essays: 1",
        "Author credits: 2",
        "Topic links: 2",
    ):
        assert expected in text, (expected, text)
    for internal in ("Key term", "keel (0.69)", "Essay_topics object", "relationship"):
        assert internal not in text, internal
    assert "Deleted essays" in page.text_content()  # where to find it again


def test_bulk_delete_confirmation_lists_the_same(curator_client: Client, essay: Essay) -> None:
    other = make_essay("A second essay", authors=[make_author("Dmitri Trenin")])
    token = csrf_token(curator_client.get(CHANGELIST).content.decode())
    response = curator_client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [essay.pk, other.pk],
            "index": "0",
            "csrfmiddlewaretoken": token,
        },
    )
    text = " ".join(lxml.html.fromstring(response.content.decode()).text_content().split())
    assert "Essay: A second essay" in text and "Author 1: Dmitri Trenin" in text
    assert "Essays: 2" in text
    assert "Key term" not in text and "Essay_topics" not in text


def test_deleting_from_the_confirmation_page_still_deletes(
    curator_client: Client, essay: Essay
) -> None:
    url = f"{CHANGELIST}{essay.pk}/delete/"
    token = csrf_token(curator_client.get(url).content.decode())
    response = curator_client.post(url, {"post": "yes", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert not Essay.objects.exists() and not KeyTerm.objects.exists()
