"""The HTML allow-list: hostile markup never survives sanitize_html, on any path that saves.

`load_xss_vectors()` and `assert_safe_html()` are meant for reuse by other tests (feeds,
search, templates): `from tests.test_sanitize import assert_safe_html, load_xss_vectors`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import html5lib
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from archive.importing import import_upload
from archive.models import Essay
from archive.sanitize import (
    ALLOWED_TAGS,
    LINK_REL,
    html_to_text,
    number_paragraphs,
    sanitize_html,
    text_to_html,
)
from tests.test_admin import csrf_token, form_values

XSS_VECTORS_FILE = Path(__file__).parent / "data" / "xss_vectors.txt"

# The issue's allow-list, written out independently of archive/sanitize.py: paragraphs,
# headings, emphasis, lists, blockquotes, links (and inline text semantics such as code).
SPEC_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "em", "i", "strong", "b", "u", "s", "sub", "sup",
    "small", "abbr", "cite", "q", "code", "blockquote", "ul", "ol", "li", "a",
}  # fmt: skip
SPEC_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "ol": {"start"},
    "p": {"id"},
}
URL_ATTRIBUTES = {"href", "cite"}
SAFE_SCHEMES = {"http", "https", "mailto"}
_ESCAPE = re.compile(r"\\(n|r|t|0|\\|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\"}
# What a browser ignores or strips when it reads a URL's scheme, and more (conservative).
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f-\xa0\s`\u2028\u2029\u200b-\u200f\u202a-\u202e]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def _unescape(line: str) -> str:
    def one(match: re.Match) -> str:
        code = match.group(1)
        return _SIMPLE_ESCAPES.get(code) or chr(int(code[1:], 16))

    return _ESCAPE.sub(one, line)


@cache
def load_xss_vectors() -> tuple[str, ...]:
    """Return the hostile HTML corpus in tests/data/xss_vectors.txt, escapes decoded."""
    lines = XSS_VECTORS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(_unescape(line) for line in lines if line and not line.startswith("# "))


def _url_scheme(value: str) -> str | None:
    """Return the scheme a browser could see in a URL attribute (already entity-decoded)."""
    match = _SCHEME.match(_URL_IGNORED.sub("", value).lower())
    return match.group(1) if match else None


def assert_safe_html(markup: str) -> None:
    """Fail unless `markup`, parsed as a browser would, holds only the archive's allow-list."""
    # Parse twice, as a browser with and without scripting would (they differ on noscript).
    for scripting in (True, False):
        parser = html5lib.HTMLParser(
            tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False
        )
        fragment = parser.parseFragment(markup, scripting=scripting)
        for element in fragment.iter():
            if element is fragment:
                continue
            tag = element.tag
            assert isinstance(tag, str), f"comment or processing instruction in {markup!r}"
            assert tag in SPEC_TAGS, f"<{tag}> survived in {markup!r}"
            for name, value in element.attrib.items():
                assert name in SPEC_ATTRIBUTES.get(tag, set()), (
                    f"{name}= on <{tag}> survived in {markup!r}"
                )
                assert not name.lower().startswith("on"), markup
                assert name != "style", markup
                if name == "id":
                    assert re.fullmatch(r"p-\d+", value), f"id={value!r} in {markup!r}"
                if name in URL_ATTRIBUTES:
                    scheme = _url_scheme(value)
                    assert scheme in SAFE_SCHEMES | {None}, f"{name}={value!r} in {markup!r}"
            if tag == "a":
                assert element.get("rel") == LINK_REL, f"<a> without rel in {markup!r}"


def test_allow_list_is_within_the_issues_categories() -> None:
    assert ALLOWED_TAGS <= SPEC_TAGS


def test_corpus_is_large_and_varied() -> None:
    vectors = load_xss_vectors()
    assert len(vectors) >= 150
    assert len(set(vectors)) == len(vectors), "duplicate vectors"
    for needle in ("<script", "onerror", "javascript", "<svg", "<math", "<noscript", "<!--"):
        assert any(needle in v.lower() for v in vectors), needle


def test_the_checker_catches_hostile_markup() -> None:
    """The safety check itself must fail on unsanitized input, or the corpus proves nothing."""
    caught = 0
    for vector in load_xss_vectors():
        try:
            assert_safe_html(vector)
        except AssertionError:
            caught += 1
    assert caught >= 0.9 * len(load_xss_vectors())
    with pytest.raises(AssertionError):
        assert_safe_html('<a href="java&#x09;script:alert(1)" rel="noopener noreferrer nofollow">')


