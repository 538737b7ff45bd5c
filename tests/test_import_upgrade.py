"""Upgrading loses nothing and duplicates nothing: essays imported before identities were paths
(keyed by their file's stem or sidecar id) are found again by the next import (issue 12)."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from reversion.models import Version

from archive.history.restore import restore_essay
from archive.importing import CREATED, UNCHANGED, UPDATED, ImportOptions, import_path
from archive.models import Essay
from tests.test_import_identity import ARMS, BUDGET, write

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
BEFORE = ("archive", "0006_source_disclaimer_variants")


def run(*args) -> str:
    out = StringIO()
    call_command("import_essays", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(target)


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def as_before_the_upgrade(essay: Essay, old_key: str) -> None:
    """Make `essay` what migration 0007 leaves of an essay the old importer made: its old key
    marked as legacy, no record of what the import wrote."""
    Essay.objects.filter(pk=essay.pk).update(
        import_key=f"legacy:{old_key}", import_record={}, import_fingerprint=""
    )


@pytest.mark.django_db(transaction=True)
def test_make_run_after_the_upgrade_finds_the_seeds_again(tmp_path):
    """`make run` on an existing install imports fixtures/seeds again: with the old stem keys
    carried through the real migration, it must find both essays, not add two more."""
    seeds = shutil.copytree(SEEDS, tmp_path / "seeds")
    run(seeds)
    pks = sorted(Essay.objects.values_list("pk", flat=True))
    try:
        migrate([BEFORE])  # the schema before; its keys are the old importer's (file stems)
        with connection.cursor() as cursor:
            cursor.execute("SELECT import_key FROM archive_essay ORDER BY import_key")
            assert [key for (key,) in cursor.fetchall()] == [
                "000_6d9a5feafda786b2",
                "004_eed9ee57534d1619",
            ]
    finally:
        migrate(latest())
    assert sorted(Essay.objects.values_list("import_key", flat=True)) == [
        "legacy:000_6d9a5feafda786b2",
        "legacy:004_eed9ee57534d1619",
    ]
    assert all(Essay.objects.values_list("text_fingerprint", flat=True))

    out = run(seeds)

    assert out.strip().splitlines()[-1] == (
        "Imported 2 file(s): 0 created, 0 updated, 2 unchanged, 0 failed."
    )
    assert "note: found again: imported before this upgrade from a file named “000_6d9a" in out
    assert sorted(Essay.objects.values_list("pk", flat=True)) == pks
    assert sorted(Essay.objects.values_list("import_key", flat=True)) == [
        "file:seeds/000_6d9a5feafda786b2.txt",
        "file:seeds/004_eed9ee57534d1619.txt",
    ]
    assert all(Essay.objects.values_list("import_record", flat=True))
    assert run(seeds).strip() == "Imported 2 file(s): 0 created, 0 updated, 2 unchanged, 0 failed."


@pytest.mark.django_db
def test_an_old_essay_edited_by_a_curator_keeps_the_edit_when_its_file_changed(tmp_path):
    path = write(tmp_path / "a" / "essay.txt", "Arms Control After New START", ARMS)
    essay = import_path(path).essay
    as_before_the_upgrade(essay, "essay")
    Essay.objects.filter(pk=essay.pk).update(title="Arms Control after New START")  # a curator
    path.write_text(path.read_text("utf-8").replace("Geneva", "Vienna"), "utf-8")

    outcome = import_path(path)

    assert (outcome.action, outcome.essay.pk) == (UNCHANGED, essay.pk)
    # Without a record, what the file last held is unknown: every difference is a conflict.
    assert [conflict.label for conflict in outcome.conflicts] == ["title", "body"]
    assert Essay.objects.get(pk=essay.pk).title == "Arms Control after New START"
    assert "Geneva" in Essay.objects.get(pk=essay.pk).body

    preferred = import_path(path, ImportOptions(prefer_file=True))
    assert preferred.action == UPDATED
    essay = Essay.objects.get(pk=essay.pk)
    assert (essay.title, "Vienna" in essay.body) == ("Arms Control After New START", True)


@pytest.mark.django_db
def test_an_old_key_shared_by_chance_is_not_taken_over(tmp_path):
    """Two unrelated `essay.txt` used to be one essay; the one it holds now is not another's."""
    old = import_path(write(tmp_path / "b" / "essay.txt", "Санкции и бюджет", BUDGET)).essay
    as_before_the_upgrade(old, "essay")

    other = import_path(write(tmp_path / "a" / "essay.txt", "Arms Control", ARMS))
    same = import_path(tmp_path / "b" / "essay.txt")

    assert other.action == CREATED and other.essay.pk != old.pk
    assert other.notes == [
        f"essay #{old.pk} “Санкции и бюджет”, imported before from a file named “essay”, "
        "holds another text: not taken for this file"
    ]
    assert (same.action, same.essay.pk) == (UNCHANGED, old.pk)
    assert Essay.objects.get(pk=old.pk).import_key == "file:b/essay.txt"


@pytest.mark.django_db
def test_a_revised_file_of_an_old_essay_is_taken_over(tmp_path):
    path = write(tmp_path / "a" / "essay.txt", "Arms Control After New START", ARMS)
    essay = import_path(path).essay
    as_before_the_upgrade(essay, "essay")
    revised = [ARMS[0], ARMS[1].replace("1,550", "about 1,550"), ARMS[2]]
    write(path, "Arms Control: A Revised View", revised)  # a new title and an edited paragraph

    outcome = import_path(path)

    assert outcome.essay.pk == essay.pk
    assert outcome.notes[0] == "found again: imported before this upgrade from a file named “essay”"


@pytest.mark.django_db
def test_an_old_sidecar_id_is_taken_over_whatever_the_text(tmp_path):
    path = write(tmp_path / "a" / "one.txt", "Arms Control", ARMS, {"id": "valdai-17"})
    essay = import_path(path).essay
    as_before_the_upgrade(essay, "valdai-17")
    write(tmp_path / "b" / "renamed.txt", "Санкции и бюджет", BUDGET, {"id": "valdai-17"})

    outcome = import_path(tmp_path / "b" / "renamed.txt")

    assert (outcome.essay.pk, outcome.essay.import_key) == (essay.pk, "id:valdai-17")
    assert (
        outcome.notes[0] == "found again: imported before this upgrade from sidecar id “valdai-17”"
    )


@pytest.mark.django_db(transaction=True)
def test_a_deleted_essay_restored_from_before_the_upgrade_gets_its_key_as_legacy(tmp_path):
    path = write(tmp_path / "a" / "essay.txt", "Arms Control After New START", ARMS)
    with transaction.atomic():
        essay = import_path(path).essay
    with transaction.atomic():
        Essay.objects.get(pk=essay.pk).delete()
    # Deleted before the upgrade: its last version holds the old importer's key.
    deleted = Version.objects.get_deleted(Essay).get()
    deleted.serialized_data = deleted.serialized_data.replace('"file:a/essay.txt"', '"essay"')
    deleted.save()
    with transaction.atomic():
        restore_essay(Version.objects.get_deleted(Essay).get(), user=None)
    assert Essay.objects.get(pk=essay.pk).import_key == "legacy:essay"

    outcome = import_path(path)

    assert (outcome.action, outcome.essay.pk) == (UNCHANGED, essay.pk)
    assert Essay.objects.get().import_key == "file:a/essay.txt"
