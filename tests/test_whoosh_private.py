"""Whoosh's private structures are used only where they are known (issue 11): with another Whoosh
than 2.7.4 (simulated in a subprocess), a warning says so and the archive takes Whoosh's public
paths for rebuilds, searches and saves, with the same answers."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.test_concurrency import manage, new_installation

# Run in `manage.py shell` after pretending the installed Whoosh is another release.
SCENARIO = textwrap.dedent(
    """
    import json
    from archive.models import Essay
    from search.backends import whoosh_private
    from search.indexing import compare_index, rebuild
    from haystack.query import SearchQuerySet
    for n in range(5):
        Essay.objects.create(title=f"Essay {n} on quokka talks", body="<p>Quokka.</p>",
                             status="published")
    written, _ = rebuild()
    essay = Essay.objects.first()
    essay.title = "Renamed wombat essay"
    essay.save()
    print(json.dumps({
        "available": whoosh_private.AVAILABLE,
        "problem": whoosh_private.PROBLEM,
        "written": written,
        "quokka": SearchQuerySet().auto_query("quokka").count(),
        "wombat": [r.title for r in SearchQuerySet().auto_query("wombat")],
        "differs": {k: sorted(v) for k, v in compare_index().items() if v},
    }))
    """
)

PRETEND = "import whoosh; whoosh.__version__ = (2, 7, 5)\n"


@pytest.fixture
def installation(tmp_path: Path):
    with new_installation(tmp_path) as env:
        env["LOG_LEVEL"] = "WARNING"
        yield env


def run(installation, pretend: bool) -> tuple[dict, str]:
    script = Path(installation["DATA_DIR"]) / "scenario.py"
    script.write_text((PRETEND if pretend else "") + SCENARIO)
    out = manage(installation, "shell", "-c", f"exec(open({str(script)!r}).read())")
    return json.loads(out.strip().splitlines()[-1]), out


def test_another_whoosh_release_takes_the_public_paths_with_a_warning(installation):
    result, _ = run(installation, pretend=True)
    assert result["available"] is False
    assert "Whoosh 2.7.5 is installed" in result["problem"]
    assert result["written"] == 5
    assert result["quokka"] == 5 and result["wombat"] == ["Renamed wombat essay"]
    assert result["differs"] == {}


def test_the_known_release_takes_the_private_paths(installation):
    result, _ = run(installation, pretend=False)
    assert result["available"] is True and result["problem"] is None
    assert result["quokka"] == 5 and result["wombat"] == ["Renamed wombat essay"]
    assert result["differs"] == {}


# Each process's import-time check, repeated, in several processes at once: what gunicorn's
# workers do when they start together.
CHECK_REPEATEDLY = textwrap.dedent(
    """
    import json, os
    import django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from search.backends import whoosh_private
    problems = [whoosh_private.PROBLEM] + [whoosh_private.check() for _ in range(12)]
    print(json.dumps([p for p in problems if p]))
    """
)


def test_workers_starting_together_all_take_the_private_paths(installation):
    """Whoosh's RamStorage kept a writer's temporary files in one folder of the system's temp
    directory named after the index, so processes checking at the same moment deleted each
    other's files and fell back to the public paths (2 of 3 gunicorn workers, seen in use)."""
    import subprocess
    import sys

    from tests.test_concurrency import BASE_DIR

    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CHECK_REPEATEDLY],
            cwd=BASE_DIR,
            env=installation,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    problems = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-3000:]
        problems += json.loads(out.strip().splitlines()[-1])
    assert problems == []
