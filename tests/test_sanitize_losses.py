"""Nothing a curator types is silently dropped: text sanitizing would remove is named first.

An unclosed <script>, <style>, <textarea>, <xmp> or comment swallows everything after it, and
sanitizing removes it whole. The admin refuses such a body, quoting the text, unless the curator
ticks "Save anyway"; closed scripts, styles and comments are removed on purpose, with a warning.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from django.contrib.auth.models import User
from django.test import Client

from archive.models import Essay
from archive.sanitize import html_to_text, removed_text, sanitize_html
from tests.test_admin import form_values, messages_text
from tests.test_sanitize import assert_safe_html, load_xss_vectors

SENTINEL_FILE = Path(__file__).parent / "data" / "xss_sentinel_vectors.txt"
SENTINELS = tuple(
    line
    for line in SENTINEL_FILE.read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("# ")
)
BEFORE = {
    "en": "The Lisbon summit ended with a pledge to explore missile defense cooperation.",
    "ru": "Лиссабонский саммит завершился обещанием изучить сотрудничество по ПРО.",
}
AFTER = {
    "en": "Yet two years later the negotiations in Geneva had stalled over verification.",
    "ru": "Однако два года спустя переговоры в Женеве зашли в тупик из-за проверки.",
}
ADD_URL = "/admin/archive/essay/add/"


def flat(text: str) -> str:
    return " ".join(text.split())


def body_with(tag: str, lang: str = "en") -> str:
    return f"<p>{BEFORE[lang]}</p>{tag}<p>{AFTER[lang]}</p>"


# --- what removed_text reports ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "what"),
    [
        ("<script>var chart = draw();", "script"),
        ("<style>p { color: red }", "style"),
        ("<textarea>Draft note:", "textarea"),
        ("<xmp>", "xmp"),
        ("<!-- editor's note:", "comment"),
        ("<title>", "title"),
        ("<plaintext>", "plaintext"),
        ("<noembed>", "noembed"),
    ],
)
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_unclosed_element_swallowing_prose_is_reported(tag: str, what: str, lang: str) -> None:
    raw = body_with(tag, lang)
    assert AFTER[lang] not in html_to_text(sanitize_html(raw))  # really lost
    [removal] = removed_text(raw)
    assert removal.what == what and removal.unclosed and removal.loses_text
    assert AFTER[lang] in removal.text
    assert "swallowed everything after it" in str(removal)


@pytest.mark.parametrize(
    "tag",
    [
        "<script>track('read');</script>",
        "<style>.lead { font-weight: bold }</style>",
        "<!-- checked against the print edition -->",
    ],
)
def test_a_closed_script_style_or_comment_is_only_a_notice(tag: str) -> None:
    raw = body_with(tag)
    [removal] = removed_text(raw)
    assert not removal.unclosed and not removal.loses_text
    assert flat(AFTER["en"]) in html_to_text(sanitize_html(raw))


def test_closed_elements_whose_text_is_dropped_still_lose_text() -> None:
    [removal] = removed_text(body_with("<textarea>A reader's question</textarea>"))
    assert removal.loses_text and not removal.unclosed
    assert removal.text == "A reader's question"


@pytest.mark.parametrize(
    "raw",
    [
        "<p>Plain <em>prose</em> with a <a href='https://example.org/'>link</a>.</p>",
        "<div><span>Wrappers go, their text stays.</span></div>",
        "<p>Angle brackets as text: 3 &lt; 4 and <b>bold</b></p>",
        "",
        "<script>   </script><p>Whitespace only is nothing to report.</p>",
    ],
)
def test_nothing_is_reported_when_no_text_goes(raw: str) -> None:
    assert removed_text(raw) == []


def test_long_removed_text_is_quoted_shortened_in_the_middle() -> None:
    long_text = " ".join(f"word{n}" for n in range(200))
    [removal] = removed_text(f"<p>Intro.</p><script>{long_text}")
    assert removal.quote.startswith("word0 word1") and removal.quote.endswith("word199")
    assert " … " in removal.quote and len(removal.quote) < 260


@pytest.mark.parametrize("vector", load_xss_vectors() + SENTINELS)
def test_prose_around_any_vector_is_kept_or_reported(vector: str) -> None:
    """Whatever the vector does to the prose after it, the loss is either absent or named."""
    raw = f"<p>{BEFORE['en']}</p>{vector}<p>{AFTER['en']}</p>"
    kept = flat(html_to_text(sanitize_html(raw)))
    lost = " ".join(r.text for r in removed_text(raw) if r.loses_text)
    for prose in (BEFORE["en"], AFTER["en"]):
        assert prose in kept or prose in lost, (vector, kept, lost)


# --- the admin form -----------------------------------------------------------------------------


@pytest.fixture
def curator_client(db) -> Client:
    client = Client(enforce_csrf_checks=True)
    user = User.objects.create_superuser("curator", "c@example.org", "a long passphrase")
    client.force_login(user)
    return client


def add_form(client: Client, **values) -> dict:
    data = form_values(client.get(ADD_URL).content.decode(), "essay_form")
    return {**data, "title": "Missile defense after Lisbon", "status": "published", **values}


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("tag", ["<script>drawChart();", "<style>p{}", "<textarea>", "<!--"])
def test_admin_refuses_a_body_that_would_lose_prose(
    curator_client: Client, tag: str, lang: str
) -> None:
    body = body_with(tag, lang)
    response = curator_client.post(ADD_URL, add_form(curator_client, body=body))
    assert response.status_code == 200
    assert Essay.objects.count() == 0
    page = lxml.html.fromstring(response.content.decode())
    errors = " ".join(
        page.xpath('//div[contains(@class, "field-body")]//ul[@class="errorlist"]//text()')
    )
    assert "Saving would remove text you entered" in errors and AFTER[lang] in errors
    # The curator's input is all still there, to be fixed.
    assert page.get_element_by_id("id_body").text_content().strip() == body
    checkbox = page.get_element_by_id("id_allow_text_removal")
    assert checkbox.get("type") == "checkbox"


def test_admin_keeps_the_text_once_the_markup_is_fixed(curator_client: Client) -> None:
    broken = body_with("<textarea>")
    refused = curator_client.post(ADD_URL, add_form(curator_client, body=broken))
    assert refused.status_code == 200
    fixed = broken.replace("<textarea>", "")
    response = curator_client.post(ADD_URL, add_form(curator_client, body=fixed))
    assert response.status_code == 302
    essay = Essay.objects.get()
    assert essay.body_text == f"{BEFORE['en']}\n\n{AFTER['en']}"


def test_admin_saves_anyway_when_asked_and_says_what_went(curator_client: Client) -> None:
    body = body_with("<xmp>", "ru")
    data = add_form(curator_client, body=body, allow_text_removal="on")
    response = curator_client.post(ADD_URL, data, follow=True)
    assert response.status_code == 200
    essay = Essay.objects.get()
    assert essay.body_text == BEFORE["ru"]
    assert_safe_html(essay.body)
    text = messages_text(response)
    assert "Removed on saving: an unclosed <xmp>" in text and AFTER["ru"] in text


def test_admin_warns_of_a_closed_script_removed_on_purpose(curator_client: Client) -> None:
    body = body_with("<script>track('read');</script>")
    response = curator_client.post(ADD_URL, add_form(curator_client, body=body), follow=True)
    essay = Essay.objects.get()
    assert essay.body_text == f"{BEFORE['en']}\n\n{AFTER['en']}"
    assert "Removed on saving: a <script> element: “track('read');”" in messages_text(response)


def test_admin_says_nothing_when_nothing_is_removed(curator_client: Client) -> None:
    response = curator_client.post(
        ADD_URL, add_form(curator_client, body="<p>Nothing to remove.</p>"), follow=True
    )
    assert Essay.objects.count() == 1
    assert "Removed" not in messages_text(response)
    # The "Save anyway" box is not offered when there is nothing to confirm.
    page = curator_client.get(f"/admin/archive/essay/{Essay.objects.get().pk}/change/")
    field = lxml.html.fromstring(page.content.decode()).get_element_by_id("id_allow_text_removal")
    assert field.get("type") == "hidden"


@pytest.mark.parametrize("vector", SENTINELS)
def test_sentinel_vectors_through_the_admin_are_refused_or_stored_whole_and_safe(
    curator_client: Client, vector: str
) -> None:
    body = f"<p>{BEFORE['en']}</p>{vector}<p>{AFTER['en']}</p>"
    response = curator_client.post(ADD_URL, add_form(curator_client, body=body))
    if response.status_code == 200:
        assert "Saving would remove text you entered" in response.content.decode()
        assert Essay.objects.count() == 0
        data = add_form(curator_client, body=body, allow_text_removal="on")
        response = curator_client.post(ADD_URL, data)
    else:
        stored = flat(Essay.objects.get().body_text)
        assert BEFORE["en"] in stored and AFTER["en"] in stored, vector
    assert response.status_code == 302
    assert_safe_html(Essay.objects.get().body)
