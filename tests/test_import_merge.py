"""Re-import respects the curator (issue 12): a three-way merge, field by field, of what the file
said when last imported, what it says now, and what the essay holds now."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from reversion.models import Version

from archive.importing import UNCHANGED, UPDATED, ImportOptions, import_path
from archive.models import Author, Essay, Republication, Topic
from tests.test_admin import form_values
from tests.test_import_identity import ARMS, BUDGET, write

pytestmark = pytest.mark.django_db

SIDECAR = {
    "authors": ["Ellen Tauscher", "Igor Ivanov"],
    "source": "Atlantic Council",
    "date": "2013-06",
    "topics": ["Arms control", "Missile defense"],
    "republications": [{"name": "The Moscow Times", "date": "2013-07-02"}],
}


@pytest.fixture
def essay_file(tmp_path) -> Path:
    return write(tmp_path / "in" / "essay.txt", "Arms Control After New START", ARMS, SIDECAR)


def reimport(path: Path, **options) -> object:
    return import_path(path, ImportOptions(**options))


def revise(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text("utf-8").replace(old, new), "utf-8")


def revise_sidecar(path: Path, **changes) -> None:
    import json

    sidecar = path.with_suffix(".json")
    sidecar.write_text(json.dumps({**json.loads(sidecar.read_text("utf-8")), **changes}), "utf-8")


def test_changed_in_the_file_only_the_file_wins(essay_file):
    essay = import_path(essay_file).essay
    revise(essay_file, "Arms Control After New START", "After New START: Arms Control")
    revise_sidecar(essay_file, authors=["Igor Ivanov", "Ellen Tauscher"], date="2013-06-17")

    outcome = reimport(essay_file)

    assert outcome.action == UPDATED
    assert outcome.changed == ["title", "authors", "date"]
    assert outcome.conflicts == [] and outcome.kept == []
    essay.refresh_from_db()
    assert essay.title == "After New START: Arms Control"
    assert essay.byline == "Igor Ivanov and Ellen Tauscher"
    assert (essay.published_on, essay.date_precision) == (datetime.date(2013, 6, 17), "day")


def test_changed_by_a_curator_only_the_curators_value_stays(essay_file):
    essay = import_path(essay_file).essay
    essay.title = "Arms Control after New START"
    essay.save()
    essay.topics.remove(Topic.objects.get(name="Missile defense"))
    Republication.objects.filter(essay=essay).delete()
    revise(essay_file, "Geneva", "Vienna")  # the file changes the body only

    outcome = reimport(essay_file)

    assert (outcome.action, outcome.changed, outcome.conflicts) == (UPDATED, ["body"], [])
    assert outcome.kept == ["title", "republications", "topics"]
    essay.refresh_from_db()
    assert essay.title == "Arms Control after New START"
    assert "Vienna" in essay.body
    assert list(essay.topics.values_list("name", flat=True)) == ["Arms control"]
    assert not essay.republications.exists()


def test_changed_in_both_the_curator_stays_and_the_conflict_is_named(essay_file):
    essay = import_path(essay_file).essay
    essay.title = "Arms Control after New START"
    essay.save()
    revise(essay_file, "Arms Control After New START", "Arms Control After New START, Revised")
    revise(essay_file, "Geneva", "Vienna")

    outcome = reimport(essay_file)

    [conflict] = outcome.conflicts
    assert str(conflict) == (
        "title: the archive keeps “Arms Control after New START” (edited since the last import); "
        "the file says “Arms Control After New START, Revised”"
    )
    assert outcome.changed == ["body"]
    assert Essay.objects.get().title == "Arms Control after New START"


def test_prefer_file_takes_the_files_value_for_the_conflicting_fields(essay_file):
    essay = import_path(essay_file).essay
    essay.title = "Arms Control after New START"
    essay.save()
    essay.authorships.filter(position=1).delete()  # a curator removes Igor Ivanov
    revise(essay_file, "Arms Control After New START", "Arms Control, Revised")
    revise_sidecar(essay_file, authors=["Ellen Tauscher", "Igor Ivanov", "Samuel Charap"])

    outcome = reimport(essay_file, prefer_file=True)

    assert [(c.label, c.file_taken) for c in outcome.conflicts] == [
        ("title", True),
        ("authors", True),
    ]
    assert str(outcome.conflicts[1]) == (
        "authors: the file's “Ellen Tauscher; Igor Ivanov; Samuel Charap” replaces the archive's "
        "“Ellen Tauscher” (the file's value was preferred)"
    )
    essay.refresh_from_db()
    assert essay.title == "Arms Control, Revised"
    assert essay.byline == "Ellen Tauscher, Igor Ivanov and Samuel Charap"


def test_a_dry_run_shows_exactly_what_the_import_then_does(essay_file):
    essay = import_path(essay_file).essay
    essay.standfirst = "A curator's standfirst."
    essay.title = "Arms Control after New START"
    essay.save()
    revise(essay_file, "Arms Control After New START", "Arms Control, Revised")
    revise_sidecar(essay_file, topics=["Arms control", "NATO"])
    before = Essay.objects.values().get()

    dry = reimport(essay_file, dry_run=True)
    assert Essay.objects.values().get() == before
    real = reimport(essay_file)

    def said(outcome) -> tuple:
        return outcome.action, outcome.changed, outcome.kept, [str(c) for c in outcome.conflicts]

    assert (
        said(dry)
        == said(real)
        == (
            UPDATED,
            ["topics"],
            ["standfirst"],
            [
                "title: the archive keeps “Arms Control after New START” (edited since the last "
                "import); the file says “Arms Control, Revised”"
            ],
        )
    )


def test_both_making_the_same_change_is_no_conflict(essay_file):
    essay = import_path(essay_file).essay
    essay.title = "Arms Control After New START, Revised"
    essay.save()
    revise(essay_file, "Arms Control After New START", "Arms Control After New START, Revised")
    outcome = reimport(essay_file)
    assert (outcome.action, outcome.conflicts, outcome.kept) == (UNCHANGED, [], [])


def test_a_conflict_is_named_once_and_prefer_file_settles_it_later(essay_file):
    essay = import_path(essay_file).essay
    Essay.objects.filter(pk=essay.pk).update(standfirst="")
    essay.refresh_from_db()
    essay.title = "Arms Control after New START"
    essay.save()
    revise(essay_file, "Arms Control After New START", "Arms Control, Revised")

    assert len(reimport(essay_file).conflicts) == 1
    again = reimport(essay_file)
    assert (again.action, again.conflicts) == (UNCHANGED, [])  # the same file: nothing to say
    settled = reimport(essay_file, prefer_file=True)
    assert (settled.action, settled.changed) == (UPDATED, ["title"])
    assert Essay.objects.get().title == "Arms Control, Revised"
    assert reimport(essay_file, prefer_file=True).action == UNCHANGED


def test_renaming_an_author_or_a_source_in_the_archive_is_not_a_change_of_the_file(essay_file):
    essay = import_path(essay_file).essay
    Author.objects.filter(name="Igor Ivanov").update(name="Igor S. Ivanov")
    essay.source.name = "The Atlantic Council of the United States"
    essay.source.save()
    revise(essay_file, "Geneva", "Vienna")

    outcome = reimport(essay_file)

    assert (outcome.changed, outcome.kept, outcome.conflicts) == (["body"], [], [])
    assert Author.objects.count() == 2
    essay.refresh_from_db()
    assert essay.byline == "Ellen Tauscher and Igor S. Ivanov"


def test_a_file_that_changes_a_field_a_curator_changed_back_is_taken(essay_file):
    essay = import_path(essay_file).essay
    essay.title = "A curator's title"
    essay.save()
    essay.title = "Arms Control After New START"  # changed back: as the import left it
    essay.save()
    revise(essay_file, "Arms Control After New START", "Arms Control, Revised")
    outcome = reimport(essay_file)
    assert (outcome.changed, outcome.conflicts) == (["title"], [])


def test_a_russian_essay_body_conflict_is_quoted_where_the_texts_part(tmp_path):
    path = write(tmp_path / "ru" / "budget.txt", "Санкции и бюджет", BUDGET)
    essay = import_path(path).essay
    essay.body = essay.body.replace("шестьдесят", "пятьдесят")
    essay.save()
    revise(path, "шестьдесят", "семьдесят")

    [conflict] = reimport(path).conflicts

    assert conflict.label == "body"
    assert conflict.archive_value.startswith("“…на нефть по пятьдесят долларов")
    assert conflict.file_value.startswith("“…на нефть по семьдесят долларов")
    assert "пятьдесят" in Essay.objects.get().body


def test_the_sidecars_status_is_a_field_like_the_others(essay_file):
    essay = import_path(essay_file).essay
    assert essay.status == Essay.Status.PUBLISHED
    revise_sidecar(essay_file, status="draft")
    assert reimport(essay_file).changed == ["status"]
    essay.refresh_from_db()
    essay.status = Essay.Status.PUBLISHED  # a curator publishes it anyway
    essay.save()
    revise_sidecar(essay_file, status="draft", topics=["Arms control"])
    outcome = reimport(essay_file)
    assert (outcome.changed, outcome.kept) == (["topics"], ["status"])
    assert Essay.objects.get().status == Essay.Status.PUBLISHED


def test_a_reimport_that_keeps_every_edit_writes_no_version(
    essay_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        essay = import_path(essay_file).essay
    with django_capture_on_commit_callbacks(execute=True):
        essay.title = "Arms Control after New START"
        essay.save()
    versions, updated = Version.objects.get_for_object(essay).count(), Essay.objects.get().updated
    revise(essay_file, "Arms Control After New START", "Arms Control, Revised")

    with django_capture_on_commit_callbacks(execute=True):
        outcome = reimport(essay_file)

    assert (outcome.action, len(outcome.conflicts)) == (UNCHANGED, 1)
    assert Version.objects.get_for_object(essay).count() == versions
    assert Essay.objects.get().updated == updated
    with django_capture_on_commit_callbacks(execute=True):
        reimport(essay_file, prefer_file=True)
    assert Version.objects.get_for_object(essay).count() == versions + 1


def test_an_admin_title_correction_survives_a_reimport_and_is_reported(tmp_path):
    """Issue 12, reproduction 2, as a curator does it: the admin form, then the command."""
    path = write(tmp_path / "essays" / "essay.txt", "Arms Control After New START", ARMS, SIDECAR)
    call_command("import_essays", str(tmp_path / "essays"), stdout=StringIO())
    essay = Essay.objects.get()
    curator = User.objects.create_superuser("curator", "c@example.org", "a long passphrase")
    client = Client()
    client.force_login(curator)
    url = f"/admin/archive/essay/{essay.pk}/change/"
    data = form_values(client.get(url).content.decode(), "essay_form")
    data["title"] = "Arms Control after New START"
    assert client.post(url, data).status_code == 302
    revise(path, "Arms Control After New START", "Arms Control After New START (2nd edition)")
    revise(path, "Geneva", "Vienna")

    out = StringIO()
    with transaction.atomic():
        call_command("import_essays", str(tmp_path / "essays"), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == f"{path}: updated: Arms Control after New START (body)"
    assert (
        "    conflict: title: the archive keeps “Arms Control after New START” (edited since the "
        "last import); the file says “Arms Control After New START (2nd edition)”"
    ) in lines
    assert lines[-1] == (
        "Imported 1 file(s): 0 created, 1 updated, 0 unchanged, 0 failed; 1 conflict(s) where "
        "a curator's edit was kept."
    )
    assert Essay.objects.get().title == "Arms Control after New START"
