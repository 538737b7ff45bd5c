"""Which essay a file is (issue 12): identities from paths and sidecar ids, files claiming one
identity, and the same text arriving under another name."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import docx
import pytest
from django.core.management import CommandError, call_command

from archive.fingerprints import text_fingerprint
from archive.importing import (
    CREATED,
    DUPLICATE,
    UNCHANGED,
    import_path,
    import_upload,
    load_publishers,
    parse_essay_file,
)
from archive.importing.identity import claimed_identities, find_essay_files
from archive.models import Essay
from tests.factories import make_essay

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parent / "data" / "essays"
# Two essays long enough to be fingerprinted, one English and one Russian, with curly quotes.
ARMS = [
    "Arms control negotiations between Washington and Moscow resumed in Geneva after a pause "
    "of almost two years; both delegations described the talks as “businesslike”.",
    "The U.S.-Russia reset produced New START, which entered into force on 5 February 2011 and "
    "capped each side at 1,550 deployed strategic warheads.",
    "Missile defence in Europe remains the sticking point: Moscow's objections to the SM-3 IIB "
    "interceptor were never answered in writing.",
]
BUDGET = [
    "Бюджет на следующий год составлен с расчётом на нефть по шестьдесят долларов за баррель, "
    "и Министерство финансов признаёт, что это «оптимистичный» сценарий.",
    "Если цены упадут, Фонд национального благосостояния закончится быстрее, чем обещают, а "
    "расходы на оборону сократить не удастся.",
]


def write(path: Path, title: str, paragraphs: list[str], sidecar: dict | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(title + "\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    if sidecar is not None:
        path.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
    return path


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_essays", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_essays", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def summary(out: str) -> str:
    return out.strip().splitlines()[-1]


# --- identity: the path from the folder named, or the sidecar's id ------------------------


def test_two_essay_txt_in_two_folders_are_two_essays(tmp_path):
    """Issue 12, reproduction 1: `import_essays a/ b/` used to overwrite the first essay."""
    write(tmp_path / "a" / "essay.txt", "Arms Control After New START", ARMS)
    write(tmp_path / "b" / "essay.txt", "Санкции и бюджет", BUDGET)

    out, _ = run(tmp_path / "a", tmp_path / "b")

    assert summary(out) == "Imported 2 file(s): 2 created, 0 updated, 0 unchanged, 0 failed."
    assert dict(Essay.objects.values_list("import_key", "title")) == {
        "file:a/essay.txt": "Arms Control After New START",
        "file:b/essay.txt": "Санкции и бюджет",
    }
    out, _ = run(tmp_path / "a", tmp_path / "b")
    assert summary(out) == "Imported 2 file(s): 0 created, 0 updated, 2 unchanged, 0 failed."


def test_a_file_named_alone_is_the_same_essay_as_when_its_folder_is_named(tmp_path):
    path = write(tmp_path / "a" / "essay.txt", "Arms Control After New START", ARMS)
    first = import_path(path)
    out, _ = run(tmp_path / "a")
    assert first.essay.import_key == "file:a/essay.txt"
    assert summary(out).endswith("0 created, 0 updated, 1 unchanged, 0 failed.")


def test_subfolders_are_read_and_are_part_of_the_identity(tmp_path):
    write(tmp_path / "essays" / "2013" / "essay.txt", "Arms Control After New START", ARMS)
    write(tmp_path / "essays" / "2014" / "essay.txt", "Санкции и бюджет", BUDGET)
    (tmp_path / "essays" / ".drafts").mkdir()
    write(tmp_path / "essays" / ".drafts" / "essay.txt", "A hidden draft", ARMS[:1])
    (tmp_path / "essays" / "2014" / "page.html").write_text(
        f"<html><head><title>A saved page</title></head><body><p>{BUDGET[0]}</p></body></html>",
        encoding="utf-8",
    )
    write(tmp_path / "essays" / "2014" / "page_files" / "frame.html", "An advert", BUDGET[:1])
    write(tmp_path / "essays" / "policy_files" / "memo.txt", "Not a page's folder", ARMS[:1])

    files, failures = find_essay_files([tmp_path / "essays"])

    assert failures == []
    assert [file.relative for file in files] == [
        "essays/2013/essay.txt",
        "essays/2014/essay.txt",
        "essays/2014/page.html",
        "essays/policy_files/memo.txt",
    ]
    run(tmp_path / "essays")
    assert sorted(Essay.objects.values_list("import_key", flat=True)) == [
        "file:essays/2013/essay.txt",
        "file:essays/2014/essay.txt",
        "file:essays/2014/page.html",
        "file:essays/policy_files/memo.txt",
    ]


def test_one_name_in_two_formats_is_two_identities(tmp_path):
    write(tmp_path / "a" / "essay.txt", "Arms Control After New START", ARMS)
    (tmp_path / "a" / "essay.html").write_text(
        "<html><head><title>Санкции и бюджет</title></head><body><article><h1>Санкции и бюджет"
        f"</h1>{''.join(f'<p>{p}</p>' for p in BUDGET)}</article></body></html>",
        encoding="utf-8",
    )
    out, _ = run(tmp_path / "a")
    assert "2 created" in summary(out)
    assert sorted(Essay.objects.values_list("import_key", flat=True)) == [
        "file:a/essay.html",
        "file:a/essay.txt",
    ]


def test_a_sidecar_id_follows_the_file_when_it_is_moved_and_renamed(tmp_path):
    sidecar = {"id": "valdai-2013-17", "source": "Valdai Discussion Club"}
    old = write(tmp_path / "inbox" / "essay.txt", "Arms Control After New START", ARMS, sidecar)
    first = import_path(old)
    new = tmp_path / "archive" / "2013" / "arms-control.txt"
    new.parent.mkdir(parents=True)
    old.rename(new)
    old.with_suffix(".json").rename(new.with_suffix(".json"))
    new.write_text(new.read_text("utf-8").replace("Geneva", "Vienna"), "utf-8")

    moved = import_path(new)

    assert (moved.action, moved.essay.pk, moved.changed) == ("updated", first.essay.pk, ["body"])
    assert Essay.objects.get().import_key == "id:valdai-2013-17"


# --- two files claiming one identity --------------------------------------------------------


def test_two_files_with_one_sidecar_id_are_both_refused_and_nothing_is_written(tmp_path):
    write(tmp_path / "in" / "a.txt", "Arms Control After New START", ARMS, {"id": "essay-7"})
    write(tmp_path / "in" / "b.txt", "Санкции и бюджет", BUDGET, {"id": "essay-7"})
    write(tmp_path / "in" / "c.txt", "A Third Essay", ARMS[1:], {"id": "essay-8"})

    out, err = run_failing(tmp_path / "in")

    a, b = tmp_path / "in" / "a.txt", tmp_path / "in" / "b.txt"
    assert err.strip().splitlines() == [
        f"{a}: refused: {b} claims the same identity (sidecar id “essay-7”); nothing is "
        "imported from any of them: give each its own sidecar id, or import them apart",
        f"{b}: refused: {a} claims the same identity (sidecar id “essay-7”); nothing is "
        "imported from any of them: give each its own sidecar id, or import them apart",
    ]
    assert summary(out) == "Imported 3 file(s): 1 created, 0 updated, 0 unchanged, 2 failed."
    assert list(Essay.objects.values_list("import_key", flat=True)) == ["id:essay-8"]


def test_a_front_matter_id_and_a_sidecar_id_collide_even_in_different_chunks(tmp_path, monkeypatch):
    from archive.management.commands import import_essays

    monkeypatch.setattr(import_essays, "COMMIT_EVERY", 1)  # the first file commits alone
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(
        "---\nid: riac-41\ntitle: Санкции и бюджет\n---\n" + "\n\n".join(BUDGET), "utf-8"
    )
    write(tmp_path / "in" / "b.txt", "Arms Control After New START", ARMS, {"id": "riac-41"})

    _, err = run_failing(tmp_path / "in")

    assert len(err.strip().splitlines()) == 2
    assert all("refused: " in line and "“riac-41”" in line for line in err.splitlines())
    assert Essay.objects.count() == 0


def test_two_folders_of_one_name_collide_and_their_parent_tells_them_apart(tmp_path):
    write(tmp_path / "x" / "a" / "essay.txt", "Arms Control After New START", ARMS)
    write(tmp_path / "y" / "a" / "essay.txt", "Санкции и бюджет", BUDGET)

    _, err = run_failing(tmp_path / "x" / "a", tmp_path / "y" / "a")
    assert "claims the same identity (a/essay.txt)" in err
    assert Essay.objects.count() == 0

    out, _ = run(tmp_path)
    assert "2 created" in summary(out)
    assert sorted(Essay.objects.values_list("import_key", flat=True)) == [
        f"file:{tmp_path.name}/x/a/essay.txt",
        f"file:{tmp_path.name}/y/a/essay.txt",
    ]


def test_identities_are_read_without_parsing_the_files(tmp_path):
    write(tmp_path / "in" / "a.txt", "Arms", ARMS, {"id": 17})
    (tmp_path / "in" / "b.txt").write_bytes(b"")  # empty: fails when imported, claims its path
    write(tmp_path / "in" / "c.txt", "Arms", ARMS)
    (tmp_path / "in" / "c.json").write_text("{not json", "utf-8")
    files, _ = find_essay_files([tmp_path / "in"])
    claims = claimed_identities(files)
    assert sorted(claims) == ["file:in/b.txt", "file:in/c.txt", "id:17"]


# --- the same text under another name ----------------------------------------------------------


def test_the_same_text_under_another_name_is_a_duplicate_unless_asked_for(tmp_path):
    write(tmp_path / "a" / "essay.txt", "Arms Control After New START", ARMS)
    run(tmp_path / "a")
    original = Essay.objects.get()
    # Re-typed: another title, straight quotes, different spacing and case, one paragraph.
    retyped = [" ".join(ARMS).replace("“", '"').replace("”", '"').upper()]
    copy = write(tmp_path / "b" / "copy.txt", "ARMS CONTROL: A COPY", retyped)

    out, _ = run(tmp_path / "b")

    assert out.splitlines()[:2] == [
        f"{copy}: duplicate of essay #{original.pk} “Arms Control After New START” (imported "
        "from a/essay.txt): not imported",
        "    note: the same text: --allow-duplicates imports it anyway",
    ]
    assert summary(out) == (
        "Imported 1 file(s): 0 created, 0 updated, 0 unchanged, 0 failed; 1 duplicate(s) not "
        "imported (--allow-duplicates)."
    )
    assert Essay.objects.count() == 1

    out, _ = run(tmp_path / "b", "--allow-duplicates")
    assert "1 created" in summary(out)
    assert Essay.objects.count() == 2


def test_a_word_document_of_an_imported_text_is_a_duplicate(tmp_path):
    write(tmp_path / "a" / "budget.txt", "Санкции и бюджет", BUDGET)
    run(tmp_path / "a")
    document = docx.Document()
    document.add_heading("Санкции и бюджет", level=0)
    for paragraph in BUDGET:
        document.add_paragraph(paragraph)
    document.save(tmp_path / "budget.docx")

    outcome = import_path(tmp_path / "budget.docx")

    assert outcome.action == DUPLICATE
    assert outcome.essay.import_key == "file:a/budget.txt"


def test_a_curators_body_edit_does_not_hide_the_text_it_was_imported_with(tmp_path):
    path = write(tmp_path / "a" / "essay.txt", "Arms Control After New START", ARMS)
    essay = import_path(path).essay
    essay.body = essay.body.replace("Geneva", "Vienna")
    essay.save()

    again = import_path(shutil.copy(path, tmp_path / "renamed.txt"))

    assert (again.action, again.essay.pk) == (DUPLICATE, essay.pk)


def test_an_essay_typed_in_the_admin_is_found_as_well(tmp_path):
    typed = make_essay("Typed by a curator", paragraphs=BUDGET)
    outcome = import_path(write(tmp_path / "budget.txt", "Санкции и бюджет", BUDGET))
    assert (outcome.action, outcome.essay.pk) == (DUPLICATE, typed.pk)
    assert str(outcome).endswith(
        f"duplicate of essay #{typed.pk} “Typed by a curator” (added in the admin): not imported"
    )


def test_a_dry_run_reports_the_duplicates_the_real_run_would(tmp_path):
    write(tmp_path / "a" / "essay.txt", "Arms Control After New START", ARMS)
    write(tmp_path / "a" / "essay-copy.txt", "Arms Control After New START (copy)", ARMS)

    dry, _ = run(tmp_path / "a", "--dry-run")
    real, _ = run(tmp_path / "a")

    assert (
        "duplicate of the essay of " in dry
        and "essay-copy.txt, earlier in this run: not imported" in dry
    )
    assert summary(dry).startswith("Dry run, nothing written: would create 1,")
    assert "1 duplicate(s) not imported" in summary(dry)
    assert summary(real) == (
        "Imported 2 file(s): 1 created, 0 updated, 0 unchanged, 0 failed; 1 duplicate(s) not "
        "imported (--allow-duplicates)."
    )
    # Sorted: "essay-copy.txt" comes first, so it is the one imported.
    assert Essay.objects.get().import_key == "file:a/essay-copy.txt"


def test_short_texts_are_not_called_copies_of_each_other(tmp_path):
    note = ["The editors regret the error."]
    first = import_path(write(tmp_path / "a" / "one.txt", "Correction", note))
    second = import_path(write(tmp_path / "a" / "two.txt", "Another correction", note))
    assert (first.action, second.action) == (CREATED, CREATED)
    assert text_fingerprint(" ".join(note)) == ""


def test_an_upload_of_a_text_the_archive_has_is_a_duplicate():
    make_essay("Typed by a curator", paragraphs=ARMS)
    data = ("Arms Control\n\n" + "\n\n".join(ARMS)).encode()
    assert import_upload("arms.txt", data).action == DUPLICATE
    assert Essay.objects.count() == 1


def test_fingerprints_ignore_spelling_of_the_same_words_and_see_a_changed_word():
    text = " ".join(ARMS)
    same = [
        text.upper(),
        text.replace("“", '"').replace("”", '"').replace("'", "’"),
        "\n\n".join(ARMS),
        " ".join(ARMS).replace(" ", "  ").replace("U.S.-Russia", "U.S. – Russia"),
    ]
    assert {text_fingerprint(variant) for variant in same} == {text_fingerprint(text)}
    assert text_fingerprint(" ".join(BUDGET)) == text_fingerprint(
        " ".join(BUDGET).replace("расчётом", "расчетом")
    )
    assert text_fingerprint(text.replace("1,550", "1,500")) != text_fingerprint(text)


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".txt", ".docx", ".html", ".htm")),
)
def test_a_files_fingerprint_is_the_stored_texts(name, seeded_publishers):
    """The importer fingerprints the parsed paragraphs, the archive its stored body text: they
    must agree for every format, or copies would not be found."""
    parsed = parse_essay_file(CORPUS / name, publishers=load_publishers())
    outcome = import_path(CORPUS / name)
    assert outcome.action == CREATED
    stored = Essay.objects.get(pk=outcome.essay.pk).text_fingerprint
    assert stored == text_fingerprint("\n".join(parsed.paragraphs))
    assert stored or len(" ".join(parsed.paragraphs)) < 300


def test_an_unchanged_reimport_is_unchanged_not_a_duplicate_of_itself(tmp_path):
    path = write(tmp_path / "a" / "essay.txt", "Arms Control After New START", ARMS)
    import_path(path)
    assert import_path(path).action == UNCHANGED
