"""The importer (archive.importing) on the seed essays and on the other shapes of text."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pytest

from archive.importing import (
    CREATED,
    DUPLICATE,
    UNCHANGED,
    UPDATED,
    ImportFailure,
    Publisher,
    import_path,
    import_upload,
    parse_essay_bytes,
    parse_essay_file,
)
from archive.models import Author, Authorship, Essay, Republication, Source, Topic

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
RESET = SEEDS / "000_6d9a5feafda786b2.txt"
MAD = SEEDS / "004_eed9ee57534d1619.txt"
RESET_LEAD = "The U.S.-Russia “reset” has become an acknowledged foreign policy triumph"
VALDAI_DISCLAIMER = (
    "Views expressed are of individual Members and Contributors, rather than the Club's, "
    "unless explicitly stated otherwise."
)
MAD_TITLE = (
    "MAD About You: It's Time to Turn Mutually Assured Destruction Into Mutually Assured Stability"
)
BODY = [
    "Arms control talks between Washington and Moscow resumed after a long pause.",
    "Both sides discussed missile defense cooperation and the future of strategic stability.",
    "Nothing was agreed, but the negotiators promised to meet again before the summit.",
]


def write(folder: Path, name: str, text: str | bytes, sidecar: dict | None = None) -> Path:
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    if sidecar is not None:
        path.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
    return path


def row_counts() -> dict[str, int]:
    models = [Essay, Author, Authorship, Topic, Source, Republication]
    return {model.__name__: model.objects.count() for model in models}


def paragraphs_of(essay: Essay) -> int:
    return essay.body.count("<p ")


# --- the seeds ------------------------------------------------------------------------


def test_seed_files_are_the_shared_seeds_byte_for_byte():
    # The project's shared folder sits beside the checkout (as in CI).
    shared = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    if not shared.exists():
        pytest.skip(f"no copy of the seeds as received at {shared} to compare fixtures/seeds with")
    for path in (RESET, MAD):
        assert path.read_bytes() == (shared / path.name).read_bytes()


@pytest.mark.django_db
def test_reset_seed_title_lead_disclaimer_and_source(seeded_publishers):
    outcome = import_path(RESET)
    essay = Essay.objects.get(pk=outcome.essay.pk)

    assert outcome.action == CREATED
    assert essay.title == "No Pause for the “Reset”"
    assert essay.import_key == "file:seeds/000_6d9a5feafda786b2.txt"
    # 15 non-empty lines: title, the lead twice, 11 body paragraphs, the disclaimer.
    assert paragraphs_of(essay) == 11
    assert essay.body.startswith('<p id="p-1">Relations between the United States and Russia')
    assert essay.standfirst.startswith(RESET_LEAD)
    assert essay.standfirst.endswith("harmful to U.S.-Russia relations at worst.")
    # The lead printed twice is stored once, as the standfirst.
    assert (essay.standfirst + essay.body).count(RESET_LEAD) == 1
    assert essay.disclaimer == VALDAI_DISCLAIMER
    assert "Views expressed" not in essay.body
    assert "Views expressed" not in essay.body_text
    assert essay.body_text.endswith("rather of a self-fulfilling prophecy.")
    assert essay.source.name == "Valdai Discussion Club"
    assert essay.source.url == "https://valdaiclub.com/"
    assert essay.source.disclaimer == VALDAI_DISCLAIMER
    assert essay.ordered_authors == []
    assert essay.byline == "Author unknown"
    assert (essay.published_on, essay.date_precision) == (datetime.date(2011, 1, 1), "circa")
    assert essay.date_display == "c. 2011"
    assert sorted(essay.topics.values_list("name", flat=True)) == [
        "Arms control",
        "Nuclear deterrence",
        "U.S.–Russia relations",
    ]
    assert essay.language == "en"
    assert essay.status == Essay.Status.PUBLISHED
    assert essay.author_notes == essay.original_note == essay.original_publication == ""


@pytest.mark.django_db
def test_mad_seed_title_from_sidecar_biographies_and_first_published_note():
    essay = Essay.objects.get(pk=import_path(MAD).essay.pk)

    assert essay.title == MAD_TITLE
    # 13 lines separated by single newlines: 12 body paragraphs and the biographies.
    assert paragraphs_of(essay) == 12
    assert essay.body.startswith('<p id="p-1">After a series of setbacks and disappointments')
    assert essay.body_text.endswith(
        "from mutually assured destruction to mutually assured stability."
    )
    assert essay.standfirst == ""
    assert essay.author_notes.startswith("Ellen Tauscher is the vice chair of the Brent Scowcroft")
    assert essay.author_notes.endswith(
        "They are co-chairs of a joint steering group of the Atlantic Council and RIAC on "
        "Mutually Assured Stability."
    )
    assert "first published" not in essay.author_notes
    assert "Ellen Tauscher" not in essay.body
    assert "first published" not in essay.body
    assert essay.original_note == "This piece was first published on Foreign Policy."
    assert essay.original_publication == "Foreign Policy"
    assert essay.original_url == ""
    assert essay.original_date_display == "June 2013"
    assert essay.date_display == "June 2013"
    assert essay.date_precision == "month"
    assert essay.source is None
    assert essay.disclaimer == ""
    authors = essay.ordered_authors
    assert [a.name for a in authors] == ["Ellen Tauscher", "Igor Ivanov"]
    assert [a.sort_name for a in authors] == ["Tauscher, Ellen", "Ivanov, Igor"]
    assert authors[0].affiliation.endswith("Atlantic Council")
    assert authors[1].affiliation == "Russian International Affairs Council (RIAC)"
    assert essay.byline == "Ellen Tauscher and Igor Ivanov"
    assert sorted(essay.topics.values_list("name", flat=True)) == [
        "Arms control",
        "Missile defense",
        "U.S.–Russia relations",
    ]


def test_parse_is_pure_and_reads_both_seeds():
    """Parsing needs no database (no django_db mark here)."""
    reset, mad = parse_essay_file(RESET), parse_essay_file(MAD)
    assert (reset.title, len(reset.paragraphs)) == ("No Pause for the “Reset”", 11)
    assert reset.text_title == reset.title
    assert (mad.title, len(mad.paragraphs), mad.text_title) == (MAD_TITLE, 12, "")


# --- idempotence and dry runs ---------------------------------------------------------


@pytest.mark.django_db
def test_reimport_is_unchanged_and_creates_nothing(seeded_publishers):
    first = [import_path(RESET), import_path(MAD)]
    counts = row_counts()
    again = [import_path(RESET), import_path(MAD)]

    assert [o.action for o in first] == [CREATED, CREATED]
    assert [o.action for o in again] == [UNCHANGED, UNCHANGED]
    assert [o.essay.pk for o in again] == [o.essay.pk for o in first]
    assert row_counts() == counts
    assert counts == {
        "Essay": 2,
        "Author": 2,
        "Authorship": 2,
        "Topic": 4,
        "Source": len(seeded_publishers),  # the Valdai Discussion Club's is one of them
        "Republication": 0,
    }


@pytest.mark.django_db
def test_edited_file_updates_the_same_essay(tmp_path):
    path = tmp_path / MAD.name
    shutil.copy(MAD, path)
    shutil.copy(MAD.with_suffix(".json"), path.with_suffix(".json"))
    created = import_path(path)
    counts = row_counts()

    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("finally gaining momentum", "at last gaining momentum"), "utf-8")
    updated = import_path(path)

    assert updated.action == UPDATED
    assert updated.essay.pk == created.essay.pk
    assert updated.changed == ["body"]
    assert row_counts() == counts
    assert "at last gaining momentum" in Essay.objects.get().body


@pytest.mark.django_db
def test_changed_sidecar_reorders_authors_without_duplicates(tmp_path):
    sidecar = {
        "title": "A Joint View",
        "authors": ["Ann Author", "Bob Writer"],
        "republications": [{"name": "The Moscow Times", "date": "2014-02"}],
        "topics": ["Arms control", "Arms control"],
    }
    path = write(tmp_path, "joint.txt", "\n\n".join(BODY), sidecar)
    import_path(path)
    sidecar["authors"] = ["Bob Writer", {"name": "Ann Author", "affiliation": "RIAC"}]
    write(tmp_path, "joint.txt", "\n\n".join(BODY), sidecar)
    outcome = import_path(path)

    assert outcome.action == UPDATED
    assert outcome.changed == ["authors"]
    essay = Essay.objects.get()
    assert [a.name for a in essay.ordered_authors] == ["Bob Writer", "Ann Author"]
    assert Author.objects.get(name="Ann Author").affiliation == "RIAC"
    assert (Author.objects.count(), Authorship.objects.count()) == (2, 2)
    assert Topic.objects.count() == 1
    assert Republication.objects.get().date_display == "February 2014"
    assert import_path(path).action == UNCHANGED


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path):
    outcome = import_path(MAD, dry_run=True)

    assert outcome.action == CREATED and outcome.dry_run
    assert "would create" in str(outcome)
    assert row_counts() == dict.fromkeys(row_counts(), 0)

    path = write(tmp_path, "essay.txt", "An Essay\n\n" + "\n\n".join(BODY))
    import_path(path)
    before = Essay.objects.values().get()
    path.write_text("A New Title\n\n" + "\n\n".join(BODY), encoding="utf-8")
    dry = import_path(path, dry_run=True)

    assert (dry.action, dry.changed) == (UPDATED, ["title"])
    assert Essay.objects.values().get() == before


@pytest.mark.django_db
def test_sidecar_id_is_the_import_key(tmp_path):
    first = import_path(write(tmp_path, "a.txt", "One\n\n" + BODY[0], {"id": "essay-7"}))
    second = import_path(write(tmp_path, "b.txt", "Two\n\n" + BODY[0], {"id": "essay-7"}))

    assert second.action == UPDATED and second.essay.pk == first.essay.pk
    assert Essay.objects.get().import_key == "id:essay-7"


@pytest.mark.django_db
def test_uploading_an_imported_file_again_is_a_duplicate_not_a_second_essay():
    from_file = import_path(MAD)
    uploaded = import_upload(
        MAD.name,
        MAD.read_bytes(),
        MAD.with_suffix(".json").read_text(encoding="utf-8"),
    )

    assert uploaded.action == DUPLICATE
    assert uploaded.essay.pk == from_file.essay.pk
    assert Essay.objects.count() == 1


@pytest.mark.django_db
def test_upload_with_yaml_sidecar_text():
    outcome = import_upload(
        "C:\\fakepath\\talks.txt", "\n".join(BODY).encode(), "title: Talks\ndate: 2013\n"
    )
    essay = Essay.objects.get(pk=outcome.essay.pk)
    assert (essay.title, essay.import_key, essay.date_display) == ("Talks", None, "2013")
    assert essay.status == Essay.Status.DRAFT


# --- the shapes of text ---------------------------------------------------------------


def test_blank_line_and_single_newline_paragraphs_read_the_same():
    blank = parse_essay_bytes("a.txt", ("Talks\n\n" + "\n\n".join(BODY)).encode(), None)
    single = parse_essay_bytes("b.txt", ("Talks\n\n" + "\n".join(BODY)).encode(), None)
    assert blank.paragraphs == single.paragraphs == BODY


def test_hard_wrapped_lines_are_joined_into_paragraphs():
    wrapped = (
        "Talks\n\n"
        "Arms control talks between Washington\nand Moscow resumed after a long pause.\n\n"
        "Nothing was agreed.\n"
    )
    parsed = parse_essay_bytes("wrapped.txt", wrapped.encode(), None)
    assert parsed.paragraphs == [
        "Arms control talks between Washington and Moscow resumed after a long pause.",
        "Nothing was agreed.",
    ]


def test_crlf_and_byte_order_mark_are_tolerated():
    lf = parse_essay_bytes("lf.txt", RESET.read_bytes(), None)
    crlf = parse_essay_bytes(
        "crlf.txt", b"\xef\xbb\xbf" + RESET.read_bytes().replace(b"\n", b"\r\n"), None
    )
    assert (crlf.title, crlf.standfirst, crlf.paragraphs, crlf.disclaimer) == (
        lf.title,
        lf.standfirst,
        lf.paragraphs,
        lf.disclaimer,
    )


def test_first_line_with_a_full_stop_is_not_a_title():
    with pytest.raises(ImportFailure) as failure:
        parse_essay_bytes("untitled.txt", "\n\n".join(BODY).encode(), None)
    assert str(failure.value) == (
        'untitled.txt: no title: the text has no title line; add a sidecar with "title"'
    )


@pytest.mark.django_db
def test_front_matter_sidecar(tmp_path):
    text = (
        "---\n"
        "title: Deterrence After the Cold War\n"
        "authors:\n"
        "  - name: Ann Author\n"
        "    sort_name: Author, Ann\n"
        "    url: https://example.org/ann\n"
        "  - Bob Writer\n"
        "source: {name: Carnegie Moscow Center, url: 'https://carnegie.ru/'}\n"
        "date: 2013-06-17\n"
        "original_publication: {name: The National Interest, url: 'https://nationalinterest.org/x'}\n"
        "topics: [Nuclear deterrence]\n"
        "status: draft\n"
        "provenance: typed in from a scan\n"
        "---\n" + "\n".join(BODY) + "\n"
    )
    essay = Essay.objects.get(pk=import_path(write(tmp_path, "fm.txt", text)).essay.pk)

    assert essay.title == "Deterrence After the Cold War"
    assert paragraphs_of(essay) == 3
    assert "title:" not in essay.body
    assert [a.name for a in essay.ordered_authors] == ["Ann Author", "Bob Writer"]
    assert essay.ordered_authors[0].url == "https://example.org/ann"
    assert (essay.source.name, essay.source.url) == (
        "Carnegie Moscow Center",
        "https://carnegie.ru/",
    )
    assert essay.date_display == "17 June 2013"
    assert (essay.original_publication, essay.original_url) == (
        "The National Interest",
        "https://nationalinterest.org/x",
    )
    assert essay.status == Essay.Status.DRAFT


@pytest.mark.django_db
def test_cyrillic_essay_is_russian_unless_the_sidecar_says_otherwise(tmp_path):
    text = (
        "Перезагрузка без паузы\n\n"
        "Российско-американская «перезагрузка» стала признанным внешнеполитическим успехом.\n\n"
        "Ядерное сдерживание остаётся проявлением недоверия в мировой политике, см. New START.\n"
    )
    essay = import_path(write(tmp_path, "ru.txt", text)).essay
    assert (essay.title, essay.language) == ("Перезагрузка без паузы", "ru")
    assert "сдерживание" in essay.body_text

    forced = parse_essay_bytes("ru.txt", text.encode(), {"language": "en"})
    assert forced.language == "en"


@pytest.mark.django_db
def test_hostile_html_in_a_text_file_is_escaped(tmp_path):
    text = (
        "Hostile <b>Title</b>\n\n"
        'A paragraph with <script>alert("x")</script> and <a href="javascript:alert(1)">a'
        " link</a> and <img src=x onerror=alert(1)>.\n"
    )
    essay = Essay.objects.get(pk=import_path(write(tmp_path, "hostile.txt", text)).essay.pk)

    assert "<script" not in essay.body and "<a " not in essay.body and "<img" not in essay.body
    assert "&lt;script&gt;" in essay.body
    assert essay.body_text.startswith('A paragraph with <script>alert("x")</script>')
    assert essay.title == "Hostile <b>Title</b>"  # stored as text; templates escape it


def test_biography_of_unknown_authors_and_generic_disclaimer():
    text = (
        "Talks\n\n"
        + "\n\n".join(BODY)
        + "\n\nJane Smith is the director of the Arms Control Program at an institute. "
        "This article was originally published in The National Interest.\n\n"
        "The views expressed in this article are the author's own.\n"
    )
    parsed = parse_essay_bytes("bio.txt", text.encode(), None)

    assert parsed.paragraphs == BODY
    assert parsed.author_notes == (
        "Jane Smith is the director of the Arms Control Program at an institute."
    )
    assert parsed.original_note == (
        "This article was originally published in The National Interest."
    )
    assert parsed.original_publication.name == "The National Interest"
    assert parsed.disclaimer == "The views expressed in this article are the author's own."
    assert parsed.source is None


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("This piece was first published on Foreign Policy.", "Foreign Policy"),
        ("This article first appeared in the National Interest.", "the National Interest"),
        ("A version of this essay was published by Project Syndicate.", "Project Syndicate"),
        ("Originally published in Kommersant.", "Kommersant"),
        ("This piece was first published on ForeignPolicy.com.", "ForeignPolicy.com"),
    ],
)
def test_first_published_notes_leave_the_body(sentence, name):
    text = "Talks\n\n" + "\n\n".join(BODY) + " " + sentence
    parsed = parse_essay_bytes("note.txt", text.encode(), None)
    assert parsed.paragraphs == BODY
    assert (parsed.original_note, parsed.original_publication.name) == (sentence, name)


def test_a_date_at_the_end_of_the_body_is_not_a_publication_note():
    text = "Talks\n\n" + "\n\n".join(BODY) + " The article was published in 2010."
    parsed = parse_essay_bytes("plain.txt", text.encode(), None)
    assert parsed.paragraphs[-1].endswith("The article was published in 2010.")
    assert parsed.original_note == "" and parsed.original_publication is None


def test_sidecar_source_wins_and_a_known_disclaimer_completes_it():
    text = "Talks\n\n" + "\n\n".join(BODY) + "\n\n" + VALDAI_DISCLAIMER
    valdai = Publisher(
        "Valdai Discussion Club", "https://valdaiclub.com/", VALDAI_DISCLAIMER, (VALDAI_DISCLAIMER,)
    )
    sidecar = {"source": "Valdai Discussion Club"}
    same = parse_essay_bytes("a.txt", text.encode(), sidecar, publishers=[valdai])
    sidecar = {"source": "Russia in Global Affairs"}
    other = parse_essay_bytes("b.txt", text.encode(), sidecar, publishers=[valdai])

    assert (same.source.url, same.source.disclaimer) == (
        "https://valdaiclub.com/",
        VALDAI_DISCLAIMER,
    )
    assert (other.source.name, other.source.url, other.source.disclaimer) == (
        "Russia in Global Affairs",
        "",
        "",
    )
    assert same.disclaimer == other.disclaimer == VALDAI_DISCLAIMER


def test_last_body_paragraph_is_not_taken_for_a_biography():
    text = "Talks\n\n" + "\n\n".join(BODY) + "\n\nNuclear deterrence is the problem.\n"
    parsed = parse_essay_bytes("plain.txt", text.encode(), None)
    assert parsed.paragraphs[-1] == "Nuclear deterrence is the problem."
    assert parsed.author_notes == ""


def test_sidecar_standfirst_is_not_repeated_in_the_body():
    text = "Talks\n\n" + "\n\n".join(BODY)
    parsed = parse_essay_bytes("lead.txt", text.encode(), {"standfirst": BODY[0]})
    assert (parsed.standfirst, parsed.paragraphs) == (BODY[0], BODY[1:])


# --- files that cannot be imported ----------------------------------------------------

# UTF-8 text followed by the same text in Windows-1251: no one encoding reads the whole file.
MIXED_ENCODINGS = "Сдерживание\n\nЯдерное сдерживание.\n".encode() + "Ядерное сдерживание.".encode(
    "cp1251"
)

BROKEN = [
    ("empty.txt", b"", None, "empty file"),
    ("blank.txt", b"  \n\n \r\n", None, "empty file"),
    ("mixed-encodings.txt", MIXED_ENCODINGS, None, "cannot tell the text's encoding"),
    ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "binary file"),
    ("title-only.txt", b"Just a Title\n", None, "no body"),
    ("notitle.txt", "\n".join(BODY).encode(), None, "no title"),
    ("bad-date.txt", b"T\n\nBody.", {"date": "June 2013"}, "\"date\" 'June 2013' is not a date"),
    ("bad-lang.txt", b"T\n\nBody.", {"language": "fr"}, '"language" must be one of en, ru'),
    ("bad-authors.txt", b"T\n\nBody.", {"authors": [{"affiliation": "X"}]}, "needs a"),
    ("bad-url.txt", b"T\n\nBody.", {"url": "not a url"}, "original_url: Enter a valid URL."),
    ("long-title.txt", b"T\n\nBody.", {"title": "T" * 501}, "title: Ensure this value"),
    ("open-fm.txt", b"---\ntitle: T\n\nBody.", None, "front matter opened with ---"),
    ("bad-fm.txt", b"---\ntitle: [T\n---\nBody.", None, "bad front matter: invalid YAML"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "sidecar", "reason"), BROKEN, ids=[case[0] for case in BROKEN]
)
def test_broken_file_fails_with_one_clear_line(tmp_path, name, data, sidecar, reason):
    path = write(tmp_path, name, data, sidecar)
    with pytest.raises(ImportFailure) as failure:
        import_path(path)

    message = str(failure.value)
    assert message.startswith(f"{path}: ")
    assert reason in message
    assert "\n" not in message
    assert row_counts() == dict.fromkeys(row_counts(), 0)


@pytest.mark.django_db
def test_malformed_json_sidecar_names_the_line(tmp_path):
    path = write(tmp_path, "essay.txt", "Talks\n\n" + BODY[0])
    path.with_suffix(".json").write_text('{"title": "Talks",\n "date": 2013-06}', "utf-8")
    with pytest.raises(ImportFailure) as failure:
        import_path(path)
    assert str(failure.value) == (
        f"{path}: bad sidecar essay.json: invalid JSON at line 2 column 14: Expecting ',' delimiter"
    )
    assert Essay.objects.count() == 0


@pytest.mark.django_db
def test_broken_reimport_leaves_the_essay_as_it_was(tmp_path):
    path = write(tmp_path, "essay.txt", "Talks\n\n" + "\n\n".join(BODY))
    import_path(path)
    before = Essay.objects.values().get()
    path.write_bytes(MIXED_ENCODINGS)

    with pytest.raises(ImportFailure, match="cannot tell the text's encoding"):
        import_path(path)
    assert Essay.objects.values().get() == before
