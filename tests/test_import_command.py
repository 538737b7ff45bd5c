"""`manage.py import_essays`: folders, summaries, dry runs, and broken files among good ones."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from archive.models import Author, Essay

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
GOOD = "Talks\n\nArms control talks resumed.\n\nNothing was agreed.\n"
BROKEN = {
    "a-empty.txt": b"",
    "b-latin1.txt": "Caf\u00e9\n\nSoci\u00e9t\u00e9.".encode("latin-1"),
    "c-binary.txt": b"\x7fELF\x02\x01\x01\x00\x00\x00",
    "d-title-only.txt": b"Just a Title\n",
    "e-bad-sidecar.txt": b"Talks\n\nBody text.",
}


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_essays", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def broken_folder(folder: Path) -> Path:
    """Write two good essays and one of each broken kind into `folder`."""
    (folder / "good-1.txt").write_text(GOOD, encoding="utf-8")
    (folder / "good-2.txt").write_text(GOOD.replace("Talks", "More Talks"), encoding="utf-8")
    for name, data in BROKEN.items():
        (folder / name).write_bytes(data)
    (folder / "e-bad-sidecar.json").write_text('{"title": "Talks",', encoding="utf-8")
    return folder


@pytest.mark.django_db
def test_imports_the_seed_folder_then_changes_nothing():
    out, err = run(str(SEEDS))
    assert out.strip().splitlines()[-1] == (
        "Imported 2 file(s): 2 created, 0 updated, 0 unchanged, 0 failed."
    )
    assert err == ""

    out, err = run(str(SEEDS))
    assert out.strip() == "Imported 2 file(s): 0 created, 0 updated, 2 unchanged, 0 failed."
    assert Essay.objects.count() == 2
    assert Author.objects.count() == 2


@pytest.mark.django_db
def test_dry_run_reports_and_writes_nothing():
    out, _ = run(str(SEEDS), "--dry-run")
    lines = out.strip().splitlines()
    assert (
        lines[0] == f"{SEEDS / '000_6d9a5feafda786b2.txt'}: would create: No Pause for the “Reset”"
    )
    assert lines[-1] == (
        "Dry run, nothing written: would create 2, would update 0, unchanged 0, failed 0."
    )
    assert Essay.objects.count() == 0


@pytest.mark.django_db
def test_verbose_run_lists_what_changed(tmp_path):
    path = tmp_path / "talks.txt"
    path.write_text(GOOD, encoding="utf-8")
    run(str(path))
    path.write_text(GOOD.replace("Talks", "New Talks"), encoding="utf-8")
    out, _ = run(str(path), "-v", "2")
    assert out.splitlines()[0] == f"{path}: updated: New Talks (title)"


@pytest.mark.django_db
def test_broken_files_fail_one_line_each_and_the_rest_import(tmp_path):
    folder = broken_folder(tmp_path)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="5 file"):
        call_command("import_essays", str(folder), stdout=out, stderr=err)

    lines = err.getvalue().strip().splitlines()
    assert lines == [
        f"{folder / 'a-empty.txt'}: empty file",
        f"{folder / 'b-latin1.txt'}: cannot tell the text's encoding with confidence: it reads "
        "as Windows-1251 (“Cafй”) and as ISO-8859-1 (“Café”) equally well; save it as UTF-8",
        f"{folder / 'c-binary.txt'}: binary file (contains NUL bytes), not plain text",
        f"{folder / 'd-title-only.txt'}: no body: the file holds only a title line",
        f"{folder / 'e-bad-sidecar.txt'}: bad sidecar e-bad-sidecar.json: invalid JSON at line 1 "
        "column 19: Expecting property name enclosed in double quotes",
    ]
    assert out.getvalue().strip().splitlines()[-1] == (
        "Imported 7 file(s): 2 created, 0 updated, 0 unchanged, 5 failed."
    )
    assert sorted(Essay.objects.values_list("import_key", flat=True)) == [
        f"file:{folder.name}/good-1.txt",
        f"file:{folder.name}/good-2.txt",
    ]


@pytest.mark.django_db
def test_missing_path_and_named_sidecar_are_reported(tmp_path):
    sidecar = tmp_path / "x.json"
    sidecar.write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError):
        run(str(tmp_path / "nope.txt"), str(sidecar), str(SEEDS))
    assert Essay.objects.count() == 2


@pytest.mark.django_db
def test_many_files_without_a_terminal_print_no_progress_bar(tmp_path):
    for n in range(12):
        (tmp_path / f"essay-{n:02}.txt").write_text(GOOD.replace("Talks", f"Talks {n}"), "utf-8")
    out, err = run(str(tmp_path))
    assert err == ""  # the bar goes to a terminal only; captured stderr stays clean
    assert "12 created" in out
    assert Essay.objects.count() == 12


def test_real_command_exits_non_zero_and_imports_the_good_files(tmp_path):
    """Run manage.py in a child process on its own database file in a temporary data folder."""
    (tmp_path / "essays").mkdir()
    folder = broken_folder(tmp_path / "essays")
    shutil.copy(SEEDS / "004_eed9ee57534d1619.txt", folder)
    shutil.copy(SEEDS / "004_eed9ee57534d1619.json", folder)
    data_dir = tmp_path / "data"
    env = {**os.environ, "DATA_DIR": str(data_dir), "DEBUG": "true"}
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, cwd=ROOT, check=True, timeout=120)

    result = subprocess.run(
        [*manage, "import_essays", str(folder)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith(str(folder))]
    assert [line.split(": ", 1)[0] for line in failed] == [
        str(folder / name) for name in sorted(BROKEN)
    ]
    assert result.stderr.strip().splitlines()[len(BROKEN) :] == [
        "CommandError: 5 file(s) could not be imported (see above)."
    ]
    assert "Imported 8 file(s): 3 created, 0 updated, 0 unchanged, 5 failed." in result.stdout
    with sqlite3.connect(data_dir / "archive.sqlite3") as db:
        keys = sorted(key for (key,) in db.execute("SELECT import_key FROM archive_essay"))
    assert keys == [
        "file:essays/004_eed9ee57534d1619.txt",
        "file:essays/good-1.txt",
        "file:essays/good-2.txt",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_large_import_updates_the_search_index_once_per_chunk(
    tmp_path, search_index, monkeypatch
):
    from haystack import connections
    from haystack.inputs import Raw
    from haystack.query import SearchQuerySet

    from archive.management.commands import import_essays
    from search.models import PendingIndexChange

    monkeypatch.setattr(import_essays, "COMMIT_EVERY", 5)
    words = ["aardvark", "bison", "caribou", "dingo", "eland", "ferret", "gazelle", "hyena"]
    words += ["ibex", "jackal", "kudu", "lemur"]
    for n, word in enumerate(words):
        (tmp_path / f"essay-{n:02}.txt").write_text(
            f"On the {word}\n\nThe {word} roams.\n", "utf-8"
        )
    (tmp_path / "essay-03.txt").write_bytes(b"")  # a broken file amid a chunk
    index = connections["default"].get_backend()
    index.setup()
    before = index.latest_generation()

    with pytest.raises(CommandError, match="1 file"):
        run(str(tmp_path))

    assert Essay.objects.count() == 11
    assert PendingIndexChange.objects.count() == 0
    found = {r.title for r in SearchQuerySet().filter(content=Raw(" OR ".join(words)))[:20]}
    assert found == {f"On the {word}" for word in words if word != "dingo"}
    assert index.latest_generation() - before == 3  # 12 files in chunks of 5: 3 commits
