"""The importer over the corpus in tests/data/essays: 44 essays as curators receive them.

Plain text in eight encodings and three kinds of line endings, Word documents and saved web
pages, from seventeen publishers, in English and Russian (tests/data/essays/README.md has the
table). expected.yaml says, for each, what a careful editor would record; these tests check
the parse step (no database) and the whole import through `manage.py import_essays`.
"""

from __future__ import annotations

import datetime
import importlib
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from archive.importing import ImportFailure, Publisher, parse_essay_file
from archive.models import Author, Essay, Republication, Source

CORPUS = Path(__file__).resolve().parent / "data" / "essays"
# Beside the corpus, not in it: importing the corpus folder reads its subfolders too.
REFUSED_DIR = CORPUS.parent / "refused"
EXPECTED: dict[str, dict] = yaml.safe_load((CORPUS / "expected.yaml").read_text("utf-8"))
REFUSED: dict[str, str] = yaml.safe_load((REFUSED_DIR / "expected.yaml").read_text("utf-8"))
SEEDS = importlib.import_module("archive.migrations.0006_source_disclaimer_variants").PUBLISHERS
# The seeded publishers as the parse step receives them from the database.
PUBLISHERS = [
    Publisher(
        p["name"], p["url"], p["disclaimer"], tuple(filter(None, [p["disclaimer"], *p["variants"]]))
    )
    for p in SEEDS
]


def _date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def _starts(kept: str, expected: str | None) -> bool:
    """Return whether text kept apart is as expected: absent, or starting with `expected`."""
    return kept == "" if expected is None else kept.startswith(expected)


# --- the corpus itself ------------------------------------------------------------------


def test_corpus_covers_the_shapes_the_issue_lists():
    files = [CORPUS / name for name in EXPECTED]
    assert all(path.exists() for path in files)
    essay_files = sorted(
        p.name for p in CORPUS.iterdir() if p.suffix in (".txt", ".docx", ".html", ".htm")
    )
    assert essay_files == sorted(EXPECTED), "every essay in the folder has an expected result"
    assert len(EXPECTED) >= 40
    assert len({e["publisher"] for e in EXPECTED.values()}) >= 12
    assert {e["language"] for e in EXPECTED.values()} == {"en", "ru"}
    assert {path.suffix for path in files} == {".txt", ".docx", ".html", ".htm"}
    encodings = {e["encoding"] for e in EXPECTED.values()}
    assert {
        "UTF-8", "UTF-8 with byte-order mark", "UTF-16 with byte-order mark", "UTF-16LE",
        "Windows-1251", "Windows-1252", "KOI8-R", "ISO-8859-1",
    } <= encodings  # fmt: skip
    raw = {path.name: path.read_bytes() for path in files if path.suffix == ".txt"}
    assert any(b"\r\n" in data for data in raw.values())
    assert any(b"\r" in data and b"\n" not in data for data in raw.values())  # old Mac
    assert any("\u00ad".encode() in data for data in raw.values())  # soft hyphens
    assert any("\u00a0".encode() in data or b"\xa0" in data for data in raw.values())


# --- the parse step, file by file --------------------------------------------------------


@pytest.mark.parametrize("name", list(EXPECTED))
def test_parse_finds_what_an_editor_would(name: str):
    expected = EXPECTED[name]
    essay = parse_essay_file(CORPUS / name, publishers=PUBLISHERS)

    assert essay.title == expected["title"]
    assert [a.name for a in essay.authors] == expected["authors"]
    assert {a.found_in for a in essay.authors} == {expected["authors_from"]}
    assert (essay.published_on, str(essay.date_precision)) == (
        _date(expected["date"]),
        expected["precision"],
    )
    assert (essay.source.name if essay.source else None) == expected["source"]
    assert essay.body_html.count("<p>") == expected["paragraphs"]
    assert _starts(essay.standfirst, expected["standfirst"])
    assert _starts(essay.author_notes, expected["author_notes"])
    assert _starts(essay.disclaimer, expected["disclaimer"])
    original = essay.original_publication
    assert (original.name if original and original.name else None) == expected["original"]
    if "original_date" in expected:
        assert original.date == _date(expected["original_date"])
    assert essay.language == expected["language"]
    assert essay.encoding == expected["encoding"]
    if "url" in expected:
        assert essay.url == expected["url"]
    for text in expected.get("body_contains", []):
        assert text in essay.body_html
    for text in expected.get("body_lacks", []):
        assert text not in essay.body_html


def test_notes_kept_apart_are_not_left_in_the_body():
    for name in EXPECTED:
        essay = parse_essay_file(CORPUS / name, publishers=PUBLISHERS)
        body = " ".join(essay.paragraphs)
        for kept in (essay.disclaimer, essay.author_notes, essay.original_note):
            for paragraph in filter(None, kept.split("\n\n")):
                assert paragraph not in body, f"{name}: {paragraph[:40]!r} is also in the body"
        if essay.standfirst:
            assert essay.standfirst not in body, f"{name}: the standfirst is printed again"
        assert "\u00ad" not in essay.body_html and "\u00a0" not in essay.body_html


@pytest.mark.parametrize("name", list(REFUSED))
def test_undecidable_and_foreign_files_are_refused_with_the_reason(name: str):
    with pytest.raises(ImportFailure) as failure:
        parse_essay_file(REFUSED_DIR / name, publishers=PUBLISHERS)
    assert REFUSED[name] in failure.value.reason


# --- the whole import ---------------------------------------------------------------------


