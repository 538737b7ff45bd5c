"""Encodings, Word documents and saved web pages: what each reader hands on, and what it refuses."""

from __future__ import annotations

import datetime
import io
import struct
import zipfile
import zlib

import docx
import pytest

from archive.importing import ImportFailure, docx_reader, parse_essay_bytes
from archive.importing.decoding import decode_bytes

EN = (
    "The “Reset” Revisited\n\n"
    "Relations between the United States and Russia have long been haunted by a vicious circle "
    "of disagreements on regional issues, nuclear deterrence and deeply rooted distrust.\n\n"
    "The leaders of both countries acknowledged this and agreed that a “reset” had long been "
    "overdue – a decision that paid off in arms control and in Afghanistan.\n"
)
EN_LATIN = (
    EN.replace("“", '"').replace("”", '"').replace("–", "-") + "Café society's naïve views.\n"
)
RU = (
    "Перезагрузка без паузы\n\n"
    "Отношения между Соединёнными Штатами и Россией долгое время определялись порочным кругом "
    "разногласий по региональным вопросам, ядерному сдерживанию и глубокому недоверию.\n\n"
    "Лидеры обеих стран признали это и согласились, что перезагрузка давно назрела.\n"
)


@pytest.mark.parametrize(
    ("text", "encoding", "label"),
    [
        (EN, "cp1252", "Windows-1252"),
        (EN_LATIN, "latin-1", "ISO-8859-1"),
        (RU, "cp1251", "Windows-1251"),
        (RU, "koi8_r", "KOI8-R"),
        (RU, "utf-16-le", "UTF-16LE"),
        (EN, "utf-16-be", "UTF-16BE"),
        (RU, "utf-16", "UTF-16 with byte-order mark"),
        (EN, "utf-8-sig", "UTF-8 with byte-order mark"),
        (RU, "utf-8", "UTF-8"),
    ],
)
def test_encodings_are_detected_and_named(text, encoding, label):
    decoded = decode_bytes("essay.txt", text.encode(encoding))
    assert (decoded.text, decoded.encoding) == (text, label)
    essay = parse_essay_bytes("essay.txt", text.encode(encoding), None)
    assert essay.encoding == label and essay.title == text.split("\n")[0]


def test_a_file_no_single_encoding_reads_is_refused_naming_what_was_tried():
    data = RU.encode("utf-8") + RU.encode("cp1251")
    with pytest.raises(ImportFailure) as failure:
        parse_essay_bytes("mixed.txt", data, None)
    assert failure.value.reason == (
        "cannot tell the text's encoding: it is not UTF-8 and reads as garbled text in "
        "Windows-1251, Windows-1252, KOI8-R, ISO-8859-1; save it as UTF-8"
    )


def test_a_text_two_encodings_read_equally_well_is_refused_with_both_readings():
    with pytest.raises(ImportFailure) as failure:
        parse_essay_bytes("short.txt", "Café\n\nSociété.".encode("latin-1"), None)
    assert "reads as Windows-1251 (“Cafй”) and as ISO-8859-1 (“Café”)" in failure.value.reason