@pytest.mark.parametrize("vector", load_xss_vectors())
def test_vector_is_safe_after_sanitize(vector: str) -> None:
    cleaned = sanitize_html(vector)
    assert_safe_html(cleaned)
    assert sanitize_html(cleaned) == cleaned, "sanitize_html must be idempotent"


def test_scripts_and_foreign_content_are_dropped_with_their_text() -> None:
    cleaned = sanitize_html(
        "<p>Kept.</p><script>alert(1)</script><style>p{}</style><svg><text>svg</text></svg>"
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'
    )
    assert "alert" not in cleaned
    assert "svg" not in cleaned
    assert cleaned.startswith('<p id="p-1">Kept.</p>')


def test_legitimate_markup_is_preserved() -> None:
    raw = (
        "<h2>Heading</h2><p>A <em>very</em> <strong>strong</strong> case, "
        '<a href="https://example.org/report?a=1&amp;b=2" title="Report">the report</a>.</p>'
        "<blockquote><p>Quoted.</p></blockquote><ul><li>one</li><li>two</li></ul>"
        '<ol start="3"><li>three</li></ol><p><a href="mailto:editor@example.org">mail</a> '
        '<a href="/essays/1/">inside</a> <a href="#p-2">para 2</a></p>'
    )
    assert sanitize_html(raw) == (
        "<h2>Heading</h2>"
        '<p id="p-1">A <em>very</em> <strong>strong</strong> case, '
        '<a href="https://example.org/report?a=1&amp;b=2" title="Report" '
        'rel="noopener noreferrer nofollow">the report</a>.</p>'
        '<blockquote><p id="p-2">Quoted.</p></blockquote><ul><li>one</li><li>two</li></ul>'
        '<ol start="3"><li>three</li></ol>'
        '<p id="p-3"><a href="mailto:editor@example.org" rel="noopener noreferrer nofollow">'
        "mail</a> "
        '<a href="/essays/1/" rel="noopener noreferrer nofollow">inside</a> '
        '<a href="#p-2" rel="noopener noreferrer nofollow">para 2</a></p>'
    )


def test_links_get_rel_and_lose_target() -> None:
    cleaned = sanitize_html('<a href="https://example.org/" target="_blank" rel="opener">x</a>')
    assert cleaned == '<a href="https://example.org/" rel="noopener noreferrer nofollow">x</a>'


def test_disallowed_wrappers_are_stripped_but_text_kept() -> None:
    assert sanitize_html('<div class="x"><span style="color:red">Text</span></div>') == "Text"


def test_paragraph_ids_are_renumbered_and_foreign_ids_dropped() -> None:
    assert sanitize_html('<p id="p-7">a</p><p id="intro">b</p>') == (
        '<p id="p-1">a</p><p id="p-2">b</p>'
    )
    assert number_paragraphs("<p>a</p><p>b</p>") == '<p id="p-1">a</p><p id="p-2">b</p>'


def test_text_helpers_keep_their_behaviour() -> None:
    html = text_to_html(["Fish & <chips>", "  ", "“Quoted”"])
    assert html == "<p>Fish &amp; &lt;chips&gt;</p>\n<p>“Quoted”</p>"
    assert html_to_text(sanitize_html(html)) == "Fish & <chips>\n\n“Quoted”"
    assert sanitize_html("") == ""


def test_deep_nesting_does_not_crash() -> None:
    cleaned = sanitize_html("<b>" * 20000 + "x")
    assert cleaned.endswith("x" + "</b>" * 20000)


# --- every save path -------------------------------------------------------------------


@pytest.mark.django_db
def test_shell_save_path_sanitizes_every_vector() -> None:
    """Essay.objects.create, as in `manage.py shell` or a data migration."""
    for n, vector in enumerate(load_xss_vectors()):
        essay = Essay.objects.create(title=f"Vector {n}", body=vector)
        essay.refresh_from_db()
        assert_safe_html(essay.body)
        assert essay.body == sanitize_html(vector)


@pytest.mark.django_db
def test_save_with_update_fields_sanitizes_too() -> None:
    essay = Essay.objects.create(title="Later edit", body="<p>Fine.</p>")
    essay.body = "<p onclick=alert(1)>Edited</p><script>alert(1)</script>"
    essay.save(update_fields=["body"])
    essay.refresh_from_db()
    assert essay.body == '<p id="p-1">Edited</p>'
    assert essay.body_text == "Edited"


