"""A rebuild holds the index's write lock for minutes: curators' saves meanwhile neither wait for
it nor get lost (real processes: a rebuild paused half-way, a curator saving meanwhile)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_concurrency import BASE_DIR, assert_index_equals_database, manage, new_installation

ESSAYS = """
from archive.models import Essay
for n in range(3):
    Essay.objects.create(title=f"Essay {n} on arms control", body="<p>Stability.</p>",
                         status=Essay.Status.PUBLISHED)
"""

# The real rebuild, paused after its first document until the test says go on.
PAUSED_REBUILD = textwrap.dedent(
    """
    import sys
    from search.indexing import rebuild

    def progress(count):
        print("building", flush=True)
        sys.stdin.readline()

    print(rebuild(progress=progress, every=1))
    """
)

# A curator's save, the on-commit index update included; how long it took and what is queued.
SAVE = textwrap.dedent(
    """
    import json, time
    from django.db import transaction
    from archive.models import Essay
    from search.models import PendingIndexChange
    essay = Essay.objects.order_by("pk").first()
    started = time.perf_counter()
    with transaction.atomic():
        essay.title = "Renamed during the rebuild: quetzal"
        essay.save()
    print(json.dumps({"seconds": time.perf_counter() - started, "pk": essay.pk,
                      "queued": PendingIndexChange.objects.count()}))
    """
)

FOUND = """
import json
from haystack.query import SearchQuerySet
print(json.dumps(sorted(int(r.pk) for r in SearchQuerySet().auto_query("quetzal"))))
"""


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[dict[str, str]]:
    with new_installation(tmp_path) as env:
        env["SEARCH_LOCK_TIMEOUT"] = "5"  # a save that waited for the lock would be obvious
        manage(env, "shell", "-c", ESSAYS)
        yield env


def last_json(output: str):
    return json.loads(output.strip().splitlines()[-1])


def test_a_save_during_a_rebuild_is_queued_at_once_and_in_the_index_after_it(installation):
    rebuild = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", PAUSED_REBUILD],
        cwd=BASE_DIR,
        env=installation,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in rebuild.stdout:  # after the shell's own greeting
            if line.strip() == "building":
                break
        assert rebuild.poll() is None, "the rebuild ended before it was paused"
        saved = last_json(manage(installation, "shell", "-c", SAVE))
        assert saved["seconds"] < 1.5, saved  # not the 5 s lock wait
        assert saved["queued"] >= 1, saved  # the change waits in the queue for the rebuild
        _, err = rebuild.communicate("go\n", timeout=120)
    finally:
        rebuild.kill()
    assert rebuild.returncode == 0, err[-3000:]
    assert last_json(manage(installation, "shell", "-c", FOUND)) == [saved["pk"]]
    assert_index_equals_database(installation)