def test_nul_bytes_that_are_not_utf16_mean_a_binary_file():
    with pytest.raises(ImportFailure, match="binary file"):
        parse_essay_bytes("x.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, None)


# --- Word ---------------------------------------------------------------------------------


def word(build, **properties) -> bytes:
    document = docx.Document()
    for name, value in properties.items():
        setattr(document.core_properties, name, value)
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def body(document) -> None:
    document.add_paragraph("The talks resumed after a long pause this spring in Geneva.")
    document.add_paragraph("Nothing was agreed, but the negotiators will meet again soon.")


def test_word_headings_move_one_level_down_below_the_title():
    def build(document):
        document.add_paragraph("Talks Resume", style="Title")
        body(document)
        document.add_paragraph("What changed", style="Heading 1")
        document.add_paragraph("Who took part", style="Heading 2")
        body(document)

    essay = parse_essay_bytes("talks.docx", word(build), None)
    assert (essay.title, essay.found["title"]) == ("Talks Resume", "Word “Title” style")
    assert "<h2>What changed</h2>" in essay.body_html
    assert "<h3>Who took part</h3>" in essay.body_html
    assert "<h1" not in essay.body_html


def test_word_properties_give_what_the_text_lacks_but_not_a_machine_user():
    created = datetime.datetime(2020, 5, 4, 10, 0)
    data = word(body, title="Talks Resume", author="Jane Doe", created=created)
    essay = parse_essay_bytes("talks.docx", data, None)
    assert (essay.title, essay.found["title"]) == ("Talks Resume", "document properties")
    assert [(a.name, a.found_in) for a in essay.authors] == [("Jane Doe", "document properties")]
    assert essay.published_on == datetime.date(2020, 5, 4)

    generic = word(body, title="Talks Resume", author="Microsoft Office User", created=created)
    assert parse_essay_bytes("talks.docx", generic, None).authors == []


def one_pixel_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_word_images_are_dropped():
    png = one_pixel_png()

    def build(document):
        document.add_paragraph("Talks Resume", style="Title")
        body(document)
        document.add_picture(io.BytesIO(png))

    essay = parse_essay_bytes("talks.docx", word(build), None)
    assert "<img" not in essay.body_html and "base64" not in essay.body_html
    assert len(essay.paragraphs) == 2


def test_files_that_are_not_word_documents_are_refused():
    with pytest.raises(ImportFailure, match=r"not a Word \.docx document \(it is not a zip"):
        parse_essay_bytes("x.docx", b"Talks\n\nText.", None)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("hello.txt", "hi")
    with pytest.raises(ImportFailure, match="no word/document.xml"):
        parse_essay_bytes("x.docx", archive.getvalue(), None)
    with pytest.raises(ImportFailure, match=r"old Word \.doc file"):
        parse_essay_bytes("x.docx", bytes.fromhex("d0cf11e0a1b11ae1") + bytes(100), None)
    with pytest.raises(ImportFailure, match=r"not importable: a PDF"):
        parse_essay_bytes("x.pdf", b"%PDF-1.7", None)


def test_a_document_that_unpacks_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(docx_reader, "MAX_UNPACKED", 10_000)
    with pytest.raises(ImportFailure, match="unpacks to 0 MB; too large"):
        parse_essay_bytes("big.docx", word(body, title="Talks"), None)


# --- web pages ----------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="{charset}">
<title>Talks Resume | Example Review</title>
<meta property="og:title" content="Talks Resume | Example Review">
<meta property="og:site_name" content="Example Review">
<meta name="citation_author" content="Doe, Jane">
<meta name="citation_author" content="Roe, John">
<meta name="citation_publication_date" content="2019">
<meta property="article:published_time" content="2019-03-12T10:00:00Z">
<script type="application/ld+json">
{{"@type": "Article", "headline": "Other", "author": "Ann Smith"}}</script>
</head><body><nav><a href="/">Home</a> <a href="/about">About us</a></nav>
<article><h1>Talks Resume</h1>
<p>{first}</p>
<p>Both sides discussed missile defense cooperation and the future of strategic stability.
<script>alert("x")</script><a href="javascript:alert(1)">a link</a>
<img src=x onerror="alert(1)"></p>
<p>Nothing was agreed, but the negotiators promised to meet again before the summit.</p>
</article><footer>© Example Review</footer></body></html>"""
FIRST = "Arms control talks between Washington and Moscow resumed after a long pause this spring."


def test_page_metadata_in_order_of_trust():
    page = PAGE.format(charset="utf-8", first=FIRST).encode()
    essay = parse_essay_bytes("talks.html", page, None)
    assert (essay.title, essay.found["title"]) == ("Talks Resume", "page metadata (og:title)")
    assert [a.name for a in essay.authors] == ["Jane Doe", "John Roe"]  # citation_* first
    # citation_publication_date gives the year only; it still wins, at year precision.
    assert (essay.published_on, essay.date_precision) == (datetime.date(2019, 1, 1), "year")
    assert (essay.source.name, essay.found["source"]) == (
        "Example Review",
        "page metadata (og:site_name)",
    )
    assert "Home" not in essay.body_html and "About us" not in essay.body_html
    assert len(essay.paragraphs) == 3


def test_a_wrong_charset_declaration_is_overruled_by_detection():
    first = "Переговоры о контроле над вооружениями возобновились весной после долгого перерыва."
    page = PAGE.format(charset="utf-8", first=first).encode("cp1251")
    essay = parse_essay_bytes("talks.htm", page, None)
    assert essay.encoding == "Windows-1251"
    assert essay.paragraphs[0] == first


def test_a_page_of_menus_only_is_refused():
    page = b"<html><body><nav><a href='/'>Home</a></nav><div>We use cookies.</div></body></html>"
    with pytest.raises(ImportFailure, match="no article text found in the web page"):
        parse_essay_bytes("empty.html", page, None)


def test_an_xhtml_page_with_an_encoding_declaration_and_its_language():
    page = '<?xml version="1.0" encoding="utf-8"?>\n' + PAGE.format(charset="utf-8", first=FIRST)
    essay = parse_essay_bytes("talks.xhtml.html", page.encode(), None)
    assert essay.title == "Talks Resume"
    assert essay.found["language"] == "the text's letters and the web page's metadata"


def test_a_page_that_claims_another_language_is_read_by_its_letters():
    paragraphs = "".join(
        f"<p>{text}</p>"
        for text in [
            "Переговоры о контроле над вооружениями возобновились весной после долгого перерыва.",
            "Стороны обсудили сотрудничество в области противоракетной обороны и стабильность.",
            "Договориться не удалось, но переговорщики обещали встретиться снова до саммита.",
        ]
    )
    page = (
        '<html lang="en"><head><meta charset="utf-8"><title>Переговоры</title></head>'
        f"<body><article><h1>Переговоры</h1>{paragraphs}</article></body></html>"
    )
    essay = parse_essay_bytes("talks.html", page.encode(), None)
    assert (essay.language, essay.found["language"]) == ("ru", "the text's letters")
    assert essay.notes == ["the web page says its language is “en”, but its letters are Cyrillic"]