@pytest.fixture
def imported(seeded_publishers) -> str:
    """Import the whole corpus through the command; return what it printed."""
    out, err = StringIO(), StringIO()
    call_command("import_essays", str(CORPUS), stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


@pytest.mark.django_db
def test_command_imports_the_corpus_with_every_field(imported):
    assert imported.strip().splitlines()[-1] == (
        f"Imported {len(EXPECTED)} file(s): {len(EXPECTED)} created, 0 updated, 0 unchanged, "
        "0 failed."
    )
    for name, expected in EXPECTED.items():
        essay = Essay.objects.get(import_key=f"file:essays/{name}")
        assert essay.title == expected["title"]
        assert len(essay.ordered_authors) == len(expected["authors"])
        assert (essay.published_on, essay.date_precision) == (
            _date(expected["date"]),
            expected["precision"],
        )
        assert (essay.source.name if essay.source else None) == expected["source"]
        assert essay.paragraph_count == expected["paragraphs"], name
        assert _starts(essay.standfirst, expected["standfirst"])
        assert _starts(essay.author_notes, expected["author_notes"])
        assert _starts(essay.disclaimer, expected["disclaimer"])
        assert (essay.original_publication or None) == expected["original"]
        assert essay.language == expected["language"]
        assert essay.slug not in ("essay", "untitled") and essay.slug.isascii()
    assert Republication.objects.count() == 0


@pytest.mark.django_db
def test_authors_spelled_in_both_scripts_are_one_author(imported):
    pairs = [
        ("Andrei Belov", "Андрей Белов"),
        ("Pavel Sorokin", "Павел Сорокин"),
        ("Igor Lebedev", "Игорь Лебедев"),
        ("Anna Levina", "Анна Левина"),
    ]
    for latin, cyrillic in pairs:
        [author] = Author.objects.filter(name__in=[latin, cyrillic])
        by_latin = Essay.objects.filter(authorships__author=author)
        assert by_latin.filter(language="en").exists() and by_latin.filter(language="ru").exists()
    names = [name for e in EXPECTED.values() for name in e["authors"]]
    spellings = {name for pair in pairs for name in pair}
    people = len(set(names) - spellings) + len(pairs)
    assert Author.objects.count() == people
    assert not Author.objects.filter(slug__startswith="untitled").exists()
    assert Author.objects.get(name="Дмитрий Ковалёв").slug == "dmitry-kovalyov"


@pytest.mark.django_db
def test_new_publishers_become_sources_and_seeded_ones_are_reused(imported, seeded_publishers):
    seeded = {source.name for source in seeded_publishers}
    added = set(Source.objects.values_list("name", flat=True)) - seeded
    assert added == {"Foreign Policy", "The National Interest"}
    assert Source.objects.get(name="The National Interest").url == "https://nationalinterest.org/"


@pytest.mark.django_db
def test_report_says_where_each_value_came_from(imported):
    reports = _reports(imported)
    assert reports["kommersant-ru-sanktsii-i-byudzhet.txt"] == [
        "file: plain text, UTF-8",
        "title: “Санкции и бюджет: время считать” (title line)",
        "authors: Андрей Белов (byline; existing author)",
        "date: none found",
        "source: none found",
        "standfirst: none",
        "body: 4 paragraph(s), 143 words",
        "biographies: none",
        "disclaimer: none",
        "first published: Коммерсантъ, 17 June 2019 (“Впервые опубликовано в газете «Коммерсантъ» "
        "17.06.2019.”)",
        "language: Russian (the text's letters)",
        "missing: date, source: add in the admin",
    ]
    riac = reports["riac-en-energy-dialogue.txt"]
    other_script = "existing author “Андрей Белов”, spelled in the other script"
    assert f"authors: Andrei Belov (byline; {other_script})" in riac
    chatham = reports["chatham-en-sanctions-policy.txt"]
    assert "file: plain text, Windows-1252" in chatham
    assert "authors: Helen Marsh (biography; existing author)" in chatham  # from the .docx
    assert "date: 22 January 2015 (day; date line “22 January 2015”)" in chatham
    assert "source: Chatham House (its disclaimer)" in chatham
    assert "biographies: 1 paragraph(s), kept apart" in chatham
    page = reports["globalaffairs-ru-kontrol-nad-vooruzheniyami.html"]
    assert "file: web page, UTF-8 (declared by the page)" in page
    assert (
        "source: Russia in Global Affairs (a known source, matched by the web address in the page)"
        in page
    )
    word = reports["riac-ru-severnyy-morskoy-put.docx"]
    assert "date: 10 February 2021 (day; document properties (created): check it)" in word
    assert "title: “Северный морской путь: грузы и ожидания” (first line)" in word
    monthly = reports["riac-ru-tsifrovoe-neravenstvo.txt"]
    assert "date: June 2020 (month; date line “Июнь 2020”)" in monthly


def _reports(output: str) -> dict[str, list[str]]:
    """Return the command's report lines, by file name."""
    reports: dict[str, list[str]] = {}
    current: list[str] = []
    for line in output.splitlines():
        if line.startswith("    "):
            current.append(line.strip())
        elif ": created: " in line:
            current = reports.setdefault(Path(line.split(": created: ")[0]).name, [])
    return reports


@pytest.mark.django_db
def test_refused_files_are_reported_and_nothing_is_half_imported(seeded_publishers):
    before = Source.objects.count()
    out, err = StringIO(), StringIO()
    paths = [str(REFUSED_DIR / name) for name in REFUSED]
    with pytest.raises(CommandError, match=f"{len(REFUSED)} file"):
        call_command("import_essays", *paths, stdout=out, stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == paths
    assert Essay.objects.count() == Author.objects.count() == 0
    assert Source.objects.count() == before