@pytest.fixture
def curator_client(db) -> Client:
    """A logged-in superuser whose POSTs must carry a CSRF token, as in a browser."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_superuser("curator", "c@example.org", "long pass 123"))
    return client


@pytest.mark.django_db
def test_admin_add_form_sanitizes_every_vector(curator_client: Client) -> None:
    """A real POST of the admin's add form, CSRF token and all, for each hostile body.

    A body whose sanitizing would drop text is refused first, nothing stored; ticking "Save
    anyway" then stores it sanitized (tests/test_sanitize_losses.py). Nothing is stored unsafe.
    """
    add_url = "/admin/archive/essay/add/"
    blank = form_values(curator_client.get(add_url).content.decode(), "essay_form")
    assert "csrfmiddlewaretoken" in blank
    vectors = load_xss_vectors()
    accepted, refused = {}, 0
    for n, vector in enumerate(vectors):
        data = {**blank, "title": f"Vector {n}", "slug": f"vector-{n}", "body": vector}
        response = curator_client.post(add_url, {**data, "status": "published"})
        if "\0" in vector:
            # Django's form fields refuse NUL characters outright: nothing is stored.
            assert response.status_code == 200
            assert "Null characters are not allowed" in response.content.decode()
            continue
        if response.status_code == 200:
            assert "Saving would remove text you entered" in response.content.decode(), vector
            assert not Essay.objects.filter(title=f"Vector {n}").exists()
            refused += 1
            data["allow_text_removal"] = "on"
            response = curator_client.post(add_url, {**data, "status": "published"})
        assert response.status_code == 302, (vector, response.content.decode()[:3000])
        accepted[f"Vector {n}"] = vector
    stored = dict(Essay.objects.values_list("title", "body"))
    assert stored.keys() == accepted.keys()
    assert len(stored) >= 0.95 * len(vectors)
    assert 0 < refused < len(vectors)
    for title, body in stored.items():
        assert_safe_html(body)
        # The form strips surrounding whitespace and normalizes newlines, nothing else.
        expected = sanitize_html(accepted[title].strip().replace("\r\n", "\n"))
        assert body == expected, accepted[title]


@pytest.mark.django_db
def test_importer_escapes_hostile_html_in_a_text_file() -> None:
    """A text file is text: markup in it must come out as visible characters, never as tags."""
    # Control characters are left out: the importer refuses them as binary (its own test).
    vectors = [v for v in load_xss_vectors() if v.strip() and min(map(ord, v)) >= 0x20]
    text = "Hostile Markup Sampler\n\n" + "\n\n".join(vectors) + "\n"
    outcome = import_upload("hostile.txt", text.encode())
    essay = Essay.objects.get(pk=outcome.essay.pk)
    assert_safe_html(essay.body)
    assert "<script>alert(1)</script>" in essay.body_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in essay.body
    assert "<img src=x onerror=alert(1)>" in essay.body_text
    # Nothing but the importer's own paragraphs became markup.
    assert set(re.findall(r"<([a-z0-9]+)", essay.body)) <= {"p"}


@pytest.mark.django_db
def test_admin_upload_escapes_hostile_html(curator_client: Client) -> None:
    upload_url = "/admin/archive/essay/import/"
    token = csrf_token(curator_client.get(upload_url).content.decode())
    text = 'Sampler\n\n<p onclick="alert(1)">x</p><script>alert(1)</script>\n\nPlain.\n'
    response = curator_client.post(
        upload_url,
        {"csrfmiddlewaretoken": token, "text_file": SimpleUploadedFile("s.txt", text.encode())},
    )
    assert response.status_code == 302
    essay = Essay.objects.get()
    assert_safe_html(essay.body)
    assert '&lt;p onclick="alert(1)"&gt;x&lt;/p&gt;&lt;script&gt;' in essay.body


def test_threads_sanitizing_at_once_get_what_one_thread_gets():
    """bleach's Cleaner is not thread-safe; each thread has its own (gunicorn threads, the index
    keeper, the dev server)."""
    import threading

    docs = [
        f"<p>Para {i} <b>bold</b> <script>x()</script><a href='https://e.org/{i}'>l</a></p>" * 30
        for i in range(40)
    ]
    expected = [sanitize_html(doc) for doc in docs]
    wrong: list[int] = []

    def work() -> None:
        for _ in range(3):
            wrong.extend(i for i, doc in enumerate(docs) if sanitize_html(doc) != expected[i])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
